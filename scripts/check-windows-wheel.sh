#!/usr/bin/env bash
# Runs the Windows wheel's libuplinkc.dll under Wine against the local
# network: tests/c/roundtrip.c (upload, download, list, error codes, no
# leaked handle) is cross-compiled with zig against the wheel's header and
# DLL and must print "ok". Not part of scripts/test.sh: it installs Wine
# (apt-get, as root) and needs a ProcessPrng stand-in that Wine 8 lacks
# (tests/c/processprng_shim.c). Assumes scripts/setup.sh has run.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { echo "check-windows-wheel.sh: $*" >&2; }

wine=/usr/lib/wine/wine64
if [[ ! -x $wine ]]; then
	log "installing wine64 (apt-get)"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends wine64 >&2
fi
[[ -x build/dist-venv/bin/python ]] || scripts/build-dist.sh windows-amd64
version=$(sed -n 's/^version = "\(.*\)"/\1/p' pyproject.toml)
wheel=dist/uplink_python-$version-py3-none-win_amd64.whl
[[ -e $wheel ]] || scripts/build-dist.sh windows-amd64

work=build/windows-check
rm -rf "$work" && mkdir -p "$work"
build/dist-venv/bin/python -m zipfile -e "$wheel" "$work"
zig() { build/dist-venv/bin/python -m ziglang "$@"; }
pkg=$work/uplink_python
# zig's linker wants an import library; make one from the DLL's export table.
{
	echo "LIBRARY libuplinkc.dll"
	echo "EXPORTS"
	objdump -p "$pkg/libuplinkc.dll" | sed -n '/\[Ordinal\/Name Pointer\] Table/,/^$/p' |
		grep -oE '\] [A-Za-z_0-9]+' | awk '{print $2}'
} >"$work/libuplinkc.def"
zig dlltool -d "$work/libuplinkc.def" -l "$work/libuplinkc.dll.a" -m i386:x86-64
zig cc -target x86_64-windows-gnu -std=c11 -Wall -Werror -I "$pkg" -o "$work/roundtrip.exe" \
	tests/c/roundtrip.c "$work/libuplinkc.dll.a"
cp "$pkg/libuplinkc.dll" "$work/"

export WINEDEBUG=-all WINEPREFIX="$PWD/build/wine"
"$wine" wineboot -i >/dev/null 2>&1 || true
system32=$WINEPREFIX/drive_c/windows/system32
if [[ ! -e $system32/bcryptprimitives.dll ]]; then
	zig cc -target x86_64-windows-gnu -shared -o "$system32/bcryptprimitives.dll" \
		tests/c/processprng_shim.c -ladvapi32
fi

log "running roundtrip.exe under $("$wine" --version) against the local network"
UPLINK_C_BUCKET="wine-$RANDOM" scripts/with-testnet.sh bash -c \
	'UPLINK_C_ACCESS=$STORJ_ACCESS "$0" "$1"' "$wine" "$work/roundtrip.exe" | tee "$work/out.txt"
[[ $(tr -d '\r' <"$work/out.txt") == ok ]] || { log "FAILED"; exit 1; }
log "ok: the Windows wheel's library round-trips under Wine"
