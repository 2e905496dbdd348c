"""The reads behind /metrics, and histograms kept as shared counters.

Every read here is one aggregate query (``COUNT``, ``SUM`` and one ``SUM(CASE ...)`` per bucket,
grouped by a label): a scrape never loads table rows into the process, whatever the tables hold.
Durations are computed in SQL from stored timestamps (``epoch``), so the histograms of fetch ->
alert latency and time to acknowledge need no extra writes; the classification time per batch is
measured by the worker and kept, like the other counters, in ``metric_counter`` rows
(``<name>_bucket{le="..."}``, ``<name>_sum``, ``<name>_count``; see :func:`observe`).
"""

from __future__ import annotations

from collections.abc import MutableMapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, extract, func, literal
from sqlalchemy import select as sql_select
from sqlmodel import col, select

from monitor.storage.models import ConnectorState, MentionRow, MetricCounter, Notification, QueueItem
from monitor.storage.store import DAILY_COUNT, Store

#: Counters that are retained data, not metrics (the daily aggregates that retention keeps, and
#: the dashboard's hourly counts).
NOT_METRICS = ("daily_mentions", "deleted_reach", DAILY_COUNT)

#: The histogram the worker records: seconds the sentiment model took per batch.
CLASSIFICATION_SECONDS = "classification_batch_seconds"
CLASSIFICATION_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


@dataclass(frozen=True)
class Buckets:
    """Cumulative bucket counts of one histogram series: ``counts[i]`` observations <= ``bounds[i]``."""

    bounds: tuple[float, ...]
    counts: tuple[float, ...]
    total: float
    sum: float


def le(bound: float) -> str:
    """A bucket bound as Prometheus writes it (``0.5``, ``60.0``, ``+Inf``)."""
    return "+Inf" if bound == float("inf") else repr(float(bound))


def observe(counts: MutableMapping[tuple[str, str], Any], name: str, value: float, bounds: Sequence[float]) -> None:
    """Add one observation of histogram ``name`` to a batch's counter increments (``Store.incr_many``):
    every bucket ``le >= value``, ``+Inf``, ``_sum`` and ``_count``."""
    for b in bounds:
        if value <= b:
            counts[f"{name}_bucket", f'le="{le(b)}"'] = counts.get((f"{name}_bucket", f'le="{le(b)}"'), 0.0) + 1
    counts[f"{name}_bucket", 'le="+Inf"'] = counts.get((f"{name}_bucket", 'le="+Inf"'), 0.0) + 1
    counts[f"{name}_sum", ""] = counts.get((f"{name}_sum", ""), 0.0) + value
    counts[f"{name}_count", ""] = counts.get((f"{name}_count", ""), 0.0) + 1


def observe_classification(counts: MutableMapping[tuple[str, str], Any], seconds: float) -> None:
    """Record one batch's classification time with the batch's other counters."""
    observe(counts, CLASSIFICATION_SECONDS, seconds, CLASSIFICATION_BUCKETS)


def counters(store: Store) -> list[tuple[str, str, float]]:
    """``(name, labels, value)`` of every shared counter that is a metric (one small table)."""
    with store.session() as s:
        rows = s.exec(select(MetricCounter.name, MetricCounter.labels, MetricCounter.value)
                      .where(col(MetricCounter.name).not_in(NOT_METRICS))
                      .order_by(col(MetricCounter.name), col(MetricCounter.labels))).all()
    return [(str(n), str(lb), float(v)) for n, lb, v in rows]


def _epoch(store: Store, column: Any) -> Any:
    """Seconds since 1970 of a timestamp column, in SQL (PostgreSQL ``extract``; SQLite ``julianday``)."""
    if store.dialect == "postgresql":
        return extract("epoch", column)
    return (func.julianday(column) - 2440587.5) * 86400.0


def _bucket_columns(value: Any, bounds: Sequence[float]) -> list[Any]:
    return [func.count(), func.coalesce(func.sum(value), 0.0),
            *(func.coalesce(func.sum(case((value <= b, 1), else_=0)), 0) for b in bounds)]


def _series(row: Sequence[Any], bounds: Sequence[float]) -> Buckets:
    total, sum_, *counts = row
    return Buckets(tuple(bounds), tuple(float(c or 0) for c in counts), float(total or 0), float(sum_ or 0.0))


def fetch_to_alert(store: Store, bounds: Sequence[float]) -> dict[str, Buckets]:
    """Per receiver: seconds from fetching an item's first mention to that receiver's first alert
    being sent (``notification.kind = 'alert'``, sent)."""
    latency = _epoch(store, col(Notification.sent_at)) - _epoch(store, col(MentionRow.fetched_at))
    q = (sql_select(col(Notification.receiver), *_bucket_columns(latency, bounds))
         .select_from(Notification)
         .join(QueueItem, col(QueueItem.id) == col(Notification.queue_item_id))
         .join(MentionRow, col(MentionRow.id) == col(QueueItem.mention_id))
         .where(col(Notification.kind) == "alert", col(Notification.status) == "sent",
                col(Notification.sent_at).is_not(None))
         .group_by(col(Notification.receiver)))
    with store.session() as s:
        return {str(r[0]): _series(r[1:], bounds) for r in s.execute(q).all()}


def time_to_acknowledge(store: Store, bounds: Sequence[float]) -> dict[str, Buckets]:
    """Per priority: seconds from a queue item's creation to its acknowledgement."""
    waited = _epoch(store, col(QueueItem.acknowledged_at)) - _epoch(store, col(QueueItem.created_at))
    q = (sql_select(col(QueueItem.priority), *_bucket_columns(waited, bounds))
         .where(col(QueueItem.acknowledged_at).is_not(None))
         .group_by(col(QueueItem.priority)))
    with store.session() as s:
        return {str(r[0]): _series(r[1:], bounds) for r in s.execute(q).all()}


def outbox(store: Store, now: datetime, bounds: Sequence[float]) -> tuple[Buckets, float]:
    """The pending outbox now: its age distribution (a gauge histogram; ``total`` is the number of
    pending notifications, one ``COUNT``) and the age of the oldest, in seconds (0 when empty)."""
    age = literal(now.timestamp()) - _epoch(store, col(Notification.created_at))
    q = sql_select(*_bucket_columns(age, bounds), func.coalesce(func.max(age), 0.0)).where(col(Notification.status) == "pending")
    with store.session() as s:
        row = s.execute(q).one()
    return _series(row[:-1], bounds), max(float(row[-1] or 0.0), 0.0)


def outbox_counts(store: Store) -> dict[str, int]:
    """Notifications per status (``GROUP BY``)."""
    with store.session() as s:
        rows = s.exec(select(Notification.status, func.count()).group_by(Notification.status)).all()
    return {str(k): int(v) for k, v in rows}


def source_health(store: Store) -> list[tuple[str, bool]]:
    """``(source, healthy)`` of every source with a stored state."""
    with store.session() as s:
        rows = s.exec(select(ConnectorState.source_name, ConnectorState.healthy)
                      .order_by(col(ConnectorState.source_name))).all()
    return [(str(n), bool(h)) for n, h in rows]


__all__ = ["CLASSIFICATION_BUCKETS", "CLASSIFICATION_SECONDS", "NOT_METRICS", "Buckets", "counters", "fetch_to_alert", "le", "observe", "observe_classification", "outbox", "outbox_counts",
           "source_health", "time_to_acknowledge"]
