"""Makes a musl x86-64 build of libuplinkc loadable with dlopen.

setup.py runs this on the library `go build` wrote. It acts only when the
library holds the table of musl_linux_amd64.c (compiled in for musl on
x86-64 alone); that file says what is wrong with Go's output under musl and
what the replacements are. Here, with no tool but Python:

* every ``mov <TPOFF64 GOT slot>(%rip), %reg`` (Go's initial-exec read of the
  offset of its goroutine variable) becomes ``call <trampoline for %reg>``
  plus a 2-byte no-op, the same 7 bytes;
* the R_X86_64_TPOFF64 relocation that musl's dlopen refuses becomes
  R_X86_64_NONE, and DF_STATIC_TLS is cleared;
* init_array (Go's load-time entry, and a C toolchain's own entries if it
  added any) becomes the one entry uplink_musl_init, which calls those with
  the arguments glibc passes and musl does not.

Anything not as expected stops with an error rather than half-patching.
"""

from __future__ import annotations

import re
import struct
import sys
from typing import Dict, List, NamedTuple, Tuple

MAGIC = b"uplink-musl-tls1"

PT_LOAD, PT_DYNAMIC = 1, 2
PF_X = 1
DT_NULL, DT_RELA, DT_RELASZ, DT_RELAENT = 0, 7, 8, 9
DT_FLAGS, DT_INIT_ARRAY, DT_INIT_ARRAYSZ = 30, 25, 27
DF_STATIC_TLS = 0x10
R_X86_64_NONE, R_X86_64_RELATIVE, R_X86_64_TPOFF64 = 0, 8, 18
EM_X86_64 = 62
RSP = 4

# struct uplink_musl_table in musl_linux_amd64.c: offsets of its fields.
TABLE_INIT, TABLE_TRAMPOLINES, TABLE_INIT_COUNT, TABLE_INIT_ENTRIES = 16, 24, 152, 160
INIT_MAX = 8

# `mov disp32(%rip), %r64`: REX.W (with REX.R for r8-r15), 8B, a ModRM byte
# with mod 00 and r/m 101; matched at every offset (a lookahead), so that a
# match starting inside another instruction cannot hide a real one.
_MOV_RIP = re.compile(rb"(?=[\x48\x4c]\x8b[\x05\x0d\x15\x1d\x25\x2d\x35\x3d])")


class PatchError(Exception):
    """The library is not what the patch expects; it is left unchanged."""


class Segment(NamedTuple):
    vaddr: int
    offset: int
    filesz: int
    flags: int


class Result(NamedTuple):
    sites: int                # Go's TLS offset loads turned into calls
    registers: Dict[str, int]  # how many sites load into each register


REGISTER_NAMES = ("rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
                  "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15")


def _segments(data: bytearray) -> Tuple[List[Segment], int]:
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        raise PatchError("not a 64-bit little-endian ELF file")
    machine = struct.unpack_from("<H", data, 18)[0]
    if machine != EM_X86_64:
        raise PatchError("not an x86-64 ELF file (e_machine %d)" % machine)
    phoff, = struct.unpack_from("<Q", data, 32)
    phentsize, phnum = struct.unpack_from("<HH", data, 54)
    segments, dynamic = [], -1
    for i in range(phnum):
        kind, flags, offset, vaddr, _, filesz = struct.unpack_from(
            "<IIQQQQ", data, phoff + i * phentsize)
        if kind == PT_LOAD:
            segments.append(Segment(vaddr, offset, filesz, flags))
        elif kind == PT_DYNAMIC:
            dynamic = offset
    if dynamic < 0:
        raise PatchError("no PT_DYNAMIC segment")
    return segments, dynamic


def _file_offset(segments: List[Segment], vaddr: int) -> int:
    for s in segments:
        if s.vaddr <= vaddr < s.vaddr + s.filesz:
            return s.offset + vaddr - s.vaddr
    raise PatchError("address %#x is in no loaded part of the file" % vaddr)


def _vaddr(segments: List[Segment], offset: int) -> int:
    for s in segments:
        if s.offset <= offset < s.offset + s.filesz:
            return s.vaddr + offset - s.offset
    raise PatchError("file offset %#x is in no loaded segment" % offset)


def _dynamic(data: bytearray, offset: int) -> Dict[int, Tuple[int, int]]:
    """tag -> (value, file offset of the entry) of each dynamic entry."""
    entries: Dict[int, Tuple[int, int]] = {}
    while True:
        tag, value = struct.unpack_from("<qQ", data, offset)
        if tag == DT_NULL:
            return entries
        entries[tag] = (value, offset)
        offset += 16


def patch(data: bytearray) -> Result:
    """Patches the library in data (in place); PatchError if it cannot."""
    table_at = data.find(MAGIC)
    if table_at < 0:
        raise PatchError("no libuplinkc_musl_table: was musl_linux_amd64.c compiled in?")
    if data.find(MAGIC, table_at + 1) >= 0:
        raise PatchError("the table's magic string occurs twice")
    segments, dynamic_at = _segments(data)
    dyn = _dynamic(data, dynamic_at)
    for tag in (DT_RELA, DT_RELASZ, DT_INIT_ARRAY, DT_INIT_ARRAYSZ):
        if tag not in dyn:
            raise PatchError("dynamic tag %d missing" % tag)
    if dyn.get(DT_RELAENT, (24, 0))[0] != 24:
        raise PatchError("unexpected RELA entry size")

    rela_at = _file_offset(segments, dyn[DT_RELA][0])
    relative: Dict[int, int] = {}   # r_offset -> file offset of its entry
    tpoff: List[int] = []
    for at in range(rela_at, rela_at + dyn[DT_RELASZ][0], 24):
        r_offset, r_info, _ = struct.unpack_from("<QQq", data, at)
        kind = r_info & 0xFFFFFFFF
        if kind == R_X86_64_RELATIVE:
            relative[r_offset] = at
        elif kind == R_X86_64_TPOFF64:
            tpoff.append(at)
    if len(tpoff) != 1:
        raise PatchError("expected one R_X86_64_TPOFF64 relocation (Go's g), found %d%s"
                         % (len(tpoff), " (already patched?)" if not tpoff else ""))

    def target(vaddr: int) -> int:
        """The address a pointer at vaddr holds once relocated."""
        if vaddr not in relative:
            raise PatchError("no R_X86_64_RELATIVE relocation at %#x" % vaddr)
        addend: int = struct.unpack_from("<q", data, relative[vaddr] + 16)[0]
        return addend

    table = _vaddr(segments, table_at)
    init = target(table + TABLE_INIT)
    trampolines = [0 if r == RSP else target(table + TABLE_TRAMPOLINES + 8 * r)
                   for r in range(16)]
    init_array = dyn[DT_INIT_ARRAY][0]
    entries = [target(init_array + 8 * i) for i in range(dyn[DT_INIT_ARRAYSZ][0] // 8)]
    if not 1 <= len(entries) <= INIT_MAX:
        raise PatchError("init_array has %d entries; the table holds 1 to %d"
                         % (len(entries), INIT_MAX))

    got_slot = struct.unpack_from("<Q", data, tpoff[0])[0]
    sites: List[Tuple[int, int]] = []   # (file offset, register number)
    for s in segments:
        if not s.flags & PF_X:
            continue
        end = s.offset + s.filesz
        for match in _MOV_RIP.finditer(data, s.offset, end):
            start = match.start()
            if start + 7 > end:
                break
            disp, = struct.unpack_from("<i", data, start + 3)
            if s.vaddr + (start - s.offset) + 7 + disp == got_slot:
                rex, modrm = data[start], data[start + 2]
                sites.append((start, (modrm >> 3 & 7) | (8 if rex == 0x4C else 0)))
    if not sites:
        raise PatchError("found no load of the TPOFF64 GOT slot %#x" % got_slot)
    if any(reg == RSP for _, reg in sites):
        raise PatchError("a load of the TPOFF64 GOT slot into %rsp")

    registers: Dict[str, int] = {}
    for start, reg in sites:
        site = _vaddr(segments, start)
        call = trampolines[reg] - (site + 5)
        data[start:start + 7] = b"\xe8" + struct.pack("<i", call) + b"\x66\x90"
        registers[REGISTER_NAMES[reg]] = registers.get(REGISTER_NAMES[reg], 0) + 1

    # init_array: uplink_musl_init alone, which calls the entries it had.
    struct.pack_into("<q", data, table_at + TABLE_INIT_COUNT, len(entries))
    for i, entry in enumerate(entries):
        struct.pack_into("<q", data, table_at + TABLE_INIT_ENTRIES + 8 * i, entry - table)
    struct.pack_into("<q", data, relative[init_array] + 16, init)
    slot = _file_offset(segments, init_array)
    if struct.unpack_from("<Q", data, slot)[0]:   # a linker that also wrote the value
        struct.pack_into("<Q", data, slot, init)
    struct.pack_into("<Q", data, dyn[DT_INIT_ARRAYSZ][1] + 8, 8)
    r_offset, r_info, addend = struct.unpack_from("<QQq", data, tpoff[0])
    struct.pack_into("<QQq", data, tpoff[0], r_offset,
                     (r_info & ~0xFFFFFFFF) | R_X86_64_NONE, addend)
    if DT_FLAGS in dyn:
        value, at = dyn[DT_FLAGS]
        struct.pack_into("<Q", data, at + 8, value & ~DF_STATIC_TLS)
    return Result(len(sites), registers)


def patch_file(path: str) -> Result:
    """Patches the library at path, rewriting it only when the patch succeeds."""
    with open(path, "rb") as f:
        data = bytearray(f.read())
    result = patch(data)
    with open(path, "wb") as f:
        f.write(data)
    return result


def holds_table(path: str) -> bool:
    """Whether the library at path was built with musl_linux_amd64.c."""
    with open(path, "rb") as f:
        return MAGIC in f.read()


if __name__ == "__main__":
    for name in sys.argv[1:]:
        print(name, patch_file(name))
