"""Reads for ``scout rules backtest``: stored mentions with their classification and the scout
submission that brought them in, as the backtest replays them through the rules."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import col, select

from monitor.storage.models import AuditEvent, ClassificationRow, MentionRow, ScoutSubmission
from monitor.storage.store import Store


@dataclass(frozen=True)
class StoredMention:
    """One stored mention, its classification (None before the worker saw it) and the first
    scout submission of it (None unless a colleague submitted it)."""

    row: MentionRow
    classification: ClassificationRow | None
    submission: ScoutSubmission | None


def mentions_for_replay(store: Store, since: datetime) -> list[StoredMention]:
    """Mentions created at or after ``since`` and not deleted, oldest first (then by id)."""
    with store.session() as s:
        q = (
            select(MentionRow, ClassificationRow)
            .join(ClassificationRow, col(ClassificationRow.mention_id) == col(MentionRow.id), isouter=True)
            .where(col(MentionRow.created_at) >= since, col(MentionRow.deleted_at).is_(None))
            .order_by(col(MentionRow.created_at), col(MentionRow.id))
        )
        pairs = list(s.exec(q).all())
        subs: dict[int, ScoutSubmission] = {}
        q_subs = select(ScoutSubmission).where(col(ScoutSubmission.mention_id).is_not(None))
        for sub in s.exec(q_subs.order_by(col(ScoutSubmission.id))).all():
            if sub.mention_id is not None:
                subs.setdefault(sub.mention_id, sub)
    return [StoredMention(row, cl, subs.get(row.id) if row.id is not None else None) for row, cl in pairs]


__all__ = ["StoredMention", "mentions_for_replay"]


def reopening_mentions(store: Store, since: datetime, reason: str) -> frozenset[tuple[str, str]]:
    """``(source, external_id)`` of the mentions that reopened their queue item since ``since``
    for ``reason`` (brand-scout's ``queue.reopen``: a customer's reply after our response)."""
    with store.session() as s:
        ids = {int(str(d["mention_id"])) for d in s.exec(
            select(AuditEvent.details).where(col(AuditEvent.action) == "queue.reopen", col(AuditEvent.at) >= since))
            if isinstance(d, dict) and d.get("reason") == reason and str(d.get("mention_id") or "").isdigit()}
        if not ids:
            return frozenset()
        rows = s.exec(select(MentionRow.source, MentionRow.external_id).where(col(MentionRow.id).in_(sorted(ids))))
        return frozenset((src, ext) for src, ext in rows.all())
