"""All database access. Connectors and decision modules never import this module.

The store works on SQLite and PostgreSQL alike; inserts that must be idempotent use the
dialect's ``INSERT … ON CONFLICT DO NOTHING``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import JSON, Engine, any_, bindparam, func, insert, or_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, SQLModel, col, select

from connectors.base import Mention
from monitor.errors import StoreError
from monitor.storage.models import (
    OPEN_STATUSES,
    AuditEvent,
    ClassificationRow,
    ConnectorState,
    MentionRow,
    MetricCounter,
    Notification,
    QueueItem,
    QueueItemMention,
    RosterEntry,
    ScoutSubmission,
    SentimentCorrection,
    Silence,
    SpikeEvent,
    UserAccount,
)

#: The session type stages pass back to the store (they never import sqlmodel themselves).
DbSession = Session


def _insert(engine: Engine, table: type[SQLModel]) -> Any:
    return (postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert)(table)


@dataclass(frozen=True)
class StoredBatch:
    """What :meth:`Store.add_new_mentions` stored: the new mention ids (duplicates are ignored)."""

    new_ids: list[int]
    received: int

    @property
    def duplicates(self) -> int:
        """How many of the received mentions were already stored."""
        return self.received - len(self.new_ids)


def _clean(text: str | None) -> str | None:
    # PostgreSQL text cannot hold NUL; a post that contains one must not block its whole batch.
    return text.replace("\x00", "\ufffd") if text else text


def mention_row(m: Mention, *, source_name: str, fetched_at: datetime) -> dict[str, Any]:
    """The column values of a wire :class:`Mention` (NUL characters replaced)."""
    return {
        "source": m.source,
        "external_id": m.external_id,
        "source_name": source_name,
        "url": _clean(m.url) or "",
        "text": _clean(m.text) or "",
        "title": _clean(m.title),
        "author_handle": _clean(m.author_handle) or "",
        "author_name": _clean(m.author_name) or "",
        "author_reach": int(m.author_reach),
        "lang": m.lang,
        "created_at": m.created_at,
        "fetched_at": fetched_at,
        "likes": m.likes,
        "reposts": m.reposts,
        "replies": m.replies,
        "quotes": m.quotes,
        "kind": m.kind,
        "parent_id": m.parent_id,
        "thread_id": m.thread_id,
        "refers_to": m.refers_to,
        "links": list(m.links),
        "state": "new",
    }


class Store:
    """The database: sessions, mentions and cursors, queue, outbox, audit, counters."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.engine.dialect.name

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session in one transaction: committed on success, rolled back on error."""
        with Session(self.engine, expire_on_commit=False) as s:
            try:
                yield s
                s.commit()
            except BaseException:
                s.rollback()
                raise

    def among(self, column: Any, values: Sequence[Any]) -> Any:
        """``column IN values`` for a batch's worth of values: on PostgreSQL ``= ANY(array)``, one
        parameter however many values (an IN list renders and sends one parameter per value)."""
        if self.dialect == "postgresql":
            return column == any_(bindparam(None, list(values), type_=postgresql.ARRAY(column.type)))
        return column.in_(list(values))

    def insert_ignore(self, session: Session, table: type[SQLModel], rows: list[dict[str, Any]],
                      conflict: list[str], returning: Any = None) -> list[Any]:
        """``INSERT … ON CONFLICT (conflict) DO NOTHING``; returns ``returning`` of new rows.

        Executed as one executemany over ``rows``, so the statement compiles once and is cached.
        """
        if not rows:
            return []
        if self.dialect == "postgresql":
            return self._pg_unnest_insert(session, table, rows, conflict, returning)
        stmt = _insert(self.engine, table).on_conflict_do_nothing(index_elements=conflict)
        conn = session.connection()
        if returning is not None:
            return list(conn.execute(stmt.returning(returning), rows).scalars().all())
        conn.execute(stmt, rows)
        return []

    def _pg_unnest_insert(self, session: Session, table: type[SQLModel], rows: list[dict[str, Any]],
                          conflict: list[str], returning: Any) -> list[Any]:
        """PostgreSQL: one ``INSERT … SELECT FROM unnest(arrays) ON CONFLICT DO NOTHING``.

        One statement with one array per column: a single round trip that psycopg need not
        re-parse (executemany costs a pipeline message per row; multi-row VALUES a new statement
        text per batch size).
        """
        t = table.__table__  # type: ignore[attr-defined]
        # Raw SQL gets no client-side column defaults: fill them in as the ORM/Core insert would.
        defaults = {}
        for column in t.columns:
            default = column.default
            if column.key not in rows[0] and default is not None and not column.primary_key:
                defaults[column.key] = default.arg if default.is_scalar else default.arg(None)
        if defaults:
            rows = [{**defaults, **r} for r in rows]
        cols = list(rows[0])
        params: dict[str, Any] = {}
        casts = []
        for i, name in enumerate(cols):
            column = t.c[name]
            if isinstance(column.type, JSON):
                params[f"a{i}"] = [None if r.get(name) is None else json.dumps(r[name], default=str) for r in rows]
                casts.append((f"%(a{i})b::text[]", f"c{i}::json"))
            else:
                params[f"a{i}"] = [r.get(name) for r in rows]
                sqltype = column.type.compile(dialect=self.engine.dialect)
                casts.append((f"%(a{i})b::{sqltype}[]", f"c{i}"))
        names = ", ".join(f'"{c}"' for c in cols)
        arrays = ", ".join(a for a, _ in casts)
        aliases = ", ".join(f"c{i}" for i in range(len(cols)))
        sql = (f'INSERT INTO "{t.name}" ({names}) SELECT {", ".join(sel for _, sel in casts)} '
               f"FROM unnest({arrays}) AS v({aliases}) "
               f"ON CONFLICT ({', '.join(conflict)}) DO NOTHING")
        if returning is not None:
            many = isinstance(returning, list | tuple)
            sql += " RETURNING " + ", ".join(f'"{c.key}"' for c in (returning if many else [returning]))
            result = session.connection().exec_driver_sql(sql, params).all()
            return [tuple(r) for r in result] if many else [r[0] for r in result]
        session.connection().exec_driver_sql(sql, params)
        return []

    def insert_new_queue_items(self, s: Session, rows: list[dict[str, Any]]) -> dict[str, int]:
        """Insert queue items created by a batch; returns their ids by group key.

        Raises:
            StoreError: another worker created one of these groups at the same moment; the
                caller's transaction rolls back and the batch is processed again.
        """
        t = QueueItem.__table__  # type: ignore[attr-defined]
        if self.dialect == "postgresql":
            got = self._pg_unnest_insert(s, QueueItem, rows, ["group_key"], [t.c.id, t.c.group_key])
        else:
            stmt = insert(t).returning(t.c.id, t.c.group_key, sort_by_parameter_order=True)
            got = [tuple(r) for r in s.connection().execute(stmt, rows).all()]
        ids = {str(gk): int(i) for i, gk in got}
        if len(ids) != len(rows):
            raise StoreError("a queue group was created by another worker meanwhile; the batch is retried")
        return ids

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

    # ---- mentions and cursors -------------------------------------------------------------
    def add_new_mentions(self, source_name: str, source_type: str, mentions: Sequence[Mention],
                         cursor: str | None, *, now: datetime) -> StoredBatch:
        """Store the mentions that are new and the source's cursor in ONE transaction.

        Duplicates on ``(source, external_id)`` are ignored. The cursor only moves when every
        mention it covers is stored: both commit together or not at all.
        """
        with self.session() as s:
            new_ids: list[int] = []
            rows = [mention_row(m, source_name=source_name, fetched_at=now) for m in mentions]
            # Chunked so that one huge backfill stays under SQLite's variable limit.
            for i in range(0, len(rows), 200):
                new_ids += self.insert_ignore(s, MentionRow, rows[i : i + 200], ["source", "external_id"],
                                              returning=MentionRow.id)
            state = self._state(s, source_name, source_type)
            if cursor is not None:
                state.cursor = cursor
            state.healthy = True
            state.last_error = None
            state.consecutive_failures = 0
            state.retry_after = None
            state.last_attempt_at = now
            state.last_success_at = now
            state.unhealthy_alerted = False
            if new_ids:
                state.last_mention_at = now
                state.silent_alerted = False
            state.fetched_total += len(new_ids)
            s.add(state)
        return StoredBatch(new_ids=sorted(new_ids), received=len(mentions))

    def _state(self, s: Session, source_name: str, source_type: str = "") -> ConnectorState:
        state = s.get(ConnectorState, source_name, with_for_update=self.dialect == "postgresql")
        if state is None:
            state = ConnectorState(source_name=source_name, source_type=source_type)
        elif source_type and not state.source_type:
            state.source_type = source_type
        return state

    def get_state(self, source_name: str) -> ConnectorState | None:
        """The cursor and health of a source (None before its first fetch)."""
        with self.session() as s:
            return s.get(ConnectorState, source_name)

    def all_states(self) -> list[ConnectorState]:
        """Every source's state."""
        with self.session() as s:
            return list(s.exec(select(ConnectorState).order_by(ConnectorState.source_name)).all())

    def record_source_failure(self, source_name: str, source_type: str, error: str, *, now: datetime,
                              fatal: bool, retry_after: datetime | None) -> bool:
        """Record a failed fetch (the cursor does not move).

        Returns True exactly once per unhealthy streak: when the caller should send the one
        "source unhealthy" alert.
        """
        with self.session() as s:
            state = self._state(s, source_name, source_type)
            state.last_attempt_at = now
            state.last_error = error[:2000]
            state.consecutive_failures += 1
            state.retry_after = retry_after
            alert = False
            if fatal or state.consecutive_failures >= 5:
                state.healthy = False
                if not state.unhealthy_alerted:
                    state.unhealthy_alerted = True
                    alert = True
            s.add(state)
        return alert

    def mark_silent_alerted(self, source_name: str) -> bool:
        """Flag a source as reported silent; True if it was not flagged before."""
        with self.session() as s:
            state = s.get(ConnectorState, source_name)
            if state is None or state.silent_alerted:
                return False
            state.silent_alerted = True
            s.add(state)
            return True

    def ensure_state(self, source_name: str, source_type: str, *, now: datetime) -> None:
        """Create a source's state row (so silence is measured from the first start)."""
        with self.session() as s:
            if s.get(ConnectorState, source_name) is None:
                s.add(ConnectorState(source_name=source_name, source_type=source_type, last_mention_at=now))

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

    def find_mention_by_url(self, url: str) -> MentionRow | None:
        """The first stored mention whose URL is ``url``."""
        with self.session() as s:
            return s.exec(select(MentionRow).where(MentionRow.url == url).order_by(col(MentionRow.id))).first()

    def count_mentions(self, state: str | None = None) -> int:
        """How many mentions are stored (optionally in one pipeline state)."""
        with self.session() as s:
            q = select(func.count()).select_from(MentionRow)
            if state:
                q = q.where(MentionRow.state == state)
            return int(s.exec(q).one())

    # ---- worker claims -----------------------------------------------------------------
    def claim_new(self, s: Session, limit: int) -> list[MentionRow]:
        """Lock up to ``limit`` mentions in state ``new`` inside session ``s``.

        On PostgreSQL ``FOR UPDATE SKIP LOCKED`` lets several workers share the work; on SQLite
        the transaction's write lock does the same job.
        """
        q = select(MentionRow).where(MentionRow.state == "new").order_by(col(MentionRow.id)).limit(limit)
        if self.dialect == "postgresql":
            q = q.with_for_update(skip_locked=True)
        return list(s.exec(q).all())

    # ---- classification and corrections -------------------------------------------------
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
            self.audit(s, actor=by, action="sentiment.correct", object_type="mention", object_id=str(mention_id),
                       details={"from": previous, "to": label}, now=now)

    # ---- outbox ----------------------------------------------------------------------------
    def enqueue(self, s: Session, *, key: str, receiver: str, kind: str, payload: dict[str, Any],
                now: datetime, channel: str | None = None, queue_item_id: int | None = None) -> bool:
        """Add a notification to the outbox unless one with ``key`` exists; True if added."""
        ids = self.insert_ignore(
            s, Notification,
            [{"idempotency_key": key, "receiver": receiver, "kind": kind, "channel": channel,
              "queue_item_id": queue_item_id, "payload": json.loads(json.dumps(payload, default=str)),
              "status": "pending", "attempts": 0, "next_attempt_at": now, "created_at": now}],
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

    # ---- queue -------------------------------------------------------------------------------
    def queue_items(self, *, statuses: Sequence[str] | None = None, light: str | None = None,
                    limit: int = 200, offset: int = 0) -> list[tuple[QueueItem, MentionRow]]:
        """Queue items with their first mention, highest priority first."""
        with self.session() as s:
            q = select(QueueItem, MentionRow).join(MentionRow, col(MentionRow.id) == QueueItem.mention_id)
            if statuses:
                q = q.where(col(QueueItem.status).in_(statuses))
            if light:
                q = q.where(QueueItem.light == light)
            q = q.order_by(col(QueueItem.priority_score).desc(), col(QueueItem.id).desc()).offset(offset).limit(limit)
            return [(qi, m) for qi, m in s.exec(q).all()]

    def queue_counts(self) -> dict[str, int]:
        """Number of queue items per status."""
        with self.session() as s:
            rows = s.exec(select(QueueItem.status, func.count()).group_by(QueueItem.status)).all()
            return {str(k): int(v) for k, v in rows}

    def open_queue_count(self) -> int:
        """Items that still need a person."""
        counts = self.queue_counts()
        return sum(counts.get(st, 0) for st in OPEN_STATUSES)

    def group_members(self, queue_item_id: int) -> list[MentionRow]:
        """Every mention in a queue item's group."""
        with self.session() as s:
            q = (select(MentionRow).join(QueueItemMention, col(QueueItemMention.mention_id) == MentionRow.id)
                 .where(QueueItemMention.queue_item_id == queue_item_id).order_by(col(MentionRow.id)))
            return list(s.exec(q).all())

    # ---- roster, audit, submissions ----------------------------------------------------------
    def sync_roster(self, entries: Sequence[dict[str, Any]]) -> None:
        """Make the roster table match the configuration (inactive if removed)."""
        with self.session() as s:
            existing = {r.id: r for r in s.exec(select(RosterEntry)).all()}
            seen = set()
            for e in entries:
                seen.add(e["id"])
                row = existing.get(e["id"]) or RosterEntry(id=e["id"], name=e["name"], email=e["email"])
                for k, v in e.items():
                    setattr(row, k, v)
                s.add(row)
            for rid, row in existing.items():
                if rid not in seen and row.active:
                    row.active = False
                    s.add(row)

    def roster(self) -> list[RosterEntry]:
        """Active roster entries."""
        with self.session() as s:
            return list(s.exec(select(RosterEntry).where(RosterEntry.active).order_by(col(RosterEntry.id))).all())

    def audit(self, s: Session, *, actor: str, action: str, object_type: str, object_id: str,
              details: dict[str, Any] | None = None, now: datetime) -> None:
        """Record an audit event inside the caller's transaction."""
        s.add(AuditEvent(at=now, actor=actor, action=action, object_type=object_type, object_id=object_id,
                         details=json.loads(json.dumps(details or {}, default=str))))

    def audit_events(self, object_type: str | None = None, object_id: str | None = None) -> list[AuditEvent]:
        """Audit events, oldest first."""
        with self.session() as s:
            q = select(AuditEvent).order_by(col(AuditEvent.id))
            if object_type:
                q = q.where(AuditEvent.object_type == object_type)
            if object_id:
                q = q.where(AuditEvent.object_id == object_id)
            return list(s.exec(q).all())

    def submissions(self, submitted_by: str | None = None) -> list[ScoutSubmission]:
        """Scout submissions, newest first."""
        with self.session() as s:
            q = select(ScoutSubmission).order_by(col(ScoutSubmission.id).desc())
            if submitted_by:
                q = q.where(ScoutSubmission.submitted_by == submitted_by)
            return list(s.exec(q).all())

    # ---- counters ------------------------------------------------------------------------------
    def incr(self, s: Session, name: str, labels: str = "", by: float = 1.0) -> None:
        """Add ``by`` to a shared counter inside the caller's transaction."""
        self.incr_many(s, {(name, labels): by})

    def incr_many(self, s: Session, counts: Mapping[tuple[str, str], float]) -> None:
        """Add several counters at once: one upsert for all of them, no session synchronisation."""
        items = sorted((k, v) for k, v in counts.items() if v)  # one lock order for every worker
        if not items:
            return
        if self.dialect == "postgresql":
            s.connection().exec_driver_sql(
                "INSERT INTO metric_counter (name, labels, value) "
                "SELECT * FROM unnest(%(n)b::varchar[], %(l)b::varchar[], %(v)b::float8[]) "
                "ON CONFLICT (name, labels) DO UPDATE SET value = metric_counter.value + EXCLUDED.value",
                {"n": [n for (n, _), _ in items], "l": [lb for (_, lb), _ in items], "v": [float(v) for _, v in items]})
            return
        t = MetricCounter.__table__  # type: ignore[attr-defined]
        stmt = sqlite.insert(t)
        s.connection().execute(
            stmt.on_conflict_do_update(index_elements=["name", "labels"], set_={"value": t.c.value + stmt.excluded.value}),
            [{"name": n, "labels": lb, "value": float(v)} for (n, lb), v in items])

    def counters(self) -> list[MetricCounter]:
        """Every counter."""
        with self.session() as s:
            return list(s.exec(select(MetricCounter).order_by(MetricCounter.name, MetricCounter.labels)).all())

    def mentions_since(self, since: datetime) -> list[MentionRow]:
        """Mentions created after ``since`` (used by health checks and tests)."""
        with self.session() as s:
            return list(s.exec(select(MentionRow).where(MentionRow.created_at >= since)).all())

    def purge_before(self, cutoff: datetime) -> int:
        """Delete mentions created before ``cutoff`` (retention); returns how many."""
        with self.session() as s:
            ids = list(s.exec(select(MentionRow.id).where(MentionRow.created_at < cutoff)).all())
            for i in range(0, len(ids), 500):
                chunk = ids[i : i + 500]
                for row in s.exec(select(MentionRow).where(col(MentionRow.id).in_(chunk))).all():
                    s.delete(row)
            return len(ids)


    # ---- what one triage batch reads (inside the batch's session) ---------------------------
    def classifications_for(self, s: Session, mention_ids: Sequence[int]) -> list[ClassificationRow]:
        """The stored classifications of ``mention_ids``."""
        return list(s.exec(select(ClassificationRow).where(
            self.among(col(ClassificationRow.mention_id), mention_ids))).all())

    def submissions_for(self, s: Session, mention_ids: Sequence[int]) -> dict[int, ScoutSubmission]:
        """The scout submission of each of ``mention_ids`` that has one (the first, by id)."""
        out: dict[int, ScoutSubmission] = {}
        for sub in s.exec(select(ScoutSubmission).where(self.among(col(ScoutSubmission.mention_id), mention_ids))
                          .order_by(col(ScoutSubmission.id))).all():
            out.setdefault(sub.mention_id or 0, sub)
        return out

    def active_silences(self, s: Session, now: datetime) -> list[Silence]:
        """Silences that have not ended at ``now``."""
        return list(s.exec(select(Silence).where(Silence.ends_at > now)).all())

    def spike_events(self) -> list[SpikeEvent]:
        """Every stored spike, oldest first."""
        with self.session() as s:
            return list(s.exec(select(SpikeEvent).order_by(col(SpikeEvent.started_at))).all())

    def spikes_since(self, s: Session, since: datetime) -> list[SpikeEvent]:
        """Spikes that started at or after ``since``."""
        return list(s.exec(select(SpikeEvent).where(SpikeEvent.started_at >= since)).all())

    def queue_items_by_group(self, s: Session, keys: Sequence[str]) -> dict[str, QueueItem]:
        """The queue items of the group keys ``keys`` (those that exist)."""
        return {q.group_key: q for q in s.exec(select(QueueItem).where(self.among(col(QueueItem.group_key), keys)))}

    def roster_entries(self, s: Session) -> dict[str, RosterEntry]:
        """The roster's rows (assignment turn state), by spokesperson id."""
        return {r.id: r for r in s.exec(select(RosterEntry)).all()}

    # ---- what delivery reads ------------------------------------------------------------
    def first_alerts(self, s: Session, item_ids: Sequence[int]) -> dict[tuple[int, str], Notification]:
        """The first alert of each (queue item, receiver) among ``item_ids``: updates thread under it."""
        out: dict[tuple[int, str], Notification] = {}
        if not item_ids:
            return out
        for a in s.exec(select(Notification).where(self.among(col(Notification.queue_item_id), item_ids),
                                                   Notification.kind == "alert").order_by(col(Notification.id))):
            out.setdefault((a.queue_item_id or 0, a.receiver), a)
        return out

    def notifications_by_ids(self, s: Session, ids: Sequence[int]) -> dict[int, Notification]:
        """Outbox rows by id."""
        if not ids:
            return {}
        return {n.id or 0: n for n in s.exec(select(Notification).where(col(Notification.id).in_(list(ids))))}

    # ---- scouting -------------------------------------------------------------------------
    def credit_known_mention(self, s: Session, mention_id: int, now: datetime) -> None:
        """A known mention forwarded by a scout: its queue item is marked as scouted, or, when it
        never made it into the queue, the mention is routed again as a scout submission."""
        link = s.exec(select(QueueItemMention).where(QueueItemMention.mention_id == mention_id)).first()
        if link is not None:
            item = s.get(QueueItem, link.queue_item_id)
            if item is not None and not item.scout_submitted:
                item.scout_submitted = True
                item.updated_at = now
                s.add(item)
            return
        row = s.get(MentionRow, mention_id)
        if row is not None and row.state == "routed":
            row.state = "new"
            s.add(row)

    def add_submission(self, s: Session, sub: ScoutSubmission) -> ScoutSubmission:
        """Insert a scout submission and give it its id."""
        s.add(sub)
        s.flush()
        return sub


    # ---- what the periodic jobs, queue actions and accounts read ----------------------------
    def overdue_unacknowledged(self, s: Session, now: datetime) -> list[QueueItem]:
        """Items still new or assigned whose due time has passed (locked, skipping locked ones,
        on PostgreSQL so that two schedulers never take the same ladder step)."""
        q = select(QueueItem).where(col(QueueItem.status).in_(("new", "assigned"))).where(
            col(QueueItem.due_at).is_not(None)).where(col(QueueItem.due_at) <= now)
        if self.dialect == "postgresql":
            q = q.with_for_update(skip_locked=True)
        return list(s.exec(q).all())

    def volume_since(self, s: Session, since: datetime) -> list[tuple[str, datetime, str | None]]:
        """(source, created_at, sentiment label) of every mention created since ``since``."""
        rows = s.exec(
            select(MentionRow.source, MentionRow.created_at, ClassificationRow.label)
            .join(ClassificationRow, col(ClassificationRow.mention_id) == MentionRow.id, isouter=True)
            .where(MentionRow.created_at >= since)
        ).all()
        return [(src, at, label) for src, at, label in rows]

    def mentions_with_label_since(self, s: Session, since: datetime) -> list[tuple[MentionRow, str | None]]:
        """Mentions created since ``since`` with their sentiment label (None: not classified yet)."""
        rows = s.exec(
            select(MentionRow, ClassificationRow.label)
            .join(ClassificationRow, col(ClassificationRow.mention_id) == MentionRow.id, isouter=True)
            .where(MentionRow.created_at >= since)
        ).all()
        return [(m, label) for m, label in rows]

    def end_spikes(self, s: Session, keys: Sequence[str], now: datetime) -> None:
        """Record that the spikes ``keys`` ended at ``now`` (their live volume is back to normal)."""
        for key in keys:
            row = s.exec(select(SpikeEvent).where(SpikeEvent.key == key)).first()
            if row is not None and row.ended_at is None:
                row.ended_at = now
                s.add(row)

    def lock_queue_item(self, s: Session, item_id: int) -> QueueItem | None:
        """A queue item, locked for update on PostgreSQL."""
        return s.get(QueueItem, item_id, with_for_update=self.dialect == "postgresql")

    def alerted_receivers(self, s: Session, item_id: int | None) -> list[str]:
        """The receivers that got a first alert for ``item_id``, sorted."""
        rows = s.exec(select(Notification.receiver).where(Notification.queue_item_id == item_id,
                                                          Notification.kind == "alert")).all()
        return sorted(set(rows))

    def account_by_email(self, email: str) -> UserAccount | None:
        """The local account for ``email`` (any state)."""
        with self.session() as s:
            return s.exec(select(UserAccount).where(UserAccount.email == email.lower())).first()

    def upsert_account(self, *, email: str, name: str, password_hash: str, roles: list[str],
                       now: datetime) -> UserAccount:
        """Create a local account, or replace its name, password hash and roles (active again); audited."""
        with self.session() as s:
            acc = s.exec(select(UserAccount).where(UserAccount.email == email.lower())).first()
            if acc is None:
                acc = UserAccount(email=email.lower(), name=name, password_hash="", created_at=now)
            acc.name, acc.password_hash, acc.roles, acc.active = name, password_hash, list(roles), True
            s.add(acc)
            self.audit(s, actor="system", action="account.upsert", object_type="account", object_id=email.lower(),
                       details={"roles": list(roles)}, now=now)
        return acc


def backoff_delay(attempt: int, *, base: timedelta, cap: timedelta, jitter: float) -> timedelta:
    """Exponential backoff ``base * 2**(attempt-1)``, capped, times ``(1 + jitter)``; ``jitter``
    in [0, 1) comes from the caller so that the function stays pure."""
    seconds = min(cap.total_seconds(), base.total_seconds() * (2 ** max(attempt - 1, 0)))
    return timedelta(seconds=seconds * (1 + jitter))
