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
from uplink_python.module_classes import (DownloadOptions, ListObjectsOptions, Permission,
                                          SharePrefix)

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
    # Plain InternalErrors (a failure the caller cannot cause) by call and Go's text:
    # input a caller got wrong must raise a class of its own instead.
    internal: Dict[str, int] = {}


def make_machine(access_grant: str, buckets: List[str]) -> type:
    """The state machine class, bound to this network and run."""
    # Valid names most of the time, so that sequences get past the first call.
    keys = st.sampled_from(["k", "dir/k", "ä/ü"] * 3 + ["dir/", "x" * 300, ""])
    bucket_names = st.sampled_from(buckets * 4 + ["", "A", "no_underscores", "x" * 70, "-bad-"])
    # Sizes drawn, bytes made: drawing the bytes themselves would exhaust hypothesis's buffer.
    datas = st.one_of(st.integers(0, 70_000).map(lambda n: (b"0123456789abcdef" * (n // 16 + 1))[:n]),
                      st.sampled_from(["text", 12, None, memoryview(b"abc")[::2]]))
    sizes = st.one_of(st.integers(-2, 100_000), st.sampled_from([None, "10", 1.5, 2**70]))

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
                    text = f"{name}: {exc.reason()[:160]}"
                    Figures.internal[text] = Figures.internal.get(text, 0) + 1
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
              number=st.integers(-1, 3), real=st.booleans())
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

        # Downloads
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
    return {"sequences": Figures.sequences, "calls": Figures.calls, "called": Figures.called,
            "raised": Figures.raised, "internal errors": sum(Figures.internal.values()),
            "internal error texts": Figures.internal,
            "slow calls": Figures.slow, "leaks": Figures.leaks}
