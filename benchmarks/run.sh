#!/usr/bin/env bash
# Sets everything up, starts the local Storj network and runs the transfer
# benchmark (python vs Go). Extra arguments go to benchmarks/transfer.py,
# e.g. benchmarks/run.sh --sizes 64 1024 --rounds 3
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
exec scripts/with-testnet.sh .venv/bin/python -P benchmarks/transfer.py "$@"
