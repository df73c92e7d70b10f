#!/bin/sh
# A throwaway PostgreSQL cluster for tests: initdb in a temporary directory, listening on
# 127.0.0.1 only, on a free port, trust authentication for the loopback.
#
#   eval "$(tools/pg_cluster.sh start)"   # exports SMSHUB_TEST_PG_URL and SMSHUB_TEST_PG_DIR
#   tools/pg_cluster.sh stop "$SMSHUB_TEST_PG_DIR"
#
# As root, the server runs as the `postgres` user (initdb refuses root).
set -eu
BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
[ -x "$BIN/initdb" ] || { echo "pg_cluster: PostgreSQL server binaries not found" >&2; exit 1; }

as_pg() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

case "${1:-}" in
start)
    dir=$(mktemp -d /tmp/smshub-pg.XXXXXX)
    chmod 755 "$dir"
    [ "$(id -u)" -eq 0 ] && chown postgres "$dir"
    as_pg "$BIN/initdb" -D "$dir/data" -A trust -U smshub -E UTF8 --no-instructions >"$dir/initdb.log" 2>&1 ||
        { cat "$dir/initdb.log" >&2; exit 1; }
    port=$(free_port)
    as_pg "$BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-h 127.0.0.1 -p $port -k $dir -c fsync=on -c max_connections=200" start >/dev/null ||
        { cat "$dir/server.log" >&2; exit 1; }
    as_pg "$BIN/createdb" -h 127.0.0.1 -p "$port" -U smshub smshub_test
    echo "export SMSHUB_TEST_PG_URL=postgres://smshub@127.0.0.1:$port/smshub_test"
    echo "export SMSHUB_TEST_PG_DIR=$dir"
    ;;
stop)
    dir=${2:?usage: pg_cluster.sh stop DIR}
    as_pg "$BIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$dir"
    ;;
*)
    echo "usage: pg_cluster.sh start | stop DIR" >&2
    exit 2
    ;;
esac
