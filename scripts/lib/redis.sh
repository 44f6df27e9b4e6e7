# shellcheck shell=bash
# A throw-away Redis for the tests, like scripts/lib/postgres.sh: on 127.0.0.1, in a temporary
# folder, without persistence (it holds nothing worth keeping).
#
#   source scripts/lib/redis.sh
#   redis_tmp_start    # starts it; exports GATEHOUSE_TEST_REDIS_URL=redis://127.0.0.1:PORT
#   ...
#   redis_tmp_stop     # stops it and deletes the folder
#
# Sourcing defines functions only; redis_tmp_start sets no trap (callers stop it from theirs).

# shellcheck source=scripts/lib/ports.sh
source "$(dirname "${BASH_SOURCE[0]}")/ports.sh"

redis_tmp_start() {
  if [ -n "${REDIS_TMP_DIR:-}" ] && [ -d "${REDIS_TMP_DIR:-}" ]; then
    echo "redis_tmp_start: already running in $REDIS_TMP_DIR ($GATEHOUSE_TEST_REDIS_URL)" >&2
    return 0
  fi
  command -v redis-server >/dev/null || {
    echo "redis_tmp_start: redis-server not found (install Debian's redis-server package: scripts/bootstrap)" >&2
    return 1
  }
  local dir port attempt i
  dir="$(mktemp -d "${TMPDIR:-/tmp}/gatehouse-redis.XXXXXX")" || return 1
  for attempt in 1 2 3 4 5; do
    port="$(free_local_port)" || break
    redis-server --port "$port" --bind 127.0.0.1 --dir "$dir" --save '' --appendonly no \
      --daemonize yes --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" >/dev/null 2>&1 || continue
    for i in $(seq 1 100); do
      if [ "$(redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null)" = "PONG" ]; then
        export REDIS_TMP_DIR="$dir" GATEHOUSE_TEST_REDIS_URL="redis://127.0.0.1:$port"
        echo "redis_tmp_start: Redis on 127.0.0.1:$port (folder $dir)"
        return 0
      fi
      sleep 0.05
    done
    [ -f "$dir/redis.pid" ] && kill "$(cat "$dir/redis.pid")" 2>/dev/null
  done
  tmp_server_failed redis_tmp_start "$dir/redis.log" "$dir"
}

redis_tmp_stop() {
  local dir="${REDIS_TMP_DIR:-}" pid i
  [ -n "$dir" ] || return 0
  if [ -f "$dir/redis.pid" ]; then
    pid="$(cat "$dir/redis.pid")"
    kill "$pid" 2>/dev/null || true
    for i in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
  fi
  rm -rf "$dir"
  unset REDIS_TMP_DIR GATEHOUSE_TEST_REDIS_URL
}
