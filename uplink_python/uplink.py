"""Entry point of the binding: get an Access from a satellite or a serialized grant."""

from __future__ import annotations

from typing import Optional

from . import _native
from ._native import calls
from .access import Access
from .module_classes import Config
from .retry import NO_RETRY


_LIBRARY_VIEW = _native.LibraryView()


class Uplink:
    """Creates Access objects; holds no state, so any number may exist.

    The native library is loaded on first use (see LibUplinkSoError).
    """

    @property
    def m_libuplink(self) -> _native.LibraryView:
        """The original's library object, read-only: each of its functions goes
        through the same gate as every other call, with the declared signature."""
        return _LIBRARY_VIEW

    def request_access_with_passphrase(self, satellite: str, api_key: str,
                                       passphrase: str) -> Access:
        """Asks the satellite for an access grant for api_key's project, encrypted with passphrase.

        Returns an Access; raises StorjException (e.g. InternalError for an
        unreachable satellite or a bad API key), TypeError/ValueError for bad arguments.
        """
        return NO_RETRY.call(
            "request_access_with_passphrase",
            lambda: Access(calls.config_request_access_with_passphrase2(
                None, satellite, api_key, passphrase), self),
            describe=_satellite_for_log(satellite))

    def config_request_access_with_passphrase(self, config: Optional[Config], satellite: str,
                                              api_key: str, passphrase: str) -> Access:
        """Like request_access_with_passphrase, dialing with the settings of ``config``."""
        if config is None:
            config = Config()
        return NO_RETRY.call(
            "config_request_access_with_passphrase",
            lambda: Access(calls.config_request_access_with_passphrase2(
                config, satellite, api_key, passphrase), self),
            describe=_satellite_for_log(satellite))

    def parse_access(self, serialized_access: str) -> Access:
        """Returns the Access of a serialized grant; raises StorjException when it is malformed."""
        return NO_RETRY.call("parse_access",
                             lambda: Access(calls.parse_access(serialized_access), self,
                                            grant=serialized_access))

    def __repr__(self) -> str:
        return "Uplink()"


def _satellite_for_log(satellite: object) -> str:
    """The satellite address for a log record: it is no secret, but only a str is shown."""
    return repr(satellite[:200]) if isinstance(satellite, str) else type(satellite).__name__
