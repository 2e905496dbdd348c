"""Read-only queries the pages need beyond :class:`monitor.store.Store` (one item, its steps,
dashboard aggregates). Writes never happen here: state changes go through ``QueueActions``
and ``Pipeline.submit_scout``.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import col, select

from monitor.clock import utc
from monitor.models import (
    ClassificationRow,
    ConnectorState,
    EscalationStep,
    MentionRow,
    QueueItem,
    QueueItemMention,
    SpikeEvent,
)
from monitor.store import Store


def get_item(store: Store, item_id: int) -> tuple[QueueItem, MentionRow] | None:
    """One queue item with its first mention."""
    with store.session() as s:
        row = s.exec(select(QueueItem, MentionRow).join(MentionRow, col(MentionRow.id) == QueueItem.mention_id)
                     .where(QueueItem.id == item_id)).first()
        return (row[0], row[1]) if row else None


def item_for_mention(store: Store, mention_id: int) -> QueueItem | None:
    """The queue item a mention belongs to, if any."""
    with store.session() as s:
        link = s.exec(select(QueueItemMention).where(QueueItemMention.mention_id == mention_id)).first()
        if link is not None:
            return s.get(QueueItem, link.queue_item_id)
        return s.exec(select(QueueItem).where(QueueItem.mention_id == mention_id)).first()


def mention(store: Store, mention_id: int) -> MentionRow | None:
    """One mention."""
    with store.session() as s:
        return s.get(MentionRow, mention_id)


def escalation_steps(store: Store, item_id: int) -> list[EscalationStep]:
    """The escalation steps taken for an item, in order."""
    with store.session() as s:
        return list(s.exec(select(EscalationStep).where(EscalationStep.queue_item_id == item_id)
                           .order_by(col(EscalationStep.level))).all())


def sources(store: Store) -> list[str]:
    """The sources that have queue items."""
    with store.session() as s:
        q = select(MentionRow.source).join(QueueItem, col(QueueItem.mention_id) == MentionRow.id).distinct()
        return sorted(str(x) for x in s.exec(q).all())


@dataclass
class Dashboard:
    """What the dashboard shows."""

    days: list[str]
    by_sentiment: dict[str, list[int]]
    by_source: dict[str, list[int]]
    open_count: int
    overdue_count: int
    response: list[dict[str, object]]
    spikes: list[SpikeEvent]
    connectors: list[ConnectorState]
    total: int


def dashboard(store: Store, *, now: datetime, days: int, targets: Mapping[str, timedelta]) -> Dashboard:
    """Mentions per day by sentiment and source, open and overdue items, response times."""
    start = (now - timedelta(days=days - 1)).replace(hour=0, minute=0, second=0, microsecond=0)
    labels = [(start + timedelta(days=i)).strftime("%m-%d") for i in range(days)]
    by_sent: dict[str, list[int]] = {k: [0] * days for k in ("negative", "neutral", "positive")}
    by_src: dict[str, list[int]] = defaultdict(lambda: [0] * days)
    total = 0
    with store.session() as s:
        rows = s.exec(select(MentionRow.created_at, MentionRow.source, ClassificationRow.label)
                      .join(ClassificationRow, col(ClassificationRow.mention_id) == MentionRow.id, isouter=True)
                      .where(MentionRow.created_at >= start)).all()
        for created, source, label in rows:
            i = (utc(created) - start).days
            if 0 <= i < days:
                total += 1
                by_sent.setdefault(label or "neutral", [0] * days)[i] += 1
                by_src[source][i] += 1
        items = list(s.exec(select(QueueItem)).all())
        spikes = list(s.exec(select(SpikeEvent).order_by(col(SpikeEvent.started_at).desc()).limit(10)).all())
        states = list(s.exec(select(ConnectorState).order_by(ConnectorState.source_name)).all())
    open_items = [q for q in items if q.status in ("new", "assigned", "acknowledged")]
    overdue = [q for q in open_items if q.status != "acknowledged" and q.due_at and utc(q.due_at) < now]
    waits: dict[str, list[float]] = defaultdict(list)
    met: Counter[str] = Counter()
    for q in items:
        if q.acknowledged_at is None:
            continue
        wait = utc(q.acknowledged_at) - utc(q.created_at)
        waits[q.priority].append(wait.total_seconds() / 3600)
        if q.due_at is None or utc(q.acknowledged_at) <= utc(q.due_at):
            met[q.priority] += 1
    response: list[dict[str, object]] = []
    for prio in ("urgent", "high", "normal", "low"):
        hours = sorted(waits.get(prio, []))
        target = targets.get(prio)
        response.append({
            "priority": prio, "count": len(hours),
            "median_h": hours[len(hours) // 2] if hours else None,
            "target_h": target.total_seconds() / 3600 if target else None,
            "met": met[prio],
        })
    return Dashboard(days=labels, by_sentiment=by_sent, by_source=dict(by_src), open_count=len(open_items),
                     overdue_count=len(overdue), response=response, spikes=spikes, connectors=states, total=total)
