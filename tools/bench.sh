#!/usr/bin/env bash
# `make bench`: the figures of issue 3 for calendar_cloud_sync and for Odoo 18's own
# google_calendar, each in a fresh database of its own, against the local Google emulator
# (started inside each benchmark process). Progress goes to stderr; stdout gets a short
# header and one line per figure, also written to .build/bench.txt.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
bash tools/setup.sh >&2
source tools/env.sh

OURS_DB=${OURS_DB:-ccs_bench_ours}
NATIVE_DB=${NATIVE_DB:-ccs_bench_native}
out=.build/bench
mkdir -p "$out"
log() { printf '[bench] %s\n' "$*" >&2; }

install() {  # db module: a fresh database without demo data
    dropdb --if-exists "$1"
    odoo_bin -d "$1" -i "$2" --without-demo=all --stop-after-init --log-level=warn \
        --http-port "$(free_port)" --db-filter="^$1\$" >"$out/install-$1.log" 2>&1
}

run() {  # db script: one benchmark script in `odoo-bin shell`
    CCS_BENCH_DIR="$here/tools/bench" CCS_BENCH_OUT="$out/$2.json" \
        odoo_bin shell -d "$1" --no-http --log-level=warn <"tools/bench/$2.py" >&2
}

started=$(date +%s)
log "creating $OURS_DB (calendar_cloud_sync) and $NATIVE_DB (google_calendar)"
install "$OURS_DB" calendar_cloud_sync &
ours_install=$!
install "$NATIVE_DB" google_calendar &
native_install=$!
wait "$ours_install" || { log "install of $OURS_DB failed, see $out/install-$OURS_DB.log"; exit 1; }
wait "$native_install" || { log "install of $NATIVE_DB failed, see $out/install-$NATIVE_DB.log"; exit 1; }

# one after the other: wall times are only comparable without a neighbour on the CPUs
log "calendar_cloud_sync"
rm -f "$out/ours.json" "$out/native.json"
run "$OURS_DB" ours
log "google_calendar"
run "$NATIVE_DB" native

log "done in $(($(date +%s) - started))s"
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')
"$PY" tools/bench/report.py "$out/ours.json" "$out/native.json" .build/bench.txt \
    "$(nproc) cores${cpu:+ ($cpu)}, PostgreSQL $(psql -Atc 'SHOW server_version' postgres | cut -d' ' -f1)"
