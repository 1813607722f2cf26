from odoo import api, fields, models

from ..lib.secrets import encrypt_secret

SECRET_FIELDS = ("ccs_google_client_secret", "ccs_microsoft_client_secret")


class ResCompany(models.Model):
    _inherit = "res.company"

    ccs_google_client_id = fields.Char(
        "Google Client ID",
        groups="base.group_system",
        help="Overrides the Google OAuth client of the Calendar settings for this company.",
    )
    ccs_google_client_secret = fields.Char(
        "Google Client Secret",
        groups="base.group_system",
        copy=False,
        help="Stored encrypted; reading it gives the ciphertext, never the secret.",
    )
    ccs_microsoft_client_id = fields.Char(
        "Microsoft Client ID",
        groups="base.group_system",
        help="Overrides the Microsoft app registration of the Calendar settings for this company.",
    )
    ccs_microsoft_client_secret = fields.Char(
        "Microsoft Client Secret",
        groups="base.group_system",
        copy=False,
        help="Stored encrypted; reading it gives the ciphertext, never the secret.",
    )
    ccs_microsoft_tenant = fields.Char(
        "Microsoft Tenant",
        groups="base.group_system",
        help="Directory (tenant) ID or domain of this company; empty uses the global tenant.",
    )

    ccs_google_invitations = fields.Selection(
        [("odoo", "Odoo"), ("google", "Google Calendar")],
        "Google Guests Invited By",
        default="odoo",
        required=True,
        help="Who mails the guests of a meeting organized from Odoo by a user connected to "
        "Google: Odoo, or Google Calendar. A cancellation is always mailed by Google, Odoo "
        "has none to send. Outlook always mails guests itself, so Odoo never does for it.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        return super().create([self._ccs_encrypt_vals(vals) for vals in vals_list])

    def write(self, vals):
        return super().write(self._ccs_encrypt_vals(vals))

    @api.model
    def _ccs_encrypt_vals(self, vals):
        if not any(name in vals for name in SECRET_FIELDS):
            return vals
        vals = dict(vals)
        for name in SECRET_FIELDS:
            if name in vals:
                vals[name] = encrypt_secret(vals[name])
        return vals
