"""Availability and booking over HTTP for booking assistants (DESIGN.md section 2).

``POST /calendar_cloud_sync/availability`` and ``/calendar_cloud_sync/book`` take a JSON
object whose keys are the keyword arguments of ``calendar.sync.availability.find_slots`` /
``book``, with an Odoo API key as ``Authorization: Bearer``, and answer the method's dict.
Bad input is a 400 with ``{"error"}``, a refusal a 403; the model decides everything else.
"""

import inspect
import json

from odoo import http
from odoo.exceptions import AccessError, UserError
from odoo.http import request

MAX_BODY = 64 * 1024
ROUTE = {
    "type": "http",
    "auth": "bearer",
    "methods": ["POST"],
    "csrf": False,
    "readonly": False,
    "save_session": False,
}


class CalendarCloudSyncAvailability(http.Controller):
    @http.route("/calendar_cloud_sync/availability", **ROUTE)
    def availability(self):
        return _call("find_slots")

    @http.route("/calendar_cloud_sync/book", **ROUTE)
    def book(self):
        return _call("book")


def _error(message, status):
    return request.make_json_response({"error": message}, status=status)


def _call(method_name):
    raw = request.httprequest.get_data(cache=False)
    if len(raw) > MAX_BODY:
        return _error("The request body is too large.", 413)
    try:
        kwargs = json.loads(raw or b"{}")
    except ValueError:
        return _error("The request body must be a JSON object.", 400)
    if not isinstance(kwargs, dict):
        return _error("The request body must be a JSON object.", 400)
    method = getattr(request.env["calendar.sync.availability"], method_name)
    try:
        inspect.signature(method).bind(**kwargs)
    except TypeError as exc:
        return _error(str(exc), 400)
    try:
        answer = method(**kwargs)
    except AccessError as exc:
        return _error(exc.args[0], 403)
    except UserError as exc:
        return _error(exc.args[0], 400)
    return request.make_json_response(answer)
