"""What to do with one bound event, given its last synced state, Odoo's and the provider's.

The same decision serves a pull (the provider's version arrives) and a push answered by 412
(the provider's version is fetched). Hashes decide who changed what since the last sync;
when both sides changed, the three-way merge decides field by field (DESIGN.md rules 1 and 4).
"""

from dataclasses import dataclass, field

from .merge import three_way_merge
from .neutral import NeutralEvent, sync_hash

NOOP = "noop"  # both sides agree: only remember the provider's version as the new base
APPLY_REMOTE = "apply_remote"  # only the provider changed: write it to Odoo
PUSH = "push"  # only Odoo changed: send it
MERGE = "merge"  # both changed different fields: write the merge where it differs
CONFLICT = "conflict"  # both changed the same field differently: the user decides
DELETE_LOCAL = "delete_local"  # deleted remotely, unchanged in Odoo
RECREATE_REMOTE = "recreate_remote"  # deleted remotely, but edited in Odoo since: keep it
PUSH_DELETE = "push_delete"  # deleted in Odoo: delete remotely
DROP = "drop"  # deleted on both sides: forget the binding


class OccurrenceGone(Exception):
    """An occurrence edited on one side was cancelled on the other: no series takes it back."""


@dataclass(frozen=True)
class Decision:
    action: str
    # the event both sides should end up with (None for deletions)
    event: NeutralEvent | None = None
    apply_local: bool = False
    push: bool = False
    conflicts: dict = field(default_factory=dict)


def reconcile(base, local, remote_event, remote_deleted=False):
    """``base``: last synced NeutralEvent (None: never synced); ``local``: Odoo's now (None:
    deleted in Odoo); ``remote_event``: the provider's now (ignored when ``remote_deleted``)."""
    base_hash = sync_hash(base) if base else None
    local_hash = sync_hash(local) if local else None
    if remote_deleted:
        if local is None:
            return Decision(DROP)
        if base is not None and local_hash == base_hash:
            return Decision(DELETE_LOCAL)
        return Decision(RECREATE_REMOTE, event=local, push=True)
    if local is None:
        return Decision(PUSH_DELETE, push=True)
    remote_hash = sync_hash(remote_event)
    if remote_hash == local_hash:
        return Decision(NOOP, event=remote_event)
    if base is not None and remote_hash == base_hash:
        return Decision(PUSH, event=local, push=True)
    if base is not None and local_hash == base_hash:
        return Decision(APPLY_REMOTE, event=remote_event, apply_local=True)
    result = three_way_merge(base, local, remote_event)
    merged_hash = sync_hash(result.merged)
    apply_local = merged_hash != local_hash
    if result.conflicts:
        # what merged cleanly is applied; conflicting fields keep Odoo's value until resolved
        return Decision(
            CONFLICT, event=result.merged, apply_local=apply_local, conflicts=result.conflicts
        )
    return Decision(
        MERGE, event=result.merged, apply_local=apply_local, push=merged_hash != remote_hash
    )
