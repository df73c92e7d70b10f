#!/bin/sh
# `make bench`: the benchmarks of bench/ against a daemon on a throwaway database, on
# 127.0.0.1 only; prints their figures. SECONDS (default 10) per run, CONNECTIONS (64).
# Figures, not tests: run it on an otherwise idle machine and repeat (bench/README.md).
set -eu
BIN=${BIN:-build}
SECS=${SECONDS_PER_RUN:-10}
CONNS=${CONNECTIONS:-64}
dir=$(mktemp -d /tmp/smshub-bench.XXXXXX)
pid=
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
    rm -rf "$dir"
}
trap cleanup EXIT INT TERM

echo "== store-accept (the group-commit writer alone)"
"$BIN/bench-store-accept" --dir "$dir" --seconds "$SECS"
"$BIN/bench-store-accept" --dir "$dir" --seconds "$SECS" --random-keys

echo "== accept (REST, dispatch and receipts running, SQLite synchronous=FULL)"
key=$("$BIN/smshub" admin bootstrap --db "sqlite:$dir/hub.db" --json |
      sed -n 's/.*"api_key":"\([^"]*\)".*/\1/p')
"$BIN/smshub" serve --db "sqlite:$dir/hub.db" --listen 127.0.0.1:0 --port-file "$dir/port" \
    --master-key-file "$dir/master.key" --log-level warn 2>"$dir/serve.log" &
pid=$!
for _ in $(seq 1 100); do [ -s "$dir/port" ] && break; sleep 0.1; done
port=$(cat "$dir/port")
"$BIN/bench-accept" --url "http://127.0.0.1:$port" --key "$key" --connections "$CONNS" \
    --seconds "$SECS" --pid "$pid"
