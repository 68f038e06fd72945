#!/usr/bin/env bash
# Start (or reuse) a private PostgreSQL cluster for the Storj test network and
# print its STORJ_TEST_POSTGRES URL on stdout (all other messages go to stderr).
#
#   scripts/postgres.sh          # install if needed, init, start, create db, print URL
#   scripts/postgres.sh url      # only print the URL
#   scripts/postgres.sh stop     # stop the private cluster
#   scripts/postgres.sh status   # pg_isready
#
# Environment: UPLINK_PG_DIR (default /tmp/uplink-python-pg),
#              UPLINK_PG_PORT (default 55432), UPLINK_PG_DB (default teststorj).
# The system cluster (if any) is left alone. When run as root, the cluster
# runs as the `postgres` user. Idempotent: safe to run again at any time.
set -euo pipefail

PG_DIR="${UPLINK_PG_DIR:-/tmp/uplink-python-pg}"
PG_PORT="${UPLINK_PG_PORT:-55432}"
PG_DB="${UPLINK_PG_DB:-teststorj}"
PG_HOST=127.0.0.1
PG_USER=postgres
DATA="$PG_DIR/data"
URL="postgres://$PG_USER@$PG_HOST:$PG_PORT/$PG_DB?sslmode=disable"

log() { echo "postgres.sh: $*" >&2; }
die() { log "error: $*"; exit 1; }

cmd="${1:-start}"
case "$cmd" in
	url) echo "$URL"; exit 0 ;;
	start|stop|status) ;;
	*) die "unknown command '$cmd' (use: start, url, stop, status)" ;;
esac

find_bindir() {
	local d
	d="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
	if [[ -n "$d" && -x "$d/postgres" && -x "$d/initdb" && -x "$d/pg_ctl" ]]; then
		echo "$d"
	fi
}

BIN="$(find_bindir)"
if [[ -z "$BIN" ]]; then
	[[ "$cmd" == start ]] || die "no PostgreSQL server binaries under /usr/lib/postgresql/*/bin"
	if [[ "$(id -u)" -ne 0 ]]; then
		die "PostgreSQL server is not installed (no /usr/lib/postgresql/*/bin/postgres). Install it as root: apt-get update && apt-get install -y postgresql"
	fi
	log "installing PostgreSQL (apt-get install -y postgresql)"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update >&2
	apt-get install -y --no-install-recommends postgresql >&2
	BIN="$(find_bindir)"
	[[ -n "$BIN" ]] || die "apt-get install postgresql did not provide /usr/lib/postgresql/*/bin/postgres"
fi

# Run a command as the cluster owner: `postgres` when we are root, else ourselves.
as_owner() {
	# 9>&- : the lock fd must not leak into the long-lived postmaster.
	if [[ "$(id -u)" -eq 0 ]]; then
		(cd / && runuser -u "$PG_USER" -- "$@" 9>&-)
	else
		(cd / && "$@" 9>&-)
	fi
}

ready() { "$BIN/pg_isready" -q -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -d postgres >/dev/null 2>&1; }

if [[ "$cmd" == status ]]; then
	"$BIN/pg_isready" -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -d postgres >&2 # non-zero exit if down
	exit 0
fi

if [[ "$cmd" == stop ]]; then
	if [[ -f "$DATA/postmaster.pid" ]]; then
		as_owner "$BIN/pg_ctl" -D "$DATA" -m fast -w stop >&2 || true
	else
		log "no cluster running in $DATA"
	fi
	exit 0
fi

mkdir -p "$PG_DIR"
if [[ "$(id -u)" -eq 0 ]]; then
	id "$PG_USER" >/dev/null 2>&1 || die "user '$PG_USER' does not exist (is the postgresql package installed?)"
	chown "$PG_USER": "$PG_DIR"
fi
chmod 700 "$PG_DIR"

# Serialise concurrent callers (e.g. several pytest processes).
exec 9>"$PG_DIR.lock"
flock 9

if ready; then
	log "PostgreSQL already accepting connections on $PG_HOST:$PG_PORT"
else
	if [[ ! -f "$DATA/PG_VERSION" ]]; then
		log "initdb $DATA ($("$BIN/postgres" --version))"
		as_owner "$BIN/initdb" -D "$DATA" -U "$PG_USER" --auth=trust -E UTF8 --locale=C >"$PG_DIR/initdb.log" 2>&1 ||
			{ cat "$PG_DIR/initdb.log" >&2; die "initdb failed"; }
		as_owner tee -a "$DATA/postgresql.conf" >/dev/null <<EOF

# --- uplink-python test cluster (scripts/postgres.sh) ---
listen_addresses = '$PG_HOST'
port = $PG_PORT
unix_socket_directories = '$PG_DIR'
max_connections = 300
fsync = off
synchronous_commit = off
full_page_writes = off
log_min_messages = warning
EOF
		# initdb --auth=trust already trusts local sockets and 127.0.0.1/::1.
	fi
	log "starting PostgreSQL on $PG_HOST:$PG_PORT (data $DATA, log $PG_DIR/postgres.log)"
	# Retry: after a crash, orphaned backends may hold the old shared memory for a moment.
	for attempt in 1 2 3; do
		if as_owner "$BIN/pg_ctl" -D "$DATA" -l "$PG_DIR/postgres.log" -w -t 60 start >&2; then
			break
		fi
		if [[ $attempt -eq 3 ]]; then
			tail -n 30 "$PG_DIR/postgres.log" >&2 || true
			die "pg_ctl start failed (log: $PG_DIR/postgres.log)"
		fi
		log "start failed, retrying in 3s"
		sleep 3
	done
	ready || die "PostgreSQL did not become ready on $PG_HOST:$PG_PORT"
fi

psql_() { "$BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -d postgres "$@"; }
if [[ "$(psql_ -tAc "SELECT 1 FROM pg_database WHERE datname = '$PG_DB'")" != 1 ]]; then
	log "creating database $PG_DB"
	psql_ -c "CREATE DATABASE \"$PG_DB\""
fi

echo "$URL"
