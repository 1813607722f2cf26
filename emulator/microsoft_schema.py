"""Request body checks of the Graph emulator, judged by Microsoft's own Graph models.

Graph's OData reader rejects a property the type does not define, a value of the wrong JSON
type and an unknown enum member with ``RequestBodyRead``, and it matches property names and
enum members case-insensitively (``"contentType": "HTML"``, the SDK's ``"SendResponse"``).
The types come from ``graph_models.json``, extracted from Microsoft's Graph SDK
(msgraph-sdk) by ``tools/graph_models.py``; a pure test keeps the two equal.
"""

import functools
import json
from pathlib import Path

from .microsoft_store import GraphError

EVENT = "event"
SUBSCRIPTION = "subscription"
_STRINGS = {"String", "DateTimeOffset", "Date", "TimeOfDay", "Duration", "Guid", "Binary"}
_EDM = {"Boolean": "Edm.Boolean", "Int32": "Edm.Int32", "Double": "Edm.Double"}


@functools.cache
def models():
    return json.loads((Path(__file__).parent / "graph_models.json").read_text())


@functools.cache
def _names(key):
    """Lowercase name -> Graph's spelling, of a model's properties or an enum's members."""
    model = models()["types"][key]
    return {name.lower(): name for name in model.get("properties") or model["enum"]}


def _fail(message):
    raise GraphError(400, "RequestBodyRead", message)


def _type_name(key):
    return "microsoft.graph." + key.rsplit("/", 1)[-1].replace("_post_request_body", "")


def validate(value, root):
    """``value`` in Graph's own spelling of names and enum members; a 400 ``RequestBodyRead``
    GraphError when it does not fit the model ``root`` (EVENT, SUBSCRIPTION or an action:
    "accept", "decline", "tentativelyAccept")."""
    return _check(value, {"object": models()["roots"][root]})


def _check(value, spec):
    if value is None:
        return None
    if isinstance(spec, str):
        return _primitive(value, spec)
    if "list" in spec:
        if not isinstance(value, list):
            _fail(
                "An unexpected 'StartObject' node was found when reading from the JSON "
                "reader. A 'StartArray' node was expected."
            )
        return [_check(item, spec["list"]) for item in value]
    if "enum" in spec:
        member = _names(spec["enum"]).get(value.lower()) if isinstance(value, str) else None
        if member is None:
            _fail(f"Requested value '{value}' was not found.")
        return member
    key = spec["object"]
    if not isinstance(value, dict):
        _fail(
            "An unexpected 'PrimitiveValue' node was found when reading from the JSON "
            "reader. A 'StartObject' node was expected."
        )
    properties, names = models()["types"][key]["properties"], _names(key)
    clean = {}
    for given, item in value.items():
        if given.startswith("@odata."):
            clean[given] = item
            continue
        name = names.get(given.lower())
        if name is None:
            _fail(
                f"The property '{given}' does not exist on type '{_type_name(key)}'. Make "
                "sure to only use property names that are defined by the type or mark the "
                "type as open type."
            )
        clean[name] = _check(item, properties[name])
    return clean


def _primitive(value, edm):
    if edm in _STRINGS:
        ok = isinstance(value, str)
    elif edm == "Boolean":
        ok = isinstance(value, bool)
    elif edm == "Int32":
        ok = isinstance(value, int) and not isinstance(value, bool)
    else:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
    if not ok:
        _fail(
            f"Cannot convert the literal '{value}' to the expected type "
            f"'{_EDM.get(edm, 'Edm.' + edm)}'."
        )
    return value
