from odoo import _, api, fields, models
from odoo.exceptions import AccessError, ValidationError

from ..lib.native_sync import native_warnings

VAULT_XMLID = "calendar_cloud_sync.group_token_vault"
CCS_PREFERENCE_FIELDS = (
    "cloud_sync_default_meeting",
    "cloud_sync_private_events",
    "cloud_sync_outlook_existing_meetings",
)


class ResUsers(models.Model):
    _inherit = "res.users"

    cloud_sync_account_ids = fields.One2many(
        "calendar.sync.account", "user_id", string="Calendar Sync Accounts", readonly=True
    )
    cloud_sync_mirror_ids = fields.One2many(
        "calendar.sync.mirror",
        "user_id",
        string="Busy Mirroring",
        help="Your busy time from a source written as blocks into another calendar.",
    )
    cloud_sync_connected_providers = fields.Char(
        "Connected Providers",
        compute="_compute_cloud_sync_connected_providers",
        help="Providers with an account that is connected or needs the user (Reconnect).",
    )
    cloud_sync_default_meeting = fields.Selection(
        [
            ("none", "No online meeting"),
            ("odoo", "Add an Odoo video call"),
            ("google_meet", "Add a Google Meet"),
            ("teams", "Add a Teams meeting"),
        ],
        string="Online Meeting on New Events",
        default="none",
        required=True,
        help="What new events you organize get when nobody chose an online meeting for them.",
    )
    cloud_sync_private_events = fields.Selection(
        [
            ("sync", "Sync them"),
            ("busy", "Sync them as busy only"),
            ("skip", "Don't sync them"),
        ],
        string="Private Events",
        default="sync",
        required=True,
        help="Busy only: your connected calendars get a 'Busy' block at the same time, without "
        "title, description, location or attendees.",
    )

    cloud_sync_outlook_existing_meetings = fields.Selection(
        [
            ("busy", "Copy them as busy time, without guests"),
            ("send", "Send them with their guests"),
        ],
        string="Meetings Already Planned, When Connecting Outlook",
        default="busy",
        required=True,
        help="Outlook mails the guests of every meeting it receives and cannot be told not to. "
        "Busy time: your Outlook calendar shows the meeting without its guests, nobody is "
        "mailed; your next change to it sends it to its guests. Send: each guest gets "
        "Outlook's invitation again.",
    )

    cloud_sync_native_warning = fields.Text(compute="_compute_cloud_sync_native_warning")

    @property
    def SELF_READABLE_FIELDS(self):
        return [
            *super().SELF_READABLE_FIELDS,
            *CCS_PREFERENCE_FIELDS,
            "cloud_sync_account_ids",
            "cloud_sync_mirror_ids",
            "cloud_sync_connected_providers",
            "cloud_sync_native_warning",
        ]

    @api.depends("cloud_sync_account_ids.state")
    def _compute_cloud_sync_connected_providers(self):
        for user in self:
            accounts = user.sudo().cloud_sync_account_ids.filtered(
                lambda a: a.state not in ("draft", "error", "disconnected")
            )
            user.cloud_sync_connected_providers = ",".join(sorted(set(accounts.mapped("provider"))))

    @property
    def SELF_WRITEABLE_FIELDS(self):
        # the rules' constraints keep them between the user's own calendars
        return [*super().SELF_WRITEABLE_FIELDS, *CCS_PREFERENCE_FIELDS, "cloud_sync_mirror_ids"]

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

    def _compute_cloud_sync_native_warning(self):
        for user in self:
            user.cloud_sync_native_warning = native_warnings(self.env, user) or False
