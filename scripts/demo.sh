#!/usr/bin/env bash
# Sets everything up (scripts/setup.sh), starts the local Storj network and
# runs hello_storj.py against it; no account needed. The network is stopped
# when the demo ends. Extra arguments go to hello_storj.py.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
exec scripts/with-testnet.sh .venv/bin/python hello_storj.py "$@"
