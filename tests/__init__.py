from . import (
    test_bindings,
    test_calendar_event,
    test_connect,
    test_demo_mode,
    test_neutralize,
    test_preferences,
    test_rpc_token_access,
    test_security,
    test_settings,
    test_sync_log,
    test_ui,
)
