from odoo import _, api, models
from odoo.exceptions import ValidationError

from .res_users import VAULT_XMLID


class ResGroups(models.Model):
    _inherit = "res.groups"

    @api.constrains("users", "implied_ids")
    def _check_token_vault_empty(self):
        vault = self.env.ref(VAULT_XMLID, raise_if_not_found=False)
        if not vault:
            return
        if vault.users or vault in self.trans_implied_ids:
            raise ValidationError(
                _("Nobody may join the token vault group: OAuth tokens stay unreadable.")
            )
