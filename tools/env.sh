# Shared locations for the tools/ scripts; every one can be overridden from the environment.
CCS_HOME=${CCS_HOME:-$HOME/.cache/calendar_cloud_sync}
ODOO_SRC=${ODOO_SRC:-$CCS_HOME/odoo-18.0}
CCS_VENV=${CCS_VENV:-$CCS_HOME/venv}
export CCS_HOME ODOO_SRC CCS_VENV
mkdir -p "$CCS_HOME"
