#!/usr/bin/env bash
# Sets everything up (scripts/setup.sh), starts the local Storj network and
# runs hello_storj.py against it; no account needed. The network is stopped
# when the demo ends. Extra arguments go to hello_storj.py.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh

workdir="$(mktemp -d)"
info="$workdir/testnet.json"
log="$workdir/testnet.log"
UPLINK_TESTNET_INFO="$info" scripts/testnet.sh >"$log" 2>&1 &
network=$!
stop_network() {
	kill -INT "$network" 2>/dev/null && wait "$network" 2>/dev/null || true
	rm -rf "$workdir"
}
trap stop_network EXIT

echo "demo.sh: starting the local Storj network (satellite + 5 storage nodes)" >&2
for _ in $(seq 600); do
	[[ -s "$info" ]] && break
	if ! kill -0 "$network" 2>/dev/null; then
		echo "demo.sh: the local network failed to start:" >&2
		tail -n 60 "$log" >&2
		exit 1
	fi
	sleep 1
done
[[ -s "$info" ]] || { echo "demo.sh: the local network did not start in 10 minutes" >&2; tail -n 60 "$log" >&2; exit 1; }

UPLINK_TESTNET_INFO_FILE="$info" .venv/bin/python hello_storj.py "$@"
