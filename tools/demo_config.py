# Fed to `odoo-bin shell` by tools/run.sh: demo mode = the addon pointed at the local emulator
# with its demo OAuth clients, unless an admin configured real credentials already.
import os

from odoo.addons.calendar_cloud_sync.emulator import addon_config

params = env["ir.config_parameter"].sudo()  # noqa: F821 - provided by odoo-bin shell
if params.get_param("calendar_cloud_sync.google_client_id") in (
    None,
    "",
    addon_config.demo_credentials()["ccs_google_client_id"],
):
    addon_config.configure(
        env,  # noqa: F821
        os.environ["EMULATOR_URL"],
        os.environ["EMULATOR_TLS_URL"],
        os.environ["CA_FILE"],
        os.environ["ODOO_URL"],
    )
    params.set_param("web.base.url", os.environ["ODOO_URL"])
    env.cr.commit()  # noqa: F821
    print("[demo] demo mode: Google and Microsoft point at the local emulator")
else:
    print("[demo] real OAuth credentials configured: demo mode left off")
