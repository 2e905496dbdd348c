"""The outbox: notifications added in the triage transaction, claimed under a lease by the
senders, marked sent; and what delivery and the jobs read of it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, func, or_, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from monitor.storage._base import StoreBase
from monitor.storage.models import (
    AuditEvent,
    Notification,
)


@dataclass
class WaitingAlert:
    """An outbox alert not sent yet: its row id, content and when it goes out."""

    id: int
    payload: dict[str, Any]
    next_attempt_at: datetime | None


def backoff_delay(attempt: int, *, base: timedelta, cap: timedelta, jitter: float) -> timedelta:
    """Exponential backoff ``base * 2**(attempt-1)``, capped, times ``(1 + jitter)``; ``jitter``
    in [0, 1) comes from the caller so that the function stays pure."""
    seconds = min(cap.total_seconds(), base.total_seconds() * (2 ** max(attempt - 1, 0)))
    return timedelta(seconds=seconds * (1 + jitter))


class OutboxStore(StoreBase):
    """The notification outbox."""

    # ---- outbox ----------------------------------------------------------------------------------
    def enqueue(self, s: Session, *, key: str, receiver: str, kind: str, payload: dict[str, Any],
                now: datetime, channel: str | None = None, queue_item_id: int | None = None,
                due: datetime | None = None) -> bool:
        """Add a notification to the outbox unless one with ``key`` exists; True if added. It goes
        out at once, or at ``due`` (a message that gathers what comes until then)."""
        ids = self.insert_ignore(
            s, Notification,
            [{"idempotency_key": key, "receiver": receiver, "kind": kind, "channel": channel,
              "queue_item_id": queue_item_id, "payload": json.loads(json.dumps(payload, default=str)),
              "status": "pending", "attempts": 0, "next_attempt_at": due or now, "created_at": now}],
            ["idempotency_key"], returning=Notification.id,
        )
        return bool(ids)

    def due_notifications(self, s: Session, *, now: datetime, limit: int) -> list[Notification]:
        """Lock pending (and crashed mid-send) notifications whose time has come, oldest first."""
        q = (
            select(Notification)
            .where(col(Notification.status).in_(("pending", "sending")))
            .where(or_(col(Notification.next_attempt_at).is_(None), col(Notification.next_attempt_at) <= now))
            .order_by(col(Notification.id))
            .limit(limit)
        )
        if self.dialect == "postgresql":
            q = q.with_for_update(skip_locked=True)
        return list(s.exec(q).all())

    def next_notification_at(self, s: Session) -> datetime | None:
        """When the earliest pending (or crashed mid-send) notification is due; None when the
        outbox is empty (a row without a time is due now: the minimum of its creation)."""
        t = Notification.__table__  # type: ignore[attr-defined]
        row = s.connection().execute(
            sa_select(func.min(func.coalesce(t.c.next_attempt_at, t.c.created_at)))
            .where(t.c.status.in_(("pending", "sending")))).first()
        return row[0] if row else None

    def lease_notifications(self, s: Session, ids: Sequence[int], *, until: datetime) -> None:
        """Mark claimed notifications ``sending``, count the attempt and set the lease (one statement)."""
        if not ids:
            return
        if self.dialect == "postgresql":
            s.connection().exec_driver_sql(
                "UPDATE notification SET status = 'sending', attempts = attempts + 1, next_attempt_at = %(until)s "
                "WHERE id = ANY(%(ids)b::integer[])", {"until": until, "ids": list(ids)})
            return
        t = Notification.__table__  # type: ignore[attr-defined]
        s.connection().execute(update(t).where(t.c.id.in_(list(ids))).values(
            status="sending", attempts=t.c.attempts + 1, next_attempt_at=until))

    def mark_sent(self, s: Session, sent: Sequence[tuple[int, str | None]], *, at: datetime) -> set[int]:
        """Record ``(id, external_ref)`` deliveries of rows still ``sending``; returns the ids that
        were (a row another worker took over after the lease ran out is left alone)."""
        if not sent:
            return set()
        if self.dialect == "postgresql":
            rows = s.connection().exec_driver_sql(
                "UPDATE notification SET status = 'sent', sent_at = %(at)s, external_ref = v.ref "
                "FROM unnest(%(ids)b::integer[], %(refs)b::text[]) AS v(id, ref) "
                "WHERE notification.id = v.id AND notification.status = 'sending' RETURNING notification.id",
                {"at": at, "ids": [i for i, _ in sent], "refs": [r for _, r in sent]}).all()
            return {int(r[0]) for r in rows}
        t = Notification.__table__  # type: ignore[attr-defined]
        stmt = update(t).where(t.c.id == bindparam("nid"), t.c.status == "sending").values(
            status="sent", sent_at=at, external_ref=bindparam("ref"))
        conn = s.connection()
        return {i for i, ref in sent if conn.execute(stmt, {"nid": i, "ref": ref}).rowcount == 1}

    def notifications(self, *, kind: str | None = None, status: str | None = None) -> list[Notification]:
        """Notifications (for tests, the health page and the digest)."""
        with self.session() as s:
            q = select(Notification).order_by(col(Notification.id))
            if kind:
                q = q.where(Notification.kind == kind)
            if status:
                q = q.where(Notification.status == status)
            return list(s.exec(q).all())

    # ---- what delivery reads ---------------------------------------------------------------------
    def first_alerts(self, s: Session, item_ids: Sequence[int]) -> dict[tuple[int, str], Notification]:
        """The first alert of each (queue item, receiver) among ``item_ids``: updates thread under it."""
        out: dict[tuple[int, str], Notification] = {}
        if not item_ids:
            return out
        for a in s.exec(select(Notification).where(self.among(col(Notification.queue_item_id), item_ids),
                                                   Notification.kind == "alert").order_by(col(Notification.id))):
            out.setdefault((a.queue_item_id or 0, a.receiver), a)
        return out

    def notifications_by_keys(self, s: Session, keys: Sequence[str]) -> dict[str, Notification]:
        """Outbox rows by idempotency key (those that exist)."""
        if not keys:
            return {}
        return {n.idempotency_key: n for n in s.exec(
            select(Notification).where(col(Notification.idempotency_key).in_(list(keys))))}

    def latest_itemless(self, s: Session, *, receiver: str, key_prefix: str) -> Notification | None:
        """The newest outbox row of ``receiver`` itself (not a target copy) that is about no single
        queue item (a crisis backlog, a spike, a health notice) and whose idempotency key starts
        with ``key_prefix``. The index on ``queue_item_id`` finds these rows without reading the
        alerts, so a job may ask every minute."""
        return s.exec(select(Notification).where(
            col(Notification.queue_item_id).is_(None), col(Notification.receiver) == receiver,
            col(Notification.channel).is_(None),
            col(Notification.idempotency_key).startswith(key_prefix, autoescape=True))
            .order_by(col(Notification.id).desc()).limit(1)).first()

    def prune_pending(self, s: Session, *, key_prefix: str, item_id: int,
                      without: Callable[[dict[str, Any]], dict[str, Any] | None]) -> list[str]:
        """Take ``item_id`` out of the messages not sent yet whose key starts with ``key_prefix``
        and whose payload lists it (``items``): each is rewritten with ``without(payload)``, or
        ``cancelled`` (never sent) when that is None. Returns the keys of the messages changed."""
        rows = s.exec(select(Notification).where(
            col(Notification.status) == "pending", col(Notification.channel).is_(None),
            col(Notification.idempotency_key).startswith(key_prefix, autoescape=True))).all()
        changed: list[str] = []
        for n in rows:
            payload = n.payload if isinstance(n.payload, dict) else {}
            if not any(isinstance(it, dict) and it.get("item_id") == item_id for it in payload.get("items", [])):
                continue
            new = without(payload)
            if new is None:
                s.execute(update(Notification).where(col(Notification.id) == n.id,
                                                     col(Notification.status) == "pending").values(status="cancelled"))
            elif n.id is not None:
                self.rewrite_pending(s, n.id, new)
            changed.append(n.idempotency_key)
        return changed

    def rewrite_pending(self, s: Session, notification_id: int, payload: dict[str, Any]) -> bool:
        """Change the payload of an outbox row that is not sent yet and not being sent (``pending``,
        a failed attempt or not); False when it was claimed or sent meanwhile."""
        result = s.execute(update(Notification).where(
            col(Notification.id) == notification_id, col(Notification.status) == "pending")
            .values(payload=json.loads(json.dumps(payload, default=str))))
        return bool(getattr(result, "rowcount", 0))

    def held_by_spikes(self, s: Session, keys: Sequence[str]) -> dict[str, tuple[int, int]]:
        """For each spike key: how many alerts its inhibition held back, and about how many items."""
        if not keys:
            return {}
        ref = AuditEvent.details["ref"].as_string()  # type: ignore[index]
        rows = s.exec(select(ref, func.count(), func.count(func.distinct(AuditEvent.object_id)))  # type: ignore[call-overload]
                      .where(col(AuditEvent.action) == "alert.inhibited", ref.in_(list(keys))).group_by(ref)).all()
        return {str(k): (int(n), int(items)) for k, n, items in rows}

    def held_by_spikes_for(self, s: Session, keys: Sequence[str]) -> dict[tuple[str, str], tuple[int, int]]:
        """For each (spike key, receiver): how many of that receiver's alerts the spike's
        inhibition held back, and about how many items."""
        if not keys:
            return {}
        ref = AuditEvent.details["ref"].as_string()  # type: ignore[index]
        rcv = AuditEvent.details["receiver"].as_string()  # type: ignore[index]
        rows = s.exec(select(ref, rcv, func.count(), func.count(func.distinct(AuditEvent.object_id)))  # type: ignore[call-overload]
                      .where(col(AuditEvent.action) == "alert.inhibited", ref.in_(list(keys)))
                      .group_by(ref, rcv)).all()
        return {(str(k), str(r)): (int(n), int(items)) for k, r, n, items in rows}

    def notifications_by_ids(self, s: Session, ids: Sequence[int]) -> dict[int, Notification]:
        """Outbox rows by id."""
        if not ids:
            return {}
        return {n.id or 0: n for n in s.exec(select(Notification).where(col(Notification.id).in_(list(ids))))}

    def alerted_receivers(self, s: Session, item_id: int | None) -> list[str]:
        """The receivers that got a first alert for ``item_id``, sorted."""
        rows = s.exec(select(Notification.receiver).where(Notification.queue_item_id == item_id,
                                                          Notification.kind == "alert")).all()
        return sorted(set(rows))

    # ---- alerts still waiting --------------------------------------------------------------------
    def waiting_alerts(self, s: Session, item_ids: Sequence[int]) -> dict[tuple[int, str], WaitingAlert]:
        """Mention alerts of these items still waiting in the outbox (pending, never tried), by
        (item, receiver): the newest one per pair. A message already being sent is not waiting."""
        if not item_ids:
            return {}
        rows = s.execute(sa_select(Notification.id, Notification.queue_item_id, Notification.receiver,  # type: ignore[call-overload]
                                   Notification.payload, Notification.next_attempt_at).where(
            col(Notification.queue_item_id).in_(list(item_ids)), col(Notification.status) == "pending",
            col(Notification.attempts) == 0, col(Notification.kind).in_(("alert", "update")),
            col(Notification.channel).is_(None))  # the receiver's own row; target copies are made when it is sent
            .order_by(col(Notification.id))).all()
        return {(item or 0, rcv): WaitingAlert(nid or 0, dict(payload or {}), at) for nid, item, rcv, payload, at in rows}

    def cancel_waiting(self, s: Session, notification_id: int) -> bool:
        """Cancel a waiting outbox row (never sent) if it is still waiting; False when a sender
        claimed it meanwhile."""
        result = s.execute(update(Notification).where(
            col(Notification.id) == notification_id, col(Notification.status) == "pending",
            col(Notification.attempts) == 0).values(status="cancelled"))
        return bool(getattr(result, "rowcount", 0))

    def update_waiting(self, s: Session, notification_id: int, payload: dict[str, Any],
                       next_attempt_at: datetime | None = None) -> bool:
        """Change a waiting outbox row's payload (and time) if it is still waiting; False when a
        sender claimed it meanwhile (then the caller sends a message of its own)."""
        values: dict[str, Any] = {"payload": payload}
        if next_attempt_at is not None:
            values["next_attempt_at"] = next_attempt_at
        result = s.execute(update(Notification).where(
            col(Notification.id) == notification_id, col(Notification.status) == "pending",
            col(Notification.attempts) == 0).values(**values))
        return bool(getattr(result, "rowcount", 0))
