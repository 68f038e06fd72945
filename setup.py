"""Builds libuplinkc with Go and ships it inside the uplink_python package.

Everything else about the package lives in pyproject.toml. The library is
loaded with ctypes and never links libpython, so a wheel fits every Python 3
(``py3-none``) but only the platform the library was built for. That platform
is Go's target: GOOS/GOARCH from the environment (with CC naming a C compiler
for it) cross-compile, as scripts/build-dist.sh does for each wheel it makes.
"""

import importlib.util
import os
import re
import shutil
import subprocess
import sys
import sysconfig

from setuptools import Distribution, setup
from setuptools.command.bdist_wheel import bdist_wheel
from setuptools.command.build_py import build_py

HERE = os.path.dirname(os.path.abspath(__file__))
GO_SOURCE = os.path.join(HERE, "libuplinkc")
MIN_GO = (1, 25)

LIBRARY_NAMES = {"darwin": "libuplinkc.dylib", "windows": "libuplinkc.dll"}

# The plain platform tag of each Go target. Linux wheels leave the build as
# linux_<arch>; scripts/build-dist.sh lets auditwheel read the library and
# give them the manylinux/musllinux tag it qualifies for. Go 1.25 needs
# macOS 12 or newer, so that is the oldest macOS the library loads on.
PLATFORM_TAGS = {
    ("linux", "amd64"): "linux_x86_64",
    ("linux", "arm64"): "linux_aarch64",
    ("linux", "386"): "linux_i686",
    ("linux", "arm"): "linux_armv7l",
    ("linux", "ppc64le"): "linux_ppc64le",
    ("linux", "s390x"): "linux_s390x",
    ("linux", "riscv64"): "linux_riscv64",
    ("windows", "amd64"): "win_amd64",
    ("windows", "arm64"): "win_arm64",
    ("darwin", "amd64"): "macosx_12_0_x86_64",
    ("darwin", "arm64"): "macosx_12_0_arm64",
}


def stop(sentence):
    """End the build with one sentence saying what to install."""
    sys.stderr.write("\nuplink-python: " + sentence + "\n\n")
    raise SystemExit(1)


def go_env():
    """The environment for go: cgo on, the local toolchain, a CC that exists."""
    env = dict(os.environ, CGO_ENABLED="1")
    env.setdefault("GOTOOLCHAIN", "local")
    if not shutil.which(env.get("CC", "gcc").split()[0]):
        env.pop("CC", None)
    return env


def find_go(env):
    go = shutil.which("go")
    if go is None:
        stop("building uplink-python from source needs Go %d.%d or newer on PATH; install "
             "it from https://go.dev/dl/ (or your package manager), or install a prebuilt "
             "wheel instead." % MIN_GO)
    try:
        version = subprocess.run([go, "env", "GOVERSION"], env=env, check=True,
                                 capture_output=True, text=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError) as err:
        stop("'go env GOVERSION' failed (%s); check your Go installation." % err)
    match = re.match(r"go(\d+)\.(\d+)", version)
    if match is None or tuple(map(int, match.groups())) < MIN_GO:
        stop("building uplink-python needs Go %d.%d or newer, but %s is installed; "
             "upgrade Go and retry." % (MIN_GO + (version or "an unknown version",)))
    return go


def check_compiler(env):
    compiler = env.get("CC") or sysconfig.get_config_var("CC") or "gcc"
    if shutil.which(compiler.split()[0]) is None and shutil.which("gcc") is None:
        stop("building uplink-python needs a C compiler for cgo; install gcc "
             "(e.g. 'apt-get install gcc' or Xcode command line tools) and retry.")


def go_target(go, env):
    """(GOOS, GOARCH) that go builds for in env."""
    out = subprocess.run([go, "env", "GOOS", "GOARCH"], env=env, check=True,
                         capture_output=True, text=True).stdout.split()
    return out[0], out[1]


class BuildWithGo(build_py):
    """build_py that also compiles libuplinkc into the package directory."""

    def run(self):
        super().run()
        target_dir = os.path.abspath(os.path.join(self.build_lib, "uplink_python"))
        self.mkpath(target_dir)
        build_library(target_dir)


def build_library(target_dir):
    env = go_env()
    go = find_go(env)
    check_compiler(env)
    goos, _ = go_target(go, env)
    # A build directory reused for another target must not keep its library.
    for stale in ("libuplinkc.so", "libuplinkc.dylib", "libuplinkc.dll"):
        if os.path.exists(os.path.join(target_dir, stale)):
            os.remove(os.path.join(target_dir, stale))
    output = os.path.join(target_dir, LIBRARY_NAMES.get(goos, "libuplinkc.so"))
    # -trimpath, -s -w and the linker's -s: no build paths, symbol table or
    # debug info, which a user of the wheel never needs (about a third of it).
    command = [go, "build", "-buildmode=c-shared", "-trimpath",
               "-ldflags=-s -w -extldflags=-s", "-o", output, "."]
    print("building libuplinkc: " + " ".join(command), flush=True)
    result = subprocess.run(command, cwd=GO_SOURCE, env=env)
    if result.returncode != 0:
        stop("'go build' of libuplinkc failed (see the messages above).")
    make_musl_loadable(output)
    # Ship the C headers beside the library, so C users can build against it.
    generated = os.path.splitext(output)[0] + ".h"
    if os.path.exists(generated):
        os.replace(generated, os.path.join(target_dir, "uplink.h"))
    for header in ("uplink_definitions.h", "uplink_extensions.h"):
        shutil.copy(os.path.join(GO_SOURCE, header), target_dir)


def make_musl_loadable(library):
    """Rewires a musl x86-64 build so that musl's dlopen loads it.

    Go's c-shared output is refused by musl's dlopen (Go issues 13492 and
    54805); libuplinkc/musl_linux_amd64.c says why and what replaces what.
    Only a library built with that file's table (musl on x86-64) is changed.
    """
    spec = importlib.util.spec_from_file_location(
        "_uplink_musl_tls", os.path.join(GO_SOURCE, "musl_tls.py"))
    musl_tls = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(musl_tls)
    if not musl_tls.holds_table(library):
        return
    try:
        result = musl_tls.patch_file(library)
    except musl_tls.PatchError as err:
        stop("cannot make the musl build of libuplinkc loadable: %s." % err)
    print("libuplinkc for musl: %d thread-local accesses of Go's rewired for dlopen"
          % result.sites, flush=True)


class PlatformWheel(bdist_wheel):
    """Tags the wheel py3-none-<Go's target platform>."""

    def get_tag(self):
        if self.plat_name_supplied:
            return "py3", "none", self.plat_name.replace("-", "_").replace(".", "_")
        env = go_env()
        target = go_target(find_go(env), env)
        if target not in PLATFORM_TAGS:
            stop("no wheel platform tag is known for GOOS=%s GOARCH=%s." % target)
        return "py3", "none", PLATFORM_TAGS[target]


class NativeDistribution(Distribution):
    """Marks the wheel as platform-specific."""

    def has_ext_modules(self):
        return True


setup(distclass=NativeDistribution,
      cmdclass={"build_py": BuildWithGo, "bdist_wheel": PlatformWheel})
