from . import (
    calendar_event,
    calendar_sync_account,
    calendar_sync_binding,
    calendar_sync_conflict,
    calendar_sync_log,
    res_company,
    res_config_settings,
    res_groups,
    res_users,
    sync_account_connect,
)
