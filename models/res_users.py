from odoo import _, api, fields, models
from odoo.exceptions import AccessError, ValidationError

VAULT_XMLID = "calendar_cloud_sync.group_token_vault"


class ResUsers(models.Model):
    _inherit = "res.users"

    cloud_sync_account_ids = fields.One2many(
        "calendar.sync.account", "user_id", string="Calendar Sync Accounts", readonly=True
    )

    @property
    def SELF_READABLE_FIELDS(self):
        return [*super().SELF_READABLE_FIELDS, "cloud_sync_account_ids"]

    @api.constrains("groups_id")
    def _check_token_vault_empty(self):
        vault = self.env.ref(VAULT_XMLID, raise_if_not_found=False)
        if vault and vault in self.groups_id:
            raise ValidationError(
                _("Nobody may join the token vault group: OAuth tokens stay unreadable.")
            )

    def action_cloud_sync_connect_google(self):
        return self._cloud_sync_connect_action("google")

    def action_cloud_sync_connect_microsoft(self):
        return self._cloud_sync_connect_action("microsoft")

    def _cloud_sync_connect_action(self, provider):
        self.ensure_one()
        # OAuth consent is given by the person logged in, for their own calendar only.
        if self != self.env.user:
            raise AccessError(_("You can only connect your own calendar."))
        return {
            "type": "ir.actions.act_url",
            "url": f"/calendar_cloud_sync/{provider}/connect",
            "target": "self",
        }
