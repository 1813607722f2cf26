"""What the sync engine asks of a provider, in neutral terms.

One adapter per provider (``google.adapter.GoogleAdapter``, ``microsoft.adapter.GraphAdapter``)
turns these calls into API requests and the answers into ``RemoteEvent`` values, so the
engine (jobs, bindings, hashing, merge, conflicts) is written once for both.
"""

from dataclasses import dataclass, field
from datetime import date, datetime

from .exceptions import NotFoundError, SyncError
from .neutral import NeutralEvent


@dataclass(frozen=True)
class RemoteEvent:
    """One event as the provider has it, for the account's calendar."""

    external_id: str
    etag: str = ""
    change_key: str = ""
    ical_uid: str = ""
    deleted: bool = False
    # None when deleted; otherwise the event in neutral terms
    event: NeutralEvent | None = None
    # an occurrence that differs from its series (moved, edited or cancelled)
    recurring_external_id: str = ""
    original_start: datetime | date | None = None
    # the account's user organizes it; False for an invitation on an attendee's calendar
    is_organizer: bool = True
    # the account user's own answer (attendee copies): needs_action/accepted/declined/tentative
    self_response: str = ""
    # an online meeting the provider is still creating (Meet createRequest pending)
    meeting_pending: bool = False
    # the idempotency key of the create that made it (Google: the id the creator chose;
    # Graph: transactionId), so the engine knows its own creates whatever became of the job
    client_token: str = ""
    # a busy block this addon mirrored there (services/mirror.py): never imported into Odoo
    mirror_mark: str = ""


@dataclass(frozen=True)
class PushOp:
    """One change to send. ``key`` is the caller's (a binding id) to match results."""

    kind: str  # "create" | "update" | "delete" | "respond"
    key: object
    external_id: str = ""  # update/delete/respond; for a Google create, the id we chose
    event: NeutralEvent | None = None
    etag: str = ""
    transaction_id: str = ""  # Graph create idempotency
    response: str = ""  # respond: accepted/declined/tentative
    want_meeting: bool = False  # create the Meet/Teams meeting if the event has none
    # the user removed the meeting this provider holds (Google drops a Meet; Outlook keeps a
    # Teams meeting once made, so the Odoo side never asks it)
    drop_meeting: bool = False
    # one occurrence of a series, changed on its own: the adapter finds the occurrence's id
    # from the series id and the occurrence's original start when ``external_id`` is empty
    recurring_external_id: str = ""
    original_start: datetime | date | None = None
    # an update's last synced version (the adapter may send less when little changed)
    base: NeutralEvent | None = None
    # the provider mails the guests about this change (Google's sendUpdates=all)
    notify_guests: bool = False
    # a busy block of a mirroring rule (services/mirror.py): marked as ours at the provider,
    # no reminder, never a meeting
    mirror_mark: str = ""


@dataclass(frozen=True)
class BusyCalendar:
    """A calendar whose busy time counts for availability: its id at the provider, the
    mailbox that owns it (empty: the account's own), whether it is the account's default
    calendar, and whether only its owner's free/busy can be read (a room, a calendar shared
    as free/busy only). Graph's getSchedule answers for a mailbox's default calendar only."""

    remote_id: str
    owner_email: str = ""
    is_default: bool = False
    free_busy_only: bool = False


@dataclass
class PushResult:
    key: object
    remote: RemoteEvent | None = None
    error: SyncError | None = None


@dataclass
class ChangeSet:
    """The answer to ``list_changes``: events and the cursor to store after applying them."""

    events: list = field(default_factory=list)
    cursor: str = ""
    full: bool = False  # a full listing of the window (first sync or after a 410)
    # {occurrence id: (series id, original start)} of the occurrences the listing showed,
    # where the provider may later report one removed by its id alone (Graph's delta)
    occurrences: dict = field(default_factory=dict)


class ProviderAdapter:
    """Interface; see GoogleAdapter. Every method raises the domain exceptions."""

    provider = None

    def list_changes(self, cursor, window_start, window_end):
        """Changes since ``cursor`` (``None``: everything in the window) -> ChangeSet.
        Raises ``SyncTokenExpired`` when the cursor is no longer valid."""
        raise NotImplementedError

    def list_occurrences(self, cursor, window_start, window_end):
        """``list_changes`` for a calendar imported into Odoo rather than synced both ways:
        every occurrence of a series comes as an event of its own (no series, no RRULE), so
        each becomes one read-only Odoo event; a cancelled occurrence comes deleted."""
        raise NotImplementedError

    def get(self, external_id):
        """The event now -> RemoteEvent (``NotFoundError`` when it is gone)."""
        raise NotImplementedError

    def get_target(self, op):
        """The event a PushOp was about, now (an occurrence by its series and original start
        when the op has no id of its own) -> RemoteEvent; ``NotFoundError`` when it is gone."""
        if not op.external_id:
            raise NotFoundError(f"no id for this {op.kind}")
        return self.get(op.external_id)

    def busy(self, start, end, calendars=None):
        """The busy intervals in [start, end) of ``calendars`` (BusyCalendar values; None:
        the account's synced calendar), asked live (Google one ``freebusy.query`` for all;
        Graph one ``getSchedule`` for the default calendars of the mailboxes, one
        ``calendarView`` per other calendar of the account's own) -> sorted [(start, end)] in
        naive UTC; free and "working elsewhere" time is not busy."""
        raise NotImplementedError

    def push(self, ops):
        """Send ``ops`` (batched where the API allows) -> one PushResult per op, in order."""
        raise NotImplementedError

    def watch(self, channel_id, address, token, ttl_seconds):
        """Start push notifications -> dict(resource_id, expiration: datetime)."""
        raise NotImplementedError

    def unwatch(self, channel_id, resource_id):
        raise NotImplementedError

    def token_data(self):
        """Token data to store after the calls (access tokens refresh, refresh tokens rotate)."""
        raise NotImplementedError

    def on_token_refresh(self, callback):
        """``callback(token_data)`` as soon as the client refreshed or rotated its tokens, so
        the caller can keep them even when the rest of its work fails."""
        self.client.set_refresh_callback(lambda: callback(self.token_data()))
