"""Push notifications: events.watch channels, channels.stop, and the messages they POST.

A new channel first receives a ``sync`` message, then one ``exists`` message per API call
that changed the watched calendar, with the headers Google sends and an empty body.
"""

import hashlib
import time
from dataclasses import dataclass
from email.utils import formatdate
from urllib.parse import quote, urlsplit

from werkzeug.wrappers import Response

from .google_discovery import check_channel
from .google_store import ApiError, invalid, required
from .provider import json_response

DEFAULT_TTL = 604800


@dataclass
class Channel:
    id: str
    owner: str
    calendar_id: str
    resource_id: str
    resource_uri: str
    address: str
    token: str | None
    expiration_ms: int
    number: int = 0
    # who opened it (the owner, or a user the calendar is shared with): who may stop it
    holder: str = ""

    @property
    def expired(self):
        return time.time() * 1000 >= self.expiration_ms


class PushMixin:
    # -- test hooks ------------------------------------------------------------------
    def channels_of(self, email):
        with self.emu.lock:
            return [c for c in self.channels.values() if c.owner == email.lower()]

    # -- delivery --------------------------------------------------------------------
    def _changed(self, calendar):
        """Remember that the current API call changed this calendar (one message per call)."""
        self._dirty[(calendar.owner, calendar.id)] = calendar

    def _notify(self, owner, calendar_id):
        for channel in list(self.channels.values()):
            if channel.owner != owner or channel.calendar_id != calendar_id:
                continue
            if channel.expired:
                del self.channels[channel.id]
                continue
            self._post(channel, "exists")

    def _post(self, channel, state):
        channel.number += 1
        headers = {
            "X-Goog-Channel-ID": channel.id,
            "X-Goog-Channel-Expiration": formatdate(channel.expiration_ms / 1000, usegmt=True),
            "X-Goog-Resource-ID": channel.resource_id,
            "X-Goog-Resource-URI": channel.resource_uri,
            "X-Goog-Resource-State": state,
            "X-Goog-Message-Number": str(channel.number),
        }
        if channel.token is not None:
            headers["X-Goog-Channel-Token"] = channel.token
        self.emu.notifier.send(channel.address, headers, b"", tag=f"google:{channel.id}")

    # -- handlers --------------------------------------------------------------------
    def on_events_watch(self, request, calendarId):
        box, calendar = self._calendar_for(request, calendarId)
        holder = self._bearer(request)["email"]
        body = self._json_body(request)
        if not isinstance(body, dict):
            raise ApiError(400, "parseError", "Parse Error")
        check_channel(body)
        for name in ("id", "type", "address"):
            if not body.get(name):
                raise required(f"Required {name}.", name)
        if body["type"] not in ("web_hook", "webhook"):
            raise invalid(f"Invalid value for: type {body['type']}", "type")
        if urlsplit(str(body["address"])).scheme not in ("http", "https"):
            raise ApiError(
                400,
                "push.webhookUrlUnauthorized",
                f"Unauthorized WebHook callback channel: {body['address']}",
                domain="push",
            )
        existing = self.channels.get(body["id"])
        if existing is not None and not existing.expired:
            raise ApiError(400, "channelIdNotUnique", "Channel id not unique", domain="push")
        try:
            ttl = int((body.get("params") or {}).get("ttl", DEFAULT_TTL))
        except (TypeError, ValueError) as exc:
            raise invalid("Invalid value for: params.ttl", "params.ttl") from exc
        expiration = int((time.time() + max(ttl, 1)) * 1000)
        if body.get("expiration"):
            expiration = min(expiration, int(body["expiration"]))
        resource_id = hashlib.sha256(f"{box.email}/{calendar.id}".encode()).hexdigest()[:27]
        channel = Channel(
            id=body["id"],
            owner=box.email,
            calendar_id=calendar.id,
            resource_id=resource_id,
            resource_uri=f"{self.emu.base_url}/google/calendar/v3/calendars/"
            f"{quote(calendar.id, safe='@')}/events?alt=json",
            address=body["address"],
            token=body.get("token"),
            expiration_ms=expiration,
            holder=holder,
        )
        self.channels[channel.id] = channel
        self._post(channel, "sync")
        answer = {
            "kind": "api#channel",
            "id": channel.id,
            "resourceId": resource_id,
            "resourceUri": channel.resource_uri,
            "expiration": str(expiration),
        }
        if channel.token is not None:
            answer["token"] = channel.token
        return json_response(answer)

    def on_channels_stop(self, request):
        record = self._bearer(request)
        body = self._json_body(request)
        if not isinstance(body, dict):
            raise ApiError(400, "parseError", "Parse Error")
        check_channel(body)
        channel = self.channels.get(body.get("id"))
        if (
            channel is None
            or (channel.holder or channel.owner) != record["email"]
            or channel.resource_id != body.get("resourceId")
        ):
            raise ApiError(404, "notFound", f"Channel '{body.get('id')}' not found for project")
        del self.channels[channel.id]
        return Response(status=204)
