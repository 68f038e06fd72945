#!/usr/bin/env bash
# Sets everything up (scripts/setup.sh: .venv gets this machine's manylinux
# wheel, installed without go or gcc), builds the ARM64 and musl wheels too,
# and runs every test: the Go tests of libuplinkc, mypy --strict on the package, and
# pytest against the installed wheel, whose session fixture starts the local
# Storj network. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
export GOTOOLCHAIN=local CGO_ENABLED=1

echo "== the ARM64 and musl wheels (checked and run by tests/network/test_wheels.py)"
scripts/build-dist.sh linux-aarch64 linux-musl-x86_64

echo "== go test (libuplinkc)"
(cd libuplinkc && go vet ./... && go test -count=1 ./...)

echo "== mypy --strict"
.venv/bin/mypy

echo "== pytest"
# Run the installed package, not the source tree: pytest is started from
# the repo root without adding it to sys.path.
exec .venv/bin/pytest "$@"
