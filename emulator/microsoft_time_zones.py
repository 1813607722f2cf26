"""The ``timeZone`` values Graph accepts on events: Windows zone ids, and the IANA names its
dateTimeTimeZone reference lists as "additional time zones" (nothing else).

Windows ids come from CLDR's windowsZones table as Babel ships it (each id with its
territory-001 IANA zone, taken from the newer CLDR tzlocal ships where it has the id: Windows
moved "Mountain Standard Time (Mexico)" to Mazatlan's rules and "Central Asia Standard Time"
to Bishkek's when Chihuahua and Almaty changed theirs); Graph reads them case-insensitively.
The IANA list is the one on Graph's dateTimeTimeZone resource page (v1.0), written out here
because no package ships it.
"""

from zoneinfo import ZoneInfo

from babel.core import get_global
from tzlocal.windows_tz import win_tz

# Graph's documented "additional time zones" (dateTimeTimeZone resource, v1.0)
DOCUMENTED_IANA = (
    "Etc/GMT+12 Etc/GMT+11 Pacific/Honolulu America/Anchorage America/Santa_Isabel"
    " America/Los_Angeles America/Phoenix America/Chihuahua America/Denver America/Guatemala"
    " America/Chicago America/Mexico_City America/Regina America/Bogota America/New_York"
    " America/Indiana/Indianapolis America/Caracas America/Asuncion America/Halifax"
    " America/Cuiaba America/La_Paz America/Santiago America/St_Johns America/Sao_Paulo"
    " America/Argentina/Buenos_Aires America/Cayenne America/Godthab America/Montevideo"
    " America/Bahia Etc/GMT+2 Atlantic/Azores Atlantic/Cape_Verde Africa/Casablanca Etc/GMT"
    " Europe/London Atlantic/Reykjavik Europe/Berlin Europe/Budapest Europe/Paris"
    " Europe/Warsaw Africa/Lagos Africa/Windhoek Europe/Bucharest Asia/Beirut Africa/Cairo"
    " Asia/Damascus Africa/Johannesburg Europe/Kiev Europe/Istanbul Asia/Jerusalem"
    " Asia/Amman Asia/Baghdad Europe/Kaliningrad Asia/Riyadh Africa/Nairobi Asia/Tehran"
    " Asia/Dubai Asia/Baku Europe/Moscow Indian/Mauritius Asia/Tbilisi Asia/Yerevan"
    " Asia/Kabul Asia/Karachi Asia/Tashkent Asia/Kolkata Asia/Colombo Asia/Kathmandu"
    " Asia/Almaty Asia/Dhaka Asia/Yekaterinburg Asia/Rangoon Asia/Bangkok Asia/Novosibirsk"
    " Asia/Shanghai Asia/Krasnoyarsk Asia/Singapore Australia/Perth Asia/Taipei"
    " Asia/Ulaanbaatar Asia/Irkutsk Asia/Tokyo Asia/Seoul Australia/Adelaide"
    " Australia/Darwin Australia/Brisbane Australia/Sydney Pacific/Port_Moresby"
    " Australia/Hobart Asia/Yakutsk Pacific/Guadalcanal Asia/Vladivostok Pacific/Auckland"
    " Etc/GMT-12 Pacific/Fiji Asia/Magadan Pacific/Tongatapu Pacific/Apia Pacific/Kiritimati"
).split()
_IANA = {name.lower(): name for name in DOCUMENTED_IANA}
# Graph's own spellings of UTC
_UTC = {"utc": "UTC", "coordinated universal time": "UTC", "tzone://microsoft/utc": "UTC"}


def _windows():
    table = get_global("windows_zone_mapping")
    return {name.lower(): win_tz.get(name, zone) for name, zone in table.items()}


_WINDOWS = _windows()


def accepted_zone(name):
    """The IANA zone behind a ``timeZone`` Graph accepts; None for one it refuses."""
    key = (name or "").strip().lower()
    if key in _UTC:
        return "UTC"
    if key in _WINDOWS:
        zone = _WINDOWS[key]
        return "UTC" if zone == "Etc/UTC" else zone
    if key in _IANA:
        return _IANA[key]
    return None


def zone_info(name):
    """``ZoneInfo`` of an accepted ``timeZone``; None for one Graph refuses."""
    zone = accepted_zone(name)
    return ZoneInfo(zone) if zone else None
