"""Google Meet conferences on emulated events: createRequest pending -> success."""

import copy
import random
import string

from .google_store import invalid

MEET_TYPES = ("hangoutsMeet", "eventHangout", "eventNamedHangout")
MEET_ICON = (
    "https://fonts.gstatic.com/s/i/productlogos/meet_2020q4/v6/"
    "web-512dp/logo_Meet_2020q4_color_2x_web_512dp.png"
)


def apply_conference(resource, conference):
    """Put a client's conferenceData on the event; True when a new Meet was requested."""
    if conference is None:
        resource.pop("conferenceData", None)
        resource.pop("hangoutLink", None)
        return False
    request = conference.get("createRequest")
    if not request:
        resource["conferenceData"] = copy.deepcopy(conference)
        return False
    if not isinstance(request, dict) or not request.get("requestId"):
        raise invalid("Invalid conference create request.", "conferenceData.createRequest")
    kind = (request.get("conferenceSolutionKey") or {}).get("type")
    if kind not in MEET_TYPES:
        raise invalid("Invalid conference type value.", "conferenceData.createRequest")
    current = (resource.get("conferenceData") or {}).get("createRequest") or {}
    if current.get("requestId") == request["requestId"]:
        return False
    resource.pop("hangoutLink", None)
    resource["conferenceData"] = {
        "createRequest": {
            "requestId": request["requestId"],
            "conferenceSolutionKey": {"type": kind},
            "status": {"statusCode": "pending"},
        },
    }
    return True


def resolve_conference(resource, rng=random):
    """The Meet request succeeded: a conference id, a video entry point, hangoutLink."""
    letters = string.ascii_lowercase
    code = "-".join("".join(rng.choice(letters) for _ in range(n)) for n in (3, 4, 3))
    uri = f"https://meet.google.com/{code}"
    request = resource["conferenceData"]["createRequest"]
    request["status"] = {"statusCode": "success"}
    resource["conferenceData"].update(
        {
            "entryPoints": [
                {"entryPointType": "video", "uri": uri, "label": f"meet.google.com/{code}"},
            ],
            "conferenceSolution": {
                "key": {"type": "hangoutsMeet"},
                "name": "Google Meet",
                "iconUri": MEET_ICON,
            },
            "conferenceId": code,
        }
    )
    resource["hangoutLink"] = uri
