"""Google Calendar push notifications (``events.watch``): check, enqueue, answer at once.

Google sends no session cookie, so Odoo picks the database as for any ``auth="none"``
route: the only database the server exposes (``--database`` / ``db_name``), or the one
``--db-filter`` selects for the request's host. The checks and the enqueuing are
``calendar.sync.account._ccs_receive_google_notification``.
"""

from odoo import http
from odoo.http import request

# Google's messages carry headers only; anything bigger is not from Google
MAX_BODY = 16 * 1024


def _body_too_large(httprequest):
    if httprequest.content_length is not None:
        return httprequest.content_length > MAX_BODY
    # a chunked body announces no length: Google never sends one
    return "chunked" in (httprequest.headers.get("Transfer-Encoding") or "").lower()


class CalendarCloudSyncGoogleNotify(http.Controller):
    @http.route(
        "/calendar_cloud_sync/google/notify",
        type="http",
        auth="none",
        methods=["POST"],
        csrf=False,
        save_session=False,
        # auth="none" routes default to a read-only cursor; enqueuing writes a queue.job row
        readonly=False,
        # werkzeug refuses a bigger form body before Odoo parses it into parameters
        max_content_length=MAX_BODY,
    )
    def google_notify(self, **_params):
        if _body_too_large(request.httprequest):
            return request.make_response("", status=413)
        status = (
            request.env["calendar.sync.account"]
            .sudo()
            ._ccs_receive_google_notification(request.httprequest.headers)
        )
        return request.make_response("", status=status)
