#!/usr/bin/env bash
# Seed sweep of the nasty-mode convergence scenarios (tests/sync_scenarios_nasty.py): for each
# seed, a random run of CCS_SWEEP_STEPS actions on both sides (API faults on even seeds) against
# the emulator in nasty mode, then one "Sync now"; prints one line per seed and provider:
#   events in Odoo and at the provider, events on one side only, duplicates, failed jobs,
#   API writes carried out / logical changes made in Odoo.
# Usage: bash tools/seed_sweep.sh [google|microsoft|both]
#   CCS_SWEEP_SEEDS (default 10), CCS_SWEEP_STEPS (default 300), CCS_TEST_DB (default ccs_sweep)
# Slow on purpose (minutes per seed): `make test` runs two seeds per provider instead.
set -uo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
source tools/env.sh
bash tools/setup.sh >/dev/null 2>&1 || { echo "set-up failed: run bash tools/setup.sh"; exit 2; }
export CCS_SWEEP_SEEDS=${CCS_SWEEP_SEEDS:-10} CCS_SWEEP_STEPS=${CCS_SWEEP_STEPS:-300}
case ${1:-both} in
    google) tags=ccs_sweep/calendar_cloud_sync:TestSeedSweepGoogle ;;
    microsoft) tags=ccs_sweep/calendar_cloud_sync:TestSeedSweepMicrosoft ;;
    both) tags=ccs_sweep/calendar_cloud_sync:TestSeedSweepGoogle,ccs_sweep/calendar_cloud_sync:TestSeedSweepMicrosoft ;;
    *) echo "usage: $0 [google|microsoft|both]"; exit 2 ;;
esac
db=${CCS_TEST_DB:-ccs_sweep}
mkdir -p .build/test
log=.build/test/seed-sweep-$db.log
if psql -lqt | cut -d'|' -f1 | grep -qw "$db"; then mode=(-u calendar_cloud_sync); else mode=(-i calendar_cloud_sync); fi
echo "seed sweep: $CCS_SWEEP_SEEDS seeds x $CCS_SWEEP_STEPS actions, ${1:-both} (log: $log)"
odoo_bin -d "$db" --http-port "$(free_port)" --stop-after-init --log-level=test \
    --db-filter="^$db\$" "${mode[@]}" --test-enable --test-tags "$tags" >"$log" 2>&1
rc=$?
grep -oE 'SEED-SWEEP .*' "$log"
converged=$(grep -cE 'SEED-SWEEP .* odoo_only=0 provider_only=0 duplicates=0 failed_jobs=0 ' "$log")
total=$(grep -cE 'SEED-SWEEP ' "$log")
echo "converged (same events, no duplicate, no failed job): $converged of $total runs; exit $rc"
