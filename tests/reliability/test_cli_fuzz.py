"""Fuzzing uplink-py: random arguments and locations end with exit status 0, 1 or 2 and,
when they fail, one line on standard error (one per location that failed, for a
command given several); never a traceback.

Runs in this process against the local network (uplink_python.cli.main), with
buckets that do not exist and paths inside a scratch directory, so nothing real
is touched. 60 runs, times UPLINK_RELIABILITY_ROUNDS (scripts/fuzz.sh), or
UPLINK_CLI_FUZZ_EXAMPLES runs.
"""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
from typing import Any, List

from hypothesis import HealthCheck, example, given, settings, strategies as st

from _reliability import rounds
from uplink_python.cli import main

EXAMPLES = int(os.environ.get("UPLINK_CLI_FUZZ_EXAMPLES", "0")) or rounds(60)
COMMANDS = ["ls", "rb", "cp", "mv", "sync", "cat", "rm", "access", "access import",
            "access list", "access inspect", "access use", "access remove", "frob", ""]
FLAGS = ["-r", "--recursive", "--dry-run", "--json", "-o", "json", "--all-versions", "--pending",
         "-H", "--summarize", "--delete", "--exclude", "*", "--include", "a*", "--range",
         "bytes=1-2", "--range", "x", "--expires", "+1h", "--expires", "never", "--metadata",
         "{}", "--metadata", "{", "-t", "0", "-t", "2", "-p", "3", "--part-size", "1",
         "--progress", "--no-progress", "--utc", "--force", "-v", "--access", "garbage",
         "--", "-", "--help-me"]
LOCATIONS = ["sj://", "sj:///k", "sj://fuzz-none-7f3a", "sj://fuzz-none-7f3a/",
             "sj://fuzz-none-7f3a/logs", "sj://fuzz-none-7f3a/logs/", "sj://UPPER/k",
             "s3://b/k", "https://x", "-", "{tmp}/missing", "{tmp}/file", "{tmp}/dir",
             "{tmp}/dir/", "sj://fuzz-none-7f3a/a//b", "sj://fuzz-none-7f3a/../x"]


def run(argv: List[str]) -> Any:
    # Standard output as a terminal's has it: text over a binary buffer, which cat and
    # cp to "-" write the object's bytes to.
    raw = io.BytesIO()
    out, err = io.TextIOWrapper(raw, encoding="utf-8", write_through=True), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            status = main(argv)
        except SystemExit as exc:
            status = exc.code if isinstance(exc.code, int) else 1
    out.flush()
    return status, raw.getvalue().decode(errors="replace"), err.getvalue()


token = st.one_of(st.sampled_from(FLAGS), st.sampled_from(LOCATIONS),
                  st.text(min_size=0, max_size=12))


@settings(max_examples=EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(command=st.sampled_from(COMMANDS), tokens=st.lists(token, max_size=6))
# Found by clean-checkout runs: each missing location is its own line; cat writes to
# standard output's binary buffer.
@example(command="rm", tokens=["sj://fuzz-none-7f3a/logs", "sj://fuzz-none-7f3a/logs"])
@example(command="cat", tokens=["sj://fuzz-none-7f3a/logs"])
def test_random_command_lines_fail_in_one_line(testnet: Any, leak_check: None, command: str,
                                               tokens: List[str]) -> None:
    with tempfile.TemporaryDirectory(prefix="cli-fuzz-") as scratch:
        os.mkdir(os.path.join(scratch, "dir"))
        with open(os.path.join(scratch, "file"), "wb") as handle:
            handle.write(b"fuzz")
        before = sorted(os.listdir(scratch))
        argv = [*command.split(), *(text.replace("{tmp}", scratch) for text in tokens)]
        if "--access" not in argv:
            argv += ["--access", testnet.access]
        argv += ["--config-dir", os.path.join(scratch, "config")]
        status, out, err = run(argv)
        assert "Traceback" not in err and "Traceback" not in out
        assert status in (0, 1, 2), (argv, status, err)
        if status:
            lines = err.splitlines()
            # A usage error is one line; a failure is one line per location that
            # failed (rm of several locations goes on past the first).
            named = sum(text.startswith(("sj://", "{tmp}")) or text == "-" for text in tokens)
            assert 1 <= len(lines) <= (1 if status == 2 else max(1, named)), (argv, err)
            assert all(line.startswith("uplink-py") for line in lines), (argv, err)
        # Downloads into the scratch directory may add files; nothing there is removed.
        assert set(before) <= set(os.listdir(scratch)) | {"config"}
