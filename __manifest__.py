{
    "name": "Calendar Cloud Sync",
    "version": "18.0.1.2.0",
    "summary": "Two-way sync of Odoo Calendar with Google Calendar and Microsoft 365, "
    "with Google Meet and Teams meetings",
    "author": "calendar_cloud_sync developers",
    "license": "LGPL-3",
    "category": "Productivity/Calendar",
    "depends": ["calendar", "mail", "queue_job", "base_setup", "resource"],
    "external_dependencies": {
        # Distribution names: Odoo 18 checks them with importlib.metadata.
        "python": [
            "google-auth",
            "google-api-python-client",
            "msal",
            "cryptography",
            "requests",
            "python-dateutil",
            # CLDR's Windows time zone table (services/timezones.py); Odoo needs it too
            "Babel",
            # CLDR's table with its territories (IANA -> Windows), which Babel lacks
            "tzlocal",
        ],
    },
    "data": [
        "security/security.xml",
        "security/ir.model.access.csv",
        "data/ir_config_parameter.xml",
        "data/queue_job.xml",
        "data/ir_cron.xml",
        "views/calendar_sync_account_views.xml",
        "views/calendar_sync_binding_views.xml",
        "views/calendar_sync_conflict_views.xml",
        "views/calendar_sync_log_views.xml",
        "views/calendar_event_views.xml",
        "views/res_users_views.xml",
        "views/res_company_views.xml",
        "views/res_config_settings_views.xml",
        "views/menus.xml",
        "views/calendar_sync_mirror_views.xml",
        "views/calendar_event_conflict_views.xml",
        "views/sync_health_views.xml",
        "wizard/calendar_sync_takeover_views.xml",
        "wizard/calendar_sync_resync_views.xml",
        "wizard/calendar_sync_reconcile_views.xml",
        "wizard/calendar_sync_account_settings_views.xml",
    ],
    "demo": [
        "demo/calendar_event_demo.xml",
    ],
    "assets": {
        "web.assets_backend": [
            "calendar_cloud_sync/static/src/attendee_busy/**/*",
            "calendar_cloud_sync/static/src/conflict/**/*",
            "calendar_cloud_sync/static/src/reconcile/**/*",
        ],
        "web.assets_tests": [
            "calendar_cloud_sync/static/tests/tours/**/*",
        ],
    },
    "uninstall_hook": "uninstall_hook",
    "application": True,
    "installable": True,
}
