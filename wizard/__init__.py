from . import calendar_sync_takeover
