"""Reliability scenarios of forked workers (issue 20), run by reliability_worker.py.

A forked child loads a private copy of libuplinkc; the Access and Project made in
the parent reopen themselves there. These scenarios fork the way real programs do
(many forks in a row, forks with transfers in flight, a child that forks again,
multiprocessing.Pool, ProcessPoolExecutor with each start method, the DataLoader
pattern) and report each child's resident memory. The task functions are
module-level, so that spawn and forkserver workers can import them.
"""

from __future__ import annotations

import concurrent.futures
import gc
import hashlib
import json
import multiprocessing
import os
import signal
import statistics
import threading
import time
import traceback
from typing import Any, Callable, Dict, List, Optional, Tuple

from _child import ChildHung, pipe_chunks
from _testnet import NetworkInfo, load_info
from uplink_fixtures import delete_bucket_fully, random_bucket_name
from uplink_python import Project, Uplink, _native

CHILD_BOUND = 120.0   # seconds a child may take before it counts as hung
PAYLOAD = 300_000


def rss_kib() -> int:
    """This process's resident memory (VmRSS), in KiB."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


def payload(tag: str) -> bytes:
    """PAYLOAD bytes that depend on tag (so a mix-up is seen)."""
    seed = hashlib.sha256(tag.encode()).digest()
    return (seed * (PAYLOAD // len(seed) + 1))[:PAYLOAD]


def round_trip(project: Project, bucket: str, key: str) -> Optional[str]:
    """Uploads, downloads and lists one object; returns what went wrong, or None."""
    data = payload(key)
    with project.upload_object(bucket, key) as upload:
        upload.write(data)
    with project.download_object(bucket, key) as download:
        if download.readall() != data:
            return f"{key}: downloaded other bytes"
    listed = [o.key for o in project.iter_objects(bucket, prefix=key, recursive=True)]
    if listed != [key]:
        return f"{key}: listed {listed}"
    return None


def threaded_round_trips(project: Project, bucket: str, prefix: str, threads: int) -> List[str]:
    """round_trip from `threads` threads at once; returns the problems."""
    problems: List[str] = []

    def work(number: int) -> None:
        try:
            problem = round_trip(project, bucket, f"{prefix}/t{number}")
        except BaseException as exc:  # noqa: BLE001
            problem = f"{prefix}/t{number}: {type(exc).__name__}: {exc}"[:300]
        if problem:
            problems.append(problem)

    workers = [threading.Thread(target=work, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return problems


def fork_and_report(child: Callable[[], Dict[str, Any]]) -> Dict[str, Any]:
    """Runs child() in a forked process; returns its JSON report, with `problems`
    saying how it failed when it raised, crashed or hung (then it is killed)."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        try:
            report = child()
        except BaseException:  # noqa: BLE001
            report = {"problems": [traceback.format_exc()[-600:]]}
        report.setdefault("rss_kib", rss_kib())
        os.write(write_end, json.dumps(report).encode())
        os._exit(0)
    os.close(write_end)
    chunks: List[bytes] = []
    hung = False
    try:
        chunks.extend(pipe_chunks(read_end, total=CHILD_BOUND))
    except ChildHung:
        hung = True
    if hung:
        os.kill(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    if hung:
        return {"problems": [f"child {pid} hung (> {CHILD_BOUND:.0f}s)"]}
    if os.WIFSIGNALED(status):
        return {"problems": [f"child {pid} died of signal {os.WTERMSIG(status)}"]}
    try:
        report: Dict[str, Any] = json.loads(b"".join(chunks))
    except ValueError:
        return {"problems": [f"child {pid} reported nothing (status {status})"]}
    return report


def rss_figures(values: List[int]) -> Dict[str, Any]:
    values = [v for v in values if v > 0]
    if not values:
        return {}
    return {"rss_kib_min": min(values), "rss_kib_median": int(statistics.median(values)),
            "rss_kib_max": max(values)}


class _Busy:
    """Transfers in flight on `threads` parent threads until stop()."""

    def __init__(self, project: Project, bucket: str, threads: int) -> None:
        self.problems: List[str] = []
        self.rounds = 0
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run, args=(project, bucket, n))
                         for n in range(threads)]
        for thread in self._threads:
            thread.start()

    def _run(self, project: Project, bucket: str, number: int) -> None:
        while not self._stop.is_set():
            try:
                problem = round_trip(project, bucket, f"parent/{number}")
            except BaseException as exc:  # noqa: BLE001
                problem = f"parent thread {number}: {type(exc).__name__}: {exc}"[:300]
            if problem:
                self.problems.append(problem)
            self.rounds += 1

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join()


def _with_project(grant: str, prefix: str,
                  body: Callable[[Project, str, List[str]], Dict[str, Any]]) -> Dict[str, Any]:
    """Runs body(project, bucket, problems) with a fresh bucket, then checks the
    parent's project still works and no handle is left."""
    problems: List[str] = []
    access = Uplink().parse_access(grant)
    project = access.open_project()
    bucket = random_bucket_name(prefix)
    project.create_bucket(bucket)
    try:
        figures = body(project, bucket, problems)
        problem = round_trip(project, bucket, "parent/after")
        if problem:
            problems.append(f"parent after the forks: {problem}")
    finally:
        project.close()
        access.close()
        delete_bucket_fully(_network(), bucket)
    gc.collect()
    if not _native.universe_is_empty():
        problems.append(f"{_native.handle_count()} native handle(s) left in the parent")
    figures["problems"] = problems + figures.get("problems", [])
    return figures


def _network() -> NetworkInfo:
    return load_info(os.environ["UPLINK_TESTNET_INFO_FILE"])


# --- forks in a row ------------------------------------------------------------------------

def scenario_fork_many(params: Dict[str, Any]) -> Dict[str, Any]:
    """`forks` forks in a row; each child uploads, downloads and lists through the
    parent's Project from `threads` threads; with `busy`, 2 parent threads keep
    transfers in flight meanwhile."""
    forks = int(params.get("forks", 50))
    threads = int(params.get("threads", 4))
    busy_threads = 2 if params.get("busy") else 0

    def body(project: Project, bucket: str, problems: List[str]) -> Dict[str, Any]:
        round_trip(project, bucket, "parent/warm")   # the library is loaded, the project dialled
        busy = _Busy(project, bucket, busy_threads)
        rss: List[int] = []
        started = time.monotonic()
        try:
            for number in range(forks):
                def child(number: int = number) -> Dict[str, Any]:
                    found = threaded_round_trips(project, bucket, f"child{number}", threads)
                    project.close()
                    gc.collect()
                    if not _native.universe_is_empty():
                        found.append(f"child {number}: {_native.handle_count()} handle(s) left")
                    return {"problems": found}
                report = fork_and_report(child)
                problems.extend(f"fork {number}: {p}" for p in report.get("problems", []))
                rss.append(int(report.get("rss_kib", -1)))
        finally:
            busy.stop()
        problems.extend(busy.problems)
        listed = {o.key for o in project.iter_objects(bucket, recursive=True)}
        missing = [f"child{n}/t{t}" for n in range(forks) for t in range(threads)
                   if f"child{n}/t{t}" not in listed]
        if missing:
            problems.append(f"objects the children stored are missing: {missing[:5]}")
        return {"forks": forks, "threads per child": threads,
                "parent rounds while forking": busy.rounds,
                "seconds": round(time.monotonic() - started, 1), **rss_figures(rss)}

    return _with_project(_network().access, "rel-forks", body)


def scenario_fork_nested(params: Dict[str, Any]) -> Dict[str, Any]:
    """A child that forks again: child and grandchild both work through the
    parent's Project (each in its own copy of the library)."""
    def body(project: Project, bucket: str, problems: List[str]) -> Dict[str, Any]:
        round_trip(project, bucket, "parent/warm")

        def grandchild() -> Dict[str, Any]:
            found = threaded_round_trips(project, bucket, "grandchild", 2)
            return {"problems": found, "library": _native.library_path()}

        def child() -> Dict[str, Any]:
            found = threaded_round_trips(project, bucket, "child", 2)
            inner = fork_and_report(grandchild)
            found.extend(f"grandchild: {p}" for p in inner.get("problems", []))
            found.extend(threaded_round_trips(project, bucket, "child-after", 2))
            if inner.get("library") == _native.library_path():
                found.append("the grandchild used the child's copy of the library")
            return {"problems": found, "grandchild_rss_kib": inner.get("rss_kib")}

        report = fork_and_report(child)
        problems.extend(report.get("problems", []))
        return {"child_rss_kib": report.get("rss_kib"),
                "grandchild_rss_kib": report.get("grandchild_rss_kib")}

    return _with_project(_network().access, "rel-nested", body)


# --- pools ----------------------------------------------------------------------------------

# The project a worker uses: the parent's, inherited by fork(), or one the worker
# opens from the grant (spawn, forkserver).
_WORKER: Dict[str, Any] = {}


def _worker_project(grant: str) -> Tuple[Project, str]:
    if "project" not in _WORKER:
        _WORKER["access"] = Uplink().parse_access(grant)
        _WORKER["project"] = _WORKER["access"].open_project()
        _WORKER["how"] = "opened"
    return _WORKER["project"], _WORKER["how"]


def pool_task(grant: str, bucket: str, key: str) -> Dict[str, Any]:
    """One upload, download and listing in a pool worker."""
    project, how = _worker_project(grant)
    problem = round_trip(project, bucket, key)
    return {"problem": problem, "how": how, "pid": os.getpid(), "rss_kib": rss_kib()}


def _pool_results(results: List[Dict[str, Any]], problems: List[str], where: str
                  ) -> Dict[str, Any]:
    for result in results:
        if result["problem"]:
            problems.append(f"{where}: {result['problem']}")
    return {"tasks": len(results), "workers": len({r["pid"] for r in results}),
            "how": sorted({r["how"] for r in results}),
            **rss_figures([r["rss_kib"] for r in results])}


def scenario_fork_pool(params: Dict[str, Any]) -> Dict[str, Any]:
    """multiprocessing.Pool(maxtasksperchild=1) with fork: each task in a new worker
    that uses the parent's Project."""
    tasks = int(params.get("tasks", 6))
    grant = _network().access

    def body(project: Project, bucket: str, problems: List[str]) -> Dict[str, Any]:
        round_trip(project, bucket, "parent/warm")
        _WORKER.update(project=project, how="inherited")
        try:
            with multiprocessing.get_context("fork").Pool(2, maxtasksperchild=1) as pool:
                results = pool.starmap(pool_task, [(grant, bucket, f"pool/{n}")
                                                   for n in range(tasks)])
        finally:
            _WORKER.clear()
        figures = _pool_results(results, problems, "Pool")
        if figures["how"] != ["inherited"] or figures["workers"] != tasks:
            problems.append(f"Pool: want {tasks} workers on the inherited project: {figures}")
        return figures

    return _with_project(grant, "rel-pool", body)


def scenario_process_pool(params: Dict[str, Any]) -> Dict[str, Any]:
    """ProcessPoolExecutor with each start method: fork workers use the parent's
    Project, spawn and forkserver workers open their own from the grant."""
    tasks = int(params.get("tasks", 4))
    grant = _network().access

    def body(project: Project, bucket: str, problems: List[str]) -> Dict[str, Any]:
        round_trip(project, bucket, "parent/warm")
        figures: Dict[str, Any] = {}
        for method in ("fork", "spawn", "forkserver"):
            _WORKER.update(project=project, how="inherited")
            try:
                with concurrent.futures.ProcessPoolExecutor(
                        2, mp_context=multiprocessing.get_context(method)) as pool:
                    results = list(pool.map(pool_task, [grant] * tasks, [bucket] * tasks,
                                            [f"{method}/{n}" for n in range(tasks)]))
            finally:
                _WORKER.clear()
            figures[method] = _pool_results(results, problems, method)
            want = ["inherited"] if method == "fork" else ["opened"]
            if figures[method]["how"] != want:
                problems.append(f"{method}: workers used {figures[method]['how']}, want {want}")
        return figures

    return _with_project(grant, "rel-ppe", body)


# --- the DataLoader pattern -----------------------------------------------------------------

class ObjectDataset:
    """A map-style dataset, as PyTorch's: item i is the bytes of object i, read
    through the Project the dataset holds (opened in the parent)."""

    def __init__(self, project: Project, bucket: str, count: int) -> None:
        self.project = project
        self.bucket = bucket
        self.count = count

    def __len__(self) -> int:
        return self.count

    def __getitem__(self, index: int) -> bytes:
        with self.project.download_object(self.bucket, f"item/{index}") as download:
            return download.readall()


def _loader_worker(dataset: ObjectDataset, indices: Any, results: Any) -> None:
    """A DataLoader worker: forked with the dataset in memory; fetches the items
    whose indices arrive until None."""
    while True:
        index = indices.get()
        if index is None:
            break
        try:
            item = dataset[index]
            results.put((index, hashlib.sha256(item).hexdigest(), None, rss_kib()))
        except BaseException as exc:  # noqa: BLE001
            results.put((index, None, f"{type(exc).__name__}: {exc}"[:300], rss_kib()))


def scenario_dataloader(params: Dict[str, Any]) -> Dict[str, Any]:
    """The DataLoader pattern: a dataset holding a Project, iterated by forked
    workers (multiprocessing, as torch.utils.data.DataLoader(num_workers=N) does)."""
    items = int(params.get("items", 12))
    workers = int(params.get("workers", 3))

    def body(project: Project, bucket: str, problems: List[str]) -> Dict[str, Any]:
        expected = {}
        for index in range(items):
            data = payload(f"item/{index}")
            with project.upload_object(bucket, f"item/{index}") as upload:
                upload.write(data)
            expected[index] = hashlib.sha256(data).hexdigest()
        dataset = ObjectDataset(project, bucket, items)
        context = multiprocessing.get_context("fork")
        indices = context.Queue()
        results = context.Queue()
        processes = [context.Process(target=_loader_worker, args=(dataset, indices, results))
                     for _ in range(workers)]
        for process in processes:
            process.start()
        for index in range(items):
            indices.put(index)
        for _ in processes:
            indices.put(None)
        rss: List[int] = []
        for _ in range(items):
            index, digest, error, resident = results.get(timeout=CHILD_BOUND)
            rss.append(resident)
            if error or digest != expected[index]:
                problems.append(f"item {index}: {error or 'other bytes'}")
        for process in processes:
            process.join(CHILD_BOUND)
            if process.exitcode != 0:
                problems.append(f"worker {process.pid} ended with {process.exitcode}")
        if dataset[0] != payload("item/0"):   # the parent's project still serves
            problems.append("the parent's dataset read other bytes after the workers")
        return {"items": items, "workers": workers, **rss_figures(rss)}

    return _with_project(_network().access, "rel-loader", body)


# --- dask -----------------------------------------------------------------------------------

def dask_task(fs: Any, bucket: str, key: str) -> Dict[str, Any]:
    """Stores and reads back one object through the StorjFileSystem dask sent here."""
    data = payload(key)
    fs.pipe_file(f"{bucket}/{key}", data)
    same = fs.cat_file(f"{bucket}/{key}") == data
    return {"problem": None if same else f"{key}: read other bytes", "how": "fs",
            "pid": os.getpid(), "rss_kib": rss_kib()}


def scenario_dask(params: Dict[str, Any]) -> Dict[str, Any]:
    """dask's process scheduler, with forked and with spawned workers: each task
    gets the parent's StorjFileSystem (pickled, so opened again from the grant)."""
    import dask            # pylint: disable=import-outside-toplevel
    import dask.bag        # pylint: disable=import-outside-toplevel
    from uplink_python.fs import StorjFileSystem  # pylint: disable=import-outside-toplevel
    tasks = int(params.get("tasks", 6))
    grant = _network().access

    def body(project: Project, bucket: str, problems: List[str]) -> Dict[str, Any]:
        fs = StorjFileSystem(access=grant, skip_instance_cache=True)
        fs.pipe_file(f"{bucket}/parent", b"loaded before the workers")
        figures: Dict[str, Any] = {}
        try:
            for method in ("fork", "spawn"):
                with dask.config.set({"scheduler": "processes", "num_workers": 2,
                                      "multiprocessing.context": method}):
                    keys = [f"dask-{method}/{n}" for n in range(tasks)]
                    results = dask.bag.from_sequence(keys, npartitions=tasks).map(
                        lambda key: dask_task(fs, bucket, key)).compute()
                figures[method] = _pool_results(results, problems, f"dask {method}")
                if any(result["pid"] == os.getpid() for result in results):
                    problems.append(f"dask {method}: a task ran in the parent, not a worker")
            if fs.cat_file(f"{bucket}/parent") != b"loaded before the workers":
                problems.append("the parent's file system read other bytes after dask")
        finally:
            fs.close()
        return figures

    return _with_project(grant, "rel-dask", body)
