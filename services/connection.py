"""Connecting an account: one interface over Google's and Microsoft's OAuth flows.

``begin`` gives the consent URL and the flow data to keep (encrypted) until the callback;
``finish`` redeems the callback and returns the token data to store and the remote email;
``calendars`` lists the account's calendars; ``revoke`` ends the grant where the provider
allows it. The ORM stores ``token_data`` encrypted and never looks inside it.
"""

from dataclasses import dataclass

ROOM_SUFFIX = "@resource.calendar.google.com"


@dataclass(frozen=True)
class RemoteCalendar:
    id: str
    name: str
    is_default: bool
    can_edit: bool
    timezone: str = ""
    # "own", "shared" (shared with or delegated to the user) or "room"
    kind: str = "own"
    owner_email: str = ""
    # "owner", "writer", "reader" or "free_busy" (the provider shows busy time only)
    access: str = "owner"


@dataclass(frozen=True)
class Connection:
    token_data: dict
    email: str


@dataclass(frozen=True)
class ProviderSettings:
    """Everything a connector needs, read from the settings by the ORM."""

    client_id: str
    client_secret: str
    auth_uri: str = ""
    token_uri: str = ""
    api_uri: str = ""
    login_uri: str = ""
    graph_uri: str = ""
    tenant: str = "common"
    verify: object = True
