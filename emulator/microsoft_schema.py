"""Request body checks of the Graph emulator: unknown properties and wrong types are a 400.

Graph's OData reader rejects a property the type does not define and a value of the wrong
JSON type with ``RequestBodyRead``; the emulator does the same so a mapper bug shows up in
tests instead of being silently ignored.
"""

from .microsoft_store import GraphError


class Enum:
    def __init__(self, *values):
        self.values = values


class ListOf:
    def __init__(self, item):
        self.item = item


EMAIL_ADDRESS = {"name": str, "address": str}
DATE_TIME_TIME_ZONE = {"dateTime": str, "timeZone": str}
RESPONSE = Enum("none", "organizer", "tentativelyAccepted", "accepted", "declined", "notResponded")
WEEKDAY = Enum("sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday")
ADDRESS = {"street": str, "city": str, "state": str, "countryOrRegion": str, "postalCode": str}
LOCATION = {
    "displayName": str,
    "locationType": str,
    "uniqueId": str,
    "uniqueIdType": str,
    "locationEmailAddress": str,
    "locationUri": str,
    "address": ADDRESS,
    "coordinates": {
        "latitude": float,
        "longitude": float,
        "accuracy": float,
        "altitude": float,
        "altitudeAccuracy": float,
    },
}
ATTENDEE = {
    "emailAddress": EMAIL_ADDRESS,
    "type": Enum("required", "optional", "resource"),
    "status": {"response": RESPONSE, "time": str},
    "proposedNewTime": {"start": DATE_TIME_TIME_ZONE, "end": DATE_TIME_TIME_ZONE},
}
RECURRENCE = {
    "pattern": {
        "type": Enum(
            "daily",
            "weekly",
            "absoluteMonthly",
            "relativeMonthly",
            "absoluteYearly",
            "relativeYearly",
        ),
        "interval": int,
        "month": int,
        "dayOfMonth": int,
        "daysOfWeek": ListOf(WEEKDAY),
        "firstDayOfWeek": WEEKDAY,
        "index": Enum("first", "second", "third", "fourth", "last"),
    },
    "range": {
        "type": Enum("endDate", "noEnd", "numbered"),
        "startDate": str,
        "endDate": str,
        "recurrenceTimeZone": str,
        "numberOfOccurrences": int,
    },
}
EVENT = {
    "subject": str,
    "body": {"contentType": Enum("text", "html"), "content": str},
    "start": DATE_TIME_TIME_ZONE,
    "end": DATE_TIME_TIME_ZONE,
    "isAllDay": bool,
    "location": LOCATION,
    "locations": ListOf(LOCATION),
    "attendees": ListOf(ATTENDEE),
    "organizer": {"emailAddress": EMAIL_ADDRESS},
    "showAs": Enum("free", "tentative", "busy", "oof", "workingElsewhere", "unknown"),
    "sensitivity": Enum("normal", "personal", "private", "confidential"),
    "importance": Enum("low", "normal", "high"),
    "categories": ListOf(str),
    "isReminderOn": bool,
    "reminderMinutesBeforeStart": int,
    "responseRequested": bool,
    "allowNewTimeProposals": bool,
    "hideAttendees": bool,
    "isOnlineMeeting": bool,
    "onlineMeetingProvider": Enum(
        "unknown", "teamsForBusiness", "skypeForBusiness", "skypeForConsumer"
    ),
    "recurrence": RECURRENCE,
    "transactionId": str,
    "originalStartTimeZone": str,
    "originalEndTimeZone": str,
    "isDraft": bool,
}
# computed by the server: accepted in a body (clients echo what they read) and ignored
EVENT_READ_ONLY = {
    "id",
    "createdDateTime",
    "lastModifiedDateTime",
    "changeKey",
    "iCalUId",
    "uid",
    "webLink",
    "seriesMasterId",
    "type",
    "isOrganizer",
    "responseStatus",
    "onlineMeeting",
    "onlineMeetingUrl",
    "bodyPreview",
    "hasAttachments",
    "originalStart",
    "isCancelled",
}
SUBSCRIPTION = {
    "changeType": str,
    "notificationUrl": str,
    "lifecycleNotificationUrl": str,
    "resource": str,
    "expirationDateTime": str,
    "clientState": str,
    "latestSupportedTlsVersion": str,
    "includeResourceData": bool,
    "notificationQueryOptions": str,
    "notificationUrlAppId": str,
    "encryptionCertificate": str,
    "encryptionCertificateId": str,
}
SUBSCRIPTION_READ_ONLY = {"id", "applicationId", "creatorId"}
RESPONSE_ACTION = {
    "comment": str,
    "sendResponse": bool,
    "proposedNewTime": {"start": DATE_TIME_TIME_ZONE, "end": DATE_TIME_TIME_ZONE},
}

_EDM = {str: "Edm.String", bool: "Edm.Boolean", int: "Edm.Int32", float: "Edm.Double"}


def _fail(message):
    raise GraphError(400, "RequestBodyRead", message)


def validate(value, schema, type_name, read_only=frozenset()):
    """``value`` with Graph's own spelling of names and enum members; a 400
    ``RequestBodyRead`` GraphError when it does not fit ``schema``.

    Graph's OData reader matches property names and enum members case-insensitively
    (``"contentType": "HTML"``, ``"SendResponse"``), so the emulator does too, and the
    handlers then only ever see the canonical spelling.
    """
    if value is None:
        return None
    if isinstance(schema, dict):
        if not isinstance(value, dict):
            _fail(
                "An unexpected 'PrimitiveValue' node was found when reading from the JSON "
                "reader. A 'StartObject' node was expected."
            )
        names = {name.lower(): name for name in (*schema, *read_only)}
        clean = {}
        for key, item in value.items():
            if key.startswith("@odata."):
                clean[key] = item
                continue
            name = names.get(key.lower())
            if name is None:
                _fail(
                    f"The property '{key}' does not exist on type '{type_name}'. Make sure "
                    "to only use property names that are defined by the type or mark the "
                    "type as open type."
                )
            clean[name] = (
                item if name not in schema else validate(item, schema[name], f"{type_name}.{name}")
            )
        return clean
    if isinstance(schema, ListOf):
        if not isinstance(value, list):
            _fail(
                "An unexpected 'StartObject' node was found when reading from the JSON "
                "reader. A 'StartArray' node was expected."
            )
        return [validate(item, schema.item, type_name) for item in value]
    if isinstance(schema, Enum):
        members = {member.lower(): member for member in schema.values}
        if not isinstance(value, str) or value.lower() not in members:
            _fail(f"Requested value '{value}' was not found.")
        return members[value.lower()]
    if schema is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            _fail(f"Cannot convert the literal '{value}' to the expected type 'Edm.Double'.")
    elif schema is int:
        if isinstance(value, bool) or not isinstance(value, int):
            _fail(f"Cannot convert the literal '{value}' to the expected type 'Edm.Int32'.")
    elif not isinstance(value, schema):
        _fail(f"Cannot convert the literal '{value}' to the expected type '{_EDM[schema]}'.")
    return value
