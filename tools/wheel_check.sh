#!/usr/bin/env bash
# Installs the addon the way an admin adds it to an Odoo 18 they already run: builds the wheel
# (whool, as OCA addons are built) from the committed files, installs it with pip into a fresh
# virtualenv, and installs the addon into a fresh database with Odoo run from that virtualenv,
# whose addons path holds no checkout of it. `make wheel-check`; not part of `make test`
# (about 2 minutes: a database install).
#
# The fresh virtualenv sees the Odoo and the libraries already installed for development (a
# site directory added by a .pth file), so pip only resolves the wheel's dependencies against
# them instead of downloading Odoo's requirements again; `pip check` then proves that every
# dependency the wheel declares (queue_job 18.0.1.7.0, google-auth, msal, ...) is met.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
bash tools/setup.sh >/dev/null 2>&1 || { echo "set-up failed: run bash tools/setup.sh"; exit 2; }
source tools/env.sh

db=${CCS_WHEEL_DB:-ccs_wheel_check}
work=$(mktemp -d)
trap 'rm -rf "$work"; dropdb --if-exists "$db" >/dev/null 2>&1 || true' EXIT

# whool names the distribution after the folder and packages what git tracks
git clone --quiet "$here" "$work/calendar_cloud_sync"
"$PY" -m pip wheel --quiet --no-deps --wheel-dir "$work/dist" "$work/calendar_cloud_sync"
wheel=$(ls "$work"/dist/odoo_addon_calendar_cloud_sync-*.whl)
echo "built $(basename "$wheel")"

base_python=$("$PY" -c 'import sys; print(sys.base_prefix)')/bin/python3
"$base_python" -m venv "$work/venv"
fresh_site=$("$work/venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
dev_site=$("$PY" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
echo "import site; site.addsitedir('$dev_site')" >"$fresh_site/ccs_dev_site.pth"
"$work/venv/bin/python" -m pip install --quiet --disable-pip-version-check "$wheel"
"$work/venv/bin/python" -m pip check
requires=$("$work/venv/bin/python" -c \
    'from importlib.metadata import requires; print("\n".join(requires("odoo-addon-calendar_cloud_sync")))')
for needed in "odoo-addon-queue_job==18.0.1.7.0" google-auth google-api-python-client msal cryptography; do
    grep -qi "^$needed" <<<"$requires" || { echo "the wheel does not require $needed"; exit 1; }
done
installed="$fresh_site/odoo/addons/calendar_cloud_sync"
[ -f "$installed/__manifest__.py" ] || { echo "no addon in $installed"; exit 1; }

dropdb --if-exists "$db"
log=.build/wheel-check.log
mkdir -p .build
"$work/venv/bin/python" "$ODOO_SRC/odoo-bin" -d "$db" --http-port "$(free_port)" \
    --addons-path="$ODOO_SRC/odoo/addons,$ODOO_SRC/addons,$fresh_site/odoo/addons,$dev_site/odoo/addons" \
    --db-filter="^$db\$" --without-demo=all -i calendar_cloud_sync --stop-after-init >"$log" 2>&1
state=$(psql -d "$db" -tAc "SELECT state FROM ir_module_module WHERE name = 'calendar_cloud_sync'")
if [ "$state" != "installed" ] || grep -qE ' (ERROR|CRITICAL) ' "$log"; then
    echo "the addon did not install from the wheel (state: ${state:-none}; log: $log)"
    exit 1
fi
echo "wheel check passed: calendar_cloud_sync installed from $(basename "$wheel")"
