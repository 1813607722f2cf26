"""Time zone names: IANA (Odoo, Google) <-> Windows ids (Graph), from CLDR's windowsZones.

Graph reads and writes Windows zone ids ("Romance Standard Time"); Odoo and Google use IANA
names. The ids are CLDR's, as Babel ships them (``windows_zone_mapping``: each Windows id and
its territory-001 IANA zone; the zone from tzlocal's newer CLDR where the two differ). CLDR
also maps the other IANA zones to those ids by territory (Europe/Brussels is "Romance
Standard Time" in Belgium, though Europe/Budapest's "Central Europe Standard Time" has the
same instants); Babel does not ship that part, tzlocal does (``windows_tz.tz_win``, made from
CLDR's windowsZones.xml), so a zone gets CLDR's own id for its territory when Babel knows the
id (tzlocal's newer CLDR may name ids Babel's does not) and it keeps the zone's instants in
this machine's tzdata. Otherwise (tzdata newer than CLDR, POSIX-style names) the zone gets
the Windows id whose 001 zone has the same UTC offsets and transitions over
``FINGERPRINT_YEARS``: the same instants for every date the sync can reach. The metazone
(Babel's ``meta_zones``) breaks ties.
"""

import datetime as dt
import functools
import zoneinfo

from babel.core import get_global
from tzlocal.windows_tz import tz_win, win_tz

UTC = dt.UTC
# the years whose instants must agree: the sync window (3 years around today) and beyond
FINGERPRINT_YEARS = (2024, 2040)
# names Graph uses for UTC besides the Windows id "UTC"
_UTC_NAMES = ("utc", "coordinated universal time", "tzone://microsoft/utc", "etc/utc", "etc/gmt")


def known_zone(name):
    """``name`` when zoneinfo knows it, else ""."""
    if not name:
        return ""
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return ""
    return name


@functools.cache
def _table():
    """``{windows id: IANA zone}`` (CLDR, territory 001) and its lower-case index: Babel's
    ids, each with its 001 zone from tzlocal's newer CLDR where it has the id (Windows'
    "Mountain Standard Time (Mexico)" is Mazatlan since Chihuahua moved to UTC-6 in 2022;
    Babel, pinned by Odoo, still says Chihuahua)."""
    table = {
        windows: win_tz.get(windows, zone)
        for windows, zone in get_global("windows_zone_mapping").items()
    }
    return table, {name.lower(): name for name in table}


@functools.cache
def _inverse():
    """``{IANA zone: windows id}`` for the 001 zones (each is the zone of one id only)."""
    return {zone: windows for windows, zone in sorted(_table()[0].items())}


def windows_ids():
    """Every Windows zone id CLDR knows, sorted."""
    return sorted(_table()[0])


def _alias(name):
    """CLDR's canonical spelling of an IANA name (Asia/Kolkata -> Asia/Calcutta)."""
    return get_global("zone_aliases").get(name, name)


def iana_zone(name):
    """The IANA zone of a Graph ``timeZone`` (a Windows id in any case, or an IANA name);
    "" when it names no zone this machine knows."""
    name = (name or "").strip()
    if not name:
        return ""
    if name.lower() in _UTC_NAMES:
        return "UTC"
    windows = _table()[1].get(name.lower())
    if windows:
        zone = _table()[0][windows]
        return "UTC" if zone == "Etc/UTC" else known_zone(zone)
    return known_zone(name)


def _offset_at(zone, moment):
    return moment.astimezone(zone).utcoffset()


def _transition(zone, low, high):
    """The first minute in (low, high] whose offset differs from low's (one change inside)."""
    before = _offset_at(zone, low)
    while high - low > dt.timedelta(minutes=1):
        middle = low + (high - low) / 2
        middle = middle.replace(second=0, microsecond=0)
        if middle <= low:
            middle = low + dt.timedelta(minutes=1)
        if _offset_at(zone, middle) == before:
            low = middle
        else:
            high = middle
    return high


@functools.cache
def fingerprint(name):
    """The UTC offset at the start of ``FINGERPRINT_YEARS`` and every change after it."""
    zone = zoneinfo.ZoneInfo(name)
    first, last = FINGERPRINT_YEARS
    moment = dt.datetime(first, 1, 1, tzinfo=UTC)
    end = dt.datetime(last, 1, 1, tzinfo=UTC)
    # a week apart: no zone changes its offset twice within a week (Ramadan DST lasts weeks)
    step = dt.timedelta(days=7)
    offset = _offset_at(zone, moment)
    changes = [offset]
    while moment < end:
        following = moment + step
        new = _offset_at(zone, following)
        if new != offset:
            changes.append((_transition(zone, moment, following), new))
            offset = new
        moment = following
    return tuple(changes)


@functools.cache
def windows_zone(name):
    """The Windows id Graph gets for the IANA zone ``name``; "" when no Windows zone keeps
    its instants (a zone whose rules no Windows zone has)."""
    name = (name or "").strip()
    if name.lower() in _UTC_NAMES or name in ("UTC", "Etc/UTC", "Universal", "Zulu"):
        return "UTC"
    if not known_zone(name):
        return ""
    inverse = _inverse()
    for candidate in (name, _alias(name)):
        if candidate in inverse:
            return inverse[candidate]
    wanted = fingerprint(name)
    for candidate in (name, _alias(name)):
        windows = tz_win.get(candidate)
        zone = _table()[0].get(windows)
        if zone and known_zone(zone) and fingerprint(zone) == wanted:
            return windows  # CLDR's own id for the zone's territory
    same = [
        w for w, zone in _table()[0].items() if known_zone(zone) and fingerprint(zone) == wanted
    ]
    if not same:
        return ""
    metazones = get_global("meta_zones")
    metazone = metazones.get(_alias(name)) or metazones.get(name)
    same.sort(key=lambda w: (metazones.get(_table()[0][w]) != metazone, w))
    return same[0]


def graph_zone(name):
    """The ``timeZone`` to send Graph for ``name``: its Windows id (never an IANA name Graph
    may refuse); ``ValueError`` for a zone no Windows zone can hold."""
    windows = windows_zone(name)
    if not windows:
        raise ValueError(f"no Windows time zone keeps the times of {name!r}")
    return windows


def same_instants_label(name):
    """The label two zones share when Graph cannot tell them apart (they have one Windows
    id): the 001 zone of that id; ``name`` itself when it has none."""
    windows = windows_zone(name)
    return iana_zone(windows) if windows else name
