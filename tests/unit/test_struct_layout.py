"""The ctypes Structures of uplink_python have the layout of the C structs they mirror.

A C program, generated from the ctypes side, prints ``sizeof``/``_Alignof`` of
every struct and ``offsetof``/``sizeof`` of every field, compiled by gcc against
libuplinkc's headers; the test compares that with what ctypes computes. A renamed
field does not compile, a reordered or resized one moves an offset or a size, and
the field lists parsed from the headers catch a field added or dropped on either
side. No library and no network are needed.
"""

from __future__ import annotations

import ctypes
import importlib
import pkgutil
import re
import shutil
import subprocess
import sysconfig
from pathlib import Path
from typing import Dict, List, Tuple

import uplink_python._native
import uplink_python.module_def

HEADER_DIR = Path(__file__).resolve().parents[2] / "libuplinkc"
HEADERS = ("uplink_definitions.h", "uplink_extensions.h")

# Structures that mirror a struct from outside libuplinkc's headers: C name, header.
EXTERNAL = {"_PyBuffer": ("Py_buffer", "Python.h")}

Layout = Dict[str, Tuple[int, ...]]


def c_name(structure: type) -> str:
    """The C typedef a ctypes Structure mirrors: ``_XStruct``/``_XResult``/``_Error``
    are ``UplinkX``/``UplinkXResult``/``UplinkError``, and the ``Edge`` structs keep
    their own prefix (``_EdgeConfigStruct`` is ``EdgeConfig``)."""
    if structure.__name__ in EXTERNAL:
        return EXTERNAL[structure.__name__][0]
    name = structure.__name__.lstrip("_")
    if name.endswith("Struct"):
        name = name[:-len("Struct")]
    return name if name.startswith("Edge") else "Uplink" + name


def our_structures() -> List[type]:
    """Every ctypes Structure declared in module_def and in the _native package."""
    modules = ["uplink_python.module_def"] + [
        f"uplink_python._native.{info.name}"
        for info in pkgutil.iter_modules(uplink_python._native.__path__)]
    for module in modules:
        importlib.import_module(module)
    found: List[type] = []
    pending: List[type] = [ctypes.Structure]
    while pending:
        cls = pending.pop()
        for sub in cls.__subclasses__():
            pending.append(sub)
            if sub.__module__ in modules:
                found.append(sub)
    return sorted(found, key=lambda s: (s.__module__, s.__name__))


def header_structs() -> Dict[str, List[str]]:
    """The field names of every ``typedef struct X {...} X;`` in the headers, in order."""
    structs: Dict[str, List[str]] = {}
    for header in HEADERS:
        text = re.sub(r"//[^\n]*", "", (HEADER_DIR / header).read_text())
        for match in re.finditer(r"typedef\s+struct\s+(\w+)\s*\{(.*?)\}\s*(\w+)\s*;", text, re.S):
            assert match.group(1) == match.group(3), f"{header}: {match.group(0)[:60]}"
            fields = [re.search(r"(\w+)\s*(\[[^\]]*\])?\s*$", decl).group(1)  # type: ignore[union-attr]
                      for decl in match.group(2).split(";") if decl.strip()]
            assert match.group(1) not in structs, f"{match.group(1)} declared twice"
            structs[match.group(1)] = fields
    return structs


def ctypes_layout(structures: List[type]) -> Layout:
    layout: Layout = {}
    for structure in structures:
        name = c_name(structure)
        layout[name] = (ctypes.sizeof(structure), ctypes.alignment(structure))
        for field in structure._fields_:  # type: ignore[attr-defined]
            descriptor = getattr(structure, field[0])
            layout[f"{name}.{field[0]}"] = (descriptor.offset, descriptor.size)
    return layout


def c_program(structures: List[type]) -> str:
    lines = ["#include <Python.h>", "#include <stddef.h>", "#include <stdio.h>"]
    lines += [f'#include "{header}"' for header in HEADERS]
    lines += ["int main(void) {"]
    for structure in structures:
        name = c_name(structure)
        lines.append(f'    printf("{name} %zu %zu\\n", sizeof({name}), _Alignof({name}));')
        for field in structure._fields_:  # type: ignore[attr-defined]
            lines.append(f'    printf("{name}.{field[0]} %zu %zu\\n", '
                         f'offsetof({name}, {field[0]}), sizeof((({name} *)0)->{field[0]}));')
    lines += ["    return 0;", "}", ""]
    return "\n".join(lines)


def c_layout(structures: List[type], tmp_path: Path) -> Layout:
    gcc = shutil.which("gcc")
    assert gcc, "gcc is needed to build the layout program"
    python_include = sysconfig.get_paths()["include"]
    assert (Path(python_include) / "Python.h").exists(), \
        f"Python.h is needed for Py_buffer's layout (not in {python_include})"
    source = tmp_path / "layout.c"
    source.write_text(c_program(structures))
    program = tmp_path / "layout"
    built = subprocess.run([gcc, "-std=gnu11", "-Wall", "-Werror", "-I", str(HEADER_DIR),
                            "-I", python_include, "-o", str(program), str(source)],
                           capture_output=True, text=True)
    assert built.returncode == 0, f"the layout program does not compile:\n{built.stderr}"
    ran = subprocess.run([str(program)], capture_output=True, text=True, check=True, timeout=60)
    layout: Layout = {}
    for line in ran.stdout.splitlines():
        key, *numbers = line.split()
        layout[key] = tuple(int(n) for n in numbers)
    return layout


def test_every_struct_has_a_counterpart_on_the_other_side() -> None:
    structures = our_structures()
    assert len(structures) > 40, [s.__name__ for s in structures]
    by_name: Dict[str, List[type]] = {}
    for structure in structures:
        by_name.setdefault(c_name(structure), []).append(structure)
    declared = header_structs()
    external = {c for c, _ in EXTERNAL.values()}
    without_c = sorted(f"{s[0].__module__}.{s[0].__name__} -> {name}"
                       for name, s in by_name.items()
                       if name not in declared and name not in external)
    assert not without_c, f"ctypes Structures with no C struct of that name: {without_c}"
    without_ctypes = sorted(set(declared) - set(by_name))
    assert not without_ctypes, f"C structs with no ctypes Structure: {without_ctypes}"
    twice = {name: [s.__module__ + "." + s.__name__ for s in group]
             for name, group in by_name.items() if len(group) > 1}
    assert not twice, f"C structs mirrored more than once: {twice}"


def test_field_names_and_order_match_the_headers() -> None:
    declared = header_structs()
    wrong: Dict[str, Tuple[List[str], List[str]]] = {}
    for structure in our_structures():
        name = c_name(structure)
        if name not in declared:
            continue  # an external struct, or reported by the counterpart test
        fields = [field[0] for field in structure._fields_]  # type: ignore[attr-defined]
        if fields != declared[name]:
            wrong[name] = (fields, declared[name])
    assert not wrong, "ctypes fields (first) differ from the header's (second): " + repr(wrong)


def test_sizes_alignments_and_offsets_match_gcc(tmp_path: Path) -> None:
    structures = our_structures()
    ours = ctypes_layout(structures)
    theirs = c_layout(structures, tmp_path)
    assert set(ours) == set(theirs), sorted(set(ours) ^ set(theirs))
    differences = {key: {"ctypes": ours[key], "gcc": theirs[key]}
                   for key in sorted(ours) if ours[key] != theirs[key]}
    assert not differences, ("(size, alignment) of structs and (offset, size) of fields "
                             f"differ: {differences}")
