"""The private native layer: everything that touches ctypes lives in this package.

* ``_row``: what a row (one native call, said whole) is made of;
* ``_calls`` (re-exported as ``calls``): the table, one row per function
  libuplinkc exports; the loader declares every function from it;
* ``_loader``: finding and loading the library, fork detection;
* ``_gate``: the one gate every call passes through, and handle ownership;
* ``_errors``: the error choke point;
* ``_convert`` and ``_buffers``: value classes <-> C structs, zero-copy buffers;
* ``_streams``, ``_listing``: moving bytes, and listings a page at a time;
* ``_whole``: whole objects in one call; ``_async``: the async calls (uplink_python.aio),
  whose rows ``_calls.ASYNC`` derives from the sync ones.

Public modules call the rows (``calls.stat_object(handle, bucket, key)``) and
the helpers below with Python values and get Python values (or exceptions)
back; they never see a ctypes object. A new call adds a row to ``_calls``,
never a name here.
"""

from . import _calls as calls
from ._buffers import pointer_view, readable_buffer, ubyte_buffer, writable_buffer
from ._convert import MAX_UNIX_SECONDS, encode, flag, utf8
from ._errors import redacting, take_error
from ._gate import Handle, HandleOwner, LibraryView, call, cancel
from ._listing import Cursor
from ._loader import (ENV_LIBRARY, EOF, candidate_paths, handle_count,
                      library_filename, library_path, missing_symbols, symbol_names,
                      universe_is_empty)
from ._streams import MAX_READ_SIZE, check_writable, download_read, download_readinto, write

__all__ = [
    "call", "calls", "cancel", "candidate_paths", "check_writable", "Cursor",
    "download_read", "download_readinto", "encode", "ENV_LIBRARY", "EOF", "flag", "Handle",
    "handle_count", "HandleOwner", "LibraryView", "library_filename", "library_path",
    "MAX_READ_SIZE", "MAX_UNIX_SECONDS", "missing_symbols", "pointer_view", "readable_buffer",
    "redacting", "symbol_names", "take_error", "ubyte_buffer", "universe_is_empty", "utf8",
    "writable_buffer", "write",
]
