"""Point an Odoo database's calendar_cloud_sync at an emulator: the system parameters of
DESIGN.md section 2, the CA of the emulator's TLS listener and its demo OAuth clients.

Used by the Odoo tests, the benchmarks and `make run`'s demo mode; it lives out of the
emulator, which knows nothing of Odoo, and out of the addon's runtime code."""

from ..emulator import google, microsoft


def emulator_parameters(base_url, tls_base_url, ca_file, odoo_url):
    return {
        "calendar_cloud_sync.google_auth_uri": f"{base_url}/google/o/oauth2/v2/auth",
        "calendar_cloud_sync.google_token_uri": f"{base_url}/google/token",
        "calendar_cloud_sync.google_api_uri": f"{base_url}/google",
        "calendar_cloud_sync.microsoft_login_uri": f"{tls_base_url}/microsoft/login",
        "calendar_cloud_sync.microsoft_graph_uri": f"{base_url}/microsoft/graph",
        "calendar_cloud_sync.webhook_base_url": odoo_url,
        "calendar_cloud_sync.ca_bundle": ca_file,
    }


def demo_credentials():
    return {
        "ccs_google_client_id": google.DEMO_CLIENT_ID,
        "ccs_google_client_secret": google.DEMO_CLIENT_SECRET,
        "ccs_microsoft_client_id": microsoft.DEMO_CLIENT_ID,
        "ccs_microsoft_client_secret": microsoft.DEMO_CLIENT_SECRET,
        "ccs_microsoft_tenant": microsoft.DEMO_TENANT,
    }


def configure(env, base_url, tls_base_url, ca_file, odoo_url):
    """Set the endpoints and the demo clients through the settings, as an admin would."""
    params = env["ir.config_parameter"].sudo()
    for key, value in emulator_parameters(base_url, tls_base_url, ca_file, odoo_url).items():
        params.set_param(key, value)
    env["res.config.settings"].sudo().create(demo_credentials()).execute()


def configure_demo_unless_configured(env, base_url, tls_base_url, ca_file, odoo_url):
    """Demo mode for `make run`: only when no real Google client is configured (the demo
    client counts as none). Returns whether demo mode is on."""
    configured = env["ir.config_parameter"].sudo().get_param("calendar_cloud_sync.google_client_id")
    if configured and configured != google.DEMO_CLIENT_ID:
        return False
    configure(env, base_url, tls_base_url, ca_file, odoo_url)
    env["ir.config_parameter"].sudo().set_param("web.base.url", odoo_url)
    return True
