from . import (
    calendar_sync_account_settings,
    calendar_sync_reconcile,
    calendar_sync_resync,
    calendar_sync_takeover,
)
