"""``calendarView/delta``: pages with ``$skiptoken``, then a ``$deltatoken`` that returns only
what changed since, deleted items as ``@removed``.

A series is listed as a whole: its master with every instance in the window, whenever the
master changed (a rename changes every occurrence), and never split over two pages -- as Graph
does, past ``odata.maxpagesize`` (microsoftgraph/microsoft-graph-docs#4501 and #7352,
msgraph-sdk-dotnet#3070: "returns more items than requested when a recurring master expands").

Every change is appended to its calendar's log with a global sequence number and the
record as it was before; a delta round reads the log after its token's sequence, so it
costs what changed, not the size of the calendar.
"""

import secrets
from urllib.parse import urlencode

from .microsoft_event_model import find_occurrence, render, window_items
from .microsoft_store import GraphError, parse_query_datetime
from .provider import json_response

DEFAULT_PAGE_SIZE = 10


def _grouped(items):
    """``items`` with each series' ones together, where its first one was (stable)."""
    groups = {}
    for index, item in enumerate(items):
        groups.setdefault(_series_key(item) or ("single", index), []).append(item)
    return [item for group in groups.values() for item in group]


def _series_key(item):
    """The series an item of a delta page belongs to (None: a single event or a removal)."""
    if "@removed" in item:
        return None
    if item.get("type") == "seriesMaster":
        return item["id"]
    return item.get("seriesMasterId")


MAX_PAGE_SIZE = 1000


class GraphDelta:
    """Mixin of MicrosoftEmulator: the change log and the delta endpoints."""

    def _reset_delta(self):
        self.delta_states = {}

    def _changed(self, box, cal, event_id, previous, change_type):
        """Record one change of ``event_id`` (``previous``: its record before, or None)."""
        self.seq += 1
        box.log_change(cal, self.seq, event_id, previous)
        self._notify_change(box, cal, event_id, change_type)

    def expire_delta_tokens(self, email):
        """Every skip/delta token of the mailbox is gone: the next use answers 410."""
        with self.emu.lock:
            for state in self.delta_states.values():
                if state["email"] == email.lower():
                    state["expired"] = True

    def on_calendarView_delta(self, request, user, cal_id=None):
        page_size = self._page_size(request)
        skip_token = request.args.get("$skiptoken")
        delta_token = request.args.get("$deltatoken")
        with self.emu.lock:
            box, _link = self._box_for(user, cal_id)
            tz_name = self._time_zone(request)
            if skip_token or delta_token:
                state = self._state(
                    user, skip_token or delta_token, "skip" if skip_token else "delta"
                )
                box, _link = self._box_for(user, state["cal"])
                cal = box.calendars.get(state["cal"])
                if cal is None:
                    raise self._sync_state_gone()
                if skip_token:
                    pending, round_seq = state["pending"], state["round_seq"]
                else:
                    round_seq = self.seq
                    pending = self._changes(box, cal, state, tz_name)
            else:
                start = parse_query_datetime(request.args.get("startDateTime"), "startDateTime")
                end = parse_query_datetime(request.args.get("endDateTime"), "endDateTime")
                cal = self._calendar(box, cal_id)
                state = {"email": user.email, "cal": cal["id"], "start": start, "end": end}
                round_seq = self.seq
                pending = self._full(box, cal, state, tz_name)
            page, rest = self._cut(pending, page_size)
            answer = {"value": page}
            token = secrets.token_urlsafe(24)
            common = {k: state[k] for k in ("email", "cal", "start", "end")}
            if rest:
                self.delta_states[token] = dict(
                    common, kind="skip", pending=rest, round_seq=round_seq
                )
                answer["@odata.nextLink"] = f"{request.base_url}?{urlencode({'$skiptoken': token})}"
            else:
                self.delta_states[token] = dict(common, kind="delta", seq=round_seq)
                answer["@odata.deltaLink"] = (
                    f"{request.base_url}?{urlencode({'$deltatoken': token})}"
                )
        return json_response(
            answer,
            headers={
                "Preference-Applied": f'outlook.timezone="{tz_name}", odata.maxpagesize={page_size}'
            },
        )

    @staticmethod
    def _cut(pending, page_size):
        """(page, rest): ``page_size`` items, and the rest of the series the last one belongs
        to: Graph never splits a series' expansion over two pages (its pages then hold more
        items than ``odata.maxpagesize`` asks; see the module's docstring)."""
        cut = min(page_size, len(pending))
        if cut:
            series = _series_key(pending[cut - 1])
            while cut < len(pending) and series and _series_key(pending[cut]) == series:
                cut += 1
        return pending[:cut], pending[cut:]

    def _page_size(self, request):
        raw = self._prefer(request).get("odata.maxpagesize")
        try:
            size = max(1, min(int(raw), MAX_PAGE_SIZE)) if raw else DEFAULT_PAGE_SIZE
        except ValueError:
            size = DEFAULT_PAGE_SIZE
        # a preference, not a promise: Graph may answer smaller pages
        return min(size, self.page_limit) if self.page_limit else size

    @staticmethod
    def _sync_state_gone():
        return GraphError(
            410,
            "SyncStateNotFound",
            "The sync state generation is not found. "
            "A full synchronization is required (fullSyncRequired).",
        )

    def _state(self, user, token, kind):
        state = self.delta_states.get(token)
        if state is None or state["email"] != user.email or state["kind"] != kind:
            raise self._sync_state_gone()
        if state.get("expired"):
            raise self._sync_state_gone()
        return state

    def _full(self, box, cal, state, tz_name):
        items = []
        for record in list(box.events.values()):
            if record["_cal"] == cal["id"] and record["type"] in ("singleInstance", "seriesMaster"):
                for _item_id, item in window_items(box, record, state["start"], state["end"]):
                    items.append(render(box, item, tz_name, in_delta=True))
        return items

    def _changes(self, box, cal, state, tz_name):
        """Only what changed since the token: new/updated items, then ``@removed`` ones."""
        start, end = state["start"], state["end"]
        first_previous, order = {}, []
        for _seq, event_id, previous in box.changes_since(cal, state["seq"]):
            if event_id not in first_previous:
                first_previous[event_id] = previous
                order.append(event_id)
        shown, gone = {}, []
        for event_id in order:
            current = box.events.get(event_id) or find_occurrence(box, event_id)
            if current is not None and current["_cal"] == cal["id"]:
                for item_id, item in window_items(box, current, start, end):
                    shown.setdefault(item_id, item)
            previous = first_previous[event_id]
            if previous is not None:
                gone.extend(item_id for item_id, _ in window_items(box, previous, start, end))
        removed = []
        for item_id in dict.fromkeys(gone):
            if item_id not in shown:
                item = {"id": item_id, "@removed": {"reason": "deleted"}}
                if not self.bare_removed:
                    item = {"@odata.type": "#microsoft.graph.event", **item}
                removed.append(item)
        rendered = [render(box, item, tz_name, in_delta=True) for item in shown.values()]
        return _grouped(rendered) + removed
