"""The stateful property test of the reliability tier: hypothesis's RuleBasedStateMachine
drives random sequences of calls on Access, EncryptionKey, Project, Upload, Download,
PartUpload and listings, misuse included (closed handles, wrong order, bad arguments,
cancel, double close), against the local network.

It runs in a child process (scenario "fuzz" of reliability_worker.py) so that a crash is
a failed test. It holds that every exception is a StorjException, or a ValueError or
TypeError from a call that was given an argument it must refuse (a bad type, size, name or
number: the rule that draws it says so), that no call takes longer than CALL_BOUND, and
that the handle table is empty once a sequence has closed what it opened. A ValueError or
TypeError from a call whose arguments were all good is a binding bug, not allowed input.
"""

from __future__ import annotations

import gc
import threading
import time
from typing import Any, Callable, Dict, List, Optional

from hypothesis import HealthCheck, Phase, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st
from hypothesis.stateful import (Bundle, RuleBasedStateMachine, initialize, invariant, rule,
                                 run_state_machine_as_test)

from uplink_python import Uplink, _native
from uplink_python.errors import InternalError, StorjException
from uplink_python.module_classes import (Config, DownloadOptions, ListObjectsOptions,
                                          Permission, SharePrefix, UploadOptions)

ALLOWED = (StorjException, ValueError, TypeError)  # for calls given bad arguments
ALLOWED_GOOD = (StorjException,)                    # for the others (ClosedError included)
CALL_BOUND = 60.0  # seconds; a call on the local network that takes longer is a hang


class Figures:
    sequences = 0
    calls = 0
    called: Dict[str, int] = {}
    raised: Dict[str, int] = {}
    slow: List[str] = []
    leaks: List[str] = []
    # Plain InternalErrors (a failure the caller cannot cause) by Go's text (details,
    # whole), each with the calls that raised it: input a caller got wrong must raise
    # a class of its own instead.
    internal: Dict[str, Dict[str, int]] = {}
    # InternalErrors whose details are empty: Go's text must always come through.
    internal_without_details: int = 0

    @classmethod
    def figures(cls) -> Dict[str, Any]:
        """What run() reports (also after a failed sequence)."""
        by_text = {text: {"count": sum(calls.values()), "calls": calls}
                   for text, calls in sorted(cls.internal.items(),
                                             key=lambda item: -sum(item[1].values()))}
        return {"sequences": cls.sequences, "calls": cls.calls, "called": cls.called,
                "raised": cls.raised,
                "internal errors": sum(entry["count"] for entry in by_text.values()),
                "internal errors by text": by_text,
                "internal errors without details": cls.internal_without_details,
                "slow calls": cls.slow, "leaks": cls.leaks}


def make_machine(access_grant: str, buckets: List[str]) -> type:
    """The state machine class, bound to this network and run."""
    # Valid names most of the time, so that sequences get past the first call.
    keys = st.sampled_from(["k", "dir/k", "ä/ü"] * 3 + ["dir/", "x" * 300, "y" * 1500, ""])
    bucket_names = st.sampled_from(buckets * 4 + ["", "A", "no_underscores", "x" * 70, "-bad-"])
    # Sizes drawn, bytes made: drawing the bytes themselves would exhaust hypothesis's buffer.
    datas = st.one_of(st.integers(0, 70_000).map(lambda n: (b"0123456789abcdef" * (n // 16 + 1))[:n]),
                      st.sampled_from(["text", 12, None, memoryview(b"abc")[::2]]))
    sizes = st.one_of(st.integers(-2, 100_000), st.sampled_from([None, "10", 1.5, 2**70]))

    # Values a caller may get wrong that only the library or the satellite can judge:
    # times in the past or reversed, ranges past the end (the objects are 200,000
    # bytes), metadata too large, bogus upload ids and version ids.
    now = int(time.time())
    times = st.sampled_from([0, 0, now - 86_400, now - 1, now + 3_600, now + 10 * 365 * 86_400])
    offsets = st.sampled_from([0, 1, 199_999, 200_000, 200_001, 10**9, 2**62])
    lengths = st.sampled_from([-1, 0, 1, 10, 200_000, 10**9, 2**62])
    metadatas = st.sampled_from([{}, {"k": "v"}, {"k" * 3000: "v"}, {"k": "v" * 10_000},
                                 {f"k{i}": "v" * 100 for i in range(100)}])
    upload_ids = st.sampled_from(["not-an-upload-id", "AAAA", "x" * 500])
    versions = st.sampled_from([b"", b"\x00", b"\x01" * 16, b"\xff" * 40])
    prefixes = st.sampled_from(["", "dir/", "dir", "k", "ä/"])

    def bad_names(bucket: str, key: str = "k") -> bool:
        """A bucket name or key the library must refuse (or may, being odd)."""
        return bucket not in buckets or key in ("", "dir/") or len(key) > 255

    def bad_text(*values: Any) -> bool:
        return any(not isinstance(v, str) or "\0" in v or v == "" for v in values)

    class UplinkMachine(RuleBasedStateMachine):
        accesses = Bundle("accesses")
        projects = Bundle("projects")
        uploads = Bundle("uploads")
        downloads = Bundle("downloads")
        listings = Bundle("listings")
        enc_keys = Bundle("encryption_keys")
        parts = Bundle("part_uploads")

        def __init__(self) -> None:
            super().__init__()
            Figures.sequences += 1
            self.uplink = Uplink()
            self.opened: List[Any] = []

        def call(self, name: str, fn: Callable[[], Any], bad: bool = False) -> Any:
            """Runs one call; an allowed exception gives None, anything else fails. `bad`:
            the call was given an argument it must refuse, so ValueError and TypeError
            are allowed too."""
            Figures.calls += 1
            Figures.called[name] = Figures.called.get(name, 0) + 1
            started = time.monotonic()
            try:
                value = fn()
            except ALLOWED as exc:
                if not bad and not isinstance(exc, ALLOWED_GOOD):
                    raise AssertionError(f"{name} raised {type(exc).__name__} with good "
                                         f"arguments: {exc}") from exc
                what = f"{name}: {type(exc).__name__}"
                Figures.raised[what] = Figures.raised.get(what, 0) + 1
                if type(exc) is InternalError:
                    calls = Figures.internal.setdefault(exc.reason(), {})
                    calls[name] = calls.get(name, 0) + 1
                    if not exc.details.strip():
                        Figures.internal_without_details += 1
                value = None
            finally:
                took = time.monotonic() - started
                if took > CALL_BOUND:
                    Figures.slow.append(f"{name}: {took:.0f}s")
                    raise AssertionError(f"{name} took {took:.0f}s (bound {CALL_BOUND:.0f}s)")
            if value is not None and hasattr(value, "close"):
                self.opened.append(value)
            return value

        # Every sequence starts with a working access and project, so that every rule
        # can be drawn from the first step on.
        @initialize(target=accesses)
        def first_access(self) -> Any:
            return self.call("parse_access", lambda: self.uplink.parse_access(access_grant))

        @initialize(target=projects, access=accesses)
        def first_project(self, access: Any) -> Any:
            return self.call("open_project", access.open_project)

        # Access and EncryptionKey
        @rule(target=accesses, garbage=st.sampled_from([False, False, False, False, True]))
        def parse_access(self, garbage: bool) -> Any:
            return self.call("parse_access", lambda: self.uplink.parse_access(
                access_grant[:-7] + "garbage" if garbage else access_grant))

        @rule(target=accesses, access=accesses, bucket=bucket_names,
              download_only=st.booleans())
        def share(self, access: Any, bucket: str, download_only: bool) -> Any:
            if access is None:
                return None
            perm = Permission(allow_download=True, allow_list=True,
                              allow_upload=not download_only, allow_delete=not download_only)
            return self.call("share", lambda: access.share(perm, [SharePrefix(bucket=bucket)]),
                             bad=bad_names(bucket))

        @rule(access=accesses)
        def serialize(self, access: Any) -> None:
            if access is not None:
                self.call("serialize", access.serialize)
                self.call("satellite_address", access.satellite_address)

        @rule(target=accesses, access=accesses, flags=st.lists(st.booleans(), min_size=4,
                                                                  max_size=4),
              not_before=times, not_after=times,
              shares=st.lists(st.tuples(bucket_names, prefixes), max_size=3),
              ttl=st.sampled_from([None, None, 1, 3_600]))
        def share_any(self, access: Any, flags: List[bool], not_before: int, not_after: int,
                      shares: List[Any], ttl: Optional[int]) -> Any:
            """Any permission (none at all, a window in the past or reversed) on any
            prefixes."""
            if access is None:
                return None
            perm = Permission(*flags, not_before=not_before, not_after=not_after,
                              max_object_ttl=ttl)
            return self.call("share(any)", lambda: access.share(
                perm, [SharePrefix(bucket=b, prefix=p) for b, p in shares]),
                bad=any(bad_names(b) for b, _ in shares))

        @rule(access=accesses, api_key=st.sampled_from(["", "garbage", "1" * 50]),
              passphrase=st.sampled_from(["", "pw"]))
        def request_access(self, access: Any, api_key: str, passphrase: str) -> None:
            if access is None:
                return
            satellite = self.call("satellite_address", access.satellite_address)
            if satellite is not None:
                self.call("request_access_with_passphrase",
                          lambda: self.uplink.request_access_with_passphrase(
                              satellite, api_key, passphrase), bad=api_key == "")

        @rule(target=enc_keys, access=accesses, salt=st.one_of(st.text(max_size=5), st.binary(max_size=5)))
        def derive_key(self, access: Any, salt: Any) -> Any:
            if access is None:
                return None
            return self.call("derive_encryption_key", lambda: access.derive_encryption_key("pw", salt),
                             bad=isinstance(salt, str) and "\0" in salt)

        @rule(target=accesses, access=accesses, key=enc_keys, bucket=bucket_names,
              prefix=st.sampled_from(["p/", "p", ""]))
        def override_key(self, access: Any, key: Any, bucket: str, prefix: str) -> Any:
            if access is None:
                return None
            return self.call("override_encryption_key",
                             lambda: access.override_encryption_key(bucket, prefix, key),
                             bad=bad_names(bucket) or key is None)

        @rule(handle=st.one_of(accesses, enc_keys))
        def close_access_or_key(self, handle: Any) -> None:
            if handle is not None:
                self.call("close", handle.close)  # again and again: closing twice is fine

        # Project
        @rule(target=projects, access=accesses)
        def open_project(self, access: Any) -> Any:
            if access is None:
                return None
            return self.call("open_project", access.open_project)

        @rule(target=projects, access=accesses,
              agent=st.sampled_from(["", "fuzz/1.0", "a/b/c", "agent (", "/", "ü", "x" * 300]),
              dial=st.sampled_from([0, 0, -1, 5_000]))
        def open_project_with_config(self, access: Any, agent: str, dial: int) -> Any:
            if access is None:
                return None
            return self.call("config_open_project", lambda: access.config_open_project(
                Config(user_agent=agent, dial_timeout_milliseconds=dial)))

        @rule(project=projects)
        def close_project(self, project: Any) -> None:
            if project is not None:
                self.call("project.close", project.close)

        @rule(project=projects, bucket=bucket_names, key=keys)
        def stat_object(self, project: Any, bucket: str, key: str) -> None:
            if project is not None:
                self.call("stat_object", lambda: project.stat_object(bucket, key),
                          bad=bad_names(bucket, key))

        @rule(project=projects, bucket=bucket_names)
        def bucket_calls(self, project: Any, bucket: str) -> None:
            if project is not None:
                self.call("stat_bucket", lambda: project.stat_bucket(bucket), bad=bad_names(bucket))
                self.call("ensure_bucket", lambda: project.ensure_bucket(bucket),
                          bad=bad_names(bucket))

        @rule(project=projects, bucket=bucket_names, key=keys)
        def delete_object(self, project: Any, bucket: str, key: str) -> None:
            if project is not None:
                self.call("delete_object", lambda: project.delete_object(bucket, key),
                          bad=bad_names(bucket, key))

        # Uploads
        @rule(target=uploads, project=projects, bucket=bucket_names, key=keys)
        def upload_object(self, project: Any, bucket: str, key: str) -> Any:
            if project is None:
                return None
            return self.call("upload_object", lambda: project.upload_object(bucket, key),
                             bad=bad_names(bucket, key))

        @rule(upload=st.one_of(uploads, parts), data=datas, size=st.one_of(st.none(), sizes))
        def write(self, upload: Any, data: Any, size: Any) -> None:
            if upload is not None:
                good = isinstance(data, bytes) and (size is None or (
                    type(size) is int and 0 <= size <= len(data)))
                self.call("write", lambda: upload.write(data, size) if size is not None
                          else upload.write(data), bad=not good)

        @rule(upload=st.one_of(uploads, parts),
              action=st.sampled_from(["commit", "abort", "cancel", "close", "info"]))
        def finish_upload(self, upload: Any, action: str) -> None:
            if upload is not None:
                self.call(f"upload.{action}", getattr(upload, action))

        @rule(upload=uploads, metadata=st.one_of(
            st.dictionaries(st.text(max_size=4), st.text(max_size=4), max_size=3),
            st.sampled_from([{"k": 1}, {1: "v"}, "nope", None])))
        def set_metadata(self, upload: Any, metadata: Any) -> None:
            if upload is not None:
                good = isinstance(metadata, dict) and not bad_text(*metadata, *metadata.values())
                self.call("set_custom_metadata", lambda: upload.set_custom_metadata(metadata),
                          bad=not good)

        # Multipart
        @rule(target=parts, project=projects, bucket=bucket_names, key=keys,
              number=st.one_of(st.integers(-1, 3), st.sampled_from([10_001, 2**31 - 1])),
              real=st.booleans())
        def upload_part(self, project: Any, bucket: str, key: str, number: int, real: bool) -> Any:
            if project is None:
                return None
            upload_id = "not-an-upload-id"
            if real:
                info = self.call("begin_upload", lambda: project.begin_upload(bucket, key),
                                 bad=bad_names(bucket, key))
                if info is None:
                    return None
                upload_id = info.upload_id
            return self.call("upload_part", lambda: project.upload_part(bucket, key, upload_id, number),
                             bad=bad_names(bucket, key) or number < 1 or not real)

        @rule(project=projects, bucket=bucket_names, key=keys, expires=times,
              size=st.sampled_from([0, 10, 70_000]))
        def put_with_expiry(self, project: Any, bucket: str, key: str, expires: int,
                            size: int) -> None:
            if project is not None:
                self.call("put_object", lambda: project.put_object(
                    bucket, key, b"e" * size, upload_options=UploadOptions(expires=expires)),
                    bad=bad_names(bucket, key))

        @rule(project=projects, bucket=bucket_names, key=keys, expires=times)
        def begin_with_expiry(self, project: Any, bucket: str, key: str, expires: int) -> None:
            if project is not None:
                self.call("begin_upload", lambda: project.begin_upload(
                    bucket, key, UploadOptions(expires=expires)), bad=bad_names(bucket, key))

        @rule(project=projects, bucket=bucket_names, key=keys, upload_id=upload_ids,
              action=st.sampled_from(["commit", "abort", "parts"]))
        def bogus_upload_id(self, project: Any, bucket: str, key: str, upload_id: str,
                            action: str) -> None:
            if project is None:
                return
            call = {"commit": lambda: project.commit_upload(bucket, key, upload_id),
                    "abort": lambda: project.abort_upload(bucket, key, upload_id),
                    "parts": lambda: project.list_upload_parts(bucket, key, upload_id)}[action]
            self.call(f"{action}_upload(bogus id)", call, bad=bad_names(bucket, key))

        @rule(project=projects, bucket=bucket_names, key=keys, metadata=metadatas)
        def update_metadata(self, project: Any, bucket: str, key: str,
                            metadata: Dict[str, str]) -> None:
            if project is not None:
                self.call("update_object_metadata",
                          lambda: project.update_object_metadata(bucket, key, metadata),
                          bad=bad_names(bucket, key))

        @rule(project=projects, src=st.tuples(bucket_names, keys),
              dst=st.tuples(bucket_names, keys), move=st.booleans())
        def copy_or_move(self, project: Any, src: Any, dst: Any, move: bool) -> None:
            if project is None:
                return
            name = "move_object" if move else "copy_object"
            self.call(name, lambda: getattr(project, name)(*src, *dst),
                      bad=bad_names(*src) or bad_names(*dst))

        @rule(project=projects, bucket=bucket_names, key=keys, offset=offsets, length=lengths)
        def get_range(self, project: Any, bucket: str, key: str, offset: int,
                      length: int) -> None:
            if project is not None:
                self.call("get_object", lambda: project.get_object(
                    bucket, key, offset=offset, length=length), bad=bad_names(bucket, key))

        @rule(project=projects, bucket=bucket_names, key=keys, version=versions,
              action=st.sampled_from(["stat", "delete", "retention", "legal_hold"]))
        def version_calls(self, project: Any, bucket: str, key: str, version: bytes,
                          action: str) -> None:
            if project is None:
                return
            call = {"stat": lambda: project.stat_object_version(bucket, key, version),
                    "delete": lambda: project.delete_object_version(bucket, key, version),
                    "retention": lambda: project.get_object_retention(bucket, key,
                                                                      version=version),
                    "legal_hold": lambda: project.get_object_legal_hold(bucket, key,
                                                                        version=version)}[action]
            self.call(f"{action}(version)", call, bad=bad_names(bucket, key) or version == b"")

        @rule(target=listings, project=projects, bucket=bucket_names, prefix=prefixes,
              cursor=st.sampled_from(["", "k", "zzz", "\uffff"]), recursive=st.booleans())
        def iterate_with_options(self, project: Any, bucket: str, prefix: str, cursor: str,
                                 recursive: bool) -> Any:
            if project is None:
                return None
            return self.call("iter_objects(options)", lambda: project.iter_objects(
                bucket, ListObjectsOptions(prefix=prefix, cursor=cursor, recursive=recursive)),
                bad=bad_names(bucket))

        # Downloads
        @rule(target=downloads, project=projects, bucket=bucket_names, key=keys,
              offset=offsets, length=lengths)
        def download_range(self, project: Any, bucket: str, key: str, offset: int,
                           length: int) -> Any:
            if project is None:
                return None
            return self.call("download_object(range)", lambda: project.download_object(
                bucket, key, DownloadOptions(offset=offset, length=length)),
                bad=bad_names(bucket, key))

        @rule(target=downloads, project=projects, bucket=bucket_names, key=keys,
              offset=st.one_of(st.none(), st.integers(-10, 10)), length=st.integers(-2, 10))
        def download_object(self, project: Any, bucket: str, key: str, offset: Optional[int],
                            length: int) -> Any:
            if project is None:
                return None
            options = None if offset is None else DownloadOptions(offset=offset, length=length)
            return self.call("download_object", lambda: project.download_object(bucket, key, options),
                             bad=bad_names(bucket, key) or (offset is not None and (
                                 offset < 0 or length < 0)))

        @rule(download=downloads, size=sizes)
        def read(self, download: Any, size: Any) -> None:
            if download is not None:
                self.call("read", lambda: download.read(size),
                          bad=not (type(size) is int and 0 <= size <= 100_000))

        @rule(download=downloads, action=st.sampled_from(["cancel", "close", "info", "readall"]))
        def download_action(self, download: Any, action: str) -> None:
            if download is not None:
                self.call(f"download.{action}", getattr(download, action))

        # Listings
        @rule(target=listings, project=projects, bucket=bucket_names,
              kind=st.sampled_from(["objects", "buckets", "uploads", "versions"]))
        def iterate(self, project: Any, bucket: str, kind: str) -> Any:
            if project is None:
                return None
            make = {"objects": lambda: project.iter_objects(bucket, ListObjectsOptions(recursive=True)),
                    "buckets": project.iter_buckets,
                    "uploads": lambda: project.iter_uploads(bucket),
                    "versions": lambda: project.iter_object_versions(bucket)}[kind]
            return self.call(f"iter_{kind}", make, bad=kind != "buckets" and bad_names(bucket))

        @rule(listing=listings, action=st.sampled_from(["next", "next", "cancel", "close"]))
        def listing_action(self, listing: Any, action: str) -> None:
            if listing is None:
                return
            if action == "next":
                def step() -> None:
                    try:
                        next(listing)
                    except StopIteration:
                        pass
                self.call("listing.next", step)
            else:
                self.call(f"listing.{action}", getattr(listing, action))

        # Two threads on one handle at once (each handle kind must take turns safely).
        @rule(handle=st.one_of(downloads, uploads, parts, listings),
              first=st.sampled_from(["use", "use", "cancel", "close"]),
              second=st.sampled_from(["use", "use", "cancel", "close"]))
        def race(self, handle: Any, first: str, second: str) -> None:
            if handle is None:
                return

            def action(which: str) -> Callable[[], Any]:
                if which != "use":
                    return getattr(handle, which)
                if hasattr(handle, "file_size"):  # a Download (an Upload is an io object too)
                    return lambda: handle.read(50_000)
                if hasattr(handle, "write"):
                    return lambda: handle.write(b"r" * 20_000)
                return lambda: next(handle, None)
            errors: List[BaseException] = []

            def run(which: str) -> None:
                try:
                    self.call(f"race {which}", action(which))
                except BaseException as exc:  # noqa: BLE001 - re-raised below
                    errors.append(exc)
            threads = [threading.Thread(target=run, args=(w,), daemon=True) for w in (first, second)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(CALL_BOUND)
                if thread.is_alive():
                    raise AssertionError(f"race {first}/{second}: a thread hung")
            if errors:
                raise errors[0]

        @invariant()
        def no_more_handles_than_objects(self) -> None:
            # Every live native handle belongs to something this sequence opened.
            assert _native.handle_count() <= 3 * len(self.opened) + 3

        def teardown(self) -> None:
            for handle in reversed(self.opened):
                try:
                    handle.close()
                except ALLOWED:
                    pass
            self.opened.clear()
            gc.collect()
            left = _native.handle_count()
            if left or not _native.universe_is_empty():
                Figures.leaks.append(f"sequence {Figures.sequences}: {left} handle(s)")
                raise AssertionError(f"{left} native handle(s) left after closing everything")

    return UplinkMachine


def run(access_grant: str, buckets: List[str], seed: int, sequences: int, steps: int,
        time_budget: Optional[float] = None) -> Dict[str, Any]:
    """Runs `sequences` random sequences of up to `steps` calls; returns the figures."""
    machine = make_machine(access_grant, buckets)
    hypothesis_seed(seed)(machine)
    run_state_machine_as_test(machine, settings=settings(
        max_examples=sequences, stateful_step_count=steps, deadline=None, database=None,
        phases=[Phase.generate], suppress_health_check=list(HealthCheck), print_blob=False),
        _min_steps=steps // 2)  # long sequences reach the upload, download and listing states
    return Figures.figures()
