"""Graph change notifications: subscriptions with the validation handshake, change and
lifecycle notifications posted through the emulator's notifier."""

import datetime as dt
import json
import secrets
import uuid
from urllib.parse import quote

import requests
from werkzeug.wrappers import Response

from .microsoft_identity import tenant_guid
from .microsoft_schema import SUBSCRIPTION, validate
from .microsoft_store import GraphError, etag, iso, now, parse_datetime
from .provider import json_response

MAX_MINUTES = 10080
MAX_CLIENT_STATE = 128
CHANGE_TYPES = ("created", "updated", "deleted")
LIFECYCLE_EVENTS = ("reauthorizationRequired", "subscriptionRemoved", "missed")
HANDSHAKE_TIMEOUT = 10


def _invalid(message):
    return GraphError(400, "InvalidRequest", message)


class GraphSubscriptions:
    """Mixin of MicrosoftEmulator: ``/graph/v1.0/subscriptions``."""

    def _reset_subscriptions(self):
        self.subscriptions = {}
        # Graph waits 10 s for the validation answer; tests shorten it
        self.handshake_timeout = HANDSHAKE_TIMEOUT

    def send_lifecycle_event(self, subscription_id, event):
        """Post a lifecycle notification; ``subscriptionRemoved`` also removes it."""
        if event not in LIFECYCLE_EVENTS:
            raise ValueError(f"unknown lifecycle event {event}")
        with self.emu.lock:
            sub = self.subscriptions[subscription_id]
            if event == "subscriptionRemoved":
                del self.subscriptions[subscription_id]
            if not sub.get("lifecycleNotificationUrl"):
                return None
            item = {
                "subscriptionId": sub["id"],
                "subscriptionExpirationDateTime": self._offset_time(sub["_expires"]),
                "tenantId": sub["_tenant_id"],
                "clientState": sub.get("clientState"),
                "lifecycleEvent": event,
            }
            if event == "missed":
                item["resource"] = sub["resource"]
            return self.emu.notifier.send(
                sub["lifecycleNotificationUrl"],
                {"Content-Type": "application/json"},
                json.dumps({"value": [item]}).encode(),
                tag=f"microsoft:lifecycle:{event}",
            )

    def expire_subscriptions(self, email=None):
        """Subscriptions past their expiration: no more notifications, 404 on renew."""
        with self.emu.lock:
            for sub in self.subscriptions.values():
                if email in (None, sub["_email"]):
                    sub["_expires"] = now() - dt.timedelta(seconds=1)

    def on_subscriptions_create(self, request, user):
        body = self._json(request)
        body = validate(body, SUBSCRIPTION)
        for name in ("changeType", "notificationUrl", "resource", "expirationDateTime"):
            if not body.get(name):
                raise _invalid(f"The '{name}' property is required.")
        kinds = [k.strip() for k in body["changeType"].split(",")]
        if not kinds or any(k not in CHANGE_TYPES for k in kinds):
            raise _invalid(f"Invalid changeType '{body['changeType']}'.")
        if len(body.get("clientState") or "") > MAX_CLIENT_STATE:
            raise _invalid(f"clientState must not exceed {MAX_CLIENT_STATE} characters.")
        expires = self._expiration(body["expirationDateTime"])
        with self.emu.lock:
            holder, cal = self._subscribed_calendar(user, body["resource"])
        # the handshakes run without the lock: the receiver may call the emulator back
        self._handshake(body["notificationUrl"])
        if body.get("lifecycleNotificationUrl"):
            self._handshake(body["lifecycleNotificationUrl"])
        token = request.environ["emulator.microsoft.token"]
        sub = {
            "id": str(uuid.uuid4()),
            "resource": body["resource"],
            "applicationId": token["client_id"],
            "changeType": ",".join(kinds),
            "clientState": body.get("clientState"),
            "notificationUrl": body["notificationUrl"],
            "lifecycleNotificationUrl": body.get("lifecycleNotificationUrl"),
            "creatorId": user.oid,
            "latestSupportedTlsVersion": body.get("latestSupportedTlsVersion") or "v1_2",
            "includeResourceData": False,
            "_expires": expires,
            "_email": user.email,
            "_cal": cal["id"],
            # the mailbox whose changes it reports (the owner's, for a shared calendar)
            "_box": holder.user.email,
            "_tenant_id": tenant_guid(user.tenant),
        }
        with self.emu.lock:
            self.subscriptions[sub["id"]] = sub
            return json_response(self._render_subscription(sub), 201)

    def on_subscriptions_list(self, request, user):
        with self.emu.lock:
            subs = [
                self._render_subscription(s)
                for s in self.subscriptions.values()
                if s["_email"] == user.email and s["_expires"] > now()
            ]
        return json_response({"value": subs})

    def on_subscriptions_get(self, request, user, sub_id):
        with self.emu.lock:
            return json_response(self._render_subscription(self._subscription(user, sub_id)))

    def on_subscriptions_update(self, request, user, sub_id):
        body = self._json(request)
        body = validate(body, SUBSCRIPTION)
        if set(body) - {"expirationDateTime", "notificationUrl"}:
            raise _invalid("Only expirationDateTime and notificationUrl can be updated.")
        with self.emu.lock:
            self._subscription(user, sub_id)
        if body.get("notificationUrl"):
            self._handshake(body["notificationUrl"])
        expires = (
            self._expiration(body["expirationDateTime"]) if body.get("expirationDateTime") else None
        )
        with self.emu.lock:
            sub = self._subscription(user, sub_id)
            if expires:
                sub["_expires"] = expires
            if body.get("notificationUrl"):
                sub["notificationUrl"] = body["notificationUrl"]
            return json_response(self._render_subscription(sub))

    def on_subscriptions_delete(self, request, user, sub_id):
        with self.emu.lock:
            self._subscription(user, sub_id)
            del self.subscriptions[sub_id]
        return Response(status=204)

    def on_subscriptions_reauthorize(self, request, user, sub_id):
        with self.emu.lock:
            self._subscription(user, sub_id)
        return Response(status=204)

    def _subscription(self, user, sub_id):
        sub = self.subscriptions.get(sub_id)
        if sub is None or sub["_email"] != user.email or sub["_expires"] <= now():
            raise GraphError(404, "ResourceNotFound", "The object was not found.")
        return sub

    @staticmethod
    def _expiration(value):
        try:
            moment = parse_datetime(value, "expirationDateTime")
        except GraphError as exc:
            raise _invalid("expirationDateTime is not a valid date time.") from exc
        moment = moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
        if moment <= now():
            raise _invalid("Subscription expiration can only be in the future.")
        if moment > now() + dt.timedelta(minutes=MAX_MINUTES):
            raise _invalid(
                f"Subscription expiration can only be {MAX_MINUTES} minutes in the future."
            )
        return moment

    def _subscribed_calendar(self, user, resource):
        """(mailbox holding the calendar, calendar) a subscription's resource names."""
        box = self.mailboxes[user.email]
        parts = [p for p in resource.strip("/").split("/") if p]
        lowered = [p.lower() for p in parts]
        if lowered in (["me", "events"], ["me", "calendar", "events"]):
            return box, box.calendar()
        if len(parts) == 4 and lowered[:2] == ["me", "calendars"] and lowered[3] == "events":
            box, _link = self._box_for(user, parts[2])
            return box, box.calendar(parts[2])
        raise _invalid(f"Resource '{resource}' is not supported for change notifications.")

    def _handshake(self, url):
        token = (
            "Validation: Testing client application reachability for subscription "
            f"Request-Id: {uuid.uuid4()} {secrets.token_hex(4)}"
        )
        target = f"{url}{'&' if '?' in url else '?'}validationToken={quote(token)}"
        try:
            resp = self.emu.notifier.post_sync(
                target, {"Content-Type": "text/plain"}, timeout=self.handshake_timeout
            )
        except requests.RequestException as exc:
            raise GraphError(
                400,
                "ValidationError",
                "Subscription validation request failed. "
                f"Notification endpoint must respond with 200 OK to validation "
                f"request ({type(exc).__name__}).",
            ) from exc
        if resp.status_code != 200:
            raise GraphError(
                400,
                "ValidationError",
                "Subscription validation request failed. "
                "Notification endpoint must respond with 200 OK to validation "
                f"request (got {resp.status_code}).",
            )
        if not resp.headers.get("Content-Type", "").startswith("text/plain"):
            raise GraphError(
                400,
                "ValidationError",
                "Subscription validation request failed. Response must be text/plain.",
            )
        if resp.text != token:
            raise GraphError(
                400,
                "ValidationError",
                "Subscription validation request failed. "
                "Response must exactly match validationToken query parameter.",
            )

    @staticmethod
    def _offset_time(moment):
        return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "+00:00"

    def _render_subscription(self, sub):
        out = {k: v for k, v in sub.items() if not k.startswith("_")}
        out["expirationDateTime"] = iso(sub["_expires"])
        return out

    def _notify_change(self, box, cal, event_id, change_type):
        """POST a change notification to each live subscription on this calendar."""
        for sub in self.subscriptions.values():
            if (
                sub.get("_box", sub["_email"]) != box.user.email
                or sub["_cal"] != cal["id"]
                or change_type not in sub["changeType"].split(",")
                or sub["_expires"] <= now()
            ):
                continue
            resource = f"Users/{box.user.oid}/Events/{event_id}"
            data = {"@odata.type": "#Microsoft.Graph.Event", "@odata.id": resource, "id": event_id}
            record = box.events.get(event_id)
            if record is not None and change_type != "deleted":
                data["@odata.etag"] = etag(record["changeKey"])
            item = {
                "subscriptionId": sub["id"],
                "subscriptionExpirationDateTime": self._offset_time(sub["_expires"]),
                "changeType": change_type,
                "resource": resource,
                "resourceData": data,
                "clientState": sub.get("clientState"),
                "tenantId": sub["_tenant_id"],
            }
            self.emu.notifier.send(
                sub["notificationUrl"],
                {"Content-Type": "application/json"},
                json.dumps({"value": [item]}).encode(),
                tag=f"microsoft:{change_type}",
            )
