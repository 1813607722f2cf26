#!/usr/bin/env bash
# The whole suite: ruff, pure tests (services + emulator), Odoo tests with browser tours on a
# fresh database (install with demo data, then upgrade, then uninstall; and an install
# without demo data). Prints one summary; exits non-zero on any failure or error.
set -uo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
bash tools/setup.sh || { echo "set-up failed"; exit 2; }
source tools/env.sh

mkdir -p .build/test
out=.build/test
passed=0
failed=0
skipped=0
lines=()
record() {  # name passed failed skipped
    passed=$((passed + $2)); failed=$((failed + $3)); skipped=$((skipped + ${4:-0}))
    lines+=("$(printf '%-34s %4d passed, %d failed, %d skipped' "$1" "$2" "$3" "${4:-0}")")
}
step() { printf '\n=== %s ===\n' "$*"; }

# --- lint ------------------------------------------------------------------------------
step "ruff"
if "$PY" -m ruff check . && "$PY" -m ruff format --check . ; then
    record "ruff (lint + format)" 1 0
else
    record "ruff (lint + format)" 0 1
fi

step "shape: pylint-odoo mandatory checks, import circles, file sizes"
if bash tools/checks/run.sh; then
    record "shape checks" 1 0
else
    record "shape checks" 0 1
fi

# --- pure tests ------------------------------------------------------------------------
step "pure tests (services/, emulator/)"
"$PY" -m pytest -q tests/pure --junitxml="$out/pure.xml" -p no:cacheprovider
pure_rc=$?
read -r p f s < <("$PY" tools/junit_counts.py "$out/pure.xml")
[ "$pure_rc" -ne 0 ] && [ "$f" -eq 0 ] && f=1  # collection errors, crashes: still a failure
record "pure tests" "$p" "$f" "$s"

# --- Odoo tests --------------------------------------------------------------------------
# Browser tours need Chromium and websocket-client; without them Odoo would skip silently.
command -v chromium >/dev/null || { echo "chromium missing"; exit 2; }
"$PY" -c "import websocket" || { echo "websocket-client missing"; exit 2; }

run_odoo() {  # label db logfile args...
    local label=$1 db=$2 log=$3; shift 3
    odoo_bin -d "$db" --http-port "$(free_port)" --stop-after-init --log-level=test \
        --db-filter="^$db\$" "$@" >"$log" 2>&1
    local rc=$?
    local summary errors
    summary=$(grep -oE '[0-9]+ failed, [0-9]+ error\(s\) of [0-9]+ tests' "$log" | tail -1)
    errors=$(grep -cE ' (ERROR|CRITICAL) ' "$log")
    if [ -n "$summary" ]; then
        read -r f e n < <(echo "$summary" | sed -E 's/([0-9]+) failed, ([0-9]+) error\(s\) of ([0-9]+) tests/\1 \2 \3/')
        local bad=$((f + e))
        [ "$bad" -eq 0 ] && { [ "$rc" -ne 0 ] || [ "$errors" -ne 0 ]; } && bad=1
        record "$label" $((n - f - e)) "$bad"
    else
        if [ "$rc" -eq 0 ] && [ "$errors" -eq 0 ]; then record "$label" 1 0; else record "$label" 0 1; fi
    fi
    if [ "$rc" -ne 0 ] || [ "$errors" -ne 0 ]; then
        echo "--- $label: exit $rc, $errors error lines; the errors from $log:"
        grep -E -A 25 ' (ERROR|CRITICAL) ' "$log" | head -150
    else
        echo "$label: ok${summary:+ ($summary)}"
    fi
}

db=${CCS_TEST_DB:-ccs_test}
dropdb --if-exists "$db" 2>/dev/null
step "Odoo tests: install with demo data, at_install + post_install tests"
run_odoo "odoo tests (install, demo)" "$db" "$out/odoo-install.log" \
    -i calendar_cloud_sync --test-enable --test-tags /calendar_cloud_sync
step "upgrade (-u) of the installed database"
run_odoo "upgrade" "$db" "$out/odoo-upgrade.log" -u calendar_cloud_sync
step "uninstall"
"$PY" "$ODOO_SRC/odoo-bin" shell --addons-path="$ODOO_ADDONS" -d "$db" --no-http \
    --log-level=warn >"$out/odoo-uninstall.log" 2>&1 <<'EOF'
mod = env["ir.module.module"].search([("name", "=", "calendar_cloud_sync")])
mod.button_immediate_uninstall()
env.cr.commit()
left = env["ir.model"].search_count([("model", "like", "calendar.sync.%")])
print("UNINSTALL", mod.state, left)
EOF
if grep -q "UNINSTALL uninstalled 0" "$out/odoo-uninstall.log"; then
    record "uninstall" 1 0; echo "uninstall: ok"
else
    record "uninstall" 0 1; tail -40 "$out/odoo-uninstall.log"
fi
dropdb --if-exists "$db"

db=${CCS_TEST_DB:-ccs_test}_nodemo
dropdb --if-exists "$db" 2>/dev/null
step "install without demo data"
run_odoo "install (without demo)" "$db" "$out/odoo-nodemo.log" \
    -i calendar_cloud_sync --without-demo=all
dropdb --if-exists "$db"

db=${CCS_TEST_DB:-ccs_test}_takeover
dropdb --if-exists "$db" 2>/dev/null
step "Odoo tests: take-over from Odoo's own google_calendar / microsoft_calendar"
run_odoo "odoo tests (take-over)" "$db" "$out/odoo-takeover.log" \
    -i calendar_cloud_sync,google_calendar,microsoft_calendar --without-demo=all \
    --test-enable --test-tags ccs_takeover/calendar_cloud_sync
dropdb --if-exists "$db"

# --- summary -----------------------------------------------------------------------------
printf '\n=== summary ===\n'
printf '%s\n' "${lines[@]}"
echo "logs in $out/"
echo "TOTAL: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
