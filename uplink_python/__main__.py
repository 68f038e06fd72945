"""``python -m uplink_python``: the uplink-py command line (see uplink_python.cli)."""

from .cli import entry_point

entry_point()
