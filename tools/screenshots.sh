#!/usr/bin/env bash
# Retakes the screenshots in static/description/ (shown by the README and the Apps page) by
# running the tours that hold screenshot steps, on a fresh database, with CCS_SCREENSHOTS
# set: each step saves a PNG of Odoo's test browser (see tests/common.py, ScreenshotMixin).
# The tours are the same ones `make test` runs, so a screenshot shows a tested screen.
set -uo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
bash tools/setup.sh || { echo "set-up failed"; exit 2; }
source tools/env.sh

folder=${CCS_SCREENSHOTS:-$here/static/description}
mkdir -p .build
status=0
shoot() {  # db modules tags: one fresh database, the tagged tours, then the database goes
    local db=$1 modules=$2 tags=$3 log=.build/screenshots-$1.log
    dropdb --if-exists "$db"
    CCS_SCREENSHOTS=$folder odoo_bin -d "$db" --http-port "$(free_port)" --stop-after-init \
        --log-level=test --db-filter="^$db\$" -i "$modules" --test-enable --test-tags "$tags" \
        >"$log" 2>&1
    local rc=$?
    dropdb --if-exists "$db"
    grep -E '[0-9]+ failed, [0-9]+ error\(s\) of [0-9]+ tests' "$log" | tail -1
    if [ "$rc" -ne 0 ] || grep -qE ' (ERROR|CRITICAL) ' "$log"; then
        echo "tours failed: see $log"
        status=1
    fi
}
classes=(TestConflictTour TestSyncHealthUi TestSyncHealthOverview TestResyncTour TestReconcileTour
    TestSyncSettingsTour TestAttendeeBusyTour)
tags=$(printf '/calendar_cloud_sync:%s,' "${classes[@]}")
shoot ccs_screenshots calendar_cloud_sync \
    "${tags}/calendar_cloud_sync:TestUi.test_preferences_show_and_disconnect_an_account,/calendar_cloud_sync:TestUi.test_event_form_offers_the_odoo_meeting"
# the take-over screens need Odoo's own sync modules installed beside the addon
shoot ccs_screenshots_takeover calendar_cloud_sync,google_calendar,microsoft_calendar \
    /calendar_cloud_sync:TestTakeoverUi
ls -l "$folder"/*.png
exit $status
