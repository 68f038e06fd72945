#!/usr/bin/env bash
# Sets everything up (scripts/setup.sh: .venv gets this machine's manylinux
# wheel, installed without go or gcc), builds the ARM64 and musl wheels too,
# and runs every test: the Go tests of libuplinkc, mypy --strict on the package, and
# pytest against the installed wheel, whose session fixture starts the local
# Storj network. Extra arguments go to pytest. Set-up steps whose inputs did not
# change since they last finished are skipped (build/stamps/; UPLINK_REBUILD=1 redoes them).
#
#   scripts/test.sh --quick [ARGS]   # the edit loop: mypy, the tests without network
#                                    # (tests/unit) and a network smoke
#                                    # (tests/network/test_end_to_end.py), on the source
#                                    # tree (its libuplinkc/libuplinkc.so), stopping at
#                                    # the first failure; with UPLINK_TESTNET_INFO_FILE it
#                                    # uses that running network instead of starting one
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ ${1:-} == --quick ]]; then
	shift
	scripts/setup.sh --quick
	echo "== mypy --strict"
	.venv/bin/mypy
	echo "== pytest (quick: tests/unit, tests/network/test_end_to_end.py)"
	# The source tree first on sys.path: what was just edited is what is tested.
	PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" exec .venv/bin/pytest -x -q \
		tests/unit tests/network/test_end_to_end.py "$@"
fi

scripts/setup.sh
export GOTOOLCHAIN=local CGO_ENABLED=1
# shellcheck source=stamps.sh
source scripts/stamps.sh

echo "== the ARM64 and musl wheels (checked and run by tests/network/test_wheels.py)"
build_wheels linux-aarch64 linux-musl-x86_64

echo "== go test (libuplinkc)"
(cd libuplinkc && go vet ./... && go test -count=1 ./...)

echo "== mypy --strict"
.venv/bin/mypy

echo "== pytest"
# Run the installed package, not the source tree: pytest is started from
# the repo root without adding it to sys.path.
exec .venv/bin/pytest "$@"
