"""Nasty mode: every unkind behaviour the providers' documentation allows, switched on at once.

Each behaviour is also an option of its own (a plain attribute of the provider emulator or of
the notifier's mode, reset by ``Emulator.reset()``), so that a test can turn on only the one it
is about. ``Emulator.nasty(seed)`` turns them all on, with random draws from ``seed`` so that a
run can be replayed.

Google (attributes of ``GoogleEmulator``):
- ``page_limit``: at most this many items a page, whatever ``maxResults`` asks ("the number of
  events in the resulting page may be less than this value, or none at all, even if there are
  more events matching the query", events.list); ``nextSyncToken`` comes on the last page only.
- ``sparse_cancelled``: a deleted event (in incremental lists, ``showDeleted`` lists and
  ``events.get``) carries only ``id`` and ``status``, plus ``recurringEventId`` and
  ``originalStartTime`` for a cancelled occurrence ("Deleted events are only guaranteed to
  have the id field populated", Event.status).
- ``relist_exceptions``: a change to a series master changes its exceptions too (the fields
  they did not override take the master's new value) and lists them again in incremental
  syncs, cancelled ones included ("Clients should store these events for the lifetime of the
  parent recurring event").

Microsoft (attributes of ``MicrosoftEmulator``):
- ``page_limit``: ``calendarView/delta`` pages of at most this many items, whatever
  ``odata.maxpagesize`` asks (Graph may answer fewer items than the preference).
- ``bare_removed``: a deleted occurrence appears in the delta as ``{"id", "@removed"}`` only,
  and its series master is not listed again (delta query: removed items carry only ``id``
  and ``@removed``).
- ``batch_parallel``: Graph sends up to this many unordered steps of a ``$batch`` to Outlook
  at once, each holding one of the mailbox's 4 concurrent request slots (throttling limits:
  "Graph sends the Outlook service up to four individual requests from the batch at a time";
  Outlook service limits: 4 concurrent requests per app and mailbox).
- ``mailbox_contention``: the probability that other requests of the same app (another
  worker, another database with the same app registration) hold 1-4 of the mailbox's slots
  when a request or a batch wave arrives; a step or request that finds no slot is answered
  ``429 ApplicationThrottled`` "Application is over its MailboxConcurrency limit." with
  ``Retry-After``.

Both (``Notifier.mode``): ``p_drop`` / ``p_duplicate`` / ``p_reorder``, see
``emulator.notifier.NotifierMode``.
"""

import random

NASTY = {
    "google": {"page_limit": 3, "sparse_cancelled": True, "relist_exceptions": True},
    "microsoft": {
        "page_limit": 3,
        "bare_removed": True,
        "batch_parallel": 4,
        "mailbox_contention": 0.15,
    },
    "notifier": {"p_drop": 0.2, "p_duplicate": 0.2, "p_reorder": 0.2},
}


def set_nasty(emulator, seed=0, **overrides):
    """Turn every unkind behaviour on (``overrides``: ``{"google": {...}, ...}`` to change
    some values); returns the settings applied."""
    applied = {}
    for part, options in NASTY.items():
        values = dict(options, **overrides.get(part, {}))
        # one generator per part, so that one part's draws do not shift another's
        rng = random.Random(f"{seed}:{part}")
        if part == "notifier":
            with emulator.notifier._lock:
                target = emulator.notifier.mode
                target.chaos = rng
                for name, value in values.items():
                    setattr(target, name, value)
        else:
            target = emulator.providers[part]
            with emulator.lock:
                target.rng = rng
                for name, value in values.items():
                    setattr(target, name, value)
        applied[part] = values
    return applied
