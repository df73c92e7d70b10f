#!/bin/sh
# `make run`: bootstrap the default SQLite database on first start, print a ready-to-paste
# curl for a first send, then run the daemon in the foreground (Ctrl-C stops it cleanly).
set -eu
BIN=${BIN:-build/smshub}
DATA=${SMSHUB_DATA:-./data}
DB=${SMSHUB_DB:-sqlite:$DATA/smshub.db}
LISTEN=${SMSHUB_LISTEN:-127.0.0.1:8080}
BOOT=$DATA/bootstrap.json

mkdir -p "$DATA"
chmod 700 "$DATA"
if [ ! -s "$BOOT" ]; then
    umask 077
    if ! "$BIN" admin bootstrap --db "$DB" --json > "$BOOT.tmp"; then
        rm -f "$BOOT.tmp"
        echo "smshub: bootstrap failed (an existing database without $BOOT?)." >&2
        echo "        Use your API key, or remove $DATA to start over." >&2
        exec "$BIN" serve --db "$DB" --listen "$LISTEN"
    fi
    mv "$BOOT.tmp" "$BOOT"
    echo "First start: admin user, project and API key created; saved in $BOOT (mode 600)."
fi
KEY=$(sed -n 's/.*"api_key":"\([^"]*\)".*/\1/p' "$BOOT")
PASS=$(sed -n 's/.*"admin_password":"\([^"]*\)".*/\1/p' "$BOOT")
cat <<TXT

smshub is starting on http://$LISTEN  (admin: admin@localhost / $PASS)
Send a first message (the built-in simulator delivers it in about 200 ms):

  curl -s -X POST http://$LISTEN/v1/messages \\
    -H 'Authorization: Bearer $KEY' \\
    -H 'Content-Type: application/json' \\
    -H "Idempotency-Key: \$(date +%s%N)" \\
    -d '{"to":"+998901234567","text":"Hello from smshub"}'

Then look at it:  curl -s http://$LISTEN/v1/messages/<id> -H 'Authorization: Bearer $KEY'

TXT
exec "$BIN" serve --db "$DB" --listen "$LISTEN"
