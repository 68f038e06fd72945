#!/usr/bin/env bash
# Sets up everything the demo and the tests need, on a fresh Debian machine
# or an already prepared one (each step is skipped when already done):
#   - a virtualenv in .venv with uplink-python installed from this checkout
#     (pip builds libuplinkc with Go) and the test tools;
#   - libuplinkc/libuplinkc.so, which the source tree's uplink_python finds
#     when a script in the repo root (hello_storj.py) imports it from there;
#   - a private PostgreSQL cluster for the satellite (scripts/postgres.sh);
#   - the local Storj network harness (scripts/testnet.sh build).
set -euo pipefail
cd "$(dirname "$0")/.."

log() { echo "setup.sh: $*" >&2; }

for tool in go gcc python3; do
	command -v "$tool" >/dev/null || { log "error: '$tool' is not on PATH; install it first."; exit 1; }
done
export GOTOOLCHAIN=local CGO_ENABLED=1

if [[ ! -x .venv/bin/python ]]; then
	log "creating .venv"
	python3 -m venv .venv
fi
log "installing uplink-python and test tools into .venv (builds libuplinkc)"
.venv/bin/python -m pip install -q --disable-pip-version-check -U pip
.venv/bin/python -m pip install -q --disable-pip-version-check ".[test]"

log "building libuplinkc/libuplinkc.so for the source tree"
(cd libuplinkc && go build -buildmode=c-shared -o libuplinkc.so .)

scripts/postgres.sh >/dev/null
scripts/testnet.sh build
log "done"
