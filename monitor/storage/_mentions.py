"""Stored mentions as the worker, the jobs and the pages read them: lookups, the worker's
claims, routing marks, classifications and their corrections, retention.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import bindparam, func, or_, update
from sqlmodel import Session, col, select

from monitor.storage._base import DAILY_COUNT, StoreBase, day_labels
from monitor.storage.models import (
    ClassificationRow,
    MentionRow,
    QueueItem,
    QueueItemMention,
    SentimentCorrection,
)
from monitor.vocab import LIGHT_RANK


class MentionStore(StoreBase):
    """Mention lookups and claims, classifications and corrections, volume reads, retention."""

    # ---- mention lookups -------------------------------------------------------------------------
    def mentions_by_ids(self, ids: Sequence[int]) -> list[MentionRow]:
        """Mentions by primary key, in id order."""
        if not ids:
            return []
        with self.session() as s:
            return list(s.exec(select(MentionRow).where(col(MentionRow.id).in_(ids)).order_by(col(MentionRow.id))).all())

    def find_mention(self, source: str, external_id: str) -> MentionRow | None:
        """The stored mention for ``(source, external_id)``, if any."""
        with self.session() as s:
            return s.exec(
                select(MentionRow).where(MentionRow.source == source, MentionRow.external_id == external_id)
            ).first()

    def mention_id_in(self, s: Session, source: str, external_id: str) -> int | None:
        """The id of the mention ``(source, external_id)`` as session ``s`` sees it (None: not stored)."""
        return s.exec(select(MentionRow.id).where(MentionRow.source == source,
                                                  MentionRow.external_id == external_id)).first()

    def find_mention_by_url(self, url: str) -> MentionRow | None:
        """The first stored mention whose URL is ``url``."""
        with self.session() as s:
            return s.exec(select(MentionRow).where(MentionRow.url == url).order_by(col(MentionRow.id))).first()

    def mentions_with_url_containing(self, fragment: str, limit: int = 50) -> list[MentionRow]:
        """Stored mentions whose URL contains ``fragment`` (a post's path), oldest first."""
        escaped = fragment.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        with self.session() as s:
            return list(s.exec(select(MentionRow).where(col(MentionRow.url).like(f"%{escaped}%", escape="\\"))
                               .order_by(col(MentionRow.id)).limit(limit)).all())

    def count_mentions(self, state: str | None = None) -> int:
        """How many mentions are stored (optionally in one pipeline state)."""
        with self.session() as s:
            q = select(func.count()).select_from(MentionRow)
            if state:
                q = q.where(MentionRow.state == state)
            return int(s.exec(q).one())

    # ---- worker claims ---------------------------------------------------------------------------
    def claim_new(self, s: Session, limit: int) -> list[MentionRow]:
        """Lock up to ``limit`` mentions in state ``new`` inside session ``s``.

        On PostgreSQL ``FOR UPDATE SKIP LOCKED`` lets several workers share the work; on SQLite
        the transaction's write lock does the same job.
        """
        q = select(MentionRow).where(MentionRow.state == "new").order_by(col(MentionRow.id)).limit(limit)
        if self.dialect == "postgresql":
            q = q.with_for_update(skip_locked=True)
        return list(s.exec(q).all())

    def claim_ids(self, s: Session, ids: Sequence[int]) -> list[MentionRow]:
        """Lock the mentions ``ids`` that are still ``new`` inside session ``s`` (a split batch)."""
        q = select(MentionRow).where(col(MentionRow.id).in_(list(ids)), MentionRow.state == "new").order_by(
            col(MentionRow.id))
        if self.dialect == "postgresql":
            q = q.with_for_update(skip_locked=True)
        return list(s.exec(q).all())

    def mark_routed(self, s: Session, pairs: Sequence[tuple[int, str]]) -> None:
        """Set ``state='routed'`` and the group key of the batch's mentions (one statement)."""
        if not pairs:
            return
        if self.dialect == "postgresql":
            s.connection().exec_driver_sql(
                "UPDATE mention SET state = 'routed', group_key = v.gk "
                "FROM unnest(%(ids)b::integer[], %(gks)b::text[]) AS v(id, gk) WHERE mention.id = v.id",
                {"ids": [p[0] for p in pairs], "gks": [p[1] for p in pairs]})
            return
        t = MentionRow.__table__  # type: ignore[attr-defined]
        s.connection().execute(
            update(t).where(t.c.id == bindparam("mid")).values(state="routed", group_key=bindparam("gk")),
            [{"mid": i, "gk": g} for i, g in pairs])

    # ---- classification and corrections ----------------------------------------------------------
    def classification_for(self, mention_id: int) -> ClassificationRow | None:
        """The current classification of a mention."""
        with self.session() as s:
            return s.exec(select(ClassificationRow).where(ClassificationRow.mention_id == mention_id)).first()

    def correct_sentiment(self, mention_id: int, label: str, *, by: str, now: datetime) -> None:
        """Store a correction (who, when) and make it the mention's label at once."""
        if label not in ("negative", "neutral", "positive"):
            raise ValueError(f"unknown sentiment label {label!r}")
        with self.session() as s:
            row = s.exec(select(ClassificationRow).where(ClassificationRow.mention_id == mention_id)).first()
            previous = row.label if row else None
            s.add(SentimentCorrection(mention_id=mention_id, label=label, previous_label=previous,
                                      corrected_by=by, corrected_at=now))
            if row is None:
                row = ClassificationRow(mention_id=mention_id, label=label, score=1.0, created_at=now)
            row.label, row.score, row.corrected, row.uncertain = label, 1.0, True, False
            row.model_id = f"corrected-by:{by}"
            s.add(row)
            mention = s.get(MentionRow, mention_id)
            if mention is not None and previous != label:  # the dashboard's daily counts follow the label
                moves = {(DAILY_COUNT, day_labels(mention.created_at, mention.source, label)): 1.0}
                if previous is not None:
                    moves[DAILY_COUNT, day_labels(mention.created_at, mention.source, previous)] = -1.0
                self.incr_many(s, moves)
            self.audit(s, actor=by, action="sentiment.correct", object_type="mention", object_id=str(mention_id),
                       details={"from": previous, "to": label}, now=now)

    def classifications_for(self, s: Session, mention_ids: Sequence[int]) -> list[ClassificationRow]:
        """The stored classifications of ``mention_ids``."""
        return list(s.exec(select(ClassificationRow).where(
            self.among(col(ClassificationRow.mention_id), mention_ids))).all())

    def classifications_of_posts(self, s: Session, keys: Sequence[tuple[str, str]]
                                 ) -> dict[tuple[str, str], ClassificationRow]:
        """The stored classifications of the posts ``(source, external_id)`` of ``keys`` (those
        classified)."""
        out: dict[tuple[str, str], ClassificationRow] = {}
        for source in sorted({src for src, _ in keys}):
            ids = sorted({ext for src, ext in keys if src == source})
            for ext, cl in s.exec(select(MentionRow.external_id, ClassificationRow)
                                  .join(ClassificationRow, col(ClassificationRow.mention_id) == col(MentionRow.id))
                                  .where(MentionRow.source == source, self.among(col(MentionRow.external_id), ids))).all():
                out[source, ext] = cl
        return out

    # ---- volume and retention --------------------------------------------------------------------
    def mentions_since(self, since: datetime) -> list[MentionRow]:
        """Mentions created after ``since`` (used by health checks and tests)."""
        with self.session() as s:
            return list(s.exec(select(MentionRow).where(MentionRow.created_at >= since)).all())

    def volume_since(self, s: Session, since: datetime) -> list[tuple[str, datetime, str | None, str]]:
        """(source, created_at, sentiment label, kind) of every mention created since ``since``."""
        rows = s.exec(
            select(MentionRow.source, MentionRow.created_at, ClassificationRow.label, MentionRow.kind)
            .join(ClassificationRow, col(ClassificationRow.mention_id) == MentionRow.id, isouter=True)
            .where(MentionRow.created_at >= since)
        ).all()
        return [(src, at, label, kind) for src, at, label, kind in rows]

    def mentions_with_label_since(self, s: Session, since: datetime) -> list[tuple[MentionRow, str | None]]:
        """Mentions created since ``since`` with their sentiment label (None: not classified yet;
        ``not read``: a language the model does not cover, and no person has set it)."""
        rows = s.exec(
            select(MentionRow, ClassificationRow.label, ClassificationRow.supported, ClassificationRow.corrected)
            .join(ClassificationRow, col(ClassificationRow.mention_id) == MentionRow.id, isouter=True)
            .where(MentionRow.created_at >= since)
        ).all()
        return [(m, "not read" if supported is False and not corrected else label)
                for m, label, supported, corrected in rows]

    def mentions_fetched_since(self, s: Session, since: datetime) -> list[MentionRow]:
        """Mentions a connector stored or read again since ``since`` (whenever they were posted):
        the latest engagement readings, for velocity."""
        return list(s.exec(select(MentionRow).where(
            or_(col(MentionRow.fetched_at) >= since, col(MentionRow.observed_at) >= since))).all())

    def items_of(self, s: Session, mention_ids: Sequence[int]) -> dict[int, tuple[int, str]]:
        """``(item id, item light)`` of the queue item each of ``mention_ids`` belongs to (a
        member, or the item's first mention); a mention of no item is left out, and one in two
        items (a retired group's and its successor's) gets the one with the worse light."""
        if not mention_ids:
            return {}
        found = list(s.exec(select(QueueItemMention.mention_id, QueueItem.id, QueueItem.light)
                            .join(QueueItem, col(QueueItem.id) == QueueItemMention.queue_item_id)
                            .where(self.among(col(QueueItemMention.mention_id), mention_ids))).all())
        found += list(s.exec(select(QueueItem.mention_id, QueueItem.id, QueueItem.light)
                             .where(self.among(col(QueueItem.mention_id), mention_ids))).all())
        out: dict[int, tuple[int, str]] = {}
        for mid, item_id, light in found:
            have = out.get(int(mid))
            if have is None or LIGHT_RANK.get(light, 0) > LIGHT_RANK.get(have[1], 0):
                out[int(mid)] = (int(item_id or 0), str(light))
        return out

    def purge_before(self, cutoff: datetime) -> int:
        """Delete mentions created before ``cutoff`` (retention); returns how many."""
        with self.session() as s:
            ids = list(s.exec(select(MentionRow.id).where(MentionRow.created_at < cutoff)).all())
            for i in range(0, len(ids), 500):
                chunk = ids[i : i + 500]
                for row in s.exec(select(MentionRow).where(col(MentionRow.id).in_(chunk))).all():
                    s.delete(row)
            return len(ids)
