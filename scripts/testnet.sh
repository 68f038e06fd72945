#!/usr/bin/env bash
# Build and run the local Storj test network (tests/testnet, storj.io/storj testplanet).
# The one place that knows how to start it: the pytest fixture (tests/_testnet.py),
# scripts/with-testnet.sh and the benchmarks all run this script.
#
#   scripts/testnet.sh            # build if stale, start PostgreSQL, run the network
#                                 # in the foreground until Ctrl-C / SIGTERM
#   scripts/testnet.sh build      # only (re)build tests/testnet/build/testnet.test
#   scripts/testnet.sh prepare    # build if stale and start PostgreSQL, then exit: after
#                                 # it, `run` starts the network at once
#   scripts/testnet.sh smoke      # run the Go smoke test (upload/download, versioning,
#                                 # Object Lock, revocation) on a fresh network, then exit
#   scripts/testnet.sh run ARGS   # like the default, extra ARGS go to the test binary
#
# The network writes its credentials (satellite_url, api_key, access, passphrase, ...)
# as JSON to $UPLINK_TESTNET_INFO (default: tests/testnet/build/testnet.json) once it is
# up, and deletes the file when it stops. Stop it with Ctrl-C or `kill -INT <pid>`
# (the pid is in the JSON file).
#
# Environment: STORJ_TEST_POSTGRES (default: the URL printed by scripts/postgres.sh),
#              STORJ_TEST_LOG_LEVEL (default warn), GO (default go).
set -euo pipefail

SCRIPTS="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$SCRIPTS/.." && pwd)"
HARNESS="$REPO/tests/testnet"
BIN="$HARNESS/build/testnet.test"
GO="${GO:-go}"

log() { echo "testnet.sh: $*" >&2; }

needs_build() {
	[[ -x "$BIN" ]] || return 0
	[[ -n "$(find "$HARNESS" -path "$HARNESS/build" -prune -o \
		\( -name '*.go' -o -name go.mod -o -name go.sum \) -newer "$BIN" -print -quit)" ]]
}

build() {
	if needs_build; then
		command -v "$GO" >/dev/null || { log "error: Go toolchain not found (need go >= 1.25)"; exit 1; }
		log "building $BIN (the first build takes several minutes)"
		local start=$SECONDS tmp="$BIN.$$.tmp"
		mkdir -p "$HARNESS/build"
		# Build to a private name, then rename: a running network or a concurrent build
		# never sees a half-written binary.
		if ! (cd "$HARNESS" && CGO_ENABLED=1 GOTOOLCHAIN="${GOTOOLCHAIN:-local}" \
			"$GO" test -c -o "$tmp" .); then
			rm -f "$tmp"
			log "error: building the harness failed"
			exit 1
		fi
		mv -f "$tmp" "$BIN"
		log "built in $((SECONDS - start))s"
	fi
}

setup_env() {
	if [[ -z "${STORJ_TEST_POSTGRES:-}" ]]; then
		STORJ_TEST_POSTGRES="$("$SCRIPTS/postgres.sh")"
	fi
	export STORJ_TEST_POSTGRES
	export STORJ_TEST_COCKROACH=omit STORJ_TEST_TIDB=omit STORJ_TEST_SPANNER=omit
	export STORJ_TEST_LOG_LEVEL="${STORJ_TEST_LOG_LEVEL:-warn}"
	export UPLINK_TESTNET_INFO="${UPLINK_TESTNET_INFO:-$HARNESS/build/testnet.json}"
}

cmd="${1:-run}"
[[ $# -gt 0 ]] && shift
case "$cmd" in
	build)
		build
		;;
	prepare)
		build
		setup_env
		;;
	smoke)
		build
		setup_env
		cd "$HARNESS"
		exec "$BIN" -test.run '^TestSmoke$' -test.v -test.timeout 10m "$@"
		;;
	run)
		build
		setup_env
		log "starting the network; info file: $UPLINK_TESTNET_INFO (stop with Ctrl-C)"
		cd "$HARNESS"
		exec "$BIN" -test.run '^TestNetwork$' -test.v -test.timeout 0 "$@"
		;;
	-*)
		# Flags only: treat as `run ARGS`.
		build
		setup_env
		cd "$HARNESS"
		exec "$BIN" -test.run '^TestNetwork$' -test.v -test.timeout 0 "$cmd" "$@"
		;;
	*)
		log "error: unknown command '$cmd' (use: run, build, prepare, smoke)"
		exit 2
		;;
esac
