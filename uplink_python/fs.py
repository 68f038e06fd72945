"""fsspec file system for Storj: ``sj://bucket/key`` paths for pandas, pyarrow,
dask, xarray, universal-pathlib and anything else that speaks fsspec.

Needs the ``fsspec`` extra (``pip install uplink-python[fsspec]``), which
registers the protocols ``sj`` and ``storj``::

    fs = fsspec.filesystem("sj", access=serialized_grant)
    with fsspec.open("sj://bucket/data.csv", "rb", access=serialized_grant) as f:
        ...

Paths are ``bucket/key``; the empty path lists the buckets. Directories are
key prefixes: they exist while an object lies under them, ``mkdir`` of a
bare bucket name creates the bucket and ``rmdir`` deletes an empty one. Copies
and moves happen on the network (``cp_file``, ``mv``); ``rm`` deletes in bulk.
Storj errors become the builtin ``OSError`` subclasses fsspec users expect
(FileNotFoundError, FileExistsError, PermissionError).

It is an fsspec ``AsyncFileSystem`` on top of ``uplink_python.aio``: the
``_``-prefixed coroutines are the implementation, fsspec's sync wrappers give
the usual methods, and bulk calls (``cat`` of many paths, ``get``/``put`` of
folders, ``rm`` of many) run concurrently. ``fsspec.filesystem("sj",
asynchronous=True)`` inside a running loop gives the coroutines themselves.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import errno
import os
import time
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple, Union

from fsspec.asyn import AsyncFileSystem, get_loop
from fsspec.callbacks import DEFAULT_CALLBACK, Callback
from fsspec.spec import AbstractFileSystem, make_instance

from . import errors
from .access import Access
from .aio import AsyncProject
from .credentials import default_access
from .edge import join_share_url, register_access
from .fs_file import StorjAsyncFile, StorjFile, file_errors
from .module_classes import (Bucket, Config, DeleteStatus, DownloadOptions, EdgeConfig,
                             ListObjectsOptions, Object, Permission, SharePrefix)
from .project import Project
from .transfer import TransferConfig
from .uplink import Uplink

AccessLike = Union[str, Access]
Info = Dict[str, Any]

__all__ = ["StorjFileSystem"]


@contextlib.contextmanager
def _translated(path: str) -> Iterator[None]:
    """Raises the builtin OSError that matches a StorjException, the Storj error
    as its cause."""
    try:
        yield
    except (errors.ObjectNotFoundError, errors.BucketNotFoundError) as exc:
        raise FileNotFoundError(errno.ENOENT, exc.message or "not found", path) from exc
    except (errors.BucketAlreadyExistError, errors.FailedPreconditionError) as exc:
        raise FileExistsError(errno.EEXIST, exc.message or "exists", path) from exc
    except errors.BucketNotEmptyError as exc:
        raise OSError(errno.ENOTEMPTY, exc.message or "bucket not empty", path) from exc
    except (errors.PermissionDeniedError, errors.ObjectProtectedError) as exc:
        raise PermissionError(errno.EACCES, exc.message or "permission denied", path) from exc
    except (errors.BucketNameInvalidError, errors.ObjectKeyInvalidError) as exc:
        raise OSError(errno.EINVAL, exc.message or "invalid name", path) from exc


def _time(unix: int) -> Optional[datetime.datetime]:
    return datetime.datetime.fromtimestamp(unix, tz=datetime.timezone.utc) if unix else None


class _Cached(type(AbstractFileSystem)):  # type: ignore[misc]
    """fsspec reuses instances whose arguments print alike; two Access objects
    print alike (their repr never shows the grant), so with one no instance is reused."""

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        if any(isinstance(value, Access) for value in (*args, *kwargs.values())):
            kwargs["skip_instance_cache"] = True
        return super().__call__(*args, **kwargs)


def _discovered_grant() -> str:
    """The serialized grant that default_access finds; raises NoAccessError."""
    with default_access() as access:
        grant: str = access.serialize()
    return grant


class StorjFileSystem(AsyncFileSystem, metaclass=_Cached):  # type: ignore[misc]
    """Storj buckets and objects as an fsspec file system (protocols ``sj``, ``storj``).

    ``access``: a serialized access grant, or an Access (which the file system
    uses but does not close). Without it, ``StorjFileSystem.access_discovery``
    (a function that returns either) is asked: by default the grant that
    ``uplink_python.default_access()`` finds (STORJ_ACCESS, the STORJ_SATELLITE /
    STORJ_API_KEY / STORJ_PASSPHRASE variables, the uplink CLI's config). ``config``: the Config
    to open the project with. ``edge`` (an EdgeConfig) and ``linkshare_url``
    enable ``sign``. ``transfer_config`` (a TransferConfig, checked when the file
    system is made: its parts must be at least 5 MiB) says how ``put_file`` and
    ``get_file`` split large files and how many parts move at once, and is the
    part size (``block_size``) of files opened for writing; ``part_size`` and
    ``concurrency``, when given, replace its fields. ``asynchronous=True``
    (inside a running event loop) makes the ``_``-prefixed coroutines the ones
    to call. ``close()`` frees the native handles.
    """

    protocol = ("sj", "storj")
    root_marker = ""
    _pid: int      # set by AsyncFileSystem.__init__: the process that made it
    _loop: Any
    # The hook for default credentials: returns an access grant or an Access.
    access_discovery: Optional[Callable[[], AccessLike]] = _discovered_grant

    def __init__(self, access: Optional[AccessLike] = None, *, config: Optional[Config] = None,
                 edge: Optional[EdgeConfig] = None, linkshare_url: Optional[str] = None,
                 part_size: Optional[int] = None, concurrency: Optional[int] = None,
                 transfer_config: Optional[TransferConfig] = None,
                 asynchronous: bool = False, loop: Any = None,
                 **storage_options: Any) -> None:
        # Checked first, so that a bad config fails before any credentials are looked up.
        self.transfer_config = TransferConfig.of(transfer_config, part_size,
                                                 concurrency).for_upload()
        super().__init__(asynchronous=asynchronous, loop=loop, **storage_options)
        discover = type(self).access_discovery
        if access is None and discover is not None:
            access = discover()
        if access is None:
            raise ValueError("StorjFileSystem needs access=: a serialized access grant or "
                             "an Access")
        self._grant: Optional[str] = None
        self._given_access: Optional[Access] = None
        self._owned_access: Optional[Access] = None
        if isinstance(access, Access):
            self._given_access = access
        elif isinstance(access, str):
            self._grant = access
        else:
            raise TypeError(f"access must be a serialized access grant or an Access, "
                            f"not {type(access).__name__}")
        self._config = config
        self._edge = edge
        self._linkshare_url = linkshare_url
        self._project: Optional[Project] = None
        self._aproject: Optional[AsyncProject] = None

    # -- plumbing

    @property
    def loop(self) -> Any:
        """The event loop the sync methods run on (fsspec's io thread). In a
        forked child it is the child's own: fsspec's AsyncFileSystem refuses the
        parent's, and a file system made before a fork keeps working, as its
        Project does (which reopens in the child)."""
        if self._pid != os.getpid():
            self._pid = os.getpid()
            if not self.asynchronous:
                self._loop = get_loop()
        return self._loop

    @property
    def _access(self) -> Access:
        if self._given_access is not None:
            return self._given_access
        if self._owned_access is None or self._owned_access.closed:
            assert self._grant is not None
            self._owned_access = Uplink().parse_access(self._grant)
        return self._owned_access

    @property
    def project(self) -> Project:
        """The open Project (opened at first use, again after close())."""
        if self._project is None or self._project.closed:
            self._project = self._access.config_open_project(self._config)
        return self._project

    @property
    def aproject(self) -> AsyncProject:
        """The open project as an AsyncProject (on the same native project as ``project``)."""
        project = self.project
        if self._aproject is None or self._aproject.sync is not project:
            self._aproject = AsyncProject(project)
        return self._aproject

    def close(self) -> None:
        """Closes the project, and the access when the file system parsed it, freeing
        their native handles. The file system stays usable: it opens them again when
        needed (fsspec reuses instances)."""
        project, self._project = self._project, None
        self._aproject = None
        owned, self._owned_access = self._owned_access, None
        try:
            if project is not None:
                project.close()
        finally:
            if owned is not None:
                owned.close()

    def __reduce__(self) -> Any:
        # An Access cannot be pickled: send the grant, as dask does with credentials.
        options = dict(self.storage_options)
        args = list(self.storage_args)
        if isinstance(options.get("access"), Access):
            options["access"] = options["access"].serialize()
        if args and isinstance(args[0], Access):
            args[0] = args[0].serialize()
        return make_instance, (type(self), tuple(args), options)

    @classmethod
    def _strip_protocol(cls, path: Any) -> Any:
        if isinstance(path, list):
            return [cls._strip_protocol(p) for p in path]
        if not isinstance(path, (str, os.PathLike)):
            raise TypeError(f"path must be a str, not {type(path).__name__}")
        text: str = super()._strip_protocol(path)
        return text.lstrip("/")

    def _split(self, path: str) -> Tuple[str, str]:
        """(bucket, key) of a path."""
        bucket, _, key = self._strip_protocol(path).partition("/")
        return bucket, key

    # -- entries

    def _bucket_info(self, bucket: Bucket) -> Info:
        return {"name": bucket.name, "size": 0, "type": "directory",
                "created": _time(bucket.created)}

    def _object_info(self, bucket: str, item: Object) -> Info:
        if item.is_prefix:
            return {"name": f"{bucket}/{item.key.rstrip('/')}", "size": 0, "type": "directory"}
        system = item.system
        created = _time(system.created)
        info: Info = {"name": f"{bucket}/{item.key}", "size": system.content_length,
                      "type": "file", "created": created, "mtime": created,
                      "expires": _time(system.expires)}
        if item.custom.entries:
            info["metadata"] = item.custom.to_dict()
        return info

    async def _objects(self, bucket: str, prefix: str, recursive: bool) -> List[Object]:
        with _translated(f"{bucket}/{prefix}"):
            return await self.aproject.list_objects(
                bucket, ListObjectsOptions(prefix=prefix, recursive=recursive, system=True))

    async def _ls(self, path: str, detail: bool = True, **kwargs: Any
                  ) -> Union[List[Info], List[str]]:
        """Lists a directory (a bucket, or a prefix in one), or the buckets for ``""``,
        sorted by name. A file lists as itself. Raises FileNotFoundError."""
        entries = await self._entries(path)
        return entries if detail else [entry["name"] for entry in entries]

    async def _entries(self, path: str) -> List[Info]:
        bucket, key = self._split(path)
        if not bucket:
            with _translated(path):
                entries = [self._bucket_info(b) for b in await self.aproject.list_buckets()]
        else:
            prefix = key.rstrip("/") + "/" if key else ""
            entries = [self._object_info(bucket, item)
                       for item in await self._objects(bucket, prefix, recursive=False)]
            if not entries:
                # a file, an empty bucket, or FileNotFoundError
                entries = [await self._info(path)]
                if entries[0]["type"] == "directory":
                    entries = []
        entries.sort(key=lambda entry: entry["name"])
        return entries

    async def _info(self, path: str, **kwargs: Any) -> Info:
        """Describes a file, a directory (prefix) or a bucket: name, size, type,
        created (and mtime, expires, metadata for files). Raises FileNotFoundError."""
        bucket, key = self._split(path)
        if not bucket:
            return {"name": "", "size": 0, "type": "directory"}
        with _translated(path):
            if not key:
                return self._bucket_info(await self.aproject.stat_bucket(bucket))
            if not key.endswith("/"):
                with contextlib.suppress(errors.ObjectNotFoundError):
                    return self._object_info(bucket,
                                             await self.aproject.stat_object(bucket, key))
        listing = self.aproject.iter_objects(
            bucket, ListObjectsOptions(prefix=key.rstrip("/") + "/", system=True))
        async with listing:
            with _translated(path):
                async for _ in listing:
                    return {"name": f"{bucket}/{key.rstrip('/')}", "size": 0,
                            "type": "directory"}
        raise FileNotFoundError(errno.ENOENT, "no such object or prefix", path)

    async def _find(self, path: str, maxdepth: Optional[int] = None, withdirs: bool = False,
                    detail: bool = False, **kwargs: Any) -> Union[List[str], Dict[str, Info]]:
        """Every file below ``path`` (and the directories, with ``withdirs``), from
        one recursive listing per bucket, sorted by name."""
        if maxdepth is not None and maxdepth < 1:
            raise ValueError("maxdepth must be at least 1")
        path = self._strip_protocol(path)
        bucket, key = self._split(path)
        found: Dict[str, Info] = {}
        if not bucket:
            for entry in await self._entries(""):
                if withdirs:
                    found[entry["name"]] = entry
                if maxdepth is None or maxdepth > 1:
                    below = await self._find(entry["name"],
                                             None if maxdepth is None else maxdepth - 1,
                                             withdirs, detail=True)
                    assert isinstance(below, dict)
                    found.update(below)
        else:
            base = key.rstrip("/") + "/" if key else ""
            root = f"{bucket}/{base}"
            for item in await self._objects(bucket, base, recursive=True):
                info = self._object_info(bucket, item)
                parts = info["name"][len(root):].split("/")
                if maxdepth is not None and len(parts) > maxdepth:
                    if withdirs:
                        self._add_dirs(found, root, parts[:maxdepth])
                    continue
                found[info["name"]] = info
                if withdirs:
                    self._add_dirs(found, root, parts[:-1])
            if found and withdirs:
                found[path] = {"name": path, "size": 0, "type": "directory"}
            if not found and key:
                with contextlib.suppress(FileNotFoundError):
                    info = await self._info(path)
                    if info["type"] == "file":
                        found[path] = info
        names = sorted(found)
        return {name: found[name] for name in names} if detail else names

    @staticmethod
    def _add_dirs(found: Dict[str, Info], root: str, parts: List[str]) -> None:
        for depth in range(1, len(parts) + 1):
            name = root + "/".join(parts[:depth])
            found.setdefault(name, {"name": name, "size": 0, "type": "directory"})

    def created(self, path: str) -> datetime.datetime:
        """When the object (or bucket) was created, in UTC. Raises FileNotFoundError."""
        created = self.info(path).get("created")
        if created is None:
            raise IsADirectoryError(errno.EISDIR, "a prefix has no creation time", path)
        result: datetime.datetime = created
        return result

    def modified(self, path: str) -> datetime.datetime:
        """Objects are never changed in place: the creation time of the latest version."""
        return self.created(path)

    # -- buckets and directories

    async def _mkdir(self, path: str, create_parents: bool = True, **kwargs: Any) -> None:
        """Creates the bucket of a bare bucket name (FileExistsError when it exists).
        A deeper path needs no creating: its bucket is created when
        ``create_parents`` (FileNotFoundError otherwise, when it is missing)."""
        bucket, key = self._split(path)
        with _translated(path):
            if not key:
                await self.aproject.create_bucket(bucket)
            elif create_parents:
                await self.aproject.ensure_bucket(bucket)
            else:
                await self.aproject.stat_bucket(bucket)

    async def _makedirs(self, path: str, exist_ok: bool = False) -> None:
        """Creates the bucket unless it exists (FileExistsError for a bare bucket name
        that exists, unless ``exist_ok``)."""
        bucket, key = self._split(path)
        if not key and not exist_ok:
            await self._mkdir(path)
            return
        with _translated(path):
            await self.aproject.ensure_bucket(bucket)

    def rmdir(self, path: str) -> None:
        """Deletes an empty bucket (OSError ENOTEMPTY when it is not). A prefix vanishes
        with its last object, so for one this does nothing."""
        bucket, key = self._split(path)
        if not key:
            with _translated(path):
                self.project.delete_bucket(bucket)

    # -- reading and writing

    def _open(self, path: str, mode: str = "rb", block_size: Optional[int] = None,
              autocommit: bool = True, cache_options: Optional[Dict[str, Any]] = None,
              **kwargs: Any) -> StorjFile:
        """A StorjFile (fsspec's buffered file): ``"rb"``, ``"wb"`` or ``"xb"``;
        inside ``fs.transaction`` writes are committed at its end."""
        if mode not in ("rb", "wb", "xb", "ab"):
            raise ValueError(f"mode must be 'rb', 'wb' or 'xb', not {mode!r}")
        if mode == "xb" and self.exists(path):
            raise FileExistsError(errno.EEXIST, "the object exists", path)
        return StorjFile(self, path, mode, block_size=block_size, autocommit=autocommit,
                         cache_options=cache_options, **kwargs)

    async def open_async(self, path: str, mode: str = "rb", **kwargs: Any) -> StorjAsyncFile:
        """A StorjAsyncFile (fsspec's async streamed file) on the running loop:
        ``"rb"`` reads the object, ``"wb"`` stores it at close, ``"xb"`` too, unless
        the key exists (FileExistsError at close). ``custom_metadata`` and
        ``expires`` apply to writes. Raises FileNotFoundError for a missing object."""
        if mode not in ("rb", "wb", "xb"):
            raise ValueError(f"mode must be 'rb', 'wb' or 'xb', not {mode!r}")
        if kwargs.get("compression"):
            raise ValueError("open_async does not compress")
        path = self._strip_protocol(path)
        bucket, key = self._split(path)
        project = self.aproject
        with file_errors(path):
            if mode == "rb":
                return StorjAsyncFile(self, path, mode,
                                      reader=await project.open(bucket, key, "rb"))
            writer = await project.open(bucket, key, "xb" if mode == "xb" else "wb",
                                        custom_metadata=kwargs.get("custom_metadata"),
                                        expires=kwargs.get("expires"),
                                        transfer_config=self.transfer_config)
        return StorjAsyncFile(self, path, mode, writer=writer)

    async def _cat_file(self, path: str, start: Optional[int] = None,
                        end: Optional[int] = None, **kwargs: Any) -> bytes:
        """The object's bytes ``[start:end]`` (negative counts from the end, as in
        slices), fetched as one ranged download. Raises FileNotFoundError."""
        bucket, key = self._split(path)
        project = self.aproject
        with _translated(path):
            if (start is not None and start < 0) or (end is not None and end < 0):
                size = (await project.stat_object(bucket, key)).system.content_length
                start = max(size + start, 0) if start is not None and start < 0 else start
                end = max(size + end, 0) if end is not None and end < 0 else end
            offset = start or 0
            if end is not None and end <= offset:
                await project.stat_object(bucket, key)   # missing objects still raise
                return b""
            length = -1 if end is None else end - offset
            try:
                return await project.get_object(bucket, key, offset=offset, length=length)
            except errors.StorjException as exc:
                if isinstance(exc, (errors.ObjectNotFoundError, errors.BucketNotFoundError)):
                    raise
                # A range beyond the end is refused; a slice of it is empty.
                size = (await project.stat_object(bucket, key)).system.content_length
                if offset >= size:
                    return b""
                raise

    async def _pipe_file(self, path: str, value: bytes, mode: str = "overwrite",
                         **kwargs: Any) -> None:
        """Stores ``value`` as the object; ``mode="create"`` raises FileExistsError
        when it exists (checked by the satellite at commit)."""
        bucket, key = self._split(path)
        if mode not in ("overwrite", "create"):
            raise ValueError(f"mode must be 'overwrite' or 'create', not {mode!r}")
        project = self.aproject
        with _translated(path):
            if mode == "overwrite" and kwargs.get("custom_metadata") is None:
                await project.put_object(bucket, key, value)
                return
            upload = await project.upload_object(
                bucket, key, if_none_match="*" if mode == "create" else None)
            async with upload:
                await upload.write(value)
                if kwargs.get("custom_metadata") is not None:
                    upload.set_custom_metadata(kwargs["custom_metadata"])

    async def _put_file(self, lpath: str, rpath: str, callback: Callback = DEFAULT_CALLBACK,
                        mode: str = "overwrite", **kwargs: Any) -> None:
        """Uploads a local file (AsyncProject.upload_file with the transfer_config: a
        multipart upload, ``concurrency`` parts at a time, when larger than its
        ``part_size``). A local directory needs nothing: prefixes are implied."""
        if os.path.isdir(lpath):
            return
        if mode == "create" and await self._exists(rpath):
            raise FileExistsError(errno.EEXIST, "the object exists", rpath)
        bucket, key = self._split(rpath)
        callback.set_size(os.path.getsize(lpath))
        with _translated(rpath):
            await self.aproject.upload_file(bucket, key, lpath,
                                            progress=callback.relative_update,
                                            custom_metadata=kwargs.get("custom_metadata"),
                                            transfer_config=self.transfer_config)

    async def _get_file(self, rpath: str, lpath: Any, callback: Callback = DEFAULT_CALLBACK,
                        outfile: Any = None, **kwargs: Any) -> None:
        """Downloads an object to a local path or file object; a directory becomes
        a local directory. An object larger than the transfer_config's ``part_size``
        comes as ``concurrency`` ranged downloads at a time (AsyncProject.download_file)."""
        bucket, key = self._split(rpath)
        target = outfile if outfile is not None else lpath
        local = isinstance(target, (str, os.PathLike))
        if local:
            if not key:
                os.makedirs(target, exist_ok=True)
                return
            os.makedirs(os.path.dirname(os.path.abspath(target)), exist_ok=True)
        try:
            with _translated(rpath):
                stored = await self.aproject.download_file(
                    bucket, key, target, progress=callback.relative_update,
                    transfer_config=self.transfer_config)
        except FileNotFoundError:
            if not (local and await self._isdir(rpath)):
                raise
            os.makedirs(target, exist_ok=True)
            return
        callback.set_size(stored.system.content_length)

    async def _cp_file(self, path1: str, path2: str, **kwargs: Any) -> None:
        """Copies an object on the network (nothing is downloaded); with ``_move``,
        moves it. A directory (prefix) needs no copying."""
        bucket1, key1 = self._split(path1)
        bucket2, key2 = self._split(path2)
        try:
            with _translated(path1):
                if kwargs.get("_move"):
                    await self.aproject.move_object(bucket1, key1, bucket2, key2)
                else:
                    await self.aproject.copy_object(bucket1, key1, bucket2, key2)
        except FileNotFoundError:
            # A directory (prefix) has no object to copy. fsspec copies a
            # directory's files concurrently with it: once they are moved, the
            # directory is found under its new name instead.
            if not key1 or not (await self._isdir(path1) or (
                    kwargs.get("_move") and await self._isdir(path2))):
                raise

    def mv(self, path1: Any, path2: Any, recursive: bool = False,
           maxdepth: Optional[int] = None, **kwargs: Any) -> None:
        """Moves objects on the network (server-side moves: nothing is downloaded).
        Paths, globs and ``recursive`` work as in ``copy``."""
        if path1 == path2:
            return
        self.copy(path1, path2, recursive=recursive, maxdepth=maxdepth, on_error="raise",
                  _move=True)

    # -- deleting

    async def _rm_file(self, path: str, **kwargs: Any) -> None:
        """Deletes one object; raises FileNotFoundError when there is none."""
        bucket, key = self._split(path)
        with _translated(path):
            if await self.aproject.delete_object(bucket, key) is None:
                raise errors.ObjectNotFoundError("no such object")

    async def _rm(self, path: Any, recursive: bool = False, batch_size: Optional[int] = None,
                  maxdepth: Optional[int] = None, **kwargs: Any) -> None:
        """Deletes files (in bulk, up to 1000 per request, the buckets concurrently)
        and, with ``recursive``, everything below directories. A bare bucket name
        deletes the bucket (with its objects when ``recursive``). Raises
        FileNotFoundError when nothing matches, PermissionError for objects that may
        not be deleted."""
        paths = await self._expand_path(path, recursive=recursive, maxdepth=maxdepth)
        # A name that others lie below is a directory: there is no object to delete.
        directories = {name.rsplit("/", 1)[0] for name in paths if "/" in name}
        keys: Dict[str, List[str]] = {}
        buckets: List[str] = []
        for name in paths:
            bucket, key = self._split(name)
            if not key:
                buckets.append(bucket)
            elif name not in directories:
                keys.setdefault(bucket, []).append(key)
        missing = sum(await asyncio.gather(*(self._delete_keys(bucket, bucket_keys)
                                             for bucket, bucket_keys in keys.items())))
        if not buckets and missing == len(paths):
            raise FileNotFoundError(errno.ENOENT, "no such object", path)
        for bucket in buckets:
            with _translated(bucket):
                if recursive:
                    await self.aproject.delete_bucket_with_objects(bucket)
                else:
                    await self.aproject.delete_bucket(bucket)

    async def _delete_keys(self, bucket: str, keys: List[str]) -> int:
        """Deletes keys of one bucket in bulk; returns how many were missing."""
        with _translated(bucket):
            results = await self.aproject.delete_objects(bucket, keys)
        refused = [r.key for r in results
                   if r.status not in (DeleteStatus.OK, DeleteStatus.NOT_FOUND)]
        if refused:
            raise PermissionError(errno.EACCES, f"could not delete {len(refused)} "
                                  f"object(s), such as {refused[0]!r}", bucket)
        return sum(1 for r in results if r.status == DeleteStatus.NOT_FOUND)

    # -- sharing

    def sign(self, path: str, expiration: int = 100, **kwargs: Any) -> str:
        """A public URL to the object's bytes through the linkshare service, valid
        for ``expiration`` seconds: a read-only access for this one key is
        registered with the edge auth service. Needs ``edge`` and ``linkshare_url``
        (NotImplementedError otherwise)."""
        if self._edge is None or not self._linkshare_url:
            raise NotImplementedError("sign needs edge=EdgeConfig(...) and linkshare_url=...")
        bucket, key = self._split(path)
        if not key:
            raise IsADirectoryError(errno.EISDIR, "only an object can be signed", path)
        not_after = int(time.time()) + int(expiration)
        with _translated(path):
            self.project.stat_object(bucket, key)
            with self._access.share(Permission(allow_download=True, not_after=not_after),
                                    [SharePrefix(bucket, key)]) as shared:
                credentials = register_access(self._edge, shared, is_public=True)
        return join_share_url(self._linkshare_url, credentials.access_key_id, bucket, key,
                              raw=True)
