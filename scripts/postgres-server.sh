#!/usr/bin/env bash
# A private PostgreSQL server for tests and benchmarks, from Debian's postgresql package: its own data
# folder, a free local port, trust authentication on 127.0.0.1 only.
#
#   scripts/postgres-server.sh start DIR   initialises DIR (if new), starts the server, prints its URL
#   scripts/postgres-server.sh stop DIR    stops it (fast shutdown) and leaves DIR
#   scripts/postgres-server.sh kill DIR    stops it at once (immediate shutdown: a crash, for fault tests)
#
# PostgreSQL refuses to run as root; as root the server runs as the postgres user.
set -euo pipefail

command=${1:?usage: postgres-server.sh start|stop|kill DIR}
dir=${2:?usage: postgres-server.sh start|stop|kill DIR}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -z "$bin" ] || [ ! -x "$bin/pg_ctl" ]; then
  echo "PostgreSQL's server is not installed: run scripts/install-deps.sh (apt-get install postgresql)" >&2
  exit 1
fi

as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$command" in
  start)
    mkdir -p "$dir"
    [ "$(id -u)" -ne 0 ] || chown postgres "$dir"
    if [ ! -f "$dir/data/PG_VERSION" ]; then
      as_owner "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; exit 1; }
    fi
    port=$(cat "$dir/port" 2>/dev/null || python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    echo "$port" >"$dir/port"
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=200" start >/dev/null \
      || { cat "$dir/server.log" >&2; exit 1; }
    echo "postgres://postgres@127.0.0.1:$port/postgres"
    ;;
  stop)
    as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
    ;;
  kill)
    as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null
    ;;
  *)
    echo "usage: postgres-server.sh start|stop|kill DIR" >&2
    exit 2
    ;;
esac
