from . import controllers, models, wizard


def uninstall_hook(env):
    """Settings saved from the form have no XML id: remove them (and the stored secrets)."""
    env["ir.config_parameter"].sudo().search([("key", "=like", "calendar_cloud_sync.%")]).unlink()
