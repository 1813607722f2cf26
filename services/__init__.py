"""Provider clients and sync logic in plain Python: nothing here imports odoo."""

import warnings

# google.api_core warns at import that it will drop Python 3.11 after its end of life (2027):
# nothing an admin can act on, and Odoo would log it with a full stack trace at every start
warnings.filterwarnings("ignore", category=FutureWarning, module="google.api_core")
