#!/usr/bin/env bash
# Sets up everything the demo and the tests need, on a fresh Debian machine
# or an already prepared one (each step is skipped when already done):
#   - the wheel for this machine (scripts/build-dist.sh: manylinux_2_17, built
#     with zig from the sdist, Go's build cache makes a rebuild take seconds);
#   - a fresh virtualenv in .venv with that wheel and the test tools, installed
#     with go and gcc off PATH, as a user without Go would install it;
#   - libuplinkc/libuplinkc.so, which the source tree's uplink_python finds
#     when a script in the repo root (hello_storj.py) imports it from there;
#   - qemu-user and Debian's arm64 libc (on x86-64), with which the tests run
#     the ARM64 wheel's library, and Debian's musl and musl-gcc, with which
#     they load the musl wheel's library as a musl program does;
#   - a private PostgreSQL cluster for the satellite (scripts/postgres.sh);
#   - the local Storj network harness (scripts/testnet.sh build).
set -euo pipefail
cd "$(dirname "$0")/.."

log() { echo "setup.sh: $*" >&2; }

for tool in go gcc python3; do
	command -v "$tool" >/dev/null || { log "error: '$tool' is not on PATH; install it first."; exit 1; }
done
export GOTOOLCHAIN=local CGO_ENABLED=1

case "$(uname -m)" in
	x86_64) target=linux-x86_64 ;;
	aarch64 | arm64) target=linux-aarch64 ;;
	*) log "error: no wheel target for $(uname -m) in scripts/build-dist.sh"; exit 1 ;;
esac
log "building the $target wheel (scripts/build-dist.sh $target)"
scripts/build-dist.sh "$target"
wheel=$(ls dist/uplink_python-*-py3-none-*manylinux_2_17_"${target#linux-}".whl)

log "installing $(basename "$wheel") and test tools into a fresh .venv (no go, no gcc on PATH)"
rm -rf .venv
python3 -m venv .venv
env PATH="$PWD/.venv/bin" .venv/bin/python -m pip install -q --disable-pip-version-check -U pip
env PATH="$PWD/.venv/bin" .venv/bin/python -m pip install -q --disable-pip-version-check "$wheel" -r requirements-test.txt
# From outside the checkout, so the installed package is the one imported:
# a malformed access must come back as a StorjException from libuplinkc.
(cd / && env PATH="$OLDPWD/.venv/bin" "$OLDPWD/.venv/bin/python" - <<'PY'
import uplink_python, uplink_python.errors as errors, uplink_python.uplink as uplink
try:
    uplink.Uplink().parse_access("not an access")
except errors.LibUplinkSoError:
    raise
except errors.StorjException:
    print("setup.sh: the wheel's library loads from", uplink_python.__path__[0])
else:
    raise SystemExit("setup.sh: parse_access accepted a malformed access")
PY
)

log "building libuplinkc/libuplinkc.so for the source tree"
(cd libuplinkc && go build -buildmode=c-shared -o libuplinkc.so .)

if [[ $target == linux-x86_64 ]]; then
	missing=()
	command -v qemu-aarch64 >/dev/null && [[ -e /lib/ld-linux-aarch64.so.1 ]] || missing+=(qemu-user libc6:arm64)
	command -v musl-gcc >/dev/null && [[ -e /lib/ld-musl-x86_64.so.1 ]] || missing+=(musl musl-tools)
	if ((${#missing[@]})); then
		install="apt-get update && apt-get install -y ${missing[*]}"
		[[ " ${missing[*]} " != *" libc6:arm64 "* ]] || install="dpkg --add-architecture arm64 && $install"
		if [[ "$(id -u)" -ne 0 ]]; then
			log "error: the tests of the ARM64 wheel (run under qemu-user) and the musl wheel (run by musl's loader) need ${missing[*]}; as root: $install"
			exit 1
		fi
		log "installing ${missing[*]} (apt-get)"
		export DEBIAN_FRONTEND=noninteractive
		[[ " ${missing[*]} " != *" libc6:arm64 "* ]] || dpkg --add-architecture arm64
		apt-get update >&2
		apt-get install -y --no-install-recommends "${missing[@]}" >&2
	fi
fi

scripts/postgres.sh >/dev/null
scripts/testnet.sh build
log "done"
