"""Is the worker keeping up? Shared through the database, so every process's ``/healthz`` knows.

* A worker that fails a round records its streak of consecutive failed rounds and the time of the
  last one in ``metric_counter`` (rows ``worker_failing_streak`` and
  ``worker_last_failure_seconds``, label ``worker="host:pid"``), and counts the round in
  ``worker_round_failures_total``; its first good round deletes its streak rows. Only this
  worker writes its own rows, and a healthy worker writes nothing.
* The backlog is the oldest mention still ``new`` (stored, not yet classified and routed), by the
  time it was stored.

:func:`processing_checks` turns both into the ``worker`` and ``backlog`` checks of ``/healthz``.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlmodel import Session, col, func, select

from monitor.storage.models import MentionRow, MetricCounter
from monitor.storage.store import Store

STREAK = "worker_failing_streak"
LAST_FAILURE = "worker_last_failure_seconds"
FAILURES_TOTAL = "worker_round_failures_total"

#: A streak whose last failure is older than this is a worker that has gone away (killed while
#: failing); a live failing worker retries at least once a minute.
STALE_AFTER = timedelta(minutes=5)


def worker_id() -> str:
    """This process's worker name: ``host:pid``."""
    return f"{socket.gethostname()[:80]}:{os.getpid()}"


def _label(worker: str) -> str:
    safe = worker.replace("\\", "_").replace('"', "_").replace("\n", "_")[:180]
    return f'worker="{safe}"'


def _set(s: Session, name: str, labels: str, value: float) -> None:
    row = s.get(MetricCounter, (name, labels))
    if row is None:
        s.add(MetricCounter(name=name, labels=labels, value=value))
    else:
        row.value = value
        s.add(row)


def record_failure(store: Store, worker: str, *, streak: int, now: datetime) -> None:
    """Worker ``worker`` failed a round: its ``streak``-th in a row, at ``now``."""
    labels = _label(worker)
    with store.session() as s:
        store.incr(s, FAILURES_TOTAL, labels)
        _set(s, STREAK, labels, float(streak))
        _set(s, LAST_FAILURE, labels, now.timestamp())


def record_recovery(store: Store, worker: str) -> None:
    """Worker ``worker`` completed a round after failing: its streak is over."""
    labels = _label(worker)
    with store.session() as s:
        for name in (STREAK, LAST_FAILURE):
            row = s.get(MetricCounter, (name, labels))
            if row is not None:
                s.delete(row)


@dataclass(frozen=True)
class FailingWorker:
    """A worker whose last ``streak`` rounds failed, the last one at ``last_failure``."""

    worker: str
    streak: int
    last_failure: datetime


def failing_workers(store: Store, *, now: datetime, min_streak: int) -> list[FailingWorker]:
    """Workers with at least ``min_streak`` failed rounds in a row, the last within :data:`STALE_AFTER`."""
    with store.session() as s:
        rows = s.exec(select(MetricCounter).where(col(MetricCounter.name).in_([STREAK, LAST_FAILURE]))).all()
    streaks = {r.labels: int(r.value) for r in rows if r.name == STREAK}
    last = {r.labels: datetime.fromtimestamp(r.value, UTC) for r in rows if r.name == LAST_FAILURE}
    out = []
    for labels, streak in sorted(streaks.items()):
        at = last.get(labels)
        if streak >= min_streak and at is not None and now - at <= STALE_AFTER:
            out.append(FailingWorker(labels.removeprefix('worker="').removesuffix('"'), streak, at))
    return out


def oldest_unprocessed(store: Store) -> tuple[int, datetime | None]:
    """How many mentions wait for a worker, and when the oldest of them was stored."""
    with store.session() as s:
        n, oldest = s.exec(select(func.count(), func.min(MentionRow.fetched_at)).where(MentionRow.state == "new")).one()
    if oldest is not None and oldest.tzinfo is None:
        oldest = oldest.replace(tzinfo=UTC)
    return int(n), oldest


def processing_checks(store: Store, *, now: datetime, min_streak: int, backlog_max_age: timedelta
                      ) -> dict[str, dict[str, Any]]:
    """The ``worker`` and ``backlog`` checks of ``/healthz``: each ``ok`` false when it should
    make the service degraded and not ready."""
    failing = failing_workers(store, now=now, min_streak=min_streak)
    waiting, oldest = oldest_unprocessed(store)
    age = max(now - oldest, timedelta(0)) if oldest is not None else None
    return {
        "worker": {"ok": not failing, "failing": [
            {"worker": f.worker, "failed_rounds": f.streak, "last_failure_at": f.last_failure.isoformat()}
            for f in failing]},
        "backlog": {"ok": age is None or age <= backlog_max_age, "unprocessed": waiting,
                    "oldest_age_s": round(age.total_seconds()) if age is not None else None,
                    "max_age_s": round(backlog_max_age.total_seconds())},
    }
