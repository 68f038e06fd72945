#!/usr/bin/env bash
# Sets up everything the demo and the tests need, on a fresh Debian machine
# or an already prepared one (each step is skipped when already done):
#   - the wheel for this machine (scripts/build-dist.sh: manylinux_2_17, built
#     with zig from the sdist, Go's build cache makes a rebuild take seconds);
#   - a fresh virtualenv in .venv with that wheel and the test tools, installed
#     with go and gcc off PATH, as a user without Go would install it (a new wheel
#     alone is reinstalled into the existing .venv);
#   - libuplinkc/libuplinkc.so, which the source tree's uplink_python finds
#     when a script in the repo root (hello_storj.py) imports it from there;
#   - qemu-user and Debian's arm64 libc (on x86-64), with which the tests run
#     the ARM64 wheel's library, and Debian's musl and musl-gcc, with which
#     they load the musl wheel's library as a musl program does;
#   - a private PostgreSQL cluster for the satellite (scripts/postgres.sh) and the
#     local Storj network harness (both by scripts/testnet.sh prepare).
#
# The wheel, .venv and libuplinkc.so steps keep stamps in build/stamps/ keyed by a hash
# of their inputs (scripts/stamps.sh): a step whose inputs did not change is skipped.
# UPLINK_REBUILD=1 does every step again.
#
#   scripts/setup.sh            # everything
#   scripts/setup.sh --quick    # for `scripts/test.sh --quick`, which tests the source
#                               # tree: once everything was set up, only libuplinkc.so,
#                               # PostgreSQL and the harness; the wheel is not rebuilt
set -euo pipefail
cd "$(dirname "$0")/.."

log() { echo "setup.sh: $*" >&2; }
# shellcheck source=stamps.sh
source scripts/stamps.sh

quick=
case "${1:-}" in
	"") ;;
	--quick) quick=1 ;;
	*) log "error: unknown argument '$1' (use: --quick)"; exit 2 ;;
esac

for tool in go gcc python3; do
	command -v "$tool" >/dev/null || { log "error: '$tool' is not on PATH; install it first."; exit 1; }
done
export GOTOOLCHAIN=local CGO_ENABLED=1

case "$(uname -m)" in
	x86_64) target=linux-x86_64 ;;
	aarch64 | arm64) target=linux-aarch64 ;;
	*) log "error: no wheel target for $(uname -m) in scripts/build-dist.sh"; exit 1 ;;
esac
# The test tools: a new pyproject.toml, requirements-test.txt or python3 makes a new .venv.
venv_key="$(hash_files pyproject.toml requirements-test.txt) $(command -v python3) $(python3 -c 'import sys; print(sys.version)')"
venv_fresh=
stamp_fresh venv "$venv_key" && [[ -x .venv/bin/python ]] && venv_fresh=1

if [[ -n $quick && -n $venv_fresh ]]; then
	log "--quick: .venv is set up; its wheel is not rebuilt (the quick run tests the source tree)"
else
	log "the $target wheel (scripts/build-dist.sh $target)"
	build_wheels "$target"
	wheel=$(wheel_file "$target")
	[[ -f $wheel ]] || { log "error: $wheel is missing after the build"; exit 1; }

	if [[ -n $venv_fresh ]]; then
		if stamp_fresh venv-wheel "$(hash_files "$wheel")"; then
			log ".venv is up to date with $(basename "$wheel") (skipped)"
		else
			log "reinstalling $(basename "$wheel") into .venv (no go, no gcc on PATH)"
			stamp_clear venv-wheel
			env PATH="$PWD/.venv/bin" .venv/bin/python -m pip install -q --disable-pip-version-check \
				--no-deps --force-reinstall "$wheel"
			stamp_done venv-wheel "$(hash_files "$wheel")"
		fi
	else
		log "installing $(basename "$wheel") and test tools into a fresh .venv (no go, no gcc on PATH)"
		stamp_clear venv
		stamp_clear venv-wheel
		rm -rf .venv
		python3 -m venv .venv
		env PATH="$PWD/.venv/bin" .venv/bin/python -m pip install -q --disable-pip-version-check -U pip
		env PATH="$PWD/.venv/bin" .venv/bin/python -m pip install -q --disable-pip-version-check "$wheel" -r requirements-test.txt
		stamp_done venv "$venv_key"
		stamp_done venv-wheel "$(hash_files "$wheel")"
	fi
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
fi

library=libuplinkc/libuplinkc.so
library_key() { echo "$(hash_sources libuplinkc) $(go version) $(hash_files "$library")"; }
if stamp_fresh libuplinkc "$(library_key)"; then
	log "$library is up to date (skipped)"
else
	log "building $library for the source tree"
	stamp_clear libuplinkc
	(cd libuplinkc && go build -buildmode=c-shared -o libuplinkc.so .)
	stamp_done libuplinkc "$(library_key)"
fi

# The cross-built wheels' tests need these; the quick run has none of them.
if [[ -z $quick && $target == linux-x86_64 ]]; then
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

scripts/testnet.sh prepare
log "done"
