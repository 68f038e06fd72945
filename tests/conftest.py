"""Session-wide pytest fixtures, for every tier (unit/, network/, reliability/, docs/):
this folder goes on sys.path, so each tier imports the shared helpers here
(_testnet, uplink_fixtures, _cabi, _libuplinkc, _child) by name.

``testnet``: a real local Storj network (1 satellite, 5 storage nodes; see
tests/testnet and tests/_testnet.py; started by scripts/testnet.sh), started once per
session, or the one named
by ``UPLINK_TESTNET_INFO_FILE`` (its JSON info file) for fast edit-test loops:

    UPLINK_TESTNET_INFO=/tmp/testnet.json scripts/testnet.sh &   # once
    UPLINK_TESTNET_INFO_FILE=/tmp/testnet.json pytest tests/...  # many times

It yields a ``_testnet.NetworkInfo`` with satellite_url, satellite_address,
api_key, access (a serialized grant), passphrase and pid. Start-up problems
fail the tests that need the network; they are never skipped.
"""

from __future__ import annotations

import os
import signal
import sys
from typing import Iterator

import pytest

_TESTS = os.path.dirname(os.path.abspath(__file__))
if _TESTS not in sys.path:
    sys.path.insert(0, _TESTS)

from _testnet import NetworkInfo, network_session  # noqa: E402

# The Ctrl-C tests send SIGINT to the Python processes they start (and to this one).
# A runner started as a background job of a non-interactive shell (`cmd &` in a
# script, nohup) ignores SIGINT, exec passes the ignore on, and such a Python never
# gets KeyboardInterrupt. Restore Python's own handler: its children then start with
# the default disposition and install theirs.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

try:
    # Fixtures for the uplink_python tests (uplink, access, project, bucket, ...).
    from uplink_fixtures import *  # noqa: E402,F401,F403
except ImportError as _exc:  # pragma: no cover
    # uplink_python is not importable (not built yet): keep the network tests
    # runnable; the tests that import uplink_python fail at collection anyway.
    if not (getattr(_exc, "name", None) or "").startswith("uplink_python"):
        raise
    sys.stderr.write(f"conftest: uplink fixtures unavailable: {_exc}\n")


@pytest.fixture(scope="session")
def testnet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NetworkInfo]:
    """The running local Storj network's credentials (started once per session)."""
    with network_session(tmp_path_factory) as info:
        yield info
