"""Child-process scenarios of the reliability tier (run by tests/reliability/_reliability.run_worker).

    python tests/reliability/reliability_worker.py <scenario> '<json params>'

The network comes from UPLINK_TESTNET_INFO_FILE. Each scenario prints one JSON object
as its last line: its figures and a list of `problems` (what went wrong, one line each;
empty when everything held). A crash or a hang is seen by the parent, which runs this
with a timeout. Scenarios lift every fault they set before they return.
"""

from __future__ import annotations

import gc
import json
import os
import random
import signal
import sys
import threading
import time
import traceback
from collections import Counter
from typing import Any, Callable, Dict, List, Optional, Tuple

# tests/ holds the helpers every tier shares (_testnet, uplink_fixtures); this folder
# (the script's own, first on sys.path) holds reliability_fuzz.
_TESTS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if _TESTS not in sys.path:
    sys.path.insert(1, _TESTS)

from _child import ChildHung, pipe_chunks  # noqa: E402
from _testnet import NetworkInfo, load_info  # noqa: E402
from reliability_fork import (scenario_dask, scenario_dataloader,  # noqa: E402,F401
                              scenario_fork_many, scenario_fork_nested, scenario_fork_pool,
                              scenario_process_pool)
from uplink_fixtures import delete_bucket_fully, random_bucket_name  # noqa: E402
from uplink_python import Uplink, _native  # noqa: E402
from uplink_python.errors import (CancelledError, ClosedError, ForkError,  # noqa: E402
                                  NotEnoughNodesError, ObjectNotFoundError, StorjException)
from uplink_python.module_classes import (Config, ListObjectsOptions,  # noqa: E402
                                          ListObjectVersionsOptions, ListUploadsOptions)

MiB = 1024 * 1024
# How long a scenario waits for a thread that should have been interrupted, before it
# lifts the fault so the process can end and report the hang.
STUCK_AFTER = 20.0
# How long a call may stay blocked after cancel() or close() from another thread. The
# fault stays in place until STUCK_AFTER, so a call that ends before is ended by the
# interrupt (its error class says which); the bound is only a ceiling for a loaded
# machine, not a timing.
INTERRUPT_BOUND = 15.0


def network() -> NetworkInfo:
    return load_info(os.environ["UPLINK_TESTNET_INFO_FILE"])


def describe(exc: BaseException) -> str:
    text = str(exc).replace("\n", " ")
    return f"{type(exc).__name__}: {text[:200]}"


def timed_config(dial_ms: int = 0, request_ms: int = 0, stall_ms: int = 0) -> Config:
    """A Config with the timeouts libuplinkc documents. Fields this version lacks are
    set as plain attributes (ignored by the library), so the scenario still measures
    what the library does; reliability/test_faults.py checks the fields exist."""
    config = Config(dial_timeout_milliseconds=dial_ms)
    config.request_timeout_milliseconds = request_ms  # type: ignore[attr-defined]
    config.stall_timeout_milliseconds = stall_ms  # type: ignore[attr-defined]
    return config


def is_timeout(exc: BaseException) -> bool:
    """The documented class of a timeout: a StorjException that is a TimeoutError."""
    return isinstance(exc, StorjException) and isinstance(exc, TimeoutError)


# --- threads sharing one handle ---------------------------------------------------------

def _run_threads(count: int, target: Callable[[int], None]) -> List[str]:
    """Runs target(i) in `count` threads; returns the exceptions they raised."""
    failures: List[str] = []
    lock = threading.Lock()

    def run(i: int) -> None:
        try:
            target(i)
        except BaseException as exc:  # noqa: BLE001 - every failure is reported
            with lock:
                failures.append(f"thread {i}: {describe(exc)}")

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
        if thread.is_alive():
            failures.append(f"{thread.name} still running after 120s")
    return failures


def scenario_download_shared(params: Dict[str, Any]) -> Dict[str, Any]:
    """N threads read one Download: whole chunks that tile the object exactly."""
    rng = random.Random(params["seed"])
    problems: List[str] = []
    net = network()
    rounds = int(params.get("rounds", 3))
    threads = int(params.get("threads", 4))
    reads = 0
    with Uplink().parse_access(net.access) as access, access.open_project() as project:
        bucket = random_bucket_name("rel-dl")
        project.create_bucket(bucket)
        try:
            for round_ in range(rounds):
                size = rng.choice([3 * MiB + 123, 700 * 1024 + 1, 5 * MiB])
                data = rng.randbytes(size)
                key = f"shared-{round_}"
                with project.upload_object(bucket, key) as upload:
                    upload.write(data)
                chunks: List[List[bytes]] = [[] for _ in range(threads)]
                with project.download_object(bucket, key) as download:
                    def reader(i: int) -> None:
                        local = random.Random(params["seed"] * 31 + i + round_)
                        while True:
                            chunk, n = download.read(local.choice([1, 7, 4096, 65536, 300_000]))
                            if n != len(chunk):
                                raise AssertionError(f"read returned {n} with {len(chunk)} bytes")
                            if not n:
                                return
                            chunks[i].append(chunk)
                    problems += _run_threads(threads, reader)
                reads += sum(len(c) for c in chunks)
                problems += _check_tiling(data, chunks, f"round {round_}")
        finally:
            delete_bucket_fully(net, bucket)
    return {"rounds": rounds, "threads": threads, "reads": reads, "problems": problems}


def _check_tiling(data: bytes, chunks: List[List[bytes]], where: str) -> List[str]:
    """The chunks cover data exactly once. A chunk of 16+ random bytes occurs once in data,
    so it is placed at its offset (increasing per thread, no overlaps); the shorter ones
    (reads of 1 or 7 bytes, tails) cannot be placed, so together they must fill the gaps
    between the placed ones exactly: the same number of bytes, the same bytes."""
    placed: List[Tuple[int, int, int]] = []  # offset, length, thread
    short = Counter()  # type: Counter[int]
    short_length = 0
    for thread, mine in enumerate(chunks):
        last = -1
        for chunk in mine:
            if len(chunk) < 16:
                short.update(chunk)
                short_length += len(chunk)
                continue
            offset = data.find(chunk)
            if offset < 0:
                return [f"{where}: thread {thread} got {len(chunk)} bytes that are not in the object"]
            if offset <= last:
                return [f"{where}: thread {thread} read offset {offset} after offset {last}"]
            last = offset
            placed.append((offset, len(chunk), thread))
    placed.sort()
    gaps = Counter()  # type: Counter[int]
    gap_length = 0
    position = 0
    for offset, length, thread in placed + [(len(data), 0, -1)]:
        if offset < position:
            return [f"{where}: overlap at byte {offset} (thread {thread}'s chunk)"]
        gaps.update(data[position:offset])
        gap_length += offset - position
        position = offset + length
    if gap_length != short_length or gaps != short:
        return [f"{where}: the {short_length} bytes of short reads do not fill the "
                f"{gap_length} bytes between the long ones"]
    return []


BLOCK = 8192


def scenario_upload_shared(params: Dict[str, Any]) -> Dict[str, Any]:
    """N threads write whole blocks to one Upload: the object holds each block once."""
    rng = random.Random(params["seed"])
    problems: List[str] = []
    net = network()
    rounds = int(params.get("rounds", 3))
    threads = int(params.get("threads", 4))
    blocks_per_thread = int(params.get("blocks", 64))
    with Uplink().parse_access(net.access) as access, access.open_project() as project:
        bucket = random_bucket_name("rel-ul")
        project.create_bucket(bucket)
        try:
            for round_ in range(rounds):
                key = f"shared-{round_}"
                written: Dict[int, List[bytes]] = {}
                salt = rng.randbytes(8)

                with project.upload_object(bucket, key) as upload:
                    def writer(i: int) -> None:
                        mine = []
                        for seq in range(blocks_per_thread):
                            head = f"{i:04d}:{seq:06d}:".encode() + salt
                            block = head + os.urandom(BLOCK - len(head))
                            count = upload.write(block)
                            if count != BLOCK:
                                raise AssertionError(f"write returned {count} of {BLOCK}")
                            mine.append(block)
                        written[i] = mine
                    problems += _run_threads(threads, writer)
                with project.download_object(bucket, key) as download:
                    stored = download.readall()
                expected = sorted(b for mine in written.values() for b in mine)
                got = sorted(stored[i:i + BLOCK] for i in range(0, len(stored), BLOCK))
                if len(stored) != threads * blocks_per_thread * BLOCK:
                    problems.append(f"round {round_}: stored {len(stored)} bytes, wrote "
                                    f"{threads * blocks_per_thread * BLOCK}")
                elif got != expected:
                    torn = len(set(got) - set(expected))
                    problems.append(f"round {round_}: {torn} stored blocks are not blocks written")
                for i, mine in written.items():  # each thread's blocks in its own order
                    positions = [stored.find(b) for b in mine]
                    if positions != sorted(positions):
                        problems.append(f"round {round_}: thread {i}'s blocks out of order")
                        break
        finally:
            delete_bucket_fully(net, bucket)
    return {"rounds": rounds, "threads": threads, "blocks": threads * blocks_per_thread * rounds,
            "problems": problems}


def scenario_project_shared(params: Dict[str, Any]) -> Dict[str, Any]:
    """Threads share one Project: upload, stat, list, download and delete at once."""
    problems: List[str] = []
    net = network()
    threads = int(params.get("threads", 6))
    per_thread = int(params.get("objects", 6))
    calls = 0
    calls_lock = threading.Lock()
    with Uplink().parse_access(net.access) as access, access.open_project() as project:
        bucket = random_bucket_name("rel-pr")
        project.create_bucket(bucket)
        try:
            def worker(i: int) -> None:
                nonlocal calls
                rng = random.Random(params["seed"] * 97 + i)
                n = 0
                for j in range(per_thread):
                    key = f"t{i}/o{j}"
                    data = rng.randbytes(rng.choice([0, 10, 5000, 300_000]))
                    with project.upload_object(bucket, key) as upload:
                        upload.write(data)
                    stat = project.stat_object(bucket, key)
                    if stat.system.content_length != len(data):
                        raise AssertionError(f"{key}: stat says {stat.system.content_length} bytes")
                    keys = {o.key for o in project.list_objects(
                        bucket, ListObjectsOptions(prefix=f"t{i}/", recursive=True))}
                    if key not in keys:
                        raise AssertionError(f"{key} missing from its listing")
                    with project.download_object(bucket, key) as download:
                        if download.readall() != data:
                            raise AssertionError(f"{key}: downloaded bytes differ")
                    project.stat_bucket(bucket)
                    n += 6
                project.delete_object(bucket, f"t{i}/o0")
                with calls_lock:
                    calls += n + 1
            problems += _run_threads(threads, worker)
            left = {o.key for o in project.list_objects(bucket, ListObjectsOptions(recursive=True))}
            want = {f"t{i}/o{j}" for i in range(threads) for j in range(1, per_thread)}
            if left != want:
                problems.append(f"objects left: {len(left)}, expected {len(want)}")
        finally:
            delete_bucket_fully(net, bucket)
    return {"threads": threads, "calls": calls, "problems": problems}


def _consume_shared(make: Callable[[], Any], ident: Callable[[Any], Any], threads: int,
                    problems: List[str], kind: str) -> List[Any]:
    """Threads consume one listing together; returns what they got, in no order."""
    got: List[Any] = []
    lock = threading.Lock()
    with make() as listing:
        def consume(i: int) -> None:
            for item in listing:
                with lock:
                    got.append(ident(item))
        problems += [f"{kind}: {p}" for p in _run_threads(threads, consume)]
    return got


def scenario_listing_shared(params: Dict[str, Any]) -> Dict[str, Any]:
    """Threads consume one listing of each kind: together they get every item once."""
    problems: List[str] = []
    net = network()
    threads = int(params.get("threads", 4))
    count = int(params.get("items", 40))
    figures: Dict[str, int] = {}
    with Uplink().parse_access(net.access) as access, access.open_project() as project:
        bucket = random_bucket_name("rel-ls")
        project.create_bucket(bucket)
        project.set_bucket_versioning(bucket, True)
        try:
            for i in range(count):
                with project.upload_object(bucket, f"obj/{i:04d}") as upload:
                    upload.write(b"x")
            pending = [project.begin_upload(bucket, f"pending/{i:04d}") for i in range(count)]
            multipart = project.begin_upload(bucket, "parts")
            for number in range(1, count + 1):
                with project.upload_part(bucket, "parts", multipart.upload_id, number) as part:
                    part.write(b"p")
            # What each listing holds is known from what was made above (one version per
            # key, one upload per pending key), so a listing that misses or repeats items
            # fails whether it is read by one thread or many.
            keys = [f"obj/{i:04d}" for i in range(count)]
            listings: Dict[str, Tuple[Callable[[], Any], Callable[[Any], Any], List[Any]]] = {
                "objects": (lambda: project.iter_objects(bucket, ListObjectsOptions(recursive=True)),
                            lambda o: o.key, keys),
                "object versions": (lambda: project.iter_object_versions(
                    bucket, ListObjectVersionsOptions(recursive=True)), lambda o: o.key, keys),
                "uploads": (lambda: project.iter_uploads(bucket, ListUploadsOptions(recursive=True)),
                            lambda u: u.key, sorted([u.key for u in pending] + ["parts"])),
                "upload parts": (lambda: project.iter_upload_parts(bucket, "parts", multipart.upload_id),
                                 lambda p: p.part_number, list(range(1, count + 1))),
            }
            for kind, (make, ident, expected) in listings.items():
                got = _consume_shared(make, ident, threads, problems, kind)
                figures[kind] = len(got)
                if sorted(got) != expected:
                    dupes = len(got) - len(set(got))
                    problems.append(f"{kind}: threads got {len(got)} items ({dupes} repeated), "
                                    f"{len(expected)} were made")
            # Other tests share the network and add or remove buckets meanwhile: the threads
            # must get each bucket once, this one, and those listed both before and after.
            def bucket_names() -> List[str]:
                with project.iter_buckets() as listing:
                    return [b.name for b in listing]
            before = set(bucket_names())
            got = _consume_shared(project.iter_buckets, lambda b: b.name, threads, problems,
                                  "buckets")
            after = set(bucket_names())
            figures["buckets"] = len(got)
            if len(got) != len(set(got)) or bucket not in got \
                    or not (before & after) <= set(got) <= (before | after):
                problems.append(f"buckets: threads got {len(got)} ({len(set(got))} distinct, "
                                f"this one {'in' if bucket in got else 'missing'}); listed "
                                f"{len(before)} before and {len(after)} after")
            for upload in pending:
                project.abort_upload(bucket, upload.key, upload.upload_id)
            project.abort_upload(bucket, "parts", multipart.upload_id)
        finally:
            delete_bucket_fully(net, bucket)
    return {"threads": threads, "items": figures, "problems": problems}


# --- cancel and close from another thread during a blocked call ---------------------------

def _interrupt(name: str, call: Callable[[], Any], interrupt: Callable[[], None],
               expected: type, lift: Callable[[], None]) -> Dict[str, Any]:
    """Starts call() in a thread (it blocks on a fault), interrupts it from this thread
    after a moment, and checks it ends within INTERRUPT_BOUND with `expected`."""
    outcome: Dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["returned"] = repr(call())[:80]
        except BaseException as exc:  # noqa: BLE001
            outcome["raised"] = exc
        outcome["ended"] = time.monotonic()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(1.0)
    result: Dict[str, Any] = {"case": name}
    if not thread.is_alive():
        lift()
        result["problem"] = f"{name}: the call did not block on the fault ({_outcome(outcome)})"
        return result
    started = time.monotonic()
    interrupted: Dict[str, Any] = {}

    def run_interrupt() -> None:
        try:
            interrupt()
        except BaseException as exc:  # noqa: BLE001
            interrupted["raised"] = describe(exc)
        interrupted["took"] = time.monotonic() - started

    interrupter = threading.Thread(target=run_interrupt, daemon=True)
    interrupter.start()
    thread.join(STUCK_AFTER)
    interrupter.join(max(0.1, started + STUCK_AFTER - time.monotonic()))
    stuck = thread.is_alive()
    interrupt_stuck = interrupter.is_alive()
    lift()
    thread.join(60)
    interrupter.join(60)
    if "raised" in interrupted:
        result["interrupt raised"] = interrupted["raised"]
    if interrupt_stuck or interrupted.get("took", 0) > INTERRUPT_BOUND:
        result["outcome"] = _outcome(outcome)
        result["problem"] = (f"{name}: the interrupting call itself blocked "
                             f"{interrupted.get('took', STUCK_AFTER):.1f}s "
                             f"(call: {_outcome(outcome)})")
        return result
    if stuck:
        result["problem"] = (f"{name}: still blocked {STUCK_AFTER:.0f}s after the interrupt "
                             f"(after lifting the fault: {_outcome(outcome)})")
        return result
    took = outcome["ended"] - started
    result["seconds"] = round(took, 2)
    result["outcome"] = _outcome(outcome)
    exc = outcome.get("raised")
    if not isinstance(exc, expected):
        result["problem"] = f"{name}: {_outcome(outcome)}, want {expected.__name__}"
    elif took > INTERRUPT_BOUND:
        result["problem"] = f"{name}: interrupted after {took:.1f}s, bound {INTERRUPT_BOUND}s"
    if "interrupt raised" in result and "problem" not in result:
        result["problem"] = f"{name}: the interrupt itself raised {result['interrupt raised']}"
    return result


def _outcome(outcome: Dict[str, Any]) -> str:
    if "raised" in outcome:
        return f"raised {describe(outcome['raised'])}"
    if "returned" in outcome:
        return f"returned {outcome['returned']}"
    return "no outcome"


def scenario_interrupt(params: Dict[str, Any]) -> Dict[str, Any]:
    """cancel() -> CancelledError and close() -> ClosedError for a call blocked on a
    frozen satellite or frozen storage nodes, for every kind of handle."""
    net = network()
    net.heal()
    cases: List[Dict[str, Any]] = []
    uplink = Uplink()
    with uplink.parse_access(net.access) as access, access.open_project() as setup:
        bucket = random_bucket_name("rel-int")
        setup.create_bucket(bucket)
        data = os.urandom(2 * MiB)
        with setup.upload_object(bucket, "remote") as upload:
            upload.write(data)
        try:
            freeze_sat = (net.freeze_satellite, net.thaw_satellite)
            freeze_nodes = (lambda: [net.freeze_node(i) for i in range(5)],
                            lambda: [net.thaw_node(i) for i in range(5)])

            def blocked(name: str, fault: Tuple[Callable[[], Any], Callable[[], Any]],
                        prepare: Callable[[Any], Tuple[Callable[[], Any], Callable[[], None]]],
                        expected: type) -> None:
                project = access.open_project()
                handle: Any = None
                try:
                    project.stat_bucket(bucket)  # a warm connection, as in real use
                    call, interrupt = prepare(project)
                    fault[0]()
                    cases.append(_interrupt(name, call, interrupt, expected, fault[1]))
                except BaseException as exc:  # noqa: BLE001
                    fault[1]()
                    cases.append({"case": name, "problem": f"{name}: setting up raised {describe(exc)}"})
                finally:
                    fault[1]()
                    try:
                        project.close()
                    except StorjException:
                        pass
                    del handle

            # Project: close during a satellite request.
            blocked("project.close during stat_object", freeze_sat,
                    lambda p: (lambda: p.stat_object(bucket, "remote"), p.close), ClosedError)

            def write_all(handle: Any) -> None:
                for _ in range(8):
                    handle.write(data)

            def part_upload(p: Any, key: str) -> Any:
                return p.upload_part(bucket, key, p.begin_upload(bucket, key).upload_id, 1)

            def inline_upload(p: Any, key: str) -> Any:
                upload = p.upload_object(bucket, key)
                upload.write(b"small, inline: the commit is one satellite request")
                return upload

            # (kind, the call that blocks, its fault, how to make the handle, the call)
            kinds: List[Tuple[str, str, Any, Callable[[Any, str], Any], Callable[[Any], Any]]] = [
                ("listing", "next()", freeze_sat, lambda p, k: p.iter_objects(bucket), next),
                ("download", "read", freeze_nodes, lambda p, k: p.download_object(bucket, "remote"),
                 lambda d: d.readall()),
                ("upload", "write", freeze_nodes, lambda p, k: p.upload_object(bucket, k), write_all),
                ("upload", "commit", freeze_sat, inline_upload, lambda u: u.commit()),
                ("part_upload", "write", freeze_nodes, part_upload, write_all),
            ]
            for kind, during, fault, make, use in kinds:
                for action, expected in (("cancel", CancelledError), ("close", ClosedError)):
                    def prepare(p: Any, make: Any = make, use: Any = use, action: str = action,
                                key: str = f"{kind}-{during}-{action}") -> Tuple[Callable[[], Any], Callable[[], None]]:
                        handle = make(p, key)
                        return (lambda: use(handle)), getattr(handle, action)
                    blocked(f"{kind}.{action} during {during}", fault, prepare, expected)

            # An interrupted upload whose call raised stored nothing.
            net.heal()
            visible = {o.key for o in setup.list_objects(bucket, ListObjectsOptions(recursive=True))}
            for case in list(cases):
                key = case["case"].replace(".", "-", 1).replace(" during ", "-")
                kind, action, during = key.split("-", 2)
                stored_key = f"{kind}-{during}-{action}"
                if stored_key in visible and "raised" in str(case.get("outcome", "raised")):
                    cases.append({"case": "nothing stored", "problem":
                                  f"{case['case']}: the call raised but {stored_key} is stored"})
        finally:
            net.heal()
            delete_bucket_fully(net, bucket)
    gc.collect()
    leaked = _native.handle_count()
    problems = [c["problem"] for c in cases if "problem" in c]
    if leaked:
        problems.append(f"{leaked} native handle(s) left at the end")
    return {"cases": cases, "problems": problems}


# --- fork -----------------------------------------------------------------------------------

def scenario_fork(params: Dict[str, Any]) -> Dict[str, Any]:
    """Every kind of object alive at fork(): in the child, the calls on streams made
    before the fork (uploads, downloads, part uploads, listings) and on an EncryptionKey
    raise ForkError, every other call works (the Access and Project reopen themselves);
    the parent carries on with all of them."""
    net = network()
    problems: List[str] = []
    uplink = Uplink()
    access = uplink.parse_access(net.access)
    project = access.open_project()
    bucket = random_bucket_name("rel-fork")
    project.create_bucket(bucket)
    project.set_bucket_versioning(bucket, True)
    try:
        for i in range(3):
            with project.upload_object(bucket, f"obj/{i}") as upload:
                upload.write(os.urandom(300_000))
        key = access.derive_encryption_key("fork passphrase", "salt")
        upload = project.upload_object(bucket, "in-flight")
        upload.write(b"written before the fork")
        download = project.download_object(bucket, "obj/0")
        first = download.read(1000)[0]
        multipart = project.begin_upload(bucket, "multipart")
        part = project.upload_part(bucket, "multipart", multipart.upload_id, 1)
        part.write(b"part data before the fork")
        with project.upload_part(bucket, "multipart", multipart.upload_id, 2) as done_part:
            done_part.write(b"second part")
        listings = {
            "buckets": project.iter_buckets(),
            "objects": project.iter_objects(bucket, ListObjectsOptions(recursive=True)),
            "objects (started)": project.iter_objects(bucket, ListObjectsOptions(recursive=True)),
            "object versions": project.iter_object_versions(bucket, ListObjectVersionsOptions(recursive=True)),
            "uploads": project.iter_uploads(bucket, ListUploadsOptions(recursive=True)),
            "upload parts": project.iter_upload_parts(bucket, "multipart", multipart.upload_id),
        }
        next(listings["objects (started)"])

        calls: Dict[str, Callable[[], Any]] = {
            "Uplink.parse_access": lambda: uplink.parse_access(net.access),
            "Uplink.request_access_with_passphrase": lambda: uplink.request_access_with_passphrase(
                net.satellite_url, net.api_key, net.passphrase),
            "Access.serialize": access.serialize,
            "Access.satellite_address": access.satellite_address,
            "Access.open_project": access.open_project,
            "Access.derive_encryption_key": lambda: access.derive_encryption_key("p", "s"),
            "Access.override_encryption_key(EncryptionKey)": lambda: access.override_encryption_key(
                bucket, "tenant/", key),
            "Project.stat_object": lambda: project.stat_object(bucket, "obj/1"),
            "Project.list_buckets": project.list_buckets,
            "Project.iter_objects": lambda: next(project.iter_objects(bucket)),
            "Project.upload_object": lambda: project.upload_object(bucket, "from-child"),
            "Upload.write": lambda: upload.write(b"from the child"),
            "Upload.info": upload.info,
            "Upload.commit": upload.commit,
            "Upload.abort": upload.abort,
            "Download.read": lambda: download.read(100),
            "Download.info": download.info,
            "PartUpload.write": lambda: part.write(b"from the child"),
            "PartUpload.set_etag": lambda: part.set_etag("child"),
            "PartUpload.commit": part.commit,
        }
        for kind, listing in listings.items():
            calls[f"Listing of {kind}: next()"] = (lambda l=listing: next(l))  # type: ignore[misc]
        outcomes = _fork_child(calls)
        for name, outcome in outcomes.items():
            dead = name.startswith(("Upload.", "Download.", "PartUpload.", "Listing ")) \
                or "EncryptionKey" in name
            if dead and outcome != "ForkError":
                problems.append(f"child: {name}: {outcome}, want ForkError")
            elif not dead and not outcome.startswith("returned"):
                problems.append(f"child: {name}: {outcome}, want it to work")
        if len(outcomes) != len(calls):
            problems.append(f"child reported {len(outcomes)} of {len(calls)} calls")

        # The parent is untouched: every object goes on working.
        def parent(name: str, call: Callable[[], Any]) -> None:
            try:
                call()
            except BaseException as exc:  # noqa: BLE001
                problems.append(f"parent after fork: {name}: {describe(exc)}")
        parent("stat_object", lambda: project.stat_object(bucket, "obj/1"))
        parent("list_objects", lambda: project.list_objects(bucket, ListObjectsOptions(recursive=True)))
        for kind, listing in listings.items():
            parent(f"listing of {kind}", lambda l=listing: list(l))  # type: ignore[misc]
        parent("download.read", lambda: download.readall())
        parent("upload.commit", upload.commit)
        parent("part.commit", part.commit)
        parent("commit_upload", lambda: project.commit_upload(bucket, "multipart", multipart.upload_id))
        parent("override_encryption_key", lambda: access.override_encryption_key(
            bucket, "tenant/", key).close())
        with project.download_object(bucket, "in-flight") as check:
            if check.readall() != b"written before the fork":
                problems.append("parent after fork: the in-flight upload stored other bytes")
        with project.download_object(bucket, "multipart") as check:
            if check.readall() != b"part data before the forksecond part":
                problems.append("parent after fork: the multipart object holds other bytes")
        if len(first) != 1000:
            problems.append("parent: first read short")
        for listing in listings.values():
            listing.close()
        download.close()
        upload.close()
        part.close()
        key.close()
    finally:
        delete_bucket_fully(net, bucket)
        project.close()
        access.close()
    gc.collect()
    if not _native.universe_is_empty():
        problems.append(f"{_native.handle_count()} native handle(s) left in the parent")
    return {"calls in child": len(calls), "problems": problems}


CHILD_CALL_BOUND = 10.0  # seconds; a call in the child that takes longer is a hang


def _fork_child(calls: Dict[str, Callable[[], Any]]) -> Dict[str, str]:
    """Makes every call in a forked child and returns what each did ("ForkError", or
    "returned ..."). The child reports each call as it starts and ends; a call that does not end
    within CHILD_CALL_BOUND (a signal handler cannot interrupt a native call) is a hang:
    the child is killed and a new child goes on with the remaining calls."""
    outcomes: Dict[str, str] = {}
    remaining = list(calls)
    while remaining:
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: no finalizers, no pytest; leave with os._exit
            os.close(read_end)
            for name in remaining:
                os.write(write_end, (json.dumps({"start": name}) + "\n").encode())
                try:
                    value = calls[name]()
                    outcome = f"returned {repr(value)[:60]}"
                except ForkError:
                    outcome = "ForkError"
                except BaseException as exc:  # noqa: BLE001
                    outcome = f"raised {describe(exc)}"
                os.write(write_end, (json.dumps({"end": name, "outcome": outcome}) + "\n").encode())
            os.close(write_end)
            os._exit(0)
        os.close(write_end)
        started: Optional[str] = None
        buffer = b""
        hung = False
        try:
            for chunk in pipe_chunks(read_end, idle=CHILD_CALL_BOUND):
                buffer += chunk
                while b"\n" in buffer:
                    line, buffer = buffer.split(b"\n", 1)
                    event = json.loads(line)
                    if "start" in event:
                        started = event["start"]
                    else:
                        outcomes[event["end"]] = event["outcome"]
                        remaining.remove(event["end"])
                        started = None
        except ChildHung:
            hung = True
        if hung:
            os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
        if started is not None:
            outcomes[started] = (f"hung (> {CHILD_CALL_BOUND:.0f}s)" if hung else
                                 f"child died ({_status(status)}) during the call")
            remaining.remove(started)
        elif not hung and os.WIFSIGNALED(status):
            outcomes["child"] = f"died ({_status(status)}) between calls"
            break
    return outcomes


def _status(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"signal {signal.Signals(os.WTERMSIG(status)).name}"
    return f"exit code {os.WEXITSTATUS(status)}"


# --- faults ---------------------------------------------------------------------------------

def _timed(call: Callable[[], Any], cap: float) -> Tuple[float, Optional[BaseException]]:
    """Runs call() in a thread and waits at most `cap` seconds; returns the time it took
    and what it raised. A call still running after `cap` is left behind (it ends when the
    fault is lifted) and reported as a HangError, so the other calls are still measured."""
    outcome: Dict[str, Any] = {}
    started = time.monotonic()

    def run() -> None:
        try:
            call()
        except BaseException as exc:  # noqa: BLE001
            outcome["raised"] = exc
        outcome["took"] = time.monotonic() - started

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(cap)
    if thread.is_alive():
        return time.monotonic() - started, HangError(f"still running after {cap:.0f}s")
    return outcome["took"], outcome.get("raised")


class HangError(Exception):
    """A call that did not return within the scenario's cap."""


def _measure(name: str, call: Callable[[], Any], bound: float, measured: List[Dict[str, Any]],
             problems: List[str],
             also: Callable[[BaseException], bool] = lambda exc: False) -> None:
    """Times one call under a fault: it must raise a timeout error (or an error
    that `also` accepts) within `bound`."""
    took, exc = _timed(call, 1.5 * bound + 5)
    row = {"call": name, "seconds": round(took, 2), "outcome": describe(exc) if exc else "returned"}
    measured.append(row)
    print(json.dumps({"measured": row}), flush=True)  # visible even if the scenario dies
    if exc is None:
        problems.append(f"{name}: returned with the fault in place")
    elif isinstance(exc, HangError):
        problems.append(f"{name}: {exc} (bound {bound:.1f}s)")
    elif not is_timeout(exc) and not also(exc):
        problems.append(f"{name}: {describe(exc)} after {took:.1f}s, want a timeout error "
                        f"(a StorjException that is a TimeoutError)")
    if took > bound and not isinstance(exc, HangError):
        problems.append(f"{name}: took {took:.1f}s, bound {bound:.1f}s")


def scenario_satellite_frozen(params: Dict[str, Any]) -> Dict[str, Any]:
    """With the satellite frozen, each call fails within its bound with a timeout error;
    after thawing, the same process (and the same project) works again."""
    net = network()
    dial_ms, request_ms = int(params["dial_ms"]), int(params["request_ms"])
    bound = float(params["bound"])
    config = timed_config(dial_ms, request_ms) if params.get("configured", True) else None
    uplink = Uplink()
    measured: List[Dict[str, Any]] = []
    problems: List[str] = []
    access = uplink.parse_access(net.access)
    bucket = random_bucket_name("rel-frz")
    with access.open_project() as setup:
        setup.create_bucket(bucket)
        with setup.upload_object(bucket, "there") as upload:
            upload.write(b"stored before the freeze")
    warm = access.config_open_project(config) if config else access.open_project()
    warm.stat_object(bucket, "there")  # pooled connection: later calls are requests only
    cold = access.config_open_project(config) if config else access.open_project()
    calls: List[Tuple[str, Callable[[], Any]]] = [
        ("request_access_with_passphrase", lambda: (
            uplink.config_request_access_with_passphrase(config, net.satellite_url, net.api_key,
                                                         net.passphrase) if config else
            uplink.request_access_with_passphrase(net.satellite_url, net.api_key, net.passphrase)
        ).close()),
        ("stat_object (new connection)", lambda: cold.stat_object(bucket, "there")),
        ("stat_object (pooled connection)", lambda: warm.stat_object(bucket, "there")),
    ]
    if params.get("all_calls", True):
        calls += [
            ("list_buckets", warm.list_buckets),
            ("iter_objects next()", lambda: next(warm.iter_objects(bucket))),
            ("upload commit (inline)", lambda: _inline_commit(warm, bucket)),
            ("download_object", lambda: warm.download_object(bucket, "there").close()),
            ("delete_object", lambda: warm.delete_object(bucket, "absent")),
            ("begin_upload", lambda: warm.begin_upload(bucket, "during")),
            ("create_bucket", lambda: warm.create_bucket(random_bucket_name("rel-never"))),
        ]
    try:
        net.freeze_satellite()
        for name, call in calls:
            # A commit that ran out of time asks the satellite (one more request) whether
            # the object was stored before it reports the timeout.
            extra = request_ms / 1000 if name.startswith("upload commit") and request_ms else 0
            _measure(name, call, bound + extra, measured, problems)
    finally:
        net.thaw_satellite()
    # The same process, the same projects, work again.
    for name, call in [("stat_object on the warm project", lambda: warm.stat_object(bucket, "there")),
                       ("stat_object on the cold project", lambda: cold.stat_object(bucket, "there")),
                       ("request_access", lambda: uplink.request_access_with_passphrase(
                           net.satellite_url, net.api_key, net.passphrase).close())]:
        took, exc = _timed(call, 60)
        if exc is not None:
            problems.append(f"after thawing: {name}: {describe(exc)}")
    warm.close()
    cold.close()
    access.close()
    delete_bucket_fully(net, bucket)
    return {"dial_ms": dial_ms, "request_ms": request_ms, "bound": bound, "calls": measured,
            "problems": problems}


def _inline_commit(project: Any, bucket: str) -> None:
    """upload_object, write and commit of a tiny object: the satellite is asked at commit."""
    upload = project.upload_object(bucket, "during")
    try:
        upload.write(b"inline")
        upload.commit()
    finally:
        upload.close()


def _no_nodes_left(exc: BaseException) -> bool:
    return (isinstance(exc, NotEnoughNodesError)
            and "failed to upload enough pieces" in str(exc))


def scenario_stalled_transfer(params: Dict[str, Any]) -> Dict[str, Any]:
    """With every storage node frozen mid-transfer, the download's read and the upload's
    write/commit fail within the configured stall bound; after thawing, transfers work."""
    net = network()
    net.heal()
    stall_ms = int(params["stall_ms"])
    bound = float(params["bound"])
    config = timed_config(dial_ms=int(params.get("dial_ms", 2000)),
                          request_ms=int(params.get("request_ms", 5000)), stall_ms=stall_ms)
    measured: List[Dict[str, Any]] = []
    problems: List[str] = []
    data = os.urandom(3 * MiB)
    # Far more than the download's read-ahead and Go's piece buffers hold, so
    # that the freeze comes while most of it is still on the nodes.
    long = os.urandom(32 * MiB)
    with Uplink().parse_access(net.access) as access, access.config_open_project(config) as project:
        bucket = random_bucket_name("rel-stall")
        project.create_bucket(bucket)
        try:
            with project.upload_object(bucket, "object") as upload:
                upload.write(long)
            download = project.download_object(bucket, "object")
            head = download.read(1000)[0]
            upload = project.upload_object(bucket, "stalled")
            upload.write(data[:MiB])
            try:
                for i in range(5):
                    net.freeze_node(i)
                _measure("download.read", download.readall, bound, measured, problems)
                # Go uplink may dial the upload's pieces after the freeze; the
                # dials time out and Go asks the satellite for other nodes,
                # which this network has none of: that outcome is also true.
                _measure("upload.write+commit", lambda: (upload.write(data), upload.commit()),
                         bound, measured, problems, also=_no_nodes_left)
            finally:
                for i in range(5):
                    net.thaw_node(i)
            download.close()
            upload.close()
            if len(head) != 1000:
                problems.append("the first read was short")
            with project.download_object(bucket, "object") as again:
                if again.readall() != long:
                    problems.append("after thawing: the object reads back different bytes")
            try:
                project.stat_object(bucket, "stalled")
                problems.append("the stalled upload is visible")
            except ObjectNotFoundError:
                pass
        finally:
            net.heal()
            delete_bucket_fully(net, bucket)
    return {"stall_ms": stall_ms, "bound": bound, "calls": measured, "problems": problems}


# --- nothing lost ---------------------------------------------------------------------------

def scenario_commit_races(params: Dict[str, Any]) -> Dict[str, Any]:
    """Uploads cancelled at random points, racing commit() among them: an upload whose
    commit returned reads back byte-equal; one that raised is not visible."""
    rng = random.Random(params["seed"])
    net = network()
    rounds = int(params.get("rounds", 200))
    sizes = [0, 1, 4095, 4096, 4097, 100_000, MiB]
    tally: Dict[str, int] = {}
    problems: List[str] = []
    with Uplink().parse_access(net.access) as access, access.open_project() as project:
        bucket = random_bucket_name("rel-race")
        project.create_bucket(bucket)
        try:
            for round_ in range(rounds):
                size = rng.choice(sizes)
                point = rng.choice(["before write", "during write", "before commit",
                                    "racing commit", "racing commit", "racing commit"])
                delay = rng.uniform(0, 0.03)
                key = f"race-{round_}"
                data = rng.randbytes(size)
                committed = False
                raised: Optional[BaseException] = None
                upload = project.upload_object(bucket, key)
                canceller = threading.Timer(delay, upload.cancel)
                try:
                    if point == "before write":
                        upload.cancel()
                    if point == "during write":
                        canceller.start()
                    upload.write(data)
                    if point == "before commit":
                        upload.cancel()
                    if point == "racing commit":
                        canceller.start()
                    upload.commit()
                    committed = True
                except StorjException as exc:
                    raised = exc
                finally:
                    canceller.cancel()
                    if canceller.ident is not None:
                        canceller.join()
                    upload.close()
                outcome = "committed" if committed else type(raised).__name__
                tally[f"{point}: {outcome}"] = tally.get(f"{point}: {outcome}", 0) + 1
                problems += _check_stored(project, bucket, key, data if committed else None,
                                          f"round {round_} ({size} bytes, cancel {point}, {outcome})")
                if raised is not None and not isinstance(raised, CancelledError):
                    problems.append(f"round {round_}: cancelled upload raised {describe(raised)}")
        finally:
            delete_bucket_fully(net, bucket)
    return {"rounds": rounds, "outcomes": tally, "problems": problems}


def _check_stored(project: Any, bucket: str, key: str, data: Optional[bytes], where: str) -> List[str]:
    """data None: the key must not be visible; else it must read back equal."""
    try:
        with project.download_object(bucket, key) as download:
            stored = download.readall()
    except ObjectNotFoundError:
        return [] if data is None else [f"{where}: commit returned but the object is missing"]
    if data is None:
        return [f"{where}: the upload raised but the object is stored ({len(stored)} bytes)"]
    if stored != data:
        return [f"{where}: stored {len(stored)} bytes that differ from the {len(data)} written"]
    return []


# --- random call sequences -----------------------------------------------------------------

def scenario_fuzz(params: Dict[str, Any]) -> Dict[str, Any]:
    """hypothesis's state machine (tests/reliability/reliability_fuzz.py): random call sequences with
    misuse; no crash, no hang, only documented exception classes, no leaked handle."""
    import reliability_fuzz
    net = network()
    buckets = [random_bucket_name("rel-fz"), random_bucket_name("rel-fz")]
    problems: List[str] = []
    figures: Dict[str, Any] = {}
    with Uplink().parse_access(net.access) as access, access.open_project() as project:
        for bucket in buckets:  # something to find: downloads and listings get going
            project.create_bucket(bucket)
            for key in ("k", "dir/k", "ä/ü"):
                with project.upload_object(bucket, key) as upload:
                    upload.write(os.urandom(200_000))
    try:
        figures = reliability_fuzz.run(net.access, buckets, int(params["seed"]),
                                       int(params["sequences"]), int(params["steps"]))
    except BaseException as exc:  # noqa: BLE001 - hypothesis printed the failing sequence
        traceback.print_exc()
        problems.append(f"a sequence failed: {describe(exc)} (its steps are in the output above)")
        figures = reliability_fuzz.Figures.figures()
    finally:
        for bucket in buckets:
            delete_bucket_fully(net, bucket)
    gc.collect()
    if not _native.universe_is_empty():
        problems.append(f"{_native.handle_count()} native handle(s) left at the end")
    if figures.get("internal errors without details"):
        problems.append(f"{figures['internal errors without details']} InternalError(s) "
                        "without Go's text in details")
    figures["problems"] = problems
    return figures


def scenario_aio_fuzz(params: Dict[str, Any]) -> Dict[str, Any]:
    """The async variant (tests/reliability/reliability_aio_fuzz.py): random sequences of
    AsyncProject calls with cancels, misuse and calls in flight at once."""
    import reliability_aio_fuzz
    net = network()
    buckets = [random_bucket_name("rel-afz"), random_bucket_name("rel-afz")]
    with Uplink().parse_access(net.access) as access, access.open_project() as project:
        for bucket in buckets:
            project.create_bucket(bucket)
    try:
        figures = reliability_aio_fuzz.run(net.access, buckets, int(params["seed"]),
                                           int(params["sequences"]), int(params["steps"]))
    finally:
        for bucket in buckets:
            delete_bucket_fully(net, bucket)
    gc.collect()
    if not _native.universe_is_empty():
        figures["problems"].append(f"{_native.handle_count()} native handle(s) left at the end")
    return figures


SCENARIOS: Dict[str, Callable[[Dict[str, Any]], Dict[str, Any]]] = {
    name[len("scenario_"):]: fn for name, fn in globals().items() if name.startswith("scenario_")
}


def main() -> None:
    scenario, params = sys.argv[1], json.loads(sys.argv[2])
    try:
        result = SCENARIOS[scenario](params)
    except BaseException as exc:  # noqa: BLE001 - report, the parent fails the test
        traceback.print_exc()
        result = {"problems": [f"the scenario itself raised {describe(exc)}"]}
    sys.stdout.flush()
    print(json.dumps(result, default=str), flush=True)
    # Skip finalizers: a broken library must not turn a report into a crash at exit.
    os._exit(0)


if __name__ == "__main__":
    main()
