"""RFC 5545 recurrence of emulated events, expanded with python-dateutil.

Timed series are expanded from an aware start in the event's own zone, so an occurrence
after a DST change keeps its wall-clock time; all-day series use naive midnights.
"""

import copy
import re
from datetime import UTC, datetime, timedelta

from dateutil.rrule import rruleset, rrulestr

from .google_events import format_datetime, instant, zone
from .google_store import invalid

MAX_INSTANCES = 730
_MAX_SCAN = 100_000
_UNTIL = re.compile(r"UNTIL=(\d{8})(T\d{6})?(Z?)", re.IGNORECASE)


class Series:
    """The occurrences of one recurring master."""

    def __init__(self, resource, calendar_tz):
        start, end = resource["start"], resource["end"]
        self.all_day = "date" in start
        if self.all_day:
            self.tz = None
            self.start = datetime.fromisoformat(start["date"])
            self.duration = datetime.fromisoformat(end["date"]) - self.start
        else:
            self.tz = zone(start.get("timeZone") or str(calendar_tz), "start")
            self.start = datetime.fromisoformat(start["dateTime"]).astimezone(self.tz)
            self.duration = instant(end, calendar_tz) - instant(start, calendar_tz)
        self.rules = self._build(resource.get("recurrence") or [])

    def _until(self, match):
        day, clock, utc = match.group(1), match.group(2), match.group(3)
        if self.all_day:
            return f"UNTIL={day}T235959"
        if not clock:
            return f"UNTIL={day}T235959Z"
        if utc:
            return match.group(0)
        local = datetime.strptime(day + clock, "%Y%m%dT%H%M%S").replace(tzinfo=self.tz)
        return "UNTIL=" + local.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")

    def _moment(self, value, params):
        """One RDATE/EXDATE value as a datetime comparable with the occurrences."""
        value = value.strip()
        if self.all_day:
            return datetime.strptime(value[:8], "%Y%m%d")
        if "T" not in value:
            day = datetime.strptime(value, "%Y%m%d")
            return datetime.combine(day.date(), self.start.timetz())
        if value.endswith("Z"):
            return (
                datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC).astimezone(self.tz)
            )
        tz = zone(params["TZID"], "recurrence") if "TZID" in params else self.tz
        return datetime.strptime(value, "%Y%m%dT%H%M%S").replace(tzinfo=tz).astimezone(self.tz)

    def _build(self, lines):
        rules = rruleset()
        has_rule = False
        try:
            for line in lines:
                head, _, value = line.partition(":")
                name, *raw_params = head.split(";")
                name = name.upper()
                params = dict(p.split("=", 1) for p in raw_params if "=" in p)
                if name in ("RRULE", "EXRULE"):
                    rule = rrulestr(_UNTIL.sub(self._until, value), dtstart=self.start)
                    (rules.rrule if name == "RRULE" else rules.exrule)(rule)
                    has_rule = has_rule or name == "RRULE"
                elif name in ("RDATE", "EXDATE"):
                    for item in value.split(","):
                        moment = self._moment(item, params)
                        (rules.rdate if name == "RDATE" else rules.exdate)(moment)
                else:
                    raise ValueError(line)
        except (ValueError, TypeError, KeyError) as exc:
            raise invalid("Invalid recurrence rule.", "recurrence") from exc
        if not has_rule:
            rules.rdate(self.start)
        return rules

    def local(self, moment):
        """A window bound as comparable with occurrences (naive for all-day series)."""
        if self.all_day:
            return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment
        return moment

    def occurrences(self, after=None, before=None, limit=MAX_INSTANCES):
        """Occurrence starts overlapping (after, before), at most ``limit`` of them."""
        after = self.local(after) if after else None
        before = self.local(before) if before else None
        found = []
        for scanned, start in enumerate(self.rules):
            if scanned >= _MAX_SCAN or len(found) >= limit:
                break
            if before is not None and start >= before:
                break
            if after is not None and start + self.duration <= after:
                continue
            found.append(start)
        return found

    def suffix(self, start):
        if self.all_day:
            return start.strftime("%Y%m%d")
        return start.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")

    def find(self, suffix):
        """The occurrence start an instance id suffix names, or None."""
        try:
            if self.all_day:
                wanted = datetime.strptime(suffix, "%Y%m%d")
            else:
                wanted = datetime.strptime(suffix, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
                wanted = wanted.astimezone(self.tz)
        except ValueError:
            return None
        for start in self.occurrences(
            after=wanted - self.duration - timedelta(seconds=1),
            before=wanted + timedelta(seconds=1),
            limit=5,
        ):
            if start == wanted:
                return start
        return None

    def when(self, moment):
        if self.all_day:
            return {"date": moment.date().isoformat()}
        return {"dateTime": format_datetime(moment.astimezone(self.tz)), "timeZone": str(self.tz)}

    def instance(self, master, start):
        """The resource of one occurrence, as events.instances shows it."""
        resource = copy.deepcopy(master)
        resource.pop("recurrence", None)
        suffix = self.suffix(start)
        resource["id"] = f"{master['id']}_{suffix}"
        resource["etag"] = f'"{master["etag"].strip(chr(34))}{suffix[:8]}"'
        resource["recurringEventId"] = master["id"]
        resource["originalStartTime"] = self.when(start)
        resource["start"] = self.when(start)
        resource["end"] = self.when(start + self.duration)
        return resource
