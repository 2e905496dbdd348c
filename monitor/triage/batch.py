"""The values one triage batch works with: the queue items it creates (inserted in bulk at its
end), classifications as plain values, the alerts it writes and what each mention is checked
against. :mod:`monitor.triage.process` re-exports them.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from monitor.domain.decide import Decision
from monitor.domain.suppression import Suppression
from monitor.storage.models import (
    ClassificationRow,
    MentionRow,
    QueueItem,
    RosterEntry,
    ScoutSubmission,
    Silence,
    SpikeEvent,
)


@dataclass
class NewItem:
    """A queue item created in this batch: a plain value, inserted in bulk at the batch's end
    (building ORM rows one by one costs more than the rest of the pipeline)."""

    mention_id: int
    group_key: str
    light: str
    light_reasons: list[str]
    priority: str
    priority_score: float
    receivers: list[str]
    reasons: list[str]
    topic: str | None
    status: str
    scout_submitted: bool
    due_at: datetime | None
    created_at: datetime
    updated_at: datetime
    id: int | None = None
    assignee: str | None = None
    light_overridden_by: str | None = None
    mention_count: int = 1
    close_reason: str | None = None
    closed_at: datetime | None = None
    alert_state: dict[str, Any] = field(default_factory=dict)

    def row(self) -> dict[str, Any]:
        """The column values to insert."""
        return {k: v for k, v in vars(self).items() if k != "id"}


@dataclass(frozen=True)
class Cls:
    """A classification as the router and the alert payload read it (a plain value, not a row)."""

    mention_id: int
    label: str
    score: float
    scores: dict[str, float]
    model_id: str
    uncertain: bool
    supported: bool
    corrected: bool
    created_at: datetime
    red_score: float | None = None
    red_reason: str | None = None


Item = QueueItem | NewItem


@dataclass
class _Alert:
    item: Item
    row: MentionRow
    cls: ClassificationRow | Cls
    decision: Decision
    receiver: str
    first: bool
    sub: ScoutSubmission | None = None
    #: when it goes out (``group_wait`` / ``group_interval`` of the matched route)
    due: datetime | None = None
    #: what rose since the receiver's last alert for the group (``{"light"|"priority": <was>}``)
    rose_from: dict[str, str] | None = None
    #: a later alert that is news of its own (a rise, or a route alerting every member): a new
    #: message, not an update in the group's thread
    news: bool = False


@dataclass
class _MemberUpdate:
    """A member held as a repeat (no rise) on a route that batches by group, after the group's
    message went out: it is shown by one update per ``group_interval`` window (``due``)."""

    alert: _Alert
    due: datetime


@dataclass
class BatchContext:
    """What every mention of one batch is checked against (read once per batch), and what the
    batch writes in bulk at its end."""

    silences: list[Silence]
    spikes: list[SpikeEvent]
    counts: Counter[tuple[str, str]]
    items: dict[str, Item] = field(default_factory=dict)
    new_items: list[NewItem] = field(default_factory=list)
    members: list[tuple[Item, int]] = field(default_factory=list)
    alerts: list[_Alert] = field(default_factory=list)
    held: list[tuple[Item, int, str, Suppression]] = field(default_factory=list)
    #: members held as repeats (item, receiver, the mention, its index in ``held``): a message
    #: still waiting for them shows them (they are in it: their hold becomes ``grouped``)
    joined: list[tuple[Item, str, MentionRow, int]] = field(default_factory=list)
    #: members held as repeats on a batched route whose message has gone out: one update of the
    #: group's message per ``group_interval`` shows them (:class:`_MemberUpdate`)
    member_updates: list[_MemberUpdate] = field(default_factory=list)
    #: (item, post, its classification, the receivers it was held from (``alert_holds``' kind
    #: ``doubt``), the broad receivers it was shown to) of a post that may be confidential: the
    #: restricted receivers are asked to look
    doubts: list[tuple[Any, Any, Any, list[str], list[str]]] = field(default_factory=list)
    roster: dict[str, RosterEntry] | None = None
    #: why the rotation gave a new item (by group key) to its first holder, for its history
    assigned_why: dict[str, str] = field(default_factory=dict)
    #: the forwards of each mention first recorded in this batch, in the order they came (two sent
    #: seconds apart are decided in one batch: the alert names both)
    new_forwards: dict[int, list[ScoutSubmission]] = field(default_factory=dict)

    #: mentions of the batch that already belong to an item (decided again: a scout forwarded a
    #: post we had): they count once in the item's members
    known_members: set[int] = field(default_factory=set)

    def forwarded_with(self, mention_id: int, sub: ScoutSubmission | None) -> list[ScoutSubmission]:
        """The other forwards of ``mention_id`` first recorded in this batch beside ``sub`` (none
        without one)."""
        return [f for f in self.new_forwards.get(mention_id, []) if sub is not None and f.id != sub.id]
