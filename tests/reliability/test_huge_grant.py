"""A grant of megabytes parses and serializes natively, without a network."""

from __future__ import annotations

import pytest

from uplink_python import Uplink
from uplink_python.module_classes import Permission, SharePrefix

from _libuplinkc import OFFLINE_ACCESS

pytestmark = pytest.mark.usefixtures("leak_check")


def test_a_grant_of_a_one_mib_prefix_round_trips() -> None:
    # Past 16 KiB parse_access decodes the grant itself instead of through
    # Go's parser, and serialize divides and conquers: both must give Go's
    # bytes back. No timing here (see benchmarks/grant.py).
    uplink = Uplink()
    access = uplink.parse_access(OFFLINE_ACCESS)
    prefix = "p" * (1 << 20) + "/é\xff/end"
    with access.share(Permission(allow_download=True), [SharePrefix("offline-bucket", prefix)]) as shared:
        serialized = shared.serialize()
    assert len(serialized) > 1 << 20
    with uplink.parse_access(serialized) as parsed:
        assert parsed.serialize() == serialized
        assert parsed.satellite_address() == access.satellite_address()
        # Opening a project reads the grant's time bounds (no network until a
        # call), which must not serialize the grant again.
        assert parsed.not_after is None
        with parsed.open_project():
            pass
    with pytest.raises(Exception, match="invalid access grant"):
        uplink.parse_access(serialized[:-1] + ("2" if serialized[-1] != "2" else "3"))
    access.close()
