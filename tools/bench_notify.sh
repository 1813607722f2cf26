#!/usr/bin/env bash
# Issue 10's figures, on their own (`make bench-notify`, or `BENCH_ONLY=notify make bench`) and
# at the end of `make bench`: a notification storm on one account (pull jobs run, latency to the
# Odoo record) and the notify route against Odoo's own /web/health on the same server, threaded
# and with --workers=2; then the crons and Sync Health with 100 and 1,000 accounts. A real Odoo
# server with queue_job's runner serves a fresh database; tools/bench/notify.py drives it from
# `odoo-bin shell` with the Google emulator in-process, tools/bench/many.py needs no server.
# Prints the figures and writes them to .build/bench-notify.txt.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
bash tools/setup.sh >&2
source tools/env.sh

out=.build/bench
db=ccs_bench_notify
data="$here/$out/notify-data"
mkdir -p "$out" "$data"
log() { printf '[bench-notify] %s\n' "$*" >&2; }

log "creating $db"
dropdb --if-exists "$db"
odoo_bin -d "$db" -i calendar_cloud_sync --without-demo=all --stop-after-init --log-level=warn \
    --data-dir "$data" --http-port "$(free_port)" --db-filter="^$db\$" >"$out/install-$db.log" 2>&1

server=""
stop_server() { [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null; server=""; }
trap stop_server EXIT

serve() {  # label, extra odoo-bin options: a server with the job runner, until it answers
    port=$(free_port)
    ODOO_QUEUE_JOB_CHANNELS=root:2,root.calendar_cloud_sync:2 \
        "$PY" "$ODOO_SRC/odoo-bin" --addons-path="$ODOO_ADDONS" -d "$db" --db-filter="^$db\$" \
        --http-interface 127.0.0.1 --http-port "$port" --load base,web,queue_job \
        --data-dir "$data" --max-cron-threads 0 --log-level=warn "${@:2}" \
        >"$out/server-notify-$1.log" 2>&1 &
    server=$!
    for _i in $(seq 100); do
        curl -sf "http://127.0.0.1:$port/web/health" >/dev/null && return 0
        sleep 0.3
    done
    log "the server did not start, see $out/server-notify-$1.log"
    exit 1
}

drive() {  # label, phases
    CCS_BENCH_DIR="$here/tools/bench" CCS_BENCH_PROVIDER=google CCS_BENCH_LABEL="$1" \
        CCS_BENCH_PHASES="$2" CCS_BENCH_ODOO_URL="http://127.0.0.1:$port" \
        CCS_BENCH_OUT="$out/notify-$1.json" \
        odoo_bin shell -d "$db" --no-http --log-level=warn --data-dir "$data" \
        <tools/bench/notify.py >&2
}

started=$(date +%s)
rm -f "$out"/notify-*.json
log "threaded server: storm, then endpoint"
serve threaded --workers 0
drive threaded storm,endpoint
stop_server
log "--workers=2: endpoint"
serve workers2 --workers 2
drive workers2 endpoint
stop_server
log "many accounts: crons and Sync Health at 100 and 1,000 accounts"
CCS_BENCH_OUT="$out/notify-many.json" odoo_bin shell -d "$db" --no-http --log-level=warn \
    --data-dir "$data" <tools/bench/many.py >&2
log "done in $(($(date +%s) - started))s"
"$PY" tools/bench/report_notify.py "$out" .build/bench-notify.txt
