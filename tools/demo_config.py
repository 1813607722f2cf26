# Fed to `odoo-bin shell` by tools/run.sh: demo mode = the addon pointed at the local emulator
# with its demo OAuth clients, unless an admin configured real credentials already.
import os

from odoo.addons.calendar_cloud_sync.tools import emulator_settings

demo = emulator_settings.configure_demo_unless_configured(
    env,  # noqa: F821 - provided by odoo-bin shell
    os.environ["EMULATOR_URL"],
    os.environ["EMULATOR_TLS_URL"],
    os.environ["CA_FILE"],
    os.environ["ODOO_URL"],
)
env.cr.commit()  # noqa: F821
if demo:
    print("[demo] demo mode: Google and Microsoft point at the local emulator")
else:
    print("[demo] real OAuth credentials configured: demo mode left off")
