#!/bin/sh
# Enforces the one-way dependencies of STYLE.md by looking at #include lines:
#   daemon -> api -> core -> {providers, store} -> lib;  providers never see core/ or store/;
#   core never includes a database header; lib includes only lib.
# Exit 1 with the offending lines when a rule is broken.
set -eu
cd "$(dirname "$0")/../src"
bad=0
rule() { # rule DIR PATTERN WHY
    hits=$(grep -rnE "^#include +[<\"]($2)" "$1" 2>/dev/null || true)
    if [ -n "$hits" ]; then
        echo "layer rule broken ($3):"
        echo "$hits"
        bad=1
    fi
}
rule lib 'api/|core/|store/|providers/|daemon/|smpp/' 'lib depends on nothing else'
rule store 'api/|core/|providers/|daemon/|smpp/' 'store knows only lib'
rule providers 'api/|core/|store/|daemon/' 'drivers see provider.h, never core or store'
rule core 'api/|daemon/|sqlite3\.h|libpq-fe\.h' 'core never includes api, daemon or a database header'
rule api 'daemon/|sqlite3\.h|libpq-fe\.h' 'api is below daemon and never sees SQL'
[ -d smpp ] && rule smpp 'api/|core/|store/|providers/|daemon/|sqlite3\.h|libpq-fe\.h' 'smpp is protocol only'
exit $bad
