"""Time zones judged by CLDR's Windows table (Babel's ids; tzlocal's newer CLDR for the
territories and the 001 zones) and by what Graph documents it accepts.

Every Windows id CLDR knows is read back to its own zone, every zone an Odoo user can pick
(pytz's list, Odoo's ``_tz_get``) reaches Graph as a name Graph accepts with the same
instants, and the emulator, like Graph, refuses IANA names Graph does not document.
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import pytz
from babel.core import get_global
from graph_api import GraphApi
from tzlocal import windows_tz

from emulator.microsoft_time_zones import DOCUMENTED_IANA, accepted_zone
from services.microsoft import mapper as graph_mapper
from services.microsoft.occurrences import occurrence_starts
from services.neutral import NeutralEvent, sync_hash
from services.timezones import fingerprint, iana_zone, same_instants_label, windows_zone

UTC = dt.UTC
# the Windows ids Graph gets (Babel's CLDR), each with its territory-001 zone from the newer
# CLDR tzlocal ships where it has the id (Babel, pinned by Odoo, is older)
CLDR = {w: windows_tz.win_tz.get(w, z) for w, z in get_global("windows_zone_mapping").items()}
# CLDR's IANA -> Windows table with every territory (Babel ships territory 001 only)
CLDR_TERRITORIES = windows_tz.tz_win
ODOO_ZONES = pytz.all_timezones
# local times on ordinary days and on DST days of both hemispheres, in the sync window
LOCAL_TIMES = [
    dt.datetime(2026, 1, 15, 9, 30),
    dt.datetime(2026, 3, 29, 12, 0),
    dt.datetime(2026, 4, 5, 12, 0),
    dt.datetime(2026, 7, 1, 23, 30),
    dt.datetime(2026, 10, 4, 12, 0),
    dt.datetime(2026, 11, 1, 18, 0),
    dt.datetime(2027, 3, 14, 12, 0),
    dt.datetime(2028, 2, 29, 8, 0),
]


def test_every_cldr_windows_id_reads_back_to_its_own_zone():
    assert len(CLDR) >= 139
    for windows, zone in CLDR.items():
        label = iana_zone(windows)
        assert label, windows
        assert iana_zone(windows.upper()) == iana_zone(windows.lower()) == label
        assert ZoneInfo(label).utcoffset(dt.datetime(2026, 7, 1)) == ZoneInfo(zone).utcoffset(
            dt.datetime(2026, 7, 1)
        )
        assert windows_zone(label) == windows


@pytest.mark.parametrize("zone", ODOO_ZONES)
def test_every_odoo_zone_reaches_graph_with_the_same_instants(zone):
    windows = windows_zone(zone)
    for local in LOCAL_TIMES:
        start = local.replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)
        event = NeutralEvent(
            title="x", start=start, end=start + dt.timedelta(hours=1), all_day=False, timezone=zone
        )
        body = graph_mapper.to_body(event)
        sent = body["start"]["timeZone"]
        accepted = accepted_zone(sent)
        assert accepted, f"Graph refuses {sent!r} (for {zone})"
        instant = dt.datetime.fromisoformat(body["start"]["dateTime"]).replace(
            tzinfo=ZoneInfo(accepted)
        )
        assert instant.astimezone(UTC) == start, (zone, sent, local)
        if not windows:
            # no Windows zone keeps this zone's rules: UTC times, so the instants stay right
            assert sent == "UTC"
            continue
        assert sent == windows
        # what Graph answers reads as the same event (no change to sync back)
        answer = {
            "id": "AAMk1",
            "subject": "x",
            "start": {"dateTime": f"{start:%Y-%m-%dT%H:%M:%S}.0000000", "timeZone": "UTC"},
            "end": {"dateTime": f"{event.end:%Y-%m-%dT%H:%M:%S}.0000000", "timeZone": "UTC"},
            "originalStartTimeZone": sent,
        }
        remote = graph_mapper.to_remote(answer, "ann@example.com").event
        assert remote.timezone == same_instants_label(zone)
        assert sync_hash(remote) == sync_hash(event)


def test_almost_every_odoo_zone_has_a_windows_zone():
    missing = [zone for zone in ODOO_ZONES if not windows_zone(zone)]
    # zones whose current rules no Windows zone has (tzdata-dependent, a handful at most)
    assert len(missing) <= 5, missing


def test_the_zones_users_pick_get_their_cldr_windows_id():
    assert windows_zone("Europe/Paris") == "Romance Standard Time"
    assert windows_zone("America/New_York") == "Eastern Standard Time"
    assert windows_zone("Australia/Adelaide") == "Cen. Australia Standard Time"
    assert windows_zone("Asia/Tehran") == "Iran Standard Time"
    assert windows_zone("Asia/Kathmandu") == "Nepal Standard Time"
    assert windows_zone("America/St_Johns") == "Newfoundland Standard Time"
    assert windows_zone("Asia/Kolkata") == "India Standard Time"  # an alias of Asia/Calcutta
    # zones of other territories get CLDR's id for their territory (windowsZones.xml), not
    # just any Windows zone with the same instants
    assert windows_zone("Europe/Brussels") == "Romance Standard Time"
    assert windows_zone("Europe/Amsterdam") == "W. Europe Standard Time"
    assert windows_zone("Europe/Madrid") == "Romance Standard Time"
    assert windows_zone("Europe/Prague") == "Central Europe Standard Time"
    assert windows_zone("America/Toronto") == "Eastern Standard Time"
    assert windows_zone("Africa/Harare") == "South Africa Standard Time"
    assert windows_zone("America/Barbados") == "SA Western Standard Time"
    for zone in ("Europe/Brussels", "Europe/Amsterdam", "America/Toronto"):
        assert accepted_zone(windows_zone(zone))
    assert same_instants_label("America/Toronto") == "America/New_York"
    assert same_instants_label("Europe/Brussels") == "Europe/Paris"
    # tzdata and CLDR moved Chihuahua to Mexico's central time in 2022 (Babel's older CLDR
    # still makes it Windows' "Mountain Standard Time (Mexico)", an hour off)
    assert windows_zone("America/Chihuahua") == "Central Standard Time (Mexico)"
    assert iana_zone("Mountain Standard Time (Mexico)") == "America/Mazatlan"


def _cldr_id(zone):
    """CLDR's Windows id for ``zone`` (windowsZones.xml with its territories, as tzlocal
    ships it), when Babel's table (the ids Graph gets) knows it and it keeps the zone's
    instants in this machine's tzdata; None otherwise."""
    windows = CLDR_TERRITORIES.get(zone)
    if windows not in CLDR:
        return None
    if fingerprint(CLDR[windows]) != fingerprint(zone):
        return None
    return windows


@pytest.mark.parametrize("zone", [zone for zone in ODOO_ZONES if _cldr_id(zone)])
def test_every_odoo_zone_gets_cldrs_windows_id(zone):
    assert windows_zone(zone) == _cldr_id(zone)


def test_almost_every_odoo_zone_has_cldrs_own_windows_id():
    without = [zone for zone in ODOO_ZONES if _cldr_id(zone) is None]
    # tzdata newer than CLDR (Kazakhstan, Mexico, Greenland...), POSIX-style names, and
    # CLDR's new Canadian ids (Alberta, Manitoba, British Columbia) Babel does not have yet
    assert len(without) <= 35, without


ADELAIDE = "Cen. Australia Standard Time"


def test_an_adelaide_series_from_outlook_keeps_its_zone_and_its_occurrences():
    """Monday 09:30 in Adelaide, 4 days from 3 April 2026: Adelaide leaves DST on the 5th."""
    item = {
        "id": "AAMkSeries",
        "type": "seriesMaster",
        "subject": "Stand-up",
        "start": {"dateTime": "2026-04-02T23:00:00.0000000", "timeZone": "UTC"},
        "end": {"dateTime": "2026-04-02T23:30:00.0000000", "timeZone": "UTC"},
        "originalStartTimeZone": ADELAIDE,
        "originalEndTimeZone": ADELAIDE,
        "recurrence": {
            "pattern": {"type": "daily", "interval": 1, "firstDayOfWeek": "sunday"},
            "range": {
                "type": "numbered",
                "numberOfOccurrences": 4,
                "startDate": "2026-04-03",
                "recurrenceTimeZone": ADELAIDE,
            },
        },
    }
    event = graph_mapper.to_remote(item, "ann@example.com").event
    assert event.timezone == "Australia/Adelaide"
    window = (dt.datetime(2026, 3, 1, tzinfo=UTC), dt.datetime(2026, 5, 1, tzinfo=UTC))
    starts = occurrence_starts(item["recurrence"], event.start, event.end, event.timezone, *window)
    local = [s.astimezone(ZoneInfo("Australia/Adelaide")) for s in starts]
    assert [(s.day, s.hour, s.minute) for s in local] == [
        (3, 9, 30),
        (4, 9, 30),
        (5, 9, 30),
        (6, 9, 30),
    ]
    body = graph_mapper.to_body(event)
    assert body["start"]["timeZone"] == ADELAIDE
    assert body["recurrence"]["range"]["recurrenceTimeZone"] == ADELAIDE


def test_a_series_reads_its_recurrence_time_zone_first():
    item = {
        "id": "AAMkSeries",
        "type": "seriesMaster",
        "subject": "x",
        "start": {"dateTime": "2026-04-02T23:00:00.0000000", "timeZone": "UTC"},
        "end": {"dateTime": "2026-04-02T23:30:00.0000000", "timeZone": "UTC"},
        "recurrence": {
            "pattern": {"type": "daily", "interval": 1},
            "range": {"type": "noEnd", "startDate": "2026-04-03", "recurrenceTimeZone": ADELAIDE},
        },
    }
    assert graph_mapper.to_remote(item, "ann@example.com").event.timezone == "Australia/Adelaide"


def test_graph_documents_about_a_hundred_iana_names():
    assert 95 <= len(DOCUMENTED_IANA) <= 110
    assert "Europe/Paris" in DOCUMENTED_IANA
    assert "Europe/Brussels" not in DOCUMENTED_IANA


@pytest.fixture
def graph(emulator):
    return GraphApi(emulator, "tz@example.com")


@pytest.mark.parametrize(
    ("zone", "status"),
    [
        ("Europe/Brussels", 400),  # IANA, not on Graph's list
        ("America/Toronto", 400),
        ("Romance Standard Time", 201),
        ("romance STANDARD time", 201),  # Windows ids are read case-insensitively
        ("Cen. Australia Standard Time", 201),
        ("Europe/Paris", 201),  # on Graph's list
        ("UTC", 201),
    ],
)
def test_the_emulator_refuses_zones_graph_does_not_document(graph, zone, status):
    when = {"start": "2026-05-04T09:00:00", "end": "2026-05-04T10:00:00"}
    body = {"subject": "x", **{k: {"dateTime": v, "timeZone": zone} for k, v in when.items()}}
    resp = graph("POST", "/me/events", json=body)
    assert resp.status_code == status, resp.text
    if status == 400:
        assert resp.json()["error"]["code"] == "TimeZoneNotSupportedException"
