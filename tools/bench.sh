#!/usr/bin/env bash
# `make bench`: the figures of issues 3 and 4 for calendar_cloud_sync and for Odoo 18's own
# google_calendar and microsoft_calendar, each in a fresh database of its own, against the
# local emulator (started inside each benchmark process). Progress goes to stderr; stdout
# gets a short header and one line per figure (Google, then Microsoft with the prefix ms_),
# also written to .build/bench.txt. BENCH_PROVIDERS="microsoft" runs one provider only.
# Issue 14's series figure (ours only, tools/bench/series.py) follows in both;
# BENCH_ONLY=series runs it alone (.build/bench_series.txt). Issue 13's availability and
# booking figures (tools/bench/availability.py, both providers at once) come last;
# BENCH_ONLY=availability runs them alone (.build/bench_availability.txt).
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
bash tools/setup.sh >&2
source tools/env.sh

# BENCH_ONLY=notify: issue 10's notification figures only (tools/bench_notify.sh)
if [ "${BENCH_ONLY:-}" = notify ]; then exec bash tools/bench_notify.sh; fi
PROVIDERS=${BENCH_PROVIDERS:-google microsoft}
out=.build/bench
mkdir -p "$out"
log() { printf '[bench] %s\n' "$*" >&2; }

prefix() { [ "$1" = google ] && echo "" || echo "ms_"; }
database() { echo "ccs_bench_$(prefix "$1")$2"; }  # provider side
module() {  # provider side: ours and series are this addon, native is Odoo's own module
    if [ "$2" = native ]; then echo "$1_calendar"; else echo calendar_cloud_sync; fi
}

install() {  # db module: a fresh database without demo data
    dropdb --if-exists "$1"
    odoo_bin -d "$1" -i "$2" --without-demo=all --stop-after-init --log-level=warn \
        --http-port "$(free_port)" --db-filter="^$1\$" >"$out/install-$1.log" 2>&1
}

run() {  # provider side: one benchmark script in `odoo-bin shell`
    CCS_BENCH_DIR="$here/tools/bench" CCS_BENCH_PROVIDER="$1" \
        CCS_BENCH_OUT="$out/$(prefix "$1")$2.json" \
        odoo_bin shell -d "$(database "$1" "$2")" --no-http --log-level=warn \
        <"tools/bench/$2.py" >&2
}

# BENCH_ONLY=series: issue 14's figure only, a series renamed at the provider then pulled
# (tools/bench/series.py, ours only: about a minute per provider)
if [ "${BENCH_ONLY:-}" = series ]; then
    for provider in $PROVIDERS; do
        rm -f "$out/$(prefix "$provider")series.json"
        log "creating $(database "$provider" series) (calendar_cloud_sync)"
        install "$(database "$provider" series)" calendar_cloud_sync
        log "$provider: series rename"
        run "$provider" series
    done
    exec "$PY" tools/bench/report.py --series "$out" .build/bench_series.txt
fi

availability() {  # issue 13: in a database with the addon (everything is rolled back)
    CCS_BENCH_OUT="$out/availability.json" odoo_bin shell -d "$1" --no-http --log-level=warn \
        <tools/bench/availability.py >&2
}

# BENCH_ONLY=availability: issue 13's figures only (about a minute)
if [ "${BENCH_ONLY:-}" = availability ]; then
    rm -f "$out/availability.json"
    log "creating ccs_bench_availability (calendar_cloud_sync)"
    install ccs_bench_availability calendar_cloud_sync
    log "availability and booking"
    availability ccs_bench_availability
    exec "$PY" tools/bench/report.py --availability "$out" .build/bench_availability.txt
fi

started=$(date +%s)
rm -f "$out"/*.json
pids=()
for provider in $PROVIDERS; do
    for side in ours native series; do
        log "creating $(database "$provider" "$side") ($(module "$provider" "$side"))"
        install "$(database "$provider" "$side")" "$(module "$provider" "$side")" &
        pids+=("$!:$(database "$provider" "$side")")
    done
done
for entry in "${pids[@]}"; do
    wait "${entry%%:*}" || { log "install of ${entry#*:} failed, see $out/install-${entry#*:}.log"; exit 1; }
done

# one after the other: wall times are only comparable without a neighbour on the CPUs
for provider in $PROVIDERS; do
    for side in ours native series; do
        log "$provider: $(module "$provider" "$side") ($side)"
        run "$provider" "$side"
    done
done

first=${PROVIDERS%% *}
log "availability and booking (in $(database "$first" series))"
availability "$(database "$first" series)"

log "done in $(($(date +%s) - started))s"
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')
"$PY" tools/bench/report.py "$out" .build/bench.txt \
    "$(nproc) cores${cpu:+ ($cpu)}, PostgreSQL $(psql -Atc 'SHOW server_version' postgres | cut -d' ' -f1)"
bash tools/bench_notify.sh
