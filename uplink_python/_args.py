"""Checks of the file-object and size arguments that uploads, downloads and
whole-file transfers share."""

from __future__ import annotations

import io
from typing import Any, Callable, Optional


def at_least(value: Any, what: str, low: int) -> int:
    """Checks an int argument that must be at least ``low``."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{what} must be an int, not {type(value).__name__}")
    if value < low:
        raise ValueError(f"{what} must be at least {low}, got {value}")
    return value


def check_buffer_size(buffer_size: Any) -> int:
    """Checks a ``buffer_size`` argument (0 for the default)."""
    if isinstance(buffer_size, bool) or not isinstance(buffer_size, int):
        raise TypeError(f"buffer_size must be an int, not {type(buffer_size).__name__}")
    if buffer_size < 0:
        raise ValueError(f"buffer_size must not be negative, got {buffer_size}")
    return buffer_size


def binary_source(file_handle: Any, what: str) -> Optional[Callable[[Any], Any]]:
    """Checks that ``file_handle`` is a binary file object to read from; returns its
    readinto method (None when it only has read)."""
    if isinstance(file_handle, io.TextIOBase):
        raise TypeError(f"{what} must be opened in binary mode, not text mode")
    if not callable(getattr(file_handle, "read", None)) and \
            not callable(getattr(file_handle, "readinto", None)):
        raise TypeError(f"{what} must be a binary file object (with read or readinto), "
                        f"not {type(file_handle).__name__}")
    readinto = getattr(file_handle, "readinto", None)
    return readinto if callable(readinto) else None


def binary_target(file_handle: Any, what: str) -> None:
    """Checks that ``file_handle`` is a binary file object to write to."""
    if isinstance(file_handle, io.TextIOBase):
        raise TypeError(f"{what} must be opened in binary mode, not text mode")
    if not callable(getattr(file_handle, "write", None)):
        raise TypeError(f"{what} must be a binary file object (with write), "
                        f"not {type(file_handle).__name__}")
