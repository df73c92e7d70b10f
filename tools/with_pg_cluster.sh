#!/bin/sh
# Runs a command with a throwaway PostgreSQL cluster (tools/pg_cluster.sh) whose URL is in
# SMSHUB_TEST_PG_URL; the cluster is stopped and removed afterwards, whatever happens.
set -eu
here=$(dirname "$0")
eval "$(sh "$here/pg_cluster.sh" start)"
trap 'sh "$here/pg_cluster.sh" stop "$SMSHUB_TEST_PG_DIR"' EXIT INT TERM
"$@"
