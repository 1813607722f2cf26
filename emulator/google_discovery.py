"""Calendar v3 request bodies judged by Google's own discovery document.

The document ships with google-api-python-client (a dependency of the addon), so the
emulator reads property names, JSON types, formats and the values each description lists
("Possible values are: - "a" ...", "Valid values are a, meaning ...") from it instead of
keeping a list of its own. Unknown names, wrong types and values outside a list are a 400
``invalid``, as Google's JSON parser answers them.
"""

import functools
import json
import re
from datetime import date, datetime
from pathlib import Path

import googleapiclient

from .google_store import invalid

DOCUMENT_PATH = (
    Path(googleapiclient.__file__).parent / "discovery_cache" / "documents" / "calendar.v3.json"
)
_BULLET = re.compile(r'^- "([^"]+)"', re.M)
_MEANING = re.compile(r"Valid values are (.+?)\.\s*$", re.S)
_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$")
_INT32 = (-(2**31), 2**31 - 1)


@functools.cache
def document():
    return json.loads(DOCUMENT_PATH.read_text())


def schema(name):
    return document()["schemas"][name]


def listed_values(description):
    """The values a property's description enumerates, or None when it lists none."""
    if "Possible values are" in description:
        return set(_BULLET.findall(description)) or None
    found = _MEANING.search(description)
    if found:
        return set(re.findall(r"(?:^|;\s*(?:and\s+)?)(\w+), meaning", found.group(1))) or None
    return None


def _check_format(value, fmt, path):
    try:
        if fmt in ("int64", "uint64"):
            int(value)
        elif fmt == "date":
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
                raise ValueError(value)
            date.fromisoformat(value)
        elif fmt == "date-time":
            if not _RFC3339.match(value):
                raise ValueError(value)
            datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise invalid(f"Invalid value for: {path}", path) from exc


def check(value, spec, path):
    """Raise a 400 when ``value`` does not fit ``spec`` (a discovery schema fragment)."""
    if value is None:
        return
    if "$ref" in spec:
        spec = schema(spec["$ref"])
    kind = spec.get("type")
    if kind == "any":
        return
    if kind == "object":
        if not isinstance(value, dict):
            raise invalid(f"Invalid value for: {path}", path)
        properties = spec.get("properties")
        extra = spec.get("additionalProperties")
        for name, item in value.items():
            inner = f"{path}.{name}" if path else name
            if properties is not None and name in properties:
                check(item, properties[name], inner)
            elif isinstance(extra, dict):
                check(item, extra, inner)
            else:
                raise invalid(
                    f'Invalid JSON payload received. Unknown name "{name}": Cannot find field.',
                    inner,
                )
        return
    if kind == "array":
        if not isinstance(value, list):
            raise invalid(f"Invalid value for: {path}", path)
        for item in value:
            check(item, spec["items"], path)
        return
    if kind == "boolean":
        ok = isinstance(value, bool)
    elif kind == "integer":
        ok = isinstance(value, int) and not isinstance(value, bool)
        if ok and spec.get("format") == "int32":
            ok = _INT32[0] <= value <= _INT32[1]
    elif kind == "number":
        ok = isinstance(value, int | float) and not isinstance(value, bool)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        # Google's JSON parser takes a number for a string field: Odoo's own google_calendar
        # sends its record id as a number in extendedProperties, and Google stores "204"
        value, ok = str(value), True
    else:
        ok = isinstance(value, str)
    if not ok:
        raise invalid(f"Invalid value for: {path}", path)
    if kind == "string":
        if spec.get("format"):
            _check_format(value, spec["format"], path)
        values = listed_values(spec.get("description", ""))
        if values is not None and value not in values:
            raise invalid(f"Invalid value for: {path}", path)


def check_event(body):
    """A Calendar v3 ``Event`` body, checked against the document."""
    check(body, {"$ref": "Event"}, "")


def check_channel(body):
    """The ``Channel`` body of events.watch and channels.stop."""
    check(body, {"$ref": "Channel"}, "")
