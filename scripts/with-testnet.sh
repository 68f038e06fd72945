#!/usr/bin/env bash
# Starts the local Storj network, runs the given command with
# UPLINK_TESTNET_INFO_FILE pointing at the network's JSON info, and stops the
# network when the command ends. Assumes scripts/setup.sh has run.
set -euo pipefail
cd "$(dirname "$0")/.."

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

echo "with-testnet.sh: starting the local Storj network (satellite + 5 storage nodes)" >&2
for _ in $(seq 600); do
	[[ -s "$info" ]] && break
	if ! kill -0 "$network" 2>/dev/null; then
		echo "with-testnet.sh: the local network failed to start:" >&2
		tail -n 60 "$log" >&2
		exit 1
	fi
	sleep 1
done
if [[ ! -s "$info" ]]; then
	echo "with-testnet.sh: the local network did not start in 10 minutes" >&2
	tail -n 60 "$log" >&2
	exit 1
fi

# STORJ_ACCESS: the grant that uplink_python.default_access() (the sample, uplink-py) finds.
STORJ_ACCESS="$(sed -n 's/.*"access": *"\([^"]*\)".*/\1/p' "$info")" \
	UPLINK_TESTNET_INFO_FILE="$info" "$@"
