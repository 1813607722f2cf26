"""The providers' push notifications: check, enqueue, answer at once.

Neither provider sends a session cookie, so Odoo picks the database as for any
``auth="none"`` route: the only database the server exposes (``--database`` / ``db_name``),
or the one ``--db-filter`` selects for the request's host. The checks and the enqueuing are
``calendar.sync.account``'s ``_receive_google_notification`` and
``_receive_microsoft_notifications``.

Graph checks a notification URL by POSTing ``?validationToken=...`` and waits, while it
creates or renews the subscription, for the token echoed as ``text/plain``: the route answers
it first thing, before it reads the body or the database.
"""

import json

from odoo import http
from odoo.http import request

GOOGLE_NOTIFY = "/calendar_cloud_sync/google/notify"
MICROSOFT_NOTIFY = "/calendar_cloud_sync/microsoft/notify"
MICROSOFT_LIFECYCLE = "/calendar_cloud_sync/microsoft/lifecycle"
# Google's messages carry headers only; anything bigger is not from Google
GOOGLE_MAX_BODY = 16 * 1024
# Graph's notifications without resource data are a few hundred bytes per item
MICROSOFT_MAX_BODY = 256 * 1024
# Graph's tokens are about a hundred characters; a longer one is not Graph's and is not echoed
MAX_VALIDATION_TOKEN = 1024
MODEL = "calendar.sync.account"


def body_too_large(httprequest, max_body):
    """Whether a webhook body is bigger than its provider ever sends."""
    if httprequest.content_length is not None:
        return httprequest.content_length > max_body
    # a chunked body announces no length and would be read whole: neither provider sends one
    return "chunked" in (httprequest.headers.get("Transfer-Encoding") or "").lower()


def handshake_response(httprequest):
    """The echo of Graph's validation request, or None when this is not one."""
    token = httprequest.args.get("validationToken")
    if httprequest.method != "POST" or token is None:
        return None
    if len(token) > MAX_VALIDATION_TOKEN:
        return http.Response("", status=400)
    response = http.Response(token, status=200, content_type="text/plain; charset=utf-8")
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


WEBHOOK = {
    "type": "http",
    "auth": "none",
    "methods": ["POST"],
    "csrf": False,
    "save_session": False,
    # auth="none" routes default to a read-only cursor; enqueuing writes a queue.job row
    "readonly": False,
}


class CalendarCloudSyncWebhooks(http.Controller):
    # werkzeug refuses a bigger form body before Odoo parses it into parameters
    @http.route(GOOGLE_NOTIFY, max_content_length=GOOGLE_MAX_BODY, **WEBHOOK)
    def google_notify(self, **_params):
        if body_too_large(request.httprequest, GOOGLE_MAX_BODY):
            return request.make_response("", status=413)
        headers = request.httprequest.headers
        status = request.env[MODEL].sudo()._receive_google_notification(headers)
        return request.make_response("", status=status)

    @http.route(
        [MICROSOFT_NOTIFY, MICROSOFT_LIFECYCLE], max_content_length=MICROSOFT_MAX_BODY, **WEBHOOK
    )
    def microsoft_notify(self, **_params):
        handshake = handshake_response(request.httprequest)
        if handshake is not None:
            return handshake
        if body_too_large(request.httprequest, MICROSOFT_MAX_BODY):
            return request.make_response("", status=413)
        try:
            payload = json.loads(request.httprequest.get_data())
        except (ValueError, RecursionError):
            return request.make_response("", status=400)
        status = request.env[MODEL].sudo()._receive_microsoft_notifications(payload)
        return request.make_response("", status=status)
