"""Access: a parsed access grant (satellite, API key, encryption keys)."""

from __future__ import annotations

import datetime
import os
from typing import TYPE_CHECKING, Any, Callable, Iterable, Optional, Union

from . import _native
from ._native import calls
from .module_classes import Config, EdgeConfig, EdgeCredentials, Permission, SharePrefix
from .retry import NO_RETRY

if TYPE_CHECKING:
    from .project import Project
    from .uplink import Uplink


class EncryptionKey(_native.HandleOwner):
    """An encryption key from Access.derive_encryption_key, for override_encryption_key."""

    def __init__(self, handle: _native.Handle) -> None:
        self._handle = handle

    def close(self) -> None:
        """Frees the key; later calls do nothing."""
        self._handle.release()

    def __reduce__(self) -> Any:
        raise TypeError("an EncryptionKey cannot be pickled")

    def __repr__(self) -> str:
        return f"<EncryptionKey {'closed' if self.closed else 'open'}>"


def _utc_or_none(seconds: int) -> Optional[datetime.datetime]:
    """Unix seconds as a UTC datetime; 0 (no bound) as None."""
    return datetime.datetime.fromtimestamp(seconds, datetime.timezone.utc) if seconds else None


Recipe = Callable[[], _native.Handle]


def _project_recipe(access_recipe: Recipe, config: Optional[Config]) -> Recipe:
    """Opens the project again in a forked child: from the grant, with the same Config."""
    def reopen() -> _native.Handle:
        access = access_recipe()
        try:
            return calls.config_open_project2(config, access)
        finally:
            access.release()
    return reopen


class Access(_native.HandleOwner):
    """An access grant; opens projects and derives restricted grants.

    Obtain one from Uplink. ``close()`` (or a ``with`` block) frees the native
    handle at once; otherwise it is freed when the object is collected. In a
    forked child it parses its grant again on first use (the grant stays in
    memory, never on disk), and so do the projects it opened.
    """

    def __init__(self, handle: _native.Handle, uplink: Optional["Uplink"] = None,
                 grant: Optional[str] = None) -> None:
        self._handle = handle
        self.uplink = uplink
        self._recipe: Optional[Recipe] = None
        self._remember_grant(grant)

    def _remember_grant(self, grant: Optional[str] = None) -> None:
        """Keeps the grant to reopen from after a fork: ``grant`` when the caller
        parsed the handle from it, else the handle serialized (a native call that
        takes seconds for a grant of megabytes)."""
        if not hasattr(os, "fork"):
            return   # no fork, nothing to reopen
        if grant is None:
            grant = calls.access_serialize(self._handle)
        self._recipe = lambda: calls.parse_access(grant)
        self._handle.reopen_with(self._recipe)

    def _open_project(self, config: Optional[Config]) -> _native.Handle:
        handle = calls.config_open_project2(config, self._handle)
        bounds = calls.access_time_bounds(self._handle)
        if any(bounds):  # the project's refusals can then say when the grant is valid
            handle.time_bounds = bounds
        if self._recipe is not None:
            handle.reopen_with(_project_recipe(self._recipe, config))
        return handle

    @property
    def access(self) -> Any:
        """The native handle in the original uplink-python's shape: a ctypes
        pointer to a copy of the C struct (``.contents._handle`` is its id).
        Read-only; raises ClosedError once closed."""
        return self._handle.c_pointer()

    def derive_encryption_key(self, passphrase: str, salt: Union[str, bytes]) -> EncryptionKey:
        """Derives a salted encryption key from passphrase (salt: str or bytes).

        Returns an EncryptionKey; raises StorjException, TypeError/ValueError for bad arguments.
        """
        self._handle.check()  # fail when closed
        return EncryptionKey(calls.derive_encryption_key(passphrase, salt))

    def override_encryption_key(self, bucket_name: str, prefix: str,
                                encryption_key: EncryptionKey) -> "Access":
        """Returns a new Access that encrypts objects under bucket_name/prefix with
        ``encryption_key``; this access is left unchanged. Raises StorjException."""
        if not isinstance(encryption_key, EncryptionKey):
            raise TypeError("encryption_key must be an EncryptionKey (from derive_encryption_key), "
                            f"not {type(encryption_key).__name__}")
        if _native.encode(bucket_name, "bucket_name") == b"":
            # Go accepts it and the override then applies to no bucket at all.
            raise ValueError("bucket_name must not be empty")
        self._handle.check()  # fail early when closed
        serialized = self.serialize()
        clone = Access(calls.parse_access(serialized), self.uplink, grant=serialized)
        try:
            calls.access_override_encryption_key(clone._handle, bucket_name, prefix,
                                                 encryption_key._handle)
            clone._remember_grant()
        except BaseException:
            clone.close()
            raise
        return clone

    def serialize(self) -> str:
        """Returns the grant as a string for Uplink.parse_access. It is a secret: keep it safe."""
        return calls.access_serialize(self._handle)

    def satellite_address(self) -> str:
        """Returns the address of the satellite this grant belongs to."""
        return calls.access_satellite_address(self._handle)

    @property
    def not_before(self) -> Optional[datetime.datetime]:
        """When this grant starts to be valid, as a UTC ``datetime``, or None when no
        share set ``not_before``. Read from the grant itself (the latest bound of
        the shares it came through); no network. Raises ClosedError when closed."""
        return _utc_or_none(calls.access_time_bounds(self._handle)[0])

    @property
    def not_after(self) -> Optional[datetime.datetime]:
        """When this grant expires, as a UTC ``datetime``, or None when no share set
        ``not_after`` (the earliest bound of the shares it came through); no
        network. Raises ClosedError when closed."""
        return _utc_or_none(calls.access_time_bounds(self._handle)[1])

    def share(self, permissions: Optional[Permission] = None,
              shared_prefix: Optional[Iterable[SharePrefix]] = None) -> "Access":
        """Returns a new Access limited to ``permissions`` on the ``shared_prefix`` list
        (all of this access's buckets when empty). A Permission with Object Lock
        permissions or ``max_object_ttl`` is applied in full (uplink_access_share2).
        Raises StorjException."""
        # The extended permission set needs uplink_access_share2.
        row = (calls.access_share2 if isinstance(permissions, Permission) and permissions.extended
               else calls.access_share)
        return NO_RETRY.call("share", lambda: Access(
            row(self._handle, permissions, shared_prefix), self.uplink))

    def register_edge_credentials(self, config: EdgeConfig,
                                  is_public: bool = False) -> EdgeCredentials:
        """Registers this grant with an edge auth service and returns S3 credentials;
        the same as uplink_python.edge.register_access(config, self, is_public)."""
        from .edge import register_access  # pylint: disable=import-outside-toplevel
        return register_access(config, self, is_public)

    def open_project(self) -> "Project":
        """Opens the project of this grant; returns a Project. Raises StorjException."""
        from .project import Project  # pylint: disable=import-outside-toplevel
        return NO_RETRY.call("open_project",
                             lambda: Project(self._open_project(None), self.uplink))

    def config_open_project(self, config: Optional[Config]) -> "Project":
        """Like open_project, dialing with the settings of ``config``."""
        from .project import Project  # pylint: disable=import-outside-toplevel
        return NO_RETRY.call("config_open_project",
                             lambda: Project(self._open_project(config or Config()),
                                             self.uplink))

    def close(self) -> None:
        """Frees the native access; later calls do nothing."""
        self._handle.release()

    def __reduce__(self) -> Any:
        raise TypeError("an Access cannot be pickled; pass access.serialize() and "
                        "Uplink().parse_access() instead")

    def __repr__(self) -> str:
        return f"<Access {'closed' if self.closed else 'open'}>"
