#!/usr/bin/env bash
# Idempotent set-up of everything `make run` and `make test` need on a Debian/Ubuntu machine:
# system packages, a running PostgreSQL with a role for this user, the Odoo 18 source,
# a virtualenv with Odoo's requirements, queue_job and the addon's dependencies, and an
# addons directory that holds this checkout under its technical name.
# Everything it makes lives in $CCS_HOME (default ~/.cache/calendar_cloud_sync) or in the
# checkout's .build/ folder (git-ignored), so a second run only checks and returns in seconds.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=tools/env.sh
source "$here/tools/env.sh"

log() { printf '[setup] %s\n' "$*" >&2; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# --- system packages -------------------------------------------------------------
need_pkgs=()
for pkg in postgresql libpq-dev libldap2-dev libsasl2-dev build-essential python3-dev git chromium gettext; do
    dpkg -s "$pkg" >/dev/null 2>&1 || need_pkgs+=("$pkg")
done
if [ ${#need_pkgs[@]} -gt 0 ]; then
    log "installing system packages: ${need_pkgs[*]}"
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${need_pkgs[@]}" >/dev/null
fi

# --- PostgreSQL --------------------------------------------------------------------
if ! pg_isready -q 2>/dev/null; then
    log "starting PostgreSQL"
    cluster=$(pg_lsclusters --no-header 2>/dev/null | awk 'NR==1 {print $1" "$2}')
    if [ -z "$cluster" ]; then
        ver=$(ls /usr/lib/postgresql | sort -n | tail -1)
        as_root pg_createcluster "$ver" main >/dev/null
        cluster="$ver main"
    fi
    # shellcheck disable=SC2086
    as_root pg_ctlcluster $cluster start
    for _ in $(seq 1 30); do pg_isready -q && break; sleep 0.5; done
fi
db_user=${PGUSER:-$(id -un)}
if ! as_root su postgres -c "psql -tAc \"SELECT 1 FROM pg_roles WHERE rolname='$db_user'\"" | grep -q 1; then
    log "creating PostgreSQL role $db_user"
    as_root su postgres -c "createuser --superuser '$db_user'"
fi

# --- Odoo source -------------------------------------------------------------------
if [ ! -f "$ODOO_SRC/odoo-bin" ]; then
    log "no Odoo source at $ODOO_SRC: cloning odoo/odoo branch 18.0 (shallow)"
    mkdir -p "$(dirname "$ODOO_SRC")"
    git clone --depth 1 --branch 18.0 https://github.com/odoo/odoo.git "$ODOO_SRC"
fi

# --- virtualenv --------------------------------------------------------------------
# The stamp covers everything that decides the venv's content; a change rebuilds it.
stamp_src=$(cat "$ODOO_SRC/requirements.txt" "$here/tools/constraints.txt" "$here/tools/requirements.txt"; echo "$ODOO_SRC")
stamp=$(printf '%s' "$stamp_src" | sha256sum | cut -c1-16)
if [ ! -f "$CCS_VENV/.stamp-$stamp" ]; then
    log "building virtualenv $CCS_VENV (a few minutes the first time)"
    [ -x "$CCS_VENV/bin/python" ] || python3 -m venv "$CCS_VENV"
    pip=("$CCS_VENV/bin/python" -m pip install -q --disable-pip-version-check)
    "${pip[@]}" --upgrade "pip<25" wheel "setuptools<81"
    # Odoo pins old cryptography/pyopenssl/urllib3 for 3.11; our constraints win, so drop those lines.
    pinned=$(grep -oE '^[A-Za-z0-9_.-]+' "$here/tools/constraints.txt" | tr '\n' '|' | sed 's/|$//')
    grep -viE "^($pinned)[ =<>;]" "$ODOO_SRC/requirements.txt" > "$CCS_HOME/odoo-requirements.txt"
    PIP_CONSTRAINT="$here/tools/build-constraints.txt" \
        "${pip[@]}" -r "$CCS_HOME/odoo-requirements.txt" -c "$here/tools/constraints.txt"
    # compat mode: queue_job's wheel ships an odoo/ folder that would hide a PEP 660 editable source
    "${pip[@]}" -e "$ODOO_SRC" --config-settings editable_mode=compat -c "$here/tools/constraints.txt"
    "${pip[@]}" -r "$here/tools/requirements.txt" -c "$here/tools/constraints.txt"
    rm -f "$CCS_VENV"/.stamp-*
    touch "$CCS_VENV/.stamp-$stamp"
fi

# --- reference models (tests only) -------------------------------------------------
# Microsoft's Graph SDK is the judge of the Graph emulator's bodies; its wheel is read as
# source by tools/graph_models.py and never installed (390 MB, and aiohttp/httpx/azure).
ref_sdk=$("$CCS_VENV/bin/python" -c "import sys; sys.path.insert(0, '$here/tools'); import graph_models as g; print(g.SDK, g.default_wheel())")
if [ ! -f "${ref_sdk#* }" ]; then
    log "downloading ${ref_sdk%% *} (test reference, not installed)"
    "$CCS_VENV/bin/python" -m pip download -q --disable-pip-version-check --no-deps \
        -d "$(dirname "${ref_sdk#* }")" "${ref_sdk%% *}" || log "could not download ${ref_sdk%% *}"
fi

# --- addons path -------------------------------------------------------------------
rm -rf "$here/.build/addons"  # older checkouts linked themselves from inside (see env.sh)
mkdir -p "$CCS_ADDONS_LINK_DIR"
ln -sfn "$here" "$CCS_ADDONS_LINK_DIR/calendar_cloud_sync"
log "ready: odoo=$ODOO_SRC venv=$CCS_VENV"
