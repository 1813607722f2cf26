"""OAuth start and callback: validate, delegate to the account model, redirect."""

from werkzeug.exceptions import BadRequest, NotFound

from odoo import http
from odoo.http import request

from ..services.oauth_state import InvalidState

PROVIDERS = ("google", "microsoft")
# says how the connection went, then opens the calendar (data: action_ccs_connect_done)
LANDING_URL = "/odoo/calendar-sync-connected"


class CalendarCloudSyncOAuth(http.Controller):
    @http.route(
        "/calendar_cloud_sync/<string:provider>/connect", type="http", auth="user", methods=["GET"]
    )
    def connect(self, provider, **kwargs):
        if provider not in PROVIDERS:
            raise NotFound()
        url = request.env["calendar.sync.account"]._begin_connect(provider)
        return request.redirect(url, local=False)

    @http.route(
        "/calendar_cloud_sync/<string:provider>/callback",
        type="http",
        auth="user",
        methods=["GET"],
    )
    def callback(self, provider, **params):
        if provider not in PROVIDERS:
            raise NotFound()
        try:
            request.env["calendar.sync.account"]._finish_connect(provider, params)
        except InvalidState as exc:
            raise BadRequest(
                "This connection request is invalid or has expired. "
                "Start again from Preferences > Calendar sync."
            ) from exc
        return request.redirect(LANDING_URL)
