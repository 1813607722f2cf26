"""Whether Google and Microsoft can deliver push notifications to an address: both need HTTPS
on a name or address reachable from the internet."""

import ipaddress
from urllib.parse import urlsplit

LOCAL_SUFFIXES = (".local", ".localhost", ".internal", ".lan", ".home.arpa", ".localdomain")


def webhook_problem(url):
    """None when ``url`` can receive notifications; else "not_https" or "not_public"."""
    parts = urlsplit(url or "")
    if parts.scheme != "https":
        return "not_https"
    host = (parts.hostname or "").lower()
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        if not host or "." not in host or host == "localhost" or host.endswith(LOCAL_SUFFIXES):
            return "not_public"
        return None
    return None if address.is_global else "not_public"
