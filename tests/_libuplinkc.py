"""Facts about libuplinkc shared by the tests of every tier: an access grant that parses
without a network, and the names a built library exports."""

from __future__ import annotations

import shutil
import subprocess
from typing import List

# A grant made once on a throw-away local network, restricted to one bucket. Parsing,
# serializing, sharing and key overrides are local, so the tests using it need no network.
OFFLINE_ACCESS = (
    "1DWQiQybSZCxu26mvPSgUB4UMwfxPDhMVkhubGXMEntNFhPDDyvHm2yiEWWu7HqbDZ4bRYSHkUehMV6RMmSGDvJDs"
    "X2fW6JxnHFDt2xcCEUEQYMnhYTAMQfKMb6TwZKfrqf66M9Dn3w77PEsqRzwo6ZZoHU8J73vrVZTRgBkTk7z5GJvy"
    "UVnoC2xbnyMbvTnDGqMjyGyPosJ9VkxJyMYb9FavxF1KeJoVJxn77z2GjbBnUqqmPNonsUbsZfabndf11jfCNapCY"
    "eH2KqbtHiaA1SZ5QdYGEoM16DRQeBJcwNW9KshJwKrST3kaiFnoxcMG8xLqZv7ygm34qBZAc1Ljf")


def exports(path: str) -> List[str]:
    """The uplink_* and edge_* functions the shared library at `path` exports, sorted."""
    nm = shutil.which("nm")
    assert nm, "nm (binutils) is needed to read the library's exports"
    out = subprocess.run([nm, "-D", "--defined-only", path], check=True,
                         capture_output=True, text=True).stdout
    names = [line.split()[-1] for line in out.splitlines() if line.strip()]
    return sorted(n for n in names if n.startswith(("uplink_", "edge_")))
