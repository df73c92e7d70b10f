#!/bin/sh
# Installs the Debian 12 packages smshub needs to build, run and test, when missing.
# Used by `make` targets; safe to run again (does nothing when all are present).
set -eu

PKGS="meson ninja-build pkg-config gcc g++ python3 curl
libmicrohttpd-dev libevent-dev libjansson-dev libsqlite3-dev libsodium-dev
libphonenumber-dev libcsv-dev libssl-dev libcmocka-dev libcurl4-openssl-dev libpq-dev postgresql-15 clang
libclang-rt-14-dev"

missing=""
for p in $PKGS; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done
# npm: the Prism contract check (tests/fakes/test_prism.py) installs @stoplight/prism-cli with
# it. Debian's nodejs + npm only when no npm is on PATH (NodeSource's nodejs ships its own npm).
command -v npm >/dev/null 2>&1 || missing="$missing nodejs npm"
[ -z "$missing" ] && exit 0

echo "smshub: installing missing Debian packages:$missing" >&2
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO=sudo
    else
        echo "smshub: run as root, or install them yourself: apt-get install$missing" >&2
        exit 1
    fi
else
    SUDO=
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
