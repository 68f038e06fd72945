#!/usr/bin/env bash
# Runs the reliability tier (tests/reliability/: its scenarios and the harness's fault
# controls) longer than CI does: every round count and the fuzz budget are multiplied
# by ROUNDS (default 20). Each scenario prints its figures ([reliability] lines:
# sequences, calls, outcomes, timings); a failure prints the seed to replay it with.
#
#   scripts/fuzz.sh                 # ROUNDS=20, a fresh seed
#   ROUNDS=100 scripts/fuzz.sh      # longer
#   UPLINK_RELIABILITY_SEED=123 scripts/fuzz.sh -k fuzz   # replay; args go to pytest
#
# Like scripts/test.sh it starts its own local network unless UPLINK_TESTNET_INFO_FILE
# names a running one.
set -euo pipefail
cd "$(dirname "$0")/.."

export UPLINK_RELIABILITY_ROUNDS="${ROUNDS:-${UPLINK_RELIABILITY_ROUNDS:-20}}"
scripts/setup.sh
echo "== reliability tier, UPLINK_RELIABILITY_ROUNDS=$UPLINK_RELIABILITY_ROUNDS"
exec .venv/bin/pytest -s -p no:cacheprovider tests/reliability "$@"
