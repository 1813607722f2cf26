#!/usr/bin/env bash
# A quick run of some Odoo tests while developing: `bash tools/odoo_tests.sh TAGS`, e.g.
#   bash tools/odoo_tests.sh /calendar_cloud_sync:TestSyncGoogle
#   bash tools/odoo_tests.sh /calendar_cloud_sync:TestSyncGoogle.test_rename
# The database ($CCS_TEST_DB, default ccs_dev) is installed once and upgraded after that, so a
# run costs seconds plus the tests. Several checkouts can run at once with different
# CCS_TEST_DB values. The full suite is `make test`.
set -uo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
source tools/env.sh
bash tools/setup.sh >/dev/null 2>&1 || { echo "set-up failed: run bash tools/setup.sh"; exit 2; }
db=${CCS_TEST_DB:-ccs_dev}
tags=${1:-/calendar_cloud_sync}
mkdir -p .build/test
log=.build/test/quick-$db.log
if psql -lqt | cut -d'|' -f1 | grep -qw "$db"; then mode=(-u calendar_cloud_sync); else mode=(-i calendar_cloud_sync); fi
odoo_bin -d "$db" --http-port "$(free_port)" --stop-after-init --log-level=test \
    --db-filter="^$db\$" "${mode[@]}" --test-enable --test-tags "$tags" >"$log" 2>&1
rc=$?
grep -E ' (ERROR|CRITICAL|FAIL)|Ran [0-9]+ tests|[0-9]+ failed, [0-9]+ error' "$log" | grep -v 'odoo.tests.stats' | tail -40
errors=$(grep -cE ' (ERROR|CRITICAL) ' "$log")
echo "exit $rc, $errors error lines (log: $log)"
[ "$rc" -eq 0 ] && [ "$errors" -eq 0 ]
