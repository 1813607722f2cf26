#!/usr/bin/env bash
# `make run`: set up what is missing, start the local emulator, create (or upgrade) the
# database with the addon and demo data, configure demo mode when no OAuth credentials are
# set, and serve Odoo with queue_job's job runner. Ctrl-C stops Odoo and the emulator.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
bash tools/setup.sh
source tools/env.sh

DB=${DB:-calendar_cloud_sync}
HTTP_PORT=${HTTP_PORT:-8069}
EMULATOR_PORT=${EMULATOR_PORT:-8071}
EMULATOR_TLS_PORT=${EMULATOR_TLS_PORT:-8072}
log() { printf '[run] %s\n' "$*" >&2; }

# --- emulator ------------------------------------------------------------------------
emulator_pid=""
if curl -sf "http://127.0.0.1:$EMULATOR_PORT/_emulator/stats" >/dev/null 2>&1; then
    log "emulator already listening on $EMULATOR_PORT"
else
    log "starting the emulator on $EMULATOR_PORT (https on $EMULATOR_TLS_PORT)"
    "$PY" -m emulator --port "$EMULATOR_PORT" --tls-port "$EMULATOR_TLS_PORT" \
        --cert-dir "$CCS_HOME/emulator-certs" >"$CCS_HOME/emulator.log" 2>&1 &
    emulator_pid=$!
    for _ in $(seq 1 50); do
        curl -sf "http://127.0.0.1:$EMULATOR_PORT/_emulator/stats" >/dev/null 2>&1 && break
        sleep 0.2
    done
fi
trap '[ -n "$emulator_pid" ] && kill "$emulator_pid" 2>/dev/null' EXIT

# --- Odoo configuration ------------------------------------------------------------------
mkdir -p .build
conf=.build/odoo.conf
cat >"$conf" <<EOF
[options]
addons_path = $ODOO_ADDONS
db_name = $DB
dbfilter = ^$DB\$
http_port = $HTTP_PORT
http_interface = 127.0.0.1
server_wide_modules = web,queue_job
workers = 0
max_cron_threads = 1
data_dir = $CCS_HOME/data

[queue_job]
channels = root:2,root.calendar_cloud_sync:2
EOF

# --- database ------------------------------------------------------------------------------
# Install once; upgrade only when the addon's files changed since the last run.
code_hash=$(git ls-files -z -- '*.py' '*.xml' '*.csv' '*.js' '*.scss' '*.sql' | sort -z \
    | xargs -0 sha256sum | sha256sum | cut -c1-16)
stamp=".build/run-$DB.stamp"
if ! psql -lqt | cut -d'|' -f1 | grep -qw "$DB"; then
    log "creating database $DB with calendar_cloud_sync and demo data"
    "$PY" "$ODOO_SRC/odoo-bin" -c "$conf" -i calendar_cloud_sync --stop-after-init \
        --log-level=warn
    echo "$code_hash" >"$stamp"
elif [ "$(cat "$stamp" 2>/dev/null)" != "$code_hash" ]; then
    log "upgrading calendar_cloud_sync in $DB"
    "$PY" "$ODOO_SRC/odoo-bin" -c "$conf" -u calendar_cloud_sync --stop-after-init \
        --log-level=warn
    echo "$code_hash" >"$stamp"
fi

# Demo mode is configuration only: point the endpoints at the emulator and use its demo
# OAuth clients, unless an admin already configured real credentials.
EMULATOR_URL="http://127.0.0.1:$EMULATOR_PORT" EMULATOR_TLS_URL="https://127.0.0.1:$EMULATOR_TLS_PORT" \
CA_FILE="$CCS_HOME/emulator-certs/ca.pem" ODOO_URL="http://127.0.0.1:$HTTP_PORT" \
    "$PY" "$ODOO_SRC/odoo-bin" shell -c "$conf" --no-http --log-level=warn \
    <tools/demo_config.py 2>&1 | grep -E '^\[demo\]' || true

cat <<EOF

  Odoo:      http://127.0.0.1:$HTTP_PORT   (login: admin, password: admin, database: $DB)
  Emulator:  http://127.0.0.1:$EMULATOR_PORT/_emulator/stats   (Google + Microsoft, demo mode)
  Connect:   avatar menu > Preferences > Calendar sync > Connect Google / Connect Microsoft

EOF
"$PY" "$ODOO_SRC/odoo-bin" -c "$conf"
