"""How the pull knows the provider's ids it has no binding for: its own creates whose job
was lost (the client token it chose), and occurrences a provider reports removed by their id
alone (Graph's delta), kept per series as digests of the ids the listings showed."""

import hashlib
from collections import defaultdict
from datetime import date, datetime

from odoo import models

from ..services.adapter import RemoteEvent
from ..services.neutral import sync_hash


class CalendarSyncBinding(models.Model):
    _inherit = "calendar.sync.binding"

    def _remember_occurrences(self, account, occurrences):
        """Keep each series' occurrence ids (as digests) on the series' binding."""
        by_series = defaultdict(dict)
        for occurrence_id, (series_id, slot) in occurrences.items():
            by_series[series_id][_digest(occurrence_id)] = slot.isoformat() if slot else ""
        if not by_series:
            return
        series = self.search(
            [("account_id", "=", account.id), ("external_id", "in", list(by_series))]
        )
        for binding in series:
            keys = {**(binding.occurrence_keys or {}), **by_series[binding.external_id]}
            if keys != binding.occurrence_keys:
                binding.occurrence_keys = keys

    def _removed_occurrences(self, account, remotes, bound):
        """Deleted remote ids we have no binding for that are occurrences of a bound series
        (Graph's delta names a cancelled occurrence by its id alone): as occurrence
        deletions, with their series and slot."""
        gone = {
            _digest(r.external_id): r.external_id
            for r in remotes
            if r.deleted and r.external_id not in bound and not r.recurring_external_id
        }
        if not gone:
            return []
        self.flush_model(["account_id", "occurrence_keys"])
        self.env.cr.execute(
            "SELECT id FROM calendar_sync_binding WHERE account_id = %s AND occurrence_keys ?| %s",
            [account.id, list(gone)],
        )
        found = []
        for series in self.browse([row[0] for row in self.env.cr.fetchall()]):
            if series.state == "error":
                continue
            for digest, occurrence_id in gone.items():
                slot = (series.occurrence_keys or {}).get(digest)
                if slot is None:
                    continue
                found.append(
                    RemoteEvent(
                        occurrence_id,
                        deleted=True,
                        recurring_external_id=series.external_id,
                        original_start=_slot(slot),
                    )
                )
        return found

    def _unconfirmed_creates(self, account, remotes, bound):
        """{client token: binding} of the account's creates that have no remote id yet, when
        the change set has remote events we do not know (only then is it worth asking)."""
        if not any(r.client_token and r.external_id not in bound for r in remotes):
            return {}
        pending = self.search(
            [
                ("account_id", "=", account.id),
                ("external_id", "=", False),
                ("event_id", "!=", False),
                ("original_start", "=", False),
            ]
        )
        return {binding._client_token(): binding for binding in pending}

    def _adopt_own_create(self, remote):
        """What the provider holds is what this binding sent: that is the base, and the
        reconcile that follows sends only what changed in Odoo since."""
        self._mark_synced(remote, remote.event)
        if sync_hash(self._local()) != self.last_hash:
            self.state = "pending"


def _digest(external_id):
    """A short, fixed-size key for a provider's (long) occurrence id."""
    return hashlib.sha256(external_id.encode()).hexdigest()[:20]


def _slot(text):
    """An original start kept as ISO text: a date (all-day series) or an aware datetime."""
    if not text:
        return None
    return date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text)
