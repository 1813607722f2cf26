"""Busy mirroring: the block a source event becomes in another calendar, and its mark.

A rule (``calendar.sync.mirror``) writes each busy source event as a block into a target
calendar at one of three privacy levels. Nothing of the source beyond the level leaves:

- ``busy``: "Busy", the times (all-day stays all-day), private, busy;
- ``title``: the same with the source's title;
- ``full``: the same with its description and location too.

Never guests, never a meeting: a block mails nobody. Each block carries a mark at the provider
(Google ``extendedProperties.private``, Graph a single-value extended property and the create's
``transactionId``) so that no pull ever takes it for a real event and no rule mirrors it again.
"""

import hashlib
import json

from .neutral import NeutralEvent, canonical

PRIVACY_LEVELS = ("busy", "title", "full")
# the key of the mark (Google private extended property; Graph extended property name)
MARK_KEY = "ccsMirror"
# Graph: a custom single-value property of type String in our own property set
GRAPH_PROPERTY_SET = "{1c0b7a5e-3f47-4c1e-9d55-6a2f0e8c3b11}"
GRAPH_MARK_ID = f"String {GRAPH_PROPERTY_SET} Name {MARK_KEY}"
# Graph's delta cannot $expand extended properties: a block's transactionId says it too
TRANSACTION_PREFIX = "ccsmirror-"
BUSY_TITLE = "Busy"


def mark(db_uuid, rule_id, source_key):
    """What a block carries at the provider: the database, the rule and the source event."""
    return f"{db_uuid}:{rule_id}:{source_key}"


def parse_mark(value):
    """``(db_uuid, rule_id, source_key)`` of a mark; None when it is not one of ours."""
    parts = (value or "").split(":", 2)
    if len(parts) != 3 or not parts[1].isdigit() or not parts[0] or not parts[2]:
        return None
    return parts[0], int(parts[1]), parts[2]


def block_id(mark_value):
    """The id a block is created with: Google's client-chosen event id (base32hex: hex is) and
    Graph's transactionId, so a retried create never makes a second block."""
    return hashlib.sha256(mark_value.encode()).hexdigest()[:40]


def transaction_id(mark_value):
    return TRANSACTION_PREFIX + block_id(mark_value)


def block_event(source: NeutralEvent, privacy: str) -> NeutralEvent:
    """The block ``source`` becomes at ``privacy``: only what the level lets out."""
    if privacy not in PRIVACY_LEVELS:
        raise ValueError(f"privacy must be one of {', '.join(PRIVACY_LEVELS)}; got {privacy!r}")
    shown = privacy in ("title", "full")
    return NeutralEvent(
        title=(source.title or BUSY_TITLE) if shown else BUSY_TITLE,
        start=source.start,
        end=source.end,
        all_day=source.all_day,
        timezone=source.timezone,
        description=source.description if privacy == "full" else "",
        location=source.location if privacy == "full" else "",
        show_as="busy",
        privacy="private",
    )


def block_hash(event: NeutralEvent, mark_value: str) -> str:
    """What was written: the block's fields and its mark (a new level or rule rewrites it)."""
    text = json.dumps(
        {"event": canonical(event), "mark": mark_value}, sort_keys=True, separators=(",", ":")
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
