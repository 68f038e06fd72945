"""Builds libuplinkc with Go and ships it inside the uplink_python package.

Everything else about the package lives in pyproject.toml. The wheel holds a
native library, so it is tagged for the platform, never py3-none-any.
"""

import os
import re
import shutil
import subprocess
import sys
import sysconfig

from setuptools import Distribution, setup
from setuptools.command.build_py import build_py

HERE = os.path.dirname(os.path.abspath(__file__))
GO_SOURCE = os.path.join(HERE, "libuplinkc")
MIN_GO = (1, 25)


def library_name():
    """The file name of the shared library on this platform."""
    if sys.platform == "darwin":
        return "libuplinkc.dylib"
    if sys.platform == "win32":
        return "libuplinkc.dll"
    return "libuplinkc.so"


def stop(sentence):
    """End the build with one sentence saying what to install."""
    sys.stderr.write("\nuplink-python: " + sentence + "\n\n")
    raise SystemExit(1)


def check_toolchain(env):
    go = shutil.which("go")
    if go is None:
        stop("building uplink-python needs Go %d.%d or newer on PATH; install it from "
             "https://go.dev/dl/ (or your package manager) and retry." % MIN_GO)
    try:
        version = subprocess.run([go, "env", "GOVERSION"], env=env, check=True,
                                 capture_output=True, text=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError) as err:
        stop("'go env GOVERSION' failed (%s); check your Go installation." % err)
    match = re.match(r"go(\d+)\.(\d+)", version)
    if match is None or tuple(map(int, match.groups())) < MIN_GO:
        stop("building uplink-python needs Go %d.%d or newer, but %s is installed; "
             "upgrade Go and retry." % (MIN_GO + (version or "an unknown version",)))
    compiler = env.get("CC") or sysconfig.get_config_var("CC") or "gcc"
    if shutil.which(compiler.split()[0]) is None and shutil.which("gcc") is None:
        stop("building uplink-python needs a C compiler for cgo; install gcc "
             "(e.g. 'apt-get install gcc' or Xcode command line tools) and retry.")
    return go


class BuildWithGo(build_py):
    """build_py that also compiles libuplinkc into the package directory."""

    def run(self):
        super().run()
        target_dir = os.path.abspath(os.path.join(self.build_lib, "uplink_python"))
        self.mkpath(target_dir)
        build_library(target_dir)


def build_library(target_dir):
    env = dict(os.environ, CGO_ENABLED="1")
    env.setdefault("GOTOOLCHAIN", "local")
    if not shutil.which(env.get("CC", "gcc").split()[0]):
        env.pop("CC", None)
    go = check_toolchain(env)
    output = os.path.join(target_dir, library_name())
    command = [go, "build", "-buildmode=c-shared", "-trimpath", "-o", output, "."]
    print("building libuplinkc: " + " ".join(command), flush=True)
    result = subprocess.run(command, cwd=GO_SOURCE, env=env)
    if result.returncode != 0:
        stop("'go build' of libuplinkc failed (see the messages above).")
    # Ship the C headers beside the library, so C users can build against it.
    generated = os.path.splitext(output)[0] + ".h"
    if os.path.exists(generated):
        os.replace(generated, os.path.join(target_dir, "uplink.h"))
    for header in ("uplink_definitions.h", "uplink_extensions.h"):
        shutil.copy(os.path.join(GO_SOURCE, header), target_dir)


class NativeDistribution(Distribution):
    """Marks the wheel as platform-specific."""

    def has_ext_modules(self):
        return True


setup(distclass=NativeDistribution, cmdclass={"build_py": BuildWithGo})
