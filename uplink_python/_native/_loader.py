"""Loading libuplinkc: the search for the library file, the declaration of
every function from its row (``_calls.TABLE``), and fork detection. Only the gate
(``_gate``) and the error choke point (``_errors``) fetch functions from here.
"""

from __future__ import annotations

import ctypes
import os
import sys
import tempfile
import threading
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple

from .. import errors

ENV_LIBRARY = "UPLINK_PYTHON_LIBRARY"
EOF = -1

def _table() -> Tuple[Any, ...]:
    """The rows of every function libuplinkc exports (``_calls.TABLE``)."""
    from ._calls import TABLE  # pylint: disable=import-outside-toplevel  # it builds on the gate
    return TABLE


def symbol_names() -> List[str]:
    """Returns the names of every function declared in the table of calls."""
    return [row.name for row in _table()]


# ---------------------------------------------------------------------------
# Loading

class _State:
    lock = threading.Lock()
    lib: Optional[ctypes.CDLL] = None
    functions: Dict[str, Any] = {}
    path: Optional[str] = None
    pid: Optional[int] = None
    missing: Tuple[str, ...] = ()
    # See "Library generations" below.
    generation = 0
    source: Optional[str] = None
    fork_problem: Optional[str] = None


def library_filename() -> str:
    """The platform's file name of the library."""
    if sys.platform == "darwin":
        return "libuplinkc.dylib"
    if sys.platform in ("win32", "cygwin"):
        return "libuplinkc.dll"
    return "libuplinkc.so"


def _package_dir() -> str:
    return os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _checkout_dir() -> Optional[str]:
    """The repository root when this package is imported from a source checkout."""
    root = os.path.dirname(_package_dir())
    return root if os.path.exists(os.path.join(root, "libuplinkc", "go.mod")) else None


def _installed_libraries() -> List[str]:
    """The libraries of installed uplink-python distributions (normally one).

    A script run from the repository root imports the source tree's package
    (no library in it) even when ``pip install .`` put a built one in
    site-packages; that one is found through the distribution's metadata.
    Every distribution is looked at, since the checkout's own build metadata
    (uplink_python.egg-info) is found first from the repository root.
    """
    found = []
    try:
        from importlib import metadata
        for dist in metadata.distributions():
            if (dist.metadata["Name"] or "").lower().replace("_", "-") != "uplink-python":
                continue
            located = os.path.abspath(str(dist.locate_file(
                "uplink_python/" + library_filename())))
            if os.path.exists(located) and located not in found:
                found.append(located)
    except Exception:  # pylint: disable=broad-except  # unreadable metadata: nothing found
        pass
    return found


def candidate_paths() -> Iterator[str]:
    """The paths to try, in order: the package dir, a development checkout's
    libuplinkc/, the installed distribution's package dir.

    Lazy: the distributions' metadata (importlib.metadata, a few MiB of
    modules) is read only when neither of the first two paths loads.
    $UPLINK_PYTHON_LIBRARY, when set, is the only path (see ``_load``).
    """
    name = library_filename()
    paths = [os.path.join(_package_dir(), name)]
    checkout = _checkout_dir()
    if checkout is not None:
        paths.append(os.path.join(checkout, "libuplinkc", name))
    yield from paths
    yield from (path for path in _installed_libraries() if path not in paths)


def _advice() -> str:
    """One sentence on what to do when no library was found."""
    if _checkout_dir() is not None:
        return ("This is uplink_python's source tree, which holds no library: run "
                "scripts/setup.sh (or: cd libuplinkc && go build -buildmode=c-shared -o "
                f"{library_filename()} .), or run your script from outside the checkout "
                "to use the installed package.")
    return ("The installed uplink-python has no library for this platform: reinstall it "
            "(pip install --force-reinstall uplink-python), or set "
            f"{ENV_LIBRARY} to the full path of a libuplinkc build.")


def _missing_function(name: str) -> Callable[..., Any]:
    def missing(*_args: Any) -> Any:
        raise errors.LibUplinkSoError(
            f"{_State.path} does not export {name}; rebuild libuplinkc")
    return missing


def _bind(lib: ctypes.CDLL) -> Tuple[str, ...]:
    missing = []
    functions: Dict[str, Any] = {}
    for row in _table():
        name = row.name
        try:
            func = getattr(lib, name)
        except AttributeError:
            missing.append(name)
            functions[name] = _missing_function(name)
            continue
        func.restype = row.restype
        func.argtypes = row.argtypes
        if row.quick:
            # Called with the GIL kept (see Row.quick).
            func = ctypes.PYFUNCTYPE(row.restype, *row.argtypes)((name, lib))
        functions[name] = func
    _State.functions = functions
    return tuple(missing)


def _open(path: str) -> ctypes.CDLL:
    lib = ctypes.CDLL(path)
    _State.missing = _bind(lib)
    _State.path = _State.source = path
    _State.pid = os.getpid()
    return lib


def _load() -> ctypes.CDLL:
    if _State.generation:
        return _load_private_copy()
    override = os.environ.get(ENV_LIBRARY)
    if override:
        # An explicit choice is never silently replaced by the bundled library.
        if not os.path.isfile(override):
            raise errors.LibUplinkSoError(
                f"{ENV_LIBRARY}={override}: no such file; point it at a libuplinkc "
                "build or unset it to use the bundled library.")
        try:
            return _open(override)
        except OSError as exc:
            raise errors.LibUplinkSoError(
                f"{ENV_LIBRARY}={override} could not be loaded ({exc}); point it at a "
                "libuplinkc build for this platform or unset it.") from exc
    tried = []
    for path in candidate_paths():
        if not os.path.exists(path):
            tried.append(f"{path} (no such file)")
            continue
        try:
            return _open(path)
        except OSError as exc:
            tried.append(f"{path} ({exc})")
    raise errors.LibUplinkSoError(
        "could not load libuplinkc; tried: " + "; ".join(tried) + ". " + _advice())


def lib() -> ctypes.CDLL:
    """The loaded library, loading it on first use; raises LibUplinkSoError or ForkError.

    For tests and introspection only: calls go through ``function``.
    """
    loaded = _State.lib
    if loaded is not None:
        return loaded
    with _State.lock:
        if _State.lib is None:
            _State.lib = _load()
            _watch_interrupts()
        return _State.lib


# A benchmark knob, not a setting: "0" leaves the interrupt watch off, so that
# benchmarks/suite.py can measure what the watch costs the hot paths
# (--variant-env nowatch=UPLINK_PYTHON_BENCH_INTERRUPT_WATCH=0).
ENV_BENCH_INTERRUPT_WATCH = "UPLINK_PYTHON_BENCH_INTERRUPT_WATCH"


def _watch_interrupts() -> None:
    # pylint: disable=import-outside-toplevel  # both build on the loader
    from . import _calls, _interrupt
    if os.environ.get(ENV_BENCH_INTERRUPT_WATCH) == "0":
        return
    if "uplink_interrupt_watch" not in _State.missing:
        _interrupt.install(_calls.interrupt_watch)


def function(name: str) -> Any:
    """The declared function ``name`` (loading the library on first use)."""
    if _State.lib is None:
        lib()
    return _State.functions[name]


# ---------------------------------------------------------------------------
# Library generations: reloading after fork()
#
# The Go runtime's threads do not survive fork(), so a child never calls into
# the library its parent loaded. Instead its first native call loads a private
# copy of the same file, which starts a Go runtime of its own: from an
# anonymous memory file (memfd_create), or else from a temporary file removed
# as soon as it is loaded. Each load is a new generation; handles record
# theirs, and the gate never passes a handle of an older generation to the
# library (its ids would name other objects, or none, in the new table).

def generation() -> int:
    """The generation of the library this process calls (0 until a fork)."""
    return _State.generation


def _after_fork_in_child() -> None:
    # Locks a parent thread held at the fork would never be released here.
    _State.lock = threading.Lock()
    if _State.lib is not None:
        _State.lib = None
        _State.functions = {}
        _State.generation += 1
        _State.fork_problem = None


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def _copy_into(fd: int, source: str) -> None:
    with open(source, "rb") as src:
        size = os.fstat(src.fileno()).st_size
        sent = 0
        if hasattr(os, "sendfile"):   # a copy inside the kernel
            while sent < size:
                count = os.sendfile(fd, src.fileno(), sent, size - sent)
                if count <= 0:
                    break
                sent += count
        src.seek(sent)
        for chunk in iter(lambda: src.read(1 << 20), b""):
            view = memoryview(chunk)
            while view:
                view = view[os.write(fd, view):]


def _memfd_copy(source: str) -> ctypes.CDLL:
    memfd_create = getattr(os, "memfd_create", None)
    if memfd_create is None:
        raise OSError("memfd_create is not available")
    fd = memfd_create("libuplinkc", getattr(os, "MFD_CLOEXEC", 0))
    try:
        _copy_into(fd, source)
        # The process id makes the name unique: a child's child must not find
        # this copy among the loaded libraries by name.
        return ctypes.CDLL(f"/proc/{os.getpid()}/fd/{fd}")
    finally:
        os.close(fd)   # the mapping keeps the memory file alive


def _temp_dirs() -> Iterator[str]:
    yield tempfile.gettempdir()
    yield from ("/dev/shm", "/var/tmp", os.path.expanduser("~"))


def _temp_file_copy(source: str) -> ctypes.CDLL:
    problems = []
    for folder in _temp_dirs():
        try:
            fd, path = tempfile.mkstemp(prefix="libuplinkc-", suffix=".so", dir=folder)
        except OSError as exc:
            problems.append(f"{folder}: {exc}")
            continue
        try:
            try:
                _copy_into(fd, source)
            finally:
                os.close(fd)
            return ctypes.CDLL(path)
        except OSError as exc:   # a noexec mount, a full disk
            problems.append(f"{folder}: {exc}")
        finally:
            os.unlink(path)
    raise OSError("; ".join(problems))


def _load_private_copy() -> ctypes.CDLL:
    """Loads a copy of the parent's library in a forked child; raises ForkError."""
    source = _State.source
    assert source is not None
    if _State.fork_problem is None:
        problems = []
        for copy in (_memfd_copy, _temp_file_copy):
            try:
                loaded = copy(source)
            except OSError as exc:
                problems.append(f"{copy.__name__.strip('_')}: {exc}")
                continue
            _State.missing = _bind(loaded)
            _State.path = loaded._name
            _State.pid = os.getpid()
            return loaded
        _State.fork_problem = "; ".join(problems)
    raise errors.ForkError(
        f"this process ({os.getpid()}) is a fork() of one that had loaded libuplinkc, "
        "whose Go runtime does not survive fork(), and no private copy of the library "
        f"could be loaded here ({_State.fork_problem}). Use multiprocessing with the "
        "'spawn' start method (multiprocessing.get_context('spawn')) and open uplink "
        "objects in the child.")


def library_path() -> str:
    """The path of the loaded library (loading it if needed)."""
    lib()
    assert _State.path is not None
    return _State.path


def missing_symbols() -> Tuple[str, ...]:
    """Table entries the loaded library does not export."""
    lib()
    return _State.missing


def universe_is_empty() -> bool:
    """True when libuplinkc holds no live handle (the leak oracle)."""
    return bool(function("uplink_internal_UniverseIsEmpty")())


def handle_count() -> int:
    """Number of live handles in libuplinkc."""
    return int(function("uplink_internal_HandleCount")())


