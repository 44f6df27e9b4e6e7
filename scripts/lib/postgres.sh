# shellcheck shell=bash
# A throw-away PostgreSQL server for the tests (storage_postgres_test), in a temporary folder,
# listening on 127.0.0.1 only, with durability switched off (it holds nothing worth keeping).
#
#   source scripts/lib/postgres.sh
#   pg_tmp_start    # starts it; exports GATEHOUSE_TEST_POSTGRES_URL=postgresql://postgres@127.0.0.1:PORT/postgres
#   ...             # e.g. build/src/storage/postgres/storage_postgres_test
#   pg_tmp_stop     # stops it and deletes the folder
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
