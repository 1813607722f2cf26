"""System parameters of the addon (DESIGN.md section 2) and their defaults."""

from ..services.webhook_address import webhook_problem

PREFIX = "calendar_cloud_sync."

ENDPOINT_DEFAULTS = {
    "google_auth_uri": "https://accounts.google.com/o/oauth2/v2/auth",
    "google_token_uri": "https://oauth2.googleapis.com/token",
    "google_api_uri": "https://www.googleapis.com",
    "microsoft_login_uri": "https://login.microsoftonline.com",
    "microsoft_graph_uri": "https://graph.microsoft.com",
}

DEFAULTS = {
    **ENDPOINT_DEFAULTS,
    "webhook_base_url": "",
    "sync_window_past_days": "365",
    "sync_window_future_days": "730",
    "log_retention_days": "90",
    "create_unknown_partners": "",
    "ca_bundle": "",
    "microsoft_tenant": "common",
    # a pull a notification asks for while one runs starts this long after it (seconds)
    "notification_delay_seconds": "2",
    # Google's default quota of requests per minute per user (every part of a batch counts)
    "google_operations_per_minute": "600",
    # how long a provider's free/busy answer serves availability questions (seconds)
    "availability_cache_seconds": "10",
}


def get_param(env, name):
    """The value of ``calendar_cloud_sync.<name>``; an empty or missing one means the default."""
    value = env["ir.config_parameter"].sudo().get_param(PREFIX + name)
    return value or DEFAULTS.get(name, "")


def get_int_param(env, name):
    """An integer parameter; a value that is not a positive integer means the default."""
    try:
        value = int(get_param(env, name))
    except ValueError:
        value = 0
    return value if value > 0 else int(DEFAULTS[name])


def webhook_base_url(env):
    """Where providers send notifications: the configured URL, else ``web.base.url``."""
    url = get_param(env, "webhook_base_url") or env["ir.config_parameter"].sudo().get_param(
        "web.base.url", ""
    )
    return url.rstrip("/")


def webhook_warning(env, url=None):
    """A sentence for the admin when providers cannot deliver push notifications to ``url``
    (default: the webhook address in use); empty when they can."""
    url = (url or webhook_base_url(env)).rstrip("/")
    if webhook_problem(url) is None:
        return ""
    return env._(
        "Push notifications cannot reach %(url)s: Google and Microsoft need a public HTTPS "
        "address. Until then, sync falls back to polling every 15 minutes.",
        url=url or "-",
    )
