"""Microsoft Graph change and lifecycle notifications: check, enqueue, answer at once.

Graph checks a notification URL by POSTing ``?validationToken=...`` and waits, while it
creates or renews the subscription, for the token echoed as ``text/plain``. The answer needs
nothing from the database, yet Odoo opens a cursor on the request's database before it even
matches a route (``Request._serve_db`` -> ``_open_registry``). That cursor may wait for what
the caller holds: in tests, the registry's test lock, which the job creating the
subscription holds while it waits for this very answer. So the handshake is answered in
front of ``_serve_db`` when the database's registry is loaded with this addon (no cursor, no
session); before the registry is loaded, the route answers it first thing.

Notifications are the model's ``_ccs_receive_microsoft_notifications``; the database is
picked as for any ``auth="none"`` route (see ``notify_google``).
"""

import json

from odoo import http
from odoo.http import request
from odoo.modules.registry import Registry

NOTIFY = "/calendar_cloud_sync/microsoft/notify"
LIFECYCLE = "/calendar_cloud_sync/microsoft/lifecycle"
# Graph's notifications without resource data are a few hundred bytes per item
MAX_BODY = 256 * 1024
MODEL = "calendar.sync.account"
# Graph's tokens are about a hundred characters; a longer one is not Graph's and is not echoed
MAX_VALIDATION_TOKEN = 1024


def _handshake_response(httprequest):
    """The echo of Graph's validation request, or None when this is not one."""
    token = httprequest.args.get("validationToken")
    if httprequest.method != "POST" or token is None:
        return None
    if len(token) > MAX_VALIDATION_TOKEN:
        return http.Response("", status=400)
    response = http.Response(token, status=200, content_type="text/plain; charset=utf-8")
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _body_too_large(httprequest):
    if httprequest.content_length is not None:
        return httprequest.content_length > MAX_BODY
    # a chunked body announces no length and would be read whole
    return "chunked" in (httprequest.headers.get("Transfer-Encoding") or "").lower()


_serve_db = http.Request._serve_db


def _serve_db_after_handshake(self):
    """``Request._serve_db``, except that Graph's handshake on our routes is answered before
    any cursor is opened, for databases whose loaded registry has this addon."""
    if self.httprequest.path in (NOTIFY, LIFECYCLE):
        registry = Registry.registries.get(self.db)
        response = _handshake_response(self.httprequest) if registry and MODEL in registry else None
        if response is not None:
            return response
    return _serve_db(self)


http.Request._serve_db = _serve_db_after_handshake


class CalendarCloudSyncMicrosoftNotify(http.Controller):
    @http.route(
        [NOTIFY, LIFECYCLE],
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
    def microsoft_notify(self, **_params):
        handshake = _handshake_response(request.httprequest)
        if handshake is not None:
            return handshake
        if _body_too_large(request.httprequest):
            return request.make_response("", status=413)
        try:
            payload = json.loads(request.httprequest.get_data())
        except (ValueError, RecursionError):
            return request.make_response("", status=400)
        status = request.env[MODEL].sudo()._ccs_receive_microsoft_notifications(payload)
        return request.make_response("", status=status)
