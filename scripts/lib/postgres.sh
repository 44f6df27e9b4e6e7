# shellcheck shell=bash
# A throw-away PostgreSQL server for the tests (storage_postgres_test), in a temporary folder,
# listening on 127.0.0.1 only, with durability switched off (it holds nothing worth keeping).
#
#   source scripts/lib/postgres.sh
#   pg_tmp_start    # starts it; exports GATEHOUSE_TEST_POSTGRES_URL=postgresql://postgres@127.0.0.1:PORT/postgres
#   ...             # e.g. build/src/storage/postgres/storage_postgres_test
#   pg_tmp_stop     # stops it and deletes the folder
#
# A primary with a streaming standby, for failover tests and `scripts/cluster up --ha`:
#
#   pg_ha_start [sync]   # a primary and a standby made from it by pg_basebackup; with `sync`, the
#                        # standby is synchronous (a commit returns once the standby has its WAL).
#                        # Exports PG_HA_DIR, PG_TMP_BINDIR, PG_HA_PRIMARY_PORT, PG_HA_STANDBY_PORT and
#                        # GATEHOUSE_TEST_POSTGRES_HA_URL=postgresql://postgres@127.0.0.1:P1,127.0.0.1:P2/
#                        #   postgres?target_session_attrs=read-write (libpq picks the writable one)
#   pg_ha_failover [S]   # kills the primary (pg_ctl stop -m immediate), promotes the standby (S
#                        # seconds later: the detection time of a failover manager, default 0)
#                        # and prints the moment the promotion finished, in epoch milliseconds
#   pg_ha_stop           # stops both and deletes the folder
#
# Sourcing defines functions only. pg_tmp_start sets no trap (a caller may have its own):
# scripts that start a server stop it from their EXIT trap. By hand, call pg_tmp_stop when done.
# As root, the server runs as the `postgres` system user (PostgreSQL refuses to run as root), so
# the folder is made under /tmp (or $TMPDIR, which that user must be able to reach).

# The folder of initdb and pg_ctl: from PATH, else Debian's newest /usr/lib/postgresql/<v>/bin.
_pg_tmp_bindir() {
  local initdb dir
  if initdb="$(command -v initdb 2>/dev/null)" && [ -x "$(dirname "$initdb")/pg_ctl" ]; then
    dirname "$initdb"
    return 0
  fi
  dir="$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -type d -name bin 2>/dev/null | sort -V | tail -n 1)"
  if [ -n "$dir" ] && [ -x "$dir/initdb" ]; then
    echo "$dir"
    return 0
  fi
  echo "pg_tmp_start: initdb not found (install Debian's postgresql package: scripts/bootstrap)" >&2
  return 1
}

# Runs a server program as the folder's owner (see the header).
_pg_tmp_as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

# shellcheck source=scripts/lib/ports.sh
source "$(dirname "${BASH_SOURCE[0]}")/ports.sh"

pg_tmp_start() {
  if [ -n "${PG_TMP_DIR:-}" ] && [ -d "${PG_TMP_DIR:-}" ]; then
    echo "pg_tmp_start: already running in $PG_TMP_DIR ($GATEHOUSE_TEST_POSTGRES_URL)" >&2
    return 0
  fi
  local bindir dir port attempt
  bindir="$(_pg_tmp_bindir)" || return 1
  if [ "$(id -u)" -eq 0 ] && ! id -u postgres >/dev/null 2>&1; then
    echo "pg_tmp_start: running as root needs the 'postgres' system user (Debian's postgresql package creates it)" >&2
    return 1
  fi
  dir="$(mktemp -d "${TMPDIR:-/tmp}/gatehouse-pg.XXXXXX")" || return 1
  chmod 700 "$dir"
  if [ "$(id -u)" -eq 0 ]; then
    chown postgres: "$dir" || { rm -rf "$dir"; return 1; }
  fi
  # C locale: byte order and no dependence on the machine's locales; the schema spells out what it
  # relies on anyway (COLLATE "C"). Trust is for the socket folder (0700) and 127.0.0.1 only.
  if ! _pg_tmp_as_owner "$bindir/initdb" -D "$dir/data" -U postgres -E UTF8 --locale=C \
         --auth-local=trust --auth-host=reject >"$dir/initdb.log" 2>&1; then
    echo "pg_tmp_start: initdb failed:" >&2
    cat "$dir/initdb.log" >&2
    rm -rf "$dir"
    return 1
  fi
  _pg_tmp_as_owner sh -c "cat > '$dir/data/pg_hba.conf'" <<'EOF'
local all all              trust
host  all all 127.0.0.1/32 trust
EOF
  _pg_tmp_as_owner sh -c "cat >> '$dir/data/postgresql.conf'" <<EOF

# scripts/lib/postgres.sh: a throw-away test server
listen_addresses = '127.0.0.1'
unix_socket_directories = '$dir'
max_connections = 200
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
  # The port is checked free, but another process may take it before the server binds: retry.
  for attempt in 1 2 3 4 5; do
    port="$(free_local_port)" || break
    if _pg_tmp_as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -o "-p $port" -w -t 60 start \
         >/dev/null 2>&1; then
      export PG_TMP_DIR="$dir" PG_TMP_BINDIR="$bindir"
      export GATEHOUSE_TEST_POSTGRES_URL="postgresql://postgres@127.0.0.1:$port/postgres"
      echo "pg_tmp_start: PostgreSQL on 127.0.0.1:$port (folder $dir)"
      return 0
    fi
    grep -q "could not bind" "$dir/server.log" 2>/dev/null || break
  done
  tmp_server_failed pg_tmp_start "$dir/server.log" "$dir"
}

pg_tmp_stop() {
  local dir="${PG_TMP_DIR:-}"
  [ -n "$dir" ] || return 0
  if [ -f "$dir/data/postmaster.pid" ]; then
    _pg_tmp_as_owner "${PG_TMP_BINDIR:-$(_pg_tmp_bindir)}/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 ||
      echo "pg_tmp_stop: pg_ctl stop failed (log: $dir/server.log)" >&2
  fi
  rm -rf "$dir"
  unset PG_TMP_DIR PG_TMP_BINDIR GATEHOUSE_TEST_POSTGRES_URL
}

# --- A primary and a streaming standby --------------------------------------------------------

# _pg_ha_psql PORT SQL: one query on a server of the pair, unaligned, tuples only.
_pg_ha_psql() {
  psql "postgresql://postgres@127.0.0.1:$1/postgres" -XqAtc "$2"
}

# _pg_ha_tool NAME: a PostgreSQL program of the same installation as pg_ctl (PG_TMP_BINDIR may be
# a folder of links to initdb and pg_ctl only), else the one on PATH.
_pg_ha_tool() {
  local real
  real="$(dirname "$(readlink -f "$PG_TMP_BINDIR/pg_ctl")")"
  if [ -x "$real/$1" ]; then echo "$real/$1"; else command -v "$1"; fi
}

# _pg_ha_launch WHO DATADIR LOG: starts the server of DATADIR on a free port (retrying when another
# process took the port first) and sets _PG_HA_PORT; on failure prints the log and returns 1.
_pg_ha_launch() {
  local who=$1 data=$2 log=$3 port _
  for _ in 1 2 3 4 5; do
    port="$(free_local_port)" || break
    if _pg_tmp_as_owner "$PG_TMP_BINDIR/pg_ctl" -D "$data" -l "$log" -o "-p $port" -w -t 60 start >/dev/null 2>&1; then
      _PG_HA_PORT=$port
      return 0
    fi
    grep -q "could not bind" "$log" 2>/dev/null || break
  done
  echo "$who: the server in $data did not start; its log:" >&2
  cat "$log" >&2 2>/dev/null
  return 1
}

# _pg_ha_wait_streaming DEADLINE_S SYNC: polls the primary's pg_stat_replication until the standby
# streams (and is the synchronous one, with SYNC=sync).
_pg_ha_wait_streaming() {
  local seconds=$1 want=streaming got i
  [ "$2" = sync ] && want="streaming sync"
  for ((i = 0; i < seconds * 10; i++)); do
    got="$(_pg_ha_psql "$PG_HA_PRIMARY_PORT" "SELECT state || CASE WHEN sync_state = 'sync' THEN ' sync' ELSE '' END
             FROM pg_stat_replication WHERE application_name = 'gatehouse_standby'" 2>/dev/null)" || got=""
    [ "$got" = "$want" ] && return 0
    sleep 0.1
  done
  echo "pg_ha_start: the standby is not '$want' after $seconds s (pg_stat_replication: '${got:-no row}')" >&2
  return 1
}

pg_ha_start() {
  local mode=${1:-async}
  case "$mode" in sync | async) ;; *) echo "pg_ha_start: expected 'sync' or nothing, got '$mode'" >&2; return 1 ;; esac
  if [ -n "${PG_HA_DIR:-}" ] && [ -d "${PG_HA_DIR:-}" ]; then
    echo "pg_ha_start: already running in $PG_HA_DIR ($GATEHOUSE_TEST_POSTGRES_HA_URL)" >&2
    return 0
  fi
  local bindir dir
  bindir="$(_pg_tmp_bindir)" || return 1
  if [ "$(id -u)" -eq 0 ] && ! id -u postgres >/dev/null 2>&1; then
    echo "pg_ha_start: running as root needs the 'postgres' system user (Debian's postgresql package creates it)" >&2
    return 1
  fi
  dir="$(mktemp -d "${TMPDIR:-/tmp}/gatehouse-pgha.XXXXXX")" || return 1
  chmod 700 "$dir"
  if [ "$(id -u)" -eq 0 ]; then
    chown postgres: "$dir" || { rm -rf "$dir"; return 1; }
  fi
  export PG_HA_DIR="$dir" PG_TMP_BINDIR="$bindir"
  # --no-sync here and in pg_basebackup, like fsync = off below: nothing here outlives the machine,
  # and on this project's machines (ext4 with discard) synced files also make the final rm slow.
  if ! _pg_tmp_as_owner "$bindir/initdb" -D "$dir/primary" -U postgres -E UTF8 --locale=C --no-sync \
         --auth-local=trust --auth-host=reject >"$dir/initdb.log" 2>&1; then
    echo "pg_ha_start: initdb failed:" >&2
    cat "$dir/initdb.log" >&2
    pg_ha_stop
    return 1
  fi
  # As pg_tmp_start, plus the replication connection the standby makes from 127.0.0.1.
  _pg_tmp_as_owner sh -c "cat > '$dir/primary/pg_hba.conf'" <<'EOF2'
local all         all              trust
host  all         all 127.0.0.1/32 trust
host  replication all 127.0.0.1/32 trust
EOF2
  # fsync stays off: the tests stop a server with `pg_ctl stop -m immediate`, which kills its
  # processes but not the machine, so whatever a server wrote is still in the OS page cache and
  # nothing is lost by skipping the flush. synchronous_commit is on (in both modes): a commit
  # returns only after its WAL is written locally and, with `sync`, after the standby has written
  # it too, which is the guarantee a failover test checks (an acknowledged one-time item is on the
  # standby). `off` would acknowledge commits whose WAL is still in the primary's memory, lost
  # with its processes, and would not wait for the standby at all.
  local sync_names="''"
  [ "$mode" = sync ] && sync_names="'FIRST 1 (gatehouse_standby)'"
  _pg_tmp_as_owner sh -c "cat >> '$dir/primary/postgresql.conf'" <<EOF2

# scripts/lib/postgres.sh: a throw-away primary with a streaming standby
listen_addresses = '127.0.0.1'
unix_socket_directories = '$dir'
max_connections = 200
fsync = off
wal_level = replica
max_wal_senders = 4
max_replication_slots = 4
hot_standby = on
synchronous_commit = on
synchronous_standby_names = $sync_names
EOF2
  _pg_ha_launch pg_ha_start "$dir/primary" "$dir/primary.log" || { pg_ha_stop; return 1; }
  export PG_HA_PRIMARY_PORT=$_PG_HA_PORT
  # -R writes standby.signal and primary_conninfo (with the application_name the primary's
  # synchronous_standby_names names). The standby must not wait for a standby of its own once
  # promoted (it has none: every commit would hang), hence its empty synchronous_standby_names.
  if ! _pg_tmp_as_owner "$(_pg_ha_tool pg_basebackup)" -D "$dir/standby" -R -X stream -c fast --no-sync \
         -d "host=127.0.0.1 port=$PG_HA_PRIMARY_PORT user=postgres application_name=gatehouse_standby" \
         >"$dir/basebackup.log" 2>&1; then
    echo "pg_ha_start: pg_basebackup failed:" >&2
    cat "$dir/basebackup.log" >&2
    pg_ha_stop
    return 1
  fi
  _pg_tmp_as_owner sh -c "echo \"synchronous_standby_names = ''\" >> '$dir/standby/postgresql.auto.conf'"
  _pg_ha_launch pg_ha_start "$dir/standby" "$dir/standby.log" || { pg_ha_stop; return 1; }
  export PG_HA_STANDBY_PORT=$_PG_HA_PORT
  _pg_ha_wait_streaming 30 "$mode" || { pg_ha_stop; return 1; }
  export GATEHOUSE_TEST_POSTGRES_HA_URL="postgresql://postgres@127.0.0.1:$PG_HA_PRIMARY_PORT,127.0.0.1:$PG_HA_STANDBY_PORT/postgres?target_session_attrs=read-write"
  echo "pg_ha_start: primary on 127.0.0.1:$PG_HA_PRIMARY_PORT, $mode standby on 127.0.0.1:$PG_HA_STANDBY_PORT (folder $dir)"
}

pg_ha_failover() {
  local dir="${PG_HA_DIR:-}" down=${1:-0}
  if ! [[ $down =~ ^[0-9]+([.][0-9]+)?$ ]]; then
    echo "pg_ha_failover: expected the seconds between the kill and the promotion, got '$down'" >&2
    return 1
  fi
  if [ -z "$dir" ] || [ ! -d "$dir/standby" ]; then
    echo "pg_ha_failover: no pair is running (pg_ha_start)" >&2
    return 1
  fi
  _pg_tmp_as_owner "$PG_TMP_BINDIR/pg_ctl" -D "$dir/primary" -m immediate -w stop >/dev/null 2>&1 || {
    echo "pg_ha_failover: stopping the primary failed (log: $dir/primary.log)" >&2
    return 1
  }
  # The outage a failover manager would leave while it decides (a fault being injected, not a
  # wait for something to happen).
  [ "$down" = 0 ] || sleep "$down"
  # -w: returns once the standby has left recovery and accepts writes.
  _pg_tmp_as_owner "$PG_TMP_BINDIR/pg_ctl" -D "$dir/standby" -w -t 60 promote >/dev/null 2>&1 || {
    echo "pg_ha_failover: promoting the standby failed (log: $dir/standby.log)" >&2
    return 1
  }
  date +%s%3N
}

pg_ha_stop() {
  local dir="${PG_HA_DIR:-}" server
  [ -n "$dir" ] || return 0
  # Immediate: the folder is deleted next, so a shutdown checkpoint would be written for nothing
  # (a fast stop takes seconds per server on a busy machine).
  for server in standby primary; do
    [ -f "$dir/$server/postmaster.pid" ] || continue
    _pg_tmp_as_owner "${PG_TMP_BINDIR:-$(_pg_tmp_bindir)}/pg_ctl" -D "$dir/$server" status >/dev/null 2>&1 || continue
    _pg_tmp_as_owner "${PG_TMP_BINDIR:-$(_pg_tmp_bindir)}/pg_ctl" -D "$dir/$server" -m immediate -w stop >/dev/null 2>&1 ||
      echo "pg_ha_stop: pg_ctl stop of the $server failed (log: $dir/$server.log)" >&2
  done
  rm -rf "$dir"
  unset PG_HA_DIR PG_HA_PRIMARY_PORT PG_HA_STANDBY_PORT GATEHOUSE_TEST_POSTGRES_HA_URL
}
