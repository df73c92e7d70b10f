#!/bin/sh
# Runs a command with SMSHUB_TEST_DB set to a fresh, empty database on the cluster of
# SMSHUB_TEST_PG_URL, dropped afterwards. Without a cluster it exits 77 (meson: skipped).
set -eu
[ -n "${SMSHUB_TEST_PG_URL:-}" ] || { echo "no SMSHUB_TEST_PG_URL: skipped"; exit 77; }
db="t_$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"
psql -X -q -d "$SMSHUB_TEST_PG_URL" -c "CREATE DATABASE $db"
trap 'psql -X -q -d "$SMSHUB_TEST_PG_URL" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1' EXIT
SMSHUB_TEST_DB="${SMSHUB_TEST_PG_URL%/*}/$db" "$@"
