#!/usr/bin/env bash
# Sets everything up, starts the local Storj network and runs the benchmark
# suite (uplink_python vs Go's uplink). Extra arguments go to
# benchmarks/suite.py, e.g. benchmarks/run.sh --rounds 5 --only download
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
exec scripts/with-testnet.sh .venv/bin/python -P benchmarks/suite.py "$@"
