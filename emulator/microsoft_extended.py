"""Graph single-value extended properties on events, as Graph documents them
(resources/singlevaluelegacyextendedproperty, api/singlevaluelegacyextendedproperty-get):

- set in a create or an update body (``singleValueExtendedProperties``: a PATCH adds the
  property or overwrites its value, leaving the others);
- never in an event's answer unless asked: ``$expand=singleValueExtendedProperties($filter=id
  eq '{id}')`` returns that property when the event has it;
- events of a collection found by one: ``$filter=singleValueExtendedProperties/any(ep: ep/id eq
  '{id}' and ep/value eq '{value}')``.

An id is ``{type} {guid} Name {name}``, ``{type} {guid} Id {hex}`` or ``{type} 0x{tag}``; the
value is a string. Anything else is refused. The calendarView delta cannot expand them (Graph:
"$expand is not supported" on event delta), so it never shows them.
"""

import re

from .microsoft_store import bad_request

TYPES = "Binary|Boolean|CLSID|Currency|Double|Float|Integer|Long|Object|Short|String|SystemTime"
_GUID = r"\{[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\}"
_ID = re.compile(
    rf"^(?:{TYPES}) (?:{_GUID} Name \S.{{0,254}}|{_GUID} Id 0x[0-9a-f]{{1,8}}|0x[0-9a-f]{{4}})$",
    re.IGNORECASE,
)
_EXPAND = re.compile(
    r"^singleValueExtendedProperties(?:\(\$filter=id eq '(?P<id>[^']+)'\))?$", re.IGNORECASE
)
_FILTER = re.compile(
    r"^singleValueExtendedProperties/any\((?P<var>\w+):\s*(?P=var)/id eq '(?P<id>[^']+)'"
    r"\s+and\s+(?P=var)/value eq '(?P<value>[^']*)'\)$",
    re.IGNORECASE,
)


def _check_id(prop_id):
    if not isinstance(prop_id, str) or not _ID.match(prop_id.strip()):
        raise bad_request(
            f"The extended property id '{prop_id}' is not valid.", "ErrorInvalidExtendedProperty"
        )
    return prop_id.strip()


def store(record, body):
    """Set the body's single-value extended properties on ``record`` (by id, case-blind)."""
    props = body.get("singleValueExtendedProperties")
    if props is None:
        return
    stored = record.setdefault("_extended", {})
    for prop in props:
        prop_id = _check_id(prop.get("id"))
        if not isinstance(prop.get("value"), str):
            raise bad_request(
                "An extended property needs a value.", "ErrorInvalidExtendedPropertyValue"
            )
        stored[prop_id.lower()] = {"id": prop_id, "value": prop["value"]}


def wanted(args):
    """What ``$expand`` asks of extended properties: None (nothing), "" (all) or an id."""
    expand = (args.get("$expand") or "").strip()
    if not expand:
        return None
    for part in expand.split(","):
        found = _EXPAND.match(part.strip())
        if found:
            return _check_id(found["id"]).lower() if found["id"] else ""
    return None


def expand(out, record, asked):
    """The rendered event ``out`` with the properties ``asked`` (see ``wanted``)."""
    if asked is None:
        return out
    stored = record.get("_extended") or {}
    props = [dict(p) for key, p in stored.items() if asked in ("", key)]
    if props:
        out["singleValueExtendedProperties"] = props
    return out


def parse_filter(expression):
    """``(id, value)`` of an extended-property ``$filter``; None when it is not one."""
    found = _FILTER.match((expression or "").strip())
    if not found:
        return None
    return _check_id(found["id"]).lower(), found["value"]


def matches(record, wanted_filter):
    prop_id, value = wanted_filter
    prop = (record.get("_extended") or {}).get(prop_id)
    return prop is not None and prop["value"] == value
