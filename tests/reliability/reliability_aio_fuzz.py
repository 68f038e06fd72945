"""The async variant of the reliability tier's random call sequences (run by the
"aio_fuzz" scenario of reliability_worker.py, in a child process so that a crash is a
failed test).

Each sequence is one asyncio.run: random calls on AsyncProject, AsyncUpload,
AsyncDownload and AsyncListing, drawn from a seeded random.Random, with misuse (closed
objects, bad bucket names, keys, sizes and types), cancels at random points
(task.cancel() after a random delay, asyncio.wait_for with a tiny timeout), several
calls in flight at once (asyncio.gather), multipart uploads (begin, parts, commit, abort,
each of them cancelled at times) and every kind of listing (objects, buckets, versions,
pending uploads, parts). It holds that:
- no call raises anything but a StorjException, CancelledError / TimeoutError when it was
  cancelled, or ValueError / TypeError when it was given an argument it must refuse;
- no sequence hangs (SEQUENCE_BOUND);
- a model of what each key holds (bytes, absent, or unknown after an outcome the caller
  cannot know) agrees with every read, stat and listing, and with the network at the end
  of the sequence: bytes read back equal bytes written, a put or commit reported
  cancelled stored nothing, a committed multipart upload holds its parts in order;
- the listings agree with the model: the buckets, one version per stored key, the
  pending uploads that were begun and not ended (and no other, but for begins that
  were cancelled), the parts whose upload was reported done (and no part whose upload
  was cancelled);
- once the sequence closed what it opened, no async operation is in flight
  (_async.in_flight(), _async.native_count()) and the handle table is empty.
"""

from __future__ import annotations

import asyncio
import gc
import random
import time
from typing import Any, Awaitable, Callable, Dict, List, Optional, Tuple

from uplink_python import (DownloadOptions, ListObjectVersionsOptions, ListUploadsOptions,
                           _native, aio)
from uplink_python._native import _async
from uplink_python.errors import InternalError, ObjectNotFoundError, StorjException

SEQUENCE_BOUND = 120.0  # seconds; a sequence on the local network that takes longer hangs
ABSENT = "absent"
UNKNOWN = "unknown"
BAD_BUCKETS = ["", "A", "no_underscores", "x" * 70, "-bad-"]


class Figures:
    sequences = 0
    calls = 0
    cancels = 0
    called: Dict[str, int] = {}
    raised: Dict[str, int] = {}
    problems: List[str] = []
    # Plain InternalErrors by Go's text, with the calls that raised them (as in
    # reliability_fuzz.py): a caller's mistake must raise a class of its own.
    internal: Dict[str, Dict[str, int]] = {}


def _count(table: Dict[str, int], key: str) -> None:
    table[key] = table.get(key, 0) + 1


class Sequence:
    """One random call sequence on its own key prefix."""

    def __init__(self, access_grant: str, buckets: List[str], rng: random.Random,
                 number: int) -> None:
        self.grant = access_grant
        self.buckets = buckets
        self.rng = rng
        self.number = number
        self.prefix = f"s{number}-{rng.randrange(10**9)}/"
        self.keys = [self.prefix + name for name in ("a", "b", "dir/c", "ä/ü")]
        # (bucket, key) -> bytes, ABSENT or UNKNOWN; a generation counter per key says
        # whether a download opened earlier may still be checked.
        self.model: Dict[Tuple[str, str], Any] = {
            (b, k): ABSENT for b in buckets for k in self.keys}
        self.generation: Dict[Tuple[str, str], int] = {}
        self.busy: set = set()  # keys some call in flight may change
        self.projects: List[aio.AsyncProject] = []
        self.uploads: List[Dict[str, Any]] = []
        self.downloads: List[Dict[str, Any]] = []
        self.listings: List[Any] = []
        # Multipart uploads: {"bucket", "key", "id", "parts": {number: bytes or UNKNOWN},
        # "state": "live" | "gone" | UNKNOWN, "busy": bool}.
        self.multiparts: List[Dict[str, Any]] = []
        self.stray_begins = 0  # begins cancelled: pending uploads the model cannot name
        # Keys of single uploads (upload_object, put_object) that were not reported
        # committed: they are pending uploads too while (and a while after) they run.
        self.single_keys: set = set()

    # --- bookkeeping ---------------------------------------------------------------

    def problem(self, text: str) -> None:
        Figures.problems.append(f"sequence {self.number}: {text}")

    def set(self, where: Tuple[str, str], value: Any) -> None:
        if where in self.model:
            self.model[where] = value
            self.generation[where] = self.generation.get(where, 0) + 1

    def bucket(self) -> Tuple[str, bool]:
        """A bucket name and whether it is bad."""
        if self.rng.random() < 0.08:
            return self.rng.choice(BAD_BUCKETS), True
        return self.rng.choice(self.buckets), False

    def key(self) -> Tuple[str, bool]:
        roll = self.rng.random()
        if roll < 0.06:
            return self.rng.choice(["", "dir/"]), True
        if roll < 0.08:
            return "x" * 300, False  # odd but allowed: any class the network gives
        return self.rng.choice(self.keys), False

    def free_key(self) -> Optional[Tuple[str, str]]:
        """A good (bucket, key) no call in flight touches, or None."""
        choices = [w for w in self.model if w not in self.busy]
        return self.rng.choice(choices) if choices else None

    def data(self) -> Tuple[Any, bool]:
        roll = self.rng.random()
        if roll < 0.05:
            return self.rng.choice(["text", 12, None, [1, 2]]), True
        if roll < 0.15:
            size = self.rng.randrange(100_000, 400_000)  # remote segments
        elif roll < 0.25:
            size = 0
        else:
            size = self.rng.randrange(1, 20_000)
        return self.rng.randbytes(size), False

    def project(self) -> Optional[aio.AsyncProject]:
        return self.rng.choice(self.projects) if self.projects else None

    # --- running a call ------------------------------------------------------------

    async def call(self, name: str, make: Callable[[], Awaitable[Any]], bad: bool = False,
                   cancel: Optional[str] = None) -> Tuple[str, Any]:
        """Runs one call; returns ("ok", value), ("error", exception) or ("cancelled",
        exception). `cancel`: None, "task" (task.cancel() after a random delay) or
        "wait_for" (a tiny timeout)."""
        Figures.calls += 1
        _count(Figures.called, name)
        try:
            if cancel is None:
                value = await make()
            elif cancel == "task":
                Figures.cancels += 1
                task = asyncio.ensure_future(make())
                delay = self.rng.choice([None, 0, 0, 0.001, 0.003, 0.01, 0.03, 0.1])
                if delay is not None:
                    await asyncio.sleep(delay)
                task.cancel()
                value = await task
            else:
                Figures.cancels += 1
                value = await asyncio.wait_for(make(), self.rng.choice(
                    [0.0001, 0.001, 0.003, 0.01, 0.05]))
        except StorjException as exc:
            # First: StorjTimeoutError (a Config timeout on a loaded network) is a
            # TimeoutError too, and not the harness's cancel.
            _count(Figures.raised, f"{name}: {type(exc).__name__}")
            return "error", exc
        except (asyncio.CancelledError, asyncio.TimeoutError) as exc:
            if cancel is None:
                self.problem(f"{name} raised {type(exc).__name__} without a cancel")
                return "error", exc
            _count(Figures.raised, f"{name}: {type(exc).__name__}")
            return "cancelled", exc
        except (StorjException, ValueError, TypeError) as exc:
            _count(Figures.raised, f"{name}: {type(exc).__name__}")
            if type(exc) is InternalError:
                _count(Figures.internal.setdefault(exc.reason(), {}), name)
                if not exc.details.strip():
                    self.problem(f"{name} raised an InternalError without Go's text")
            if not bad and not isinstance(exc, StorjException):
                self.problem(f"{name} raised {type(exc).__name__} with good arguments: {exc}")
            return "error", exc
        except Exception as exc:  # noqa: BLE001 - a class no call may raise
            _count(Figures.raised, f"{name}: {type(exc).__name__}")
            self.problem(f"{name} raised {type(exc).__name__}: {exc!r}")
            return "error", exc
        return "ok", value

    def cancel_mode(self) -> Optional[str]:
        roll = self.rng.random()
        return None if roll < 0.7 else ("task" if roll < 0.87 else "wait_for")

    # --- operations ----------------------------------------------------------------

    async def op_open_project(self) -> None:
        if self.rng.random() < 0.05:
            status, value = await self.call("open_project", lambda: aio.open_project(
                self.grant[:-7] + "garbage"), bad=True)
        else:
            status, value = await self.call("open_project", lambda: aio.open_project(self.grant),
                                            cancel=self.rng.choice([None] * 5 + ["task"]))
        if status == "ok":
            self.projects.append(value)

    async def op_close_project(self) -> None:
        project = self.project()
        if project is not None:
            await self.call("project.close", project.close)

    async def op_put(self) -> None:
        project = self.project()
        where = self.free_key()
        if project is None or where is None:
            return
        bucket, key = where
        bad_name = False
        if self.rng.random() < 0.1:
            (bucket, bad_b), (key, bad_k) = self.bucket(), self.key()
            bad_name = bad_b or bad_k
        data, bad_data = self.data()
        where = (bucket, key)
        if where in self.busy:
            return
        before = self.model.get(where)
        self.single_keys.add(where)
        self.busy.add(where)
        try:
            status, value = await self.call(
                "put_object", lambda: project.put_object(bucket, key, data),
                bad=bad_name or bad_data, cancel=self.cancel_mode())
        finally:
            self.busy.discard(where)
        if status == "ok":
            self.set(where, bytes(data))
            if value.system.content_length != len(data):
                self.problem(f"put_object of {len(data)} bytes returned an Object of "
                             f"{value.system.content_length}")
        elif status == "cancelled":
            # Not stored: what was there stays. Checked at once when it was absent.
            if before == ABSENT and not project.closed:
                status2, exc = await self.call("stat_object",
                                               lambda: project.stat_object(bucket, key))
                if status2 == "ok":
                    self.problem(f"put_object of {key!r} reported cancelled, yet it is stored")
        elif where in self.model and not isinstance(value, (TypeError, ValueError)):
            # A close from another task can end the call after the satellite
            # committed (its answer is then lost with the connection): unknown.
            self.set(where, UNKNOWN)

    def expected(self, where: Tuple[str, str]) -> Any:
        return self.model.get(where, UNKNOWN)

    def changed(self, where: Tuple[str, str], generation: int) -> bool:
        """Whether a call that ran since ``generation`` was read changed or may
        still change ``where`` (one started after a check began can end before it)."""
        return where in self.busy or self.generation.get(where, 0) != generation

    async def op_get(self) -> None:
        project = self.project()
        if project is None:
            return
        (bucket, bad_b), (key, bad_k) = self.bucket(), self.key()
        offset = self.rng.choice([0, 0, 0, self.rng.randrange(0, 30_000), -1])
        length = self.rng.choice([-1, -1, self.rng.randrange(0, 30_000), 0, -2])
        bad = bad_b or bad_k or offset < 0 or length < -1
        where = (bucket, key)
        expected = self.expected(where) if where not in self.busy else UNKNOWN
        generation = self.generation.get(where, 0)
        status, value = await self.call(
            "get_object", lambda: project.get_object(bucket, key, offset=offset, length=length),
            bad=bad, cancel=self.cancel_mode())
        if bad or self.changed(where, generation):
            return
        if status == "ok":
            if expected == ABSENT:
                self.problem(f"get_object of absent {key!r} returned {len(value)} bytes")
            elif isinstance(expected, bytes) and offset <= len(expected):
                want = expected[offset:] if length < 0 else expected[offset:offset + length]
                if value != want:
                    self.problem(f"get_object {key!r} [{offset}:+{length}] returned "
                                 f"{len(value)} bytes, not the {len(want)} stored")
        elif status == "error" and isinstance(value, ObjectNotFoundError) \
                and isinstance(expected, bytes):
            self.problem(f"get_object: {key!r} is stored ({len(expected)} bytes) but "
                         f"ObjectNotFoundError")

    async def op_stat(self) -> None:
        project = self.project()
        if project is None:
            return
        (bucket, bad_b), (key, bad_k) = self.bucket(), self.key()
        where = (bucket, key)
        expected = self.expected(where)
        generation = self.generation.get(where, 0)
        status, value = await self.call("stat_object", lambda: project.stat_object(bucket, key),
                                        bad=bad_b or bad_k, cancel=self.cancel_mode())
        if self.changed(where, generation):
            return
        if status == "ok":
            if expected == ABSENT:
                self.problem(f"stat_object found absent {key!r}")
            elif isinstance(expected, bytes) and value.system.content_length != len(expected):
                self.problem(f"stat_object {key!r}: {value.system.content_length} bytes, "
                             f"{len(expected)} stored")
        elif isinstance(value, ObjectNotFoundError) and isinstance(expected, bytes):
            self.problem(f"stat_object: stored {key!r} not found")

    async def op_delete(self) -> None:
        project = self.project()
        where = self.free_key()
        if project is None or where is None:
            return
        bucket, key = where
        self.busy.add(where)
        try:
            status, value = await self.call("delete_object",
                                            lambda: project.delete_object(bucket, key),
                                            cancel=self.cancel_mode())
        finally:
            self.busy.discard(where)
        if status == "ok":
            if (value is None) != (self.model[where] == ABSENT) and self.model[where] != UNKNOWN:
                self.problem(f"delete_object {key!r} returned {value!r}, the model says "
                             f"{'absent' if self.model[where] == ABSENT else 'stored'}")
            self.set(where, ABSENT)
        elif status == "cancelled" or not project.closed:
            self.set(where, UNKNOWN)

    async def op_copy_or_move(self) -> None:
        project = self.project()
        source = self.free_key()
        if project is None or source is None:
            return
        self.busy.add(source)
        target = self.free_key()
        if target is None or target == source:
            self.busy.discard(source)
            return
        self.busy.add(target)
        move = self.rng.random() < 0.4
        name = "move_object" if move else "copy_object"
        fn = project.move_object if move else project.copy_object
        before = self.model[source]
        try:
            status, value = await self.call(name, lambda: fn(*source, *target),
                                            cancel=self.cancel_mode())
        finally:
            self.busy.discard(source)
            self.busy.discard(target)
        if status == "ok":
            if before == ABSENT:
                self.problem(f"{name} of absent {source[1]!r} succeeded")
            self.set(target, before)
            if move:
                self.set(source, ABSENT)
        elif status == "cancelled" or (not project.closed and before != ABSENT):
            self.set(target, UNKNOWN)
            if move:
                self.set(source, UNKNOWN)
        elif isinstance(value, ObjectNotFoundError) and isinstance(before, bytes):
            self.problem(f"{name}: stored {source[1]!r} not found")

    async def op_iter_objects(self) -> None:
        project = self.project()
        if project is None:
            return
        bucket, bad = self.bucket()
        stop_after = self.rng.choice([None, None, 0, 1, 2])

        async def listing() -> List[Any]:
            found: List[Any] = []
            async with project.iter_objects(bucket, prefix=self.prefix, recursive=True) as it:
                async for item in it:
                    found.append(item)
                    if stop_after is not None and len(found) > stop_after:
                        break
            return found
        snapshot = {w: v for w, v in self.model.items() if w[0] == bucket and w not in self.busy}
        generations = {w: self.generation.get(w, 0) for w in snapshot}
        status, value = await self.call("iter_objects", listing, bad=bad,
                                        cancel=self.cancel_mode())
        if status != "ok" or stop_after is not None:
            return
        listed = {o.key: o.system.content_length for o in value}
        for (b, key), state in snapshot.items():
            if self.changed((b, key), generations[(b, key)]):
                continue
            if isinstance(state, bytes) and listed.get(key) != len(state):
                self.problem(f"iter_objects: {key!r} ({len(state)} bytes) listed as "
                             f"{listed.get(key)}")
            elif state == ABSENT and key in listed:
                self.problem(f"iter_objects lists absent {key!r}")

    async def op_upload_object(self) -> None:
        project = self.project()
        if project is None:
            return
        (bucket, bad_b), (key, bad_k) = self.bucket(), self.key()
        status, value = await self.call("upload_object",
                                        lambda: project.upload_object(bucket, key),
                                        bad=bad_b or bad_k, cancel=self.cancel_mode())
        if status == "ok":
            self.single_keys.add((bucket, key))
            self.uploads.append({"upload": value, "where": (bucket, key), "data": bytearray(),
                                 "tainted": False})

    async def op_upload_action(self) -> None:
        if not self.uploads:
            return
        entry = self.rng.choice(self.uploads)
        upload, where = entry["upload"], entry["where"]
        action = self.rng.choice(["write", "write", "write", "commit", "abort", "close", "info"])
        if action == "write":
            data, bad = self.data()
            if not bad:
                data = data[:self.rng.choice([100_000, 5_000])]
            status, value = await self.call("upload.write", lambda: upload.write(data), bad=bad,
                                            cancel=self.cancel_mode())
            if status == "ok":
                entry["data"] += data
            elif status == "cancelled" or not bad:
                entry["tainted"] = True  # part of it may have gone
        elif action == "commit":
            if where in self.busy:
                return
            self.busy.add(where)
            try:
                status, value = await self.call("upload.commit", upload.commit,
                                                cancel=self.cancel_mode())
            finally:
                self.busy.discard(where)
            if status == "ok":
                self.set(where, UNKNOWN if entry["tainted"] else bytes(entry["data"]))
                entry["tainted"] = True  # a second commit must not store anything new
            elif status == "cancelled":
                pass  # nothing stored: the model keeps what was there
            elif not upload.closed and not entry["tainted"]:
                self.set(where, UNKNOWN)
        elif action == "abort":
            await self.call("upload.abort", upload.abort)
        elif action == "close":
            await self.call("upload.close", _sync(upload.close))
        else:
            await self.call("upload.info", _sync(upload.info))

    async def op_download_object(self) -> None:
        project = self.project()
        if project is None:
            return
        (bucket, bad_b), (key, bad_k) = self.bucket(), self.key()
        where = (bucket, key)
        offset, length = 0, -1
        options = None
        if self.rng.random() < 0.3:
            offset = self.rng.choice([0, 5, 1000, 15_000, -1])
            length = self.rng.choice([-1, 0, 10, 4000, -3])
            options = DownloadOptions(offset=offset, length=length)
        bad = bad_b or bad_k or offset < 0 or length < -1
        expected = self.expected(where) if where not in self.busy else UNKNOWN
        generation = self.generation.get(where, 0)
        status, value = await self.call(
            "download_object", lambda: project.download_object(bucket, key, options), bad=bad,
            cancel=self.cancel_mode())
        if status != "ok":
            return
        if isinstance(expected, bytes) and not bad and offset <= len(expected):
            expected = expected[offset:] if length < 0 else expected[offset:offset + length]
        else:
            expected = None
        self.downloads.append({"download": value, "where": where, "expected": expected,
                               "generation": generation, "position": 0, "spoiled": False})

    async def op_download_action(self) -> None:
        if not self.downloads:
            return
        entry = self.rng.choice(self.downloads)
        download = entry["download"]
        action = self.rng.choice(["read", "read", "readinto", "readall", "iterate", "close",
                                  "info"])
        got: Optional[bytes] = None
        if action == "read":
            size = self.rng.choice([1, 100, 5000, 70_000, -1, 0, "10", None])
            bad = size is not None and not isinstance(size, int)
            status, value = await self.call("download.read", lambda: download.read(size),
                                            bad=bad, cancel=self.cancel_mode())
            got = value if status == "ok" else None
        elif action == "readinto":
            buffer = self.rng.choice([bytearray(self.rng.choice([1, 4000, 50_000])),
                                      bytearray(0), b"read-only"])
            bad = isinstance(buffer, bytes)
            status, value = await self.call("download.readinto", lambda: download.readinto(buffer),
                                            bad=bad, cancel=self.cancel_mode())
            got = bytes(buffer[:value]) if status == "ok" else None
        elif action == "readall":
            status, value = await self.call("download.readall", download.readall,
                                            cancel=self.cancel_mode())
            got = value if status == "ok" else None
        elif action == "iterate":
            async def chunks() -> bytes:
                return b"".join([chunk async for chunk in download])
            status, value = await self.call("download.iterate", chunks, cancel=self.cancel_mode())
            got = value if status == "ok" else None
        elif action == "close":
            status, value = await self.call("download.close", _sync(download.close))
        else:
            status, value = await self.call("download.info", _sync(download.info))
        if status == "cancelled" or (status == "error" and action != "info"):
            entry["spoiled"] = True  # where the next read starts is not known
        if got is None or entry["spoiled"]:
            return
        expected = entry["expected"]
        where = entry["where"]
        if expected is not None and self.generation.get(where, 0) == entry["generation"]:
            start = entry["position"]
            want = expected[start:start + len(got)]
            if got != want:
                self.problem(f"download of {where[1]!r} read {len(got)} bytes at {start} that "
                             f"differ from what was stored ({len(want)} bytes there)")
        entry["position"] += len(got)

    async def op_listing(self) -> None:
        project = self.project()
        if project is None:
            return
        if self.listings and self.rng.random() < 0.6:
            listing = self.rng.choice(self.listings)
            if self.rng.random() < 0.7:
                async def step() -> Any:
                    try:
                        return await listing.__anext__()
                    except StopAsyncIteration:
                        return None
                await self.call("listing.next", step, cancel=self.cancel_mode())
            else:
                await self.call("listing.aclose", listing.aclose)
            return
        bucket, bad = self.bucket()
        status, value = await self.call(
            "iter_objects(open)", _sync(lambda: project.iter_objects(bucket, recursive=True)),
            bad=bad)
        if status == "ok":
            self.listings.append(value)

    async def op_gather(self) -> None:
        """Several calls in flight at once, each with its own cancel."""
        ops = [self.rng.choice(CONCURRENT)(self) for _ in range(self.rng.randrange(2, 6))]
        await asyncio.gather(*ops)

    # --- multipart uploads ----------------------------------------------------------

    def multipart(self) -> Optional[Dict[str, Any]]:
        """A live multipart upload no call in flight uses, or None."""
        choices = [m for m in self.multiparts if m["state"] == "live" and not m["busy"]]
        return self.rng.choice(choices) if choices else None

    async def op_begin_upload(self) -> None:
        project = self.project()
        where = self.free_key()
        if project is None or where is None:
            return
        bucket, key = where
        bad = False
        if self.rng.random() < 0.08:
            (bucket, bad_b), (key, bad_k) = self.bucket(), self.key()
            bad = bad_b or bad_k
        status, value = await self.call("begin_upload",
                                        lambda: project.begin_upload(bucket, key), bad=bad,
                                        cancel=self.cancel_mode())
        if status == "ok":
            self.multiparts.append({"bucket": bucket, "key": key, "id": value.upload_id,
                                    "parts": {}, "cancelled": set(), "state": "live",
                                    "busy": False, "history": []})
        elif status == "cancelled" or not bad:
            self.stray_begins += 1  # the satellite may have begun it

    async def op_upload_part(self) -> None:
        project = self.project()
        entry = self.multipart()
        if project is None or entry is None:
            return
        free = [n for n in range(1, 6) if n not in entry["parts"]]
        if not free:
            return
        number = self.rng.choice(free)
        entry["cancelled"].discard(number)  # an earlier cancelled part of this number
        data, bad = self.data()
        if not bad:
            data = data[:self.rng.choice([150_000, 8000])]
        fail = self.rng.random() < 0.1

        async def part() -> Any:
            upload = await project.upload_part(entry["bucket"], entry["key"], entry["id"],
                                               number)
            async with upload:
                await upload.write(data)
                if fail:
                    raise ValueError("the block fails: the part is aborted")
            return upload.info()
        entry["busy"] = True
        try:
            status, value = await self.call("upload_part", part, bad=bad or fail,
                                            cancel=self.cancel_mode())
        finally:
            entry["busy"] = False
        entry["history"].append(f"part {number}: {status}")
        if status == "ok":
            entry["parts"][number] = bytes(data)
            if value.size != len(data) or value.part_number != number:
                self.problem(f"part {number} of {len(data)} bytes reported as part "
                             f"{value.part_number} of {value.size}")
        elif status == "error" and (isinstance(value, StorjException) or not (bad or fail)):
            # A close from another task may end it after the satellite committed it.
            entry["parts"][number] = UNKNOWN
        elif status == "cancelled":
            # A part whose commit won the race returns; a cancelled one stored
            # nothing (libuplinkc looks for the part when the answer was lost).
            entry["cancelled"].add(number)
        # A part whose block raised stores nothing: the parts listing checks that.

    async def op_commit_upload(self) -> None:
        project = self.project()
        entry = self.multipart()
        if project is None or entry is None:
            return
        where = (entry["bucket"], entry["key"])
        if where in self.busy:
            return
        parts = [entry["parts"][n] for n in sorted(entry["parts"])]
        self.busy.add(where)
        entry["busy"] = True
        try:
            status, value = await self.call(
                "commit_upload", lambda: project.commit_upload(*where, entry["id"]),
                cancel=self.cancel_mode())
        finally:
            self.busy.discard(where)
            entry["busy"] = False
        entry["history"].append(f"commit: {status} {'' if status == 'ok' else repr(value)[:80]}")
        if status == "ok":
            entry["state"] = "gone"
            if any(p == UNKNOWN for p in parts):
                self.set(where, UNKNOWN)
            else:
                stored = b"".join(parts)
                self.set(where, stored)
                if value.system.content_length != len(stored):
                    self.problem(f"commit_upload of {len(stored)} bytes returned an Object "
                                 f"of {value.system.content_length}")
        elif status == "cancelled":
            pass  # not committed: the upload stays pending, the key keeps what it held
        else:
            entry["state"] = UNKNOWN
            self.set(where, UNKNOWN)

    async def op_abort_upload(self) -> None:
        project = self.project()
        entry = self.multipart()
        if project is None or entry is None:
            return
        entry["busy"] = True
        try:
            status, _ = await self.call(
                "abort_upload",
                lambda: project.abort_upload(entry["bucket"], entry["key"], entry["id"]),
                cancel=self.cancel_mode())
        finally:
            entry["busy"] = False
        entry["history"].append(f"abort: {status}")
        entry["state"] = "gone" if status == "ok" else UNKNOWN

    # --- the other listings -------------------------------------------------------

    async def listed(self, name: str, listing: Callable[[], Any],
                     stop_after: Optional[int] = None) -> Tuple[str, Any]:
        """Reads an async listing as a call (cancels included); stops early when
        ``stop_after`` is given."""
        async def read() -> List[Any]:
            found: List[Any] = []
            async with listing() as it:
                async for item in it:
                    found.append(item)
                    if stop_after is not None and len(found) > stop_after:
                        break
            return found
        return await self.call(name, read, cancel=self.cancel_mode())

    async def op_other_listing(self) -> None:
        project = self.project()
        if project is None:
            return
        kind = self.rng.choice(["buckets", "versions", "uploads", "parts"])
        stop_after = self.rng.choice([None, None, None, 0])
        if kind == "buckets":
            status, value = await self.listed("iter_buckets", project.iter_buckets, stop_after)
            if status == "ok" and stop_after is None:
                missing = set(self.buckets) - {b.name for b in value}
                if missing:
                    self.problem(f"iter_buckets does not list {sorted(missing)}")
            return
        bucket = self.rng.choice(self.buckets)
        if kind == "versions":
            snapshot = {w[1]: v for w, v in self.model.items()
                        if w[0] == bucket and w not in self.busy}
            generations = {key: self.generation.get((bucket, key), 0) for key in snapshot}
            status, value = await self.listed("iter_object_versions", lambda: (
                project.iter_object_versions(bucket, ListObjectVersionsOptions(
                    prefix=self.prefix, recursive=True, system=True))), stop_after)
            if status != "ok" or stop_after is not None:
                return
            versions: Dict[str, List[Any]] = {}
            for item in value:
                versions.setdefault(item.key, []).append(item)
            for key, state in snapshot.items():
                if self.changed((bucket, key), generations[key]):
                    continue
                found = [v.system.content_length for v in versions.get(key, [])]
                if isinstance(state, bytes) and found != [len(state)]:
                    self.problem(f"iter_object_versions: {key!r} ({len(state)} bytes) listed "
                                 f"as {found}")
                elif state == ABSENT and found:
                    self.problem(f"iter_object_versions lists absent {key!r}")
            return
        if kind == "uploads":
            await self.check_uploads(project, bucket, stop_after)
            return
        entry = self.multipart()
        if entry is None:
            return
        entry["busy"] = True
        try:
            status, value = await self.listed("iter_upload_parts", lambda: (
                project.iter_upload_parts(entry["bucket"], entry["key"], entry["id"])),
                stop_after)
        finally:
            entry["busy"] = False
        if status != "ok" or stop_after is not None:
            return
        listed = {part.part_number: part.size for part in value}
        expected = entry["parts"]
        for number in sorted(entry["cancelled"] & set(listed)):
            self.problem(f"part {number} of upload {entry['id'][:12]}... was reported "
                         f"cancelled and is stored ({listed[number]} bytes)")
        for number, data in expected.items():
            if isinstance(data, bytes) and listed.get(number) != len(data):
                self.problem(f"iter_upload_parts: part {number} ({len(data)} bytes) listed "
                             f"as {listed.get(number)}")
        stray = set(listed) - set(expected)
        if stray:
            self.problem(f"iter_upload_parts lists parts {sorted(stray)} whose upload was "
                         f"not reported done")

    async def check_uploads(self, project: aio.AsyncProject, bucket: str,
                            stop_after: Optional[int] = None, cancel: bool = True) -> None:
        """The pending uploads under the prefix agree with the model."""
        # Only the uploads the listing covers: a begin may have used an odd key outside
        # the sequence's prefix.
        known = {m["id"]: m for m in self.multiparts
                 if m["bucket"] == bucket and m["key"].startswith(self.prefix)}
        live = {i for i, m in known.items() if m["state"] == "live" and not m["busy"]}
        ended = {i for i, m in known.items() if m["state"] == "gone"}
        options = ListUploadsOptions(prefix=self.prefix, recursive=True)
        if cancel:
            status, value = await self.listed(
                "iter_uploads", lambda: project.iter_uploads(bucket, options), stop_after)
        else:
            status, value = await self.call("list_uploads",
                                            lambda: project.list_uploads(bucket, options))
        if status != "ok" or stop_after is not None:
            return
        listed = {u.upload_id for u in value}
        if live - listed:
            self.problem(f"iter_uploads misses {len(live - listed)} pending upload(s): "
                         + "; ".join(f"{known[i]['key']} after {known[i]['history']}"
                                     for i in sorted(live - listed)))
        singles = {key for b, key in self.single_keys if b == bucket}
        unnamed = [u.upload_id for u in value
                   if u.upload_id not in known and u.key not in singles]
        if len(unnamed) > self.stray_begins:
            self.problem(f"iter_uploads lists {len(unnamed)} upload(s) neither begun nor "
                         f"single uploads "
                         f"({self.stray_begins} begin(s) were cancelled or failed)")
        if listed & ended:
            self.problem(f"iter_uploads lists {len(listed & ended)} upload(s) committed or "
                         f"aborted")

    # --- a sequence ----------------------------------------------------------------

    async def run(self, steps: int) -> None:
        self.projects.append(await aio.open_project(self.grant))
        for _ in range(steps):
            op = self.rng.choices(OPS, WEIGHTS)[0]
            await op(self)
        await self.close_all()
        await self.verify()

    async def close_all(self) -> None:
        for listing in self.listings:
            await listing.aclose()
        for entry in self.downloads:
            entry["download"].close()
        for entry in self.uploads:
            entry["upload"].close()
        for project in self.projects:
            try:
                await project.close()
            except StorjException:
                pass

    async def verify(self) -> None:
        """The network holds what the model says, read with a fresh project."""
        async with await aio.open_project(self.grant) as project:
            for (bucket, key), state in self.model.items():
                if state == UNKNOWN:
                    continue
                try:
                    data = await project.get_object(bucket, key)
                except ObjectNotFoundError:
                    if state != ABSENT:
                        self.problem(f"stored {key!r} ({len(state)} bytes) is gone")
                    continue
                if state == ABSENT:
                    self.problem(f"{key!r} is stored ({len(data)} bytes); no put or commit "
                                 f"of it was reported done")
                elif data != state:
                    self.problem(f"{key!r} reads back {len(data)} bytes differing from the "
                                 f"{len(state)} written")
            for bucket in self.buckets:
                await self.check_uploads(project, bucket, cancel=False)
                async for upload in project.iter_uploads(bucket, ListUploadsOptions(
                        prefix=self.prefix, recursive=True)):
                    await project.abort_upload(bucket, upload.key, upload.upload_id)
            for bucket in self.buckets:  # leave the buckets empty for the next sequence
                async for item in project.iter_objects(bucket, prefix=self.prefix,
                                                       recursive=True):
                    await project.delete_object(bucket, item.key)


def _sync(fn: Callable[[], Any]) -> Callable[[], Awaitable[Any]]:
    async def wrapper() -> Any:
        return fn()
    return wrapper


OPS_WEIGHTED: List[Tuple[Callable[[Sequence], Awaitable[None]], int]] = [
    (Sequence.op_open_project, 2), (Sequence.op_close_project, 1), (Sequence.op_put, 8),
    (Sequence.op_get, 6), (Sequence.op_stat, 3), (Sequence.op_delete, 2),
    (Sequence.op_copy_or_move, 2), (Sequence.op_iter_objects, 2),
    (Sequence.op_upload_object, 3), (Sequence.op_upload_action, 6),
    (Sequence.op_download_object, 3), (Sequence.op_download_action, 6),
    (Sequence.op_listing, 2), (Sequence.op_gather, 4),
    (Sequence.op_begin_upload, 4), (Sequence.op_upload_part, 8),
    (Sequence.op_commit_upload, 3), (Sequence.op_abort_upload, 2),
    (Sequence.op_other_listing, 3),
]
OPS = [op for op, _ in OPS_WEIGHTED]
WEIGHTS = [w for _, w in OPS_WEIGHTED]
CONCURRENT = [Sequence.op_put, Sequence.op_put, Sequence.op_get, Sequence.op_stat,
              Sequence.op_delete, Sequence.op_copy_or_move, Sequence.op_iter_objects,
              Sequence.op_upload_action, Sequence.op_download_action,
              Sequence.op_close_project, Sequence.op_upload_part, Sequence.op_upload_part,
              Sequence.op_commit_upload, Sequence.op_abort_upload, Sequence.op_other_listing]


def run(access_grant: str, buckets: List[str], seed: int, sequences: int,
        steps: int) -> Dict[str, Any]:
    """Runs `sequences` random sequences of `steps` steps; returns the figures, with
    `problems` (empty when every invariant held)."""
    rng = random.Random(seed)
    started = time.monotonic()
    for number in range(sequences):
        Figures.sequences += 1
        sequence = Sequence(access_grant, buckets, random.Random(rng.randrange(2**64)), number)
        try:
            asyncio.run(asyncio.wait_for(sequence.run(steps), SEQUENCE_BOUND))
        except asyncio.TimeoutError:
            Figures.problems.append(f"sequence {number}: HANG, not done in {SEQUENCE_BOUND:.0f}s")
            break
        gc.collect()
        flying, native = _async.in_flight(), _async.native_count()
        handles = _native.handle_count()
        if flying or native or handles or not _native.universe_is_empty():
            Figures.problems.append(
                f"sequence {number}: after closing everything, {flying} operation(s) in "
                f"flight, {native} held by libuplinkc, {handles} handle(s) left")
            break
    return {"sequences": Figures.sequences, "calls": Figures.calls, "cancels": Figures.cancels,
            "called": Figures.called, "raised": Figures.raised,
            "internal errors": sum(sum(calls.values()) for calls in Figures.internal.values()),
            "internal errors by text": {
                text: {"count": sum(calls.values()), "calls": calls}
                for text, calls in sorted(Figures.internal.items(),
                                          key=lambda item: -sum(item[1].values()))},
            "seconds": round(time.monotonic() - started, 1), "problems": Figures.problems}
