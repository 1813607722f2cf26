"""RFC 5545 recurrence text, read one way for every side (Odoo's series, Google's lines,
Graph's patterns): content lines, RRULE parts, DATE and DATE-TIME values, and the one error a
recurrence that a side cannot represent or read raises."""

import datetime as dt
import zoneinfo
from datetime import UTC


class UnsupportedRecurrence(ValueError):
    """A recurrence that one side cannot represent, or that cannot be read at all."""


def content_line(line):
    """``(NAME, {PARAM: value}, value)`` of one content line (``EXDATE;TZID=...:...``)."""
    head, _sep, value = line.partition(":")
    name, *params = head.split(";")
    options = {}
    for param in params:
        key, _eq, param_value = param.partition("=")
        options[key.strip().upper()] = param_value.strip()
    return name.strip().upper(), options, value.strip()


def rule_parts(value):
    """``{PART: VALUE}`` of an RRULE value, upper-cased; experimental ``X-`` parts are left
    out. A part without a value, or named twice, is not a rule anyone can follow."""
    parts = {}
    for chunk in filter(None, (c.strip() for c in value.split(";"))):
        key, eq, part = chunk.partition("=")
        key = key.strip().upper()
        if not eq or key in parts:
            raise UnsupportedRecurrence(f"malformed RRULE part {chunk!r} in {value!r}")
        if not key.startswith("X-"):
            parts[key] = part.strip().upper()
    return parts


def parse_moment(text, timezone):
    """An RFC 5545 DATE or DATE-TIME: a date, or an aware UTC datetime (floating: ``timezone``)."""
    text = text.strip().upper()
    try:
        if len(text) == 8:
            return dt.datetime.strptime(text, "%Y%m%d").date()
        moment = dt.datetime.strptime(text.rstrip("Z"), "%Y%m%dT%H%M%S")
    except ValueError:
        raise UnsupportedRecurrence(f"{text!r} is not an RFC 5545 date or date-time") from None
    zone = UTC if text.endswith("Z") else zoneinfo.ZoneInfo(timezone)
    return moment.replace(tzinfo=zone).astimezone(UTC)
