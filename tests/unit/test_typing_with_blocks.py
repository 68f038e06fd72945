"""mypy types what a with-block binds (no network: mypy only reads the code).

The documented pattern ``with default_access() as a, a.open_project() as p:``
must give ``a`` and ``p`` (and everything opened from them) their classes,
not Any: __enter__ returns the object with its own type.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

SNIPPET = '''
from uplink_python import Uplink, default_access

with default_access() as a, a.open_project() as p:
    reveal_type(a)
    reveal_type(p)
    with p.upload_object("b", "k") as up:
        reveal_type(up)
    with p.download_object("b", "k") as down:
        reveal_type(down)
    with p.iter_objects("b") as objects:
        reveal_type(objects)
    with p.upload_part("b", "k", "id", 1) as part:
        reveal_type(part)
    with p.open("b", "k", "wb") as writer:
        reveal_type(writer)
    with p.open("b", "k") as reader:
        reveal_type(reader)
with Uplink().parse_access("x") as parsed:
    reveal_type(parsed)
'''

EXPECTED = [
    "uplink_python.access.Access",
    "uplink_python.project.Project",
    "uplink_python.upload.Upload",
    "uplink_python.download.Download",
    "uplink_python.listing.Listing[uplink_python.module_classes.Object]",
    "uplink_python.multipart.PartUpload",
    "uplink_python.files.ObjectWriter",
    "uplink_python.files.ObjectReader",
    "uplink_python.access.Access",
]


def test_with_blocks_bind_their_classes(tmp_path: Path) -> None:
    snippet = tmp_path / "snippet.py"
    snippet.write_text(SNIPPET)
    run = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental",
         "--cache-dir", str(tmp_path / "cache"), str(snippet)],
        cwd=str(REPO), capture_output=True, text=True, timeout=600,
        env={"PATH": "/usr/bin:/bin", "MYPYPATH": str(REPO)})
    revealed = re.findall(r'Revealed type is "([^"]+)"', run.stdout)
    assert revealed == EXPECTED, run.stdout + run.stderr
    # Nothing else: no error in the snippet, and no Any anywhere.
    assert run.returncode == 0, run.stdout + run.stderr
