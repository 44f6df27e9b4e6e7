# shellcheck shell=bash
# What the throw-away servers share (sourced by scripts/lib/postgres.sh and scripts/lib/redis.sh).
#
# free_local_port: prints a TCP port on 127.0.0.1 that nothing listens on right now (callers that
# bind it later retry on a race).
free_local_port() {
  local port i
  for i in $(seq 1 50); do
    port=$((20000 + RANDOM % 40000))
    if [ -z "$(ss -Htln "sport = :$port" 2>/dev/null)" ]; then
      echo "$port"
      return 0
    fi
  done
  echo "free_local_port: no free port found" >&2
  return 1
}

# tmp_server_failed WHO LOG DIR: reports a server that did not start, with its log, removes its
# folder and returns 1 (call it last in the start function, so its status is the function's).
tmp_server_failed() {
  echo "$1: the server did not start; its log:" >&2
  cat "$2" >&2 2>/dev/null
  rm -rf "$3"
  return 1
}
