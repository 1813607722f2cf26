# Shared locations for the tools/ scripts; every one can be overridden from the environment.
CCS_HOME=${CCS_HOME:-$HOME/.cache/calendar_cloud_sync}
ODOO_SRC=${ODOO_SRC:-$CCS_HOME/odoo-18.0}
CCS_VENV=${CCS_VENV:-$CCS_HOME/venv}
export CCS_HOME ODOO_SRC CCS_VENV
# google.api_core announces at import that it will drop Python 3.11 after 2027-10-24: nothing to
# act on here, and Odoo would log it with a stack trace at every start. An interpreter setting,
# not code of the addon (README "Install into your Odoo 18" says how admins silence it).
export PYTHONWARNINGS="${PYTHONWARNINGS:+$PYTHONWARNINGS,}ignore::FutureWarning:google.api_core._python_version_support"
mkdir -p "$CCS_HOME"
PY="$CCS_VENV/bin/python"
_repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# queue_job's wheel installs into site-packages/odoo/addons; our checkout is linked under
# its technical name in a folder of $CCS_HOME named after the checkout's path. The link must
# live outside the checkout: Odoo follows symlinks when it walks a module (translation
# export, file lists), and a link back to the checkout from inside it never ends.
CCS_ADDONS_LINK_DIR="$CCS_HOME/addons/$(printf %s "$_repo" | md5sum | cut -c1-12)"
ODOO_ADDONS="$ODOO_SRC/odoo/addons,$ODOO_SRC/addons,$CCS_VENV/lib/python3.11/site-packages/odoo/addons,$CCS_ADDONS_LINK_DIR"
odoo_bin() { "$PY" "$ODOO_SRC/odoo-bin" --addons-path="$ODOO_ADDONS" "$@"; }
free_port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
