"""Edge services: S3 credentials and linkshare URLs for an access grant.

Storj's edge (the S3-compatible gateway and the linkshare service) does not
take access grants directly: an auth service registers a grant and hands
back S3 credentials. This mirrors uplink-c's ``edge_register_access`` and
``edge_join_share_url``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import _native
from ._native import calls
from .module_classes import EdgeConfig, EdgeCredentials

if TYPE_CHECKING:
    from .access import Access

__all__ = ["EdgeConfig", "EdgeCredentials", "register_access", "join_share_url"]


def register_access(config: EdgeConfig, access: "Access", is_public: bool = False
                    ) -> EdgeCredentials:
    """Registers ``access`` with the auth service of ``config``; returns EdgeCredentials
    (access key id, secret key, gateway endpoint).

    ``is_public`` lets anyone who knows the access key id read through the
    linkshare service (the secret key is still needed for S3). Share a
    restricted access (Access.share) rather than a full one. Raises
    EdgeRegisterAccessFailedError when the service cannot be reached or
    refuses the grant (what uplink-c reports too).
    """
    from .access import Access  # pylint: disable=import-outside-toplevel
    if not isinstance(access, Access):
        raise TypeError(f"access must be an Access, not {type(access).__name__}")
    handle = access._handle  # pylint: disable=protected-access
    with _native.redacting(calls.access_serialize(handle)):
        return calls.edge_register_access2(config, handle, is_public)


def join_share_url(base_url: str, access_key_id: str, bucket: str = "", key: str = "",
                   raw: bool = False) -> str:
    """Returns the linkshare URL of an object, a prefix (``key`` ending in "/"), a
    bucket (empty ``key``) or the whole project (empty ``bucket``).

    ``base_url`` is the linkshare service (e.g. https://link.storjshare.io);
    ``raw`` links to the object's bytes instead of its landing page (objects
    only). Raises StorjException (InternalError) for invalid combinations,
    such as a key without a bucket.
    """
    return calls.edge_join_share_url(base_url, access_key_id, bucket, key, raw)
