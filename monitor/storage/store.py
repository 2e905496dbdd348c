"""All database access. Connectors and decision modules never import this module.

The store works on SQLite and PostgreSQL alike; inserts that must be idempotent use the
dialect's ``INSERT … ON CONFLICT DO NOTHING``.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import JSON, Engine, any_, bindparam, func, insert, or_, update
from sqlalchemy import exc as sa_exc
from sqlalchemy import select as sa_select
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, SQLModel, col, select

from connectors.base import Mention, Rejected
from monitor.clock import utc
from monitor.errors import MonitorError, StoreError, redact
from monitor.storage.models import (
    OPEN_STATUSES,
    AuditEvent,
    ClassificationRow,
    ConnectorState,
    MentionRow,
    MetricCounter,
    Notification,
    QuarantinedMention,
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


log = logging.getLogger("brand_scout.store")

#: The largest count a mention stores (its columns are 64-bit). A trillion: no account or post
#: has that many followers or likes, and sums and weighted sums of these columns over many rows
#: (the digest's reach per bucket, its engagement order) stay far inside the 64-bit range, where
#: a count at 2^63-1 would make them overflow (PostgreSQL: "bigint out of range").
MAX_COUNT = 10**12
#: Longest stored post text; a longer one (no platform allows it) is cut, not refused.
MAX_TEXT = 200_000
#: How much of a quarantined record's repr is kept.
QUARANTINE_RAW = 4000


@dataclass(frozen=True)
class Quarantined:
    """A fetched mention that could not be stored, and why (no SQL parameters in ``error``)."""

    source: str
    external_id: str
    raw: str
    error_class: str
    error: str


@dataclass(frozen=True)
class StoredBatch:
    """What :meth:`Store.add_new_mentions` stored: the new mention ids (duplicates are ignored)
    and the mentions it quarantined instead of storing."""

    new_ids: list[int]
    received: int
    quarantined: tuple[Quarantined, ...] = ()

    @property
    def duplicates(self) -> int:
        """How many of the received mentions were already stored (or already quarantined)."""
        return max(0, self.received - len(self.new_ids) - len(self.quarantined))


class UnstorableMention(ValueError):
    """A mention that cannot become a row whatever the database (an unusable external id)."""


_SURROGATE = re.compile("[\ud800-\udfff]")


def _clean(text: Any, limit: int | None = None) -> str | None:
    # PostgreSQL text cannot hold NUL, and no database can encode a lone surrogate (JSON's
    # "\ud800" decodes to one): a post that contains either must not block its whole batch.
    if text is None:
        return None
    out = _SURROGATE.sub("\ufffd", (text if isinstance(text, str) else str(text)).replace("\x00", "\ufffd"))
    return out[:limit] if limit is not None else out


def clamp_count(value: Any) -> int:
    """A count from a source as stored: an integer in ``[0, MAX_COUNT]`` (not a number: 0)."""
    try:
        n = int(value)
    except (TypeError, ValueError, OverflowError):  # None, "many", NaN, infinity
        return 0
    return max(0, min(n, MAX_COUNT))


def _ref(value: Any) -> str | None:
    # A reference to another post (parent, thread, quoted): too long to be an id we stored, so dropped.
    ref = _clean(value)
    return ref if ref and len(ref) <= 200 else None


def mention_row(m: Mention, *, source_name: str, fetched_at: datetime) -> dict[str, Any]:
    """The column values of a wire :class:`Mention`, sanitised: NUL characters and lone surrogates
    replaced, counts clamped to ``[0, MAX_COUNT]``, display fields cut to their column.

    Raises:
        UnstorableMention: the external id is empty or longer than its column (200).
    """
    external_id = _clean(m.external_id) or ""
    if not external_id.strip() or len(external_id) > 200:
        raise UnstorableMention(f"external id of {len(external_id)} characters (1 to 200 allowed)")
    text = _clean(m.text) or ""
    return {
        "source": _clean(m.source, 32),
        "external_id": external_id,
        "source_name": source_name,
        "url": _clean(m.url) or "",
        "text": text if len(text) <= MAX_TEXT else text[:MAX_TEXT] + " [...]",
        "title": _clean(m.title),
        "author_handle": _clean(m.author_handle, 200) or "",
        "author_name": _clean(m.author_name, 300) or "",
        "author_reach": clamp_count(m.author_reach),
        "lang": _clean(m.lang, 16),
        "created_at": m.created_at,
        "fetched_at": fetched_at,
        "likes": clamp_count(m.likes),
        "reposts": clamp_count(m.reposts),
        "replies": clamp_count(m.replies),
        "quotes": clamp_count(m.quotes),
        "kind": _clean(m.kind, 16) or "post",
        "parent_id": _ref(m.parent_id),
        "thread_id": _ref(m.thread_id),
        "refers_to": _ref(m.refers_to),
        "links": [_clean(u, 2048) for u in list(m.links)[:100]],
        "state": "new",
    }


#: Errors of the database or its connection, not of one row: never a reason to quarantine.
_SYSTEMIC = (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.InternalError, sa_exc.ProgrammingError,
             sa_exc.DisconnectionError, sa_exc.TimeoutError, sa_exc.ResourceClosedError, MonitorError,
             MemoryError, RecursionError)


def is_row_error(exc: BaseException) -> bool:
    """Whether ``exc`` may be caused by the data of one row (a value out of range, too long, not
    encodable, a constraint) rather than by the database, the connection or the configuration:
    only such errors make a batch split and a row quarantined."""
    if not isinstance(exc, Exception) or isinstance(exc, _SYSTEMIC):
        return False
    orig = getattr(exc, "orig", None)
    if isinstance(orig, BaseException) and not isinstance(exc, sa_exc.DBAPIError):
        return is_row_error(orig)
    return True


def describe_error(exc: BaseException) -> tuple[str, str]:
    """``(class name, message)`` of an error for logs, health and the quarantine: a SQLAlchemy
    error is described by the driver's error (its first line), so neither the statement nor its
    parameters (mention text) appear; secrets are redacted."""
    inner = exc
    while isinstance(inner, sa_exc.StatementError) and inner.orig is not None:
        inner = inner.orig
    if isinstance(inner, sa_exc.StatementError):  # no driver error: say only what kind it was
        return type(inner).__name__, "statement failed"
    message = str(inner).strip().splitlines()[0] if str(inner).strip() else ""
    message = re.sub(r"\[parameters: .*", "", message)
    return type(inner).__name__, redact(message)[:500]


def _raw(m: Mention) -> str:
    try:
        raw = json.dumps(m.to_dict(), default=str)  # ASCII: NUL and lone surrogates escaped
    except Exception:  # a record too odd for JSON is still kept, as its repr
        raw = ascii(m)
    return raw[:QUARANTINE_RAW]


#: The shared counter the triage stage keeps per (UTC day, source, sentiment) as it classifies:
#: the dashboard reads these few rows instead of grouping every mention of the window.
DAILY_COUNT = "mentions_by_day"


def day_labels(day: str, source: str, sentiment: str) -> str:
    """The labels of one :data:`DAILY_COUNT` cell (``day`` ISO, UTC). Sorting by labels sorts by day."""
    return f'date="{day}",source="{source}",sentiment="{sentiment}"'


@dataclass
class WaitingAlert:
    """An outbox alert not sent yet: its row id, content and when it goes out."""

    id: int
    payload: dict[str, Any]
    next_attempt_at: datetime | None


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
                         cursor: str | None, *, now: datetime, rejected: Sequence[Rejected] = ()) -> StoredBatch:
        """Store the mentions that are new and the source's cursor in ONE transaction.

        Duplicates on ``(source, external_id)`` are ignored. A mention that cannot be stored (see
        :func:`mention_row`; a value the database refuses) is quarantined in the same transaction:
        a chunk that fails is split in halves under savepoints until the row that fails alone is
        found, so one poisoned post holds back neither the others nor the cursor. The cursor only
        moves when every mention it covers is stored or quarantined: all commit together or not
        at all. An error of the database itself (not of a row) propagates and stores nothing.
        The items the connector ``rejected`` (unreadable) are quarantined with them; an item
        already quarantined for this source is not quarantined twice.
        """
        with self.session() as s:
            new_ids: list[int] = []
            bad: list[Quarantined] = []
            for r in rejected:
                error_class, _, message = r.reason.partition(": ")
                bad.append(Quarantined(source=source_type, external_id=_clean(r.external_id, 1000) or "",
                                       raw=_clean(r.raw, QUARANTINE_RAW) or "", error_class=error_class or "Rejected",
                                       error=redact(message or r.reason)[:500]))
            rows: list[tuple[Mention, dict[str, Any]]] = []
            for m in mentions:
                try:
                    rows.append((m, mention_row(m, source_name=source_name, fetched_at=now)))
                except Exception as exc:
                    if not is_row_error(exc):
                        raise
                    bad.append(self._quarantined(m, exc))
            # Chunked so that one huge backfill stays under SQLite's variable limit.
            refused: list[BaseException] = []
            for i in range(0, len(rows), 200):
                new_ids += self._insert_or_split(s, rows[i : i + 200], bad, refused)
            if len(refused) >= 3 and len(refused) == len(rows) and len({type(e) for e in refused}) == 1:
                raise refused[0]  # the database refuses every row alike: its fault, not the data's
            bad = self._not_yet_quarantined(s, source_name, bad)
            if bad:
                s.add_all([QuarantinedMention(source_name=source_name, source=q.source[:32],
                                              external_id=q.external_id, stage="intake", raw=q.raw,
                                              error_class=q.error_class[:100], error=q.error, at=now)
                           for q in bad])
                log.warning("quarantined %d mention(s) of %s", len(bad), source_name,
                            extra={"event": "mention_quarantined", "source": source_name, "stage": "intake",
                                   "error": f"{bad[0].error_class}: {bad[0].error}"})
            state = self._state(s, source_name, source_type)
            if cursor is not None:
                state.cursor = cursor
            state.healthy = True
            state.last_error = (f"{len(bad)} mention(s) quarantined: {bad[0].error_class}: {bad[0].error}"[:2000]
                                if bad else None)
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
        return StoredBatch(new_ids=sorted(new_ids), received=len(mentions) + len(rejected), quarantined=tuple(bad))

    def _not_yet_quarantined(self, s: Session, source_name: str, bad: list[Quarantined]) -> list[Quarantined]:
        # An unreadable item the source keeps sending (its time unknown, the cursor cannot pass it)
        # is quarantined once, not once per poll.
        ids = sorted({q.external_id for q in bad if q.external_id})
        if not ids:
            return bad
        known = set(s.exec(select(QuarantinedMention.external_id).where(
            QuarantinedMention.source_name == source_name, QuarantinedMention.stage == "intake",
            col(QuarantinedMention.external_id).in_(ids))).all())
        out, seen = [], set()
        for q in bad:
            if q.external_id and (q.external_id in known or q.external_id in seen):
                continue
            seen.add(q.external_id)
            out.append(q)
        return out

    @staticmethod
    def _quarantined(m: Mention, exc: BaseException) -> Quarantined:
        error_class, error = describe_error(exc)
        return Quarantined(source=str(m.source), external_id=_clean(m.external_id, 1000) or "", raw=_raw(m),
                           error_class=error_class, error=error)

    def _insert_or_split(self, s: Session, rows: list[tuple[Mention, dict[str, Any]]],
                         bad: list[Quarantined], refused: list[BaseException]) -> list[int]:
        """Insert ``rows`` under a savepoint; when that fails on a row's data, insert each half
        the same way, and quarantine (append to ``bad``, its error to ``refused``) a row that
        fails alone."""
        if not rows:
            return []
        try:
            with s.begin_nested():
                return [int(i) for i in self.insert_ignore(s, MentionRow, [r for _, r in rows],
                                                           ["source", "external_id"], returning=MentionRow.id)]
        except Exception as exc:
            if not is_row_error(exc):
                raise
            if len(rows) == 1:
                bad.append(self._quarantined(rows[0][0], exc))
                refused.append(exc)
                return []
        half = len(rows) // 2
        return (self._insert_or_split(s, rows[:half], bad, refused)
                + self._insert_or_split(s, rows[half:], bad, refused))

    # ---- quarantine --------------------------------------------------------------------------
    def quarantine_mention(self, mention_id: int, *, error: BaseException, now: datetime) -> bool:
        """Take a stored mention that fails on its own out of the worker's queue: its state
        becomes ``quarantined`` and a quarantine row keeps it with its error. False when it is
        no longer ``new`` (another worker took it)."""
        error_class, message = describe_error(error)
        with self.session() as s:
            row = s.get(MentionRow, mention_id, with_for_update=self.dialect == "postgresql")
            if row is None or row.state != "new":
                return False
            row.state = "quarantined"
            s.add(row)
            raw = json.dumps({k: v for k, v in row.model_dump().items() if k != "text"} | {"text": row.text[:1000]},
                             default=str)[:QUARANTINE_RAW]
            s.add(QuarantinedMention(source_name=row.source_name or row.source, source=row.source,
                                     external_id=row.external_id, stage="triage", mention_id=row.id, raw=raw,
                                     error_class=error_class[:100], error=message, at=now))
            self.incr(s, "mentions_quarantined_total", f'source="{row.source_name or row.source}",stage="triage"')
        log.warning("quarantined mention %s", mention_id,
                    extra={"event": "mention_quarantined", "stage": "triage", "mention_id": mention_id,
                           "error": f"{error_class}: {message}"})
        return True

    def quarantine_summary(self, *, latest: int = 5, since: datetime | None = None
                           ) -> dict[str, tuple[int, int, list[QuarantinedMention]]]:
        """Per source name: (quarantined in all, quarantined at or after ``since``, the ``latest``
        newest rows)."""
        out: dict[str, tuple[int, int, list[QuarantinedMention]]] = {}
        with self.session() as s:
            totals = s.exec(select(QuarantinedMention.source_name, func.count())
                            .group_by(QuarantinedMention.source_name)).all()
            recent: dict[str, int] = {}
            if since is not None:
                recent = {str(k): int(v) for k, v in s.exec(
                    select(QuarantinedMention.source_name, func.count()).where(QuarantinedMention.at >= since)
                    .group_by(QuarantinedMention.source_name)).all()}
            for name, total in totals:
                rows = list(s.exec(select(QuarantinedMention).where(QuarantinedMention.source_name == name)
                                   .order_by(col(QuarantinedMention.id).desc()).limit(latest)).all())
                out[str(name)] = (int(total), recent.get(str(name), 0), rows)
        return out

    def quarantined(self, source_name: str | None = None) -> list[QuarantinedMention]:
        """Quarantined mentions, oldest first (optionally of one source)."""
        with self.session() as s:
            q = select(QuarantinedMention).order_by(col(QuarantinedMention.id))
            if source_name:
                q = q.where(QuarantinedMention.source_name == source_name)
            return list(s.exec(q).all())

    def claim_ids(self, s: Session, ids: Sequence[int]) -> list[MentionRow]:
        """Lock the mentions ``ids`` that are still ``new`` inside session ``s`` (a split batch)."""
        q = select(MentionRow).where(col(MentionRow.id).in_(list(ids)), MentionRow.state == "new").order_by(
            col(MentionRow.id))
        if self.dialect == "postgresql":
            q = q.with_for_update(skip_locked=True)
        return list(s.exec(q).all())

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
            mention = s.get(MentionRow, mention_id)
            if mention is not None and previous != label:  # the dashboard's daily counts follow the label
                day = utc(mention.created_at).date().isoformat()
                moves = {(DAILY_COUNT, day_labels(day, mention.source, label)): 1.0}
                if previous is not None:
                    moves[DAILY_COUNT, day_labels(day, mention.source, previous)] = -1.0
                self.incr_many(s, moves)
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

    def retire_group(self, s: Session, item_id: int, group_key: str) -> None:
        """Close an item's group to new members: its key becomes ``<key>#<id>`` (the item itself,
        its members and its history stay as they are)."""
        s.execute(update(QueueItem).where(col(QueueItem.id) == item_id).values(group_key=f"{group_key}#{item_id}"))

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

    def notifications_by_keys(self, s: Session, keys: Sequence[str]) -> dict[str, Notification]:
        """Outbox rows by idempotency key (those that exist)."""
        if not keys:
            return {}
        return {n.idempotency_key: n for n in s.exec(
            select(Notification).where(col(Notification.idempotency_key).in_(list(keys))))}

    def held_by_spikes(self, s: Session, keys: Sequence[str]) -> dict[str, tuple[int, int]]:
        """For each spike key: how many alerts its inhibition held back, and about how many items."""
        if not keys:
            return {}
        ref = AuditEvent.details["ref"].as_string()  # type: ignore[index]
        rows = s.exec(select(ref, func.count(), func.count(func.distinct(AuditEvent.object_id)))  # type: ignore[call-overload]
                      .where(col(AuditEvent.action) == "alert.inhibited", ref.in_(list(keys))).group_by(ref)).all()
        return {str(k): (int(n), int(items)) for k, n, items in rows}

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

    def mentions_fetched_since(self, s: Session, since: datetime) -> list[MentionRow]:
        """Mentions a connector stored since ``since`` (whenever they were posted): the latest
        engagement readings, for velocity."""
        return list(s.exec(select(MentionRow).where(MentionRow.fetched_at >= since)).all())

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
                       now: datetime, actor: str = "system") -> UserAccount:
        """Create a local account, or replace its name, password hash and roles (active again); audited."""
        with self.session() as s:
            acc = s.exec(select(UserAccount).where(UserAccount.email == email.lower())).first()
            if acc is None:
                acc = UserAccount(email=email.lower(), name=name, password_hash="", created_at=now)
            acc.name, acc.password_hash, acc.roles, acc.active = name, password_hash, list(roles), True
            s.add(acc)
            self.audit(s, actor=actor, action="account.upsert", object_type="account", object_id=email.lower(),
                       details={"roles": list(roles)}, now=now)
        return acc

    def accounts(self) -> list[UserAccount]:
        """Every local account (active or not), by email."""
        with self.session() as s:
            return list(s.exec(select(UserAccount).order_by(col(UserAccount.email))).all())

    def update_account(self, email: str, *, actor: str, now: datetime, active: bool | None = None,
                       password_hash: str | None = None) -> UserAccount | None:
        """Set an account's ``active`` flag and/or password hash; audited (``account.disable``,
        ``account.enable``, ``account.set_password``; the hash never goes in the log). None when
        there is no such account."""
        with self.session() as s:
            acc = s.exec(select(UserAccount).where(UserAccount.email == email.lower())).first()
            if acc is None:
                return None
            if active is not None:
                acc.active = active
                if not active:  # a disabled account's sessions end (enabling it brings none back)
                    acc.session_generation = (acc.session_generation or 0) + 1
                self.audit(s, actor=actor, action="account.enable" if active else "account.disable",
                           object_type="account", object_id=acc.email, now=now)
            if password_hash is not None:
                acc.password_hash = password_hash
                acc.session_generation = (acc.session_generation or 0) + 1  # every session of it ends
                self.audit(s, actor=actor, action="account.set_password", object_type="account",
                           object_id=acc.email, now=now)
            s.add(acc)
        return acc

    # ---- silences ------------------------------------------------------------------------------
    def add_silence(self, *, matchers: list[str], starts_at: datetime, ends_at: datetime, owner: str, reason: str,
                    actor: str, now: datetime) -> Silence:
        """Store a silence; audited (``silence.create`` with its matchers, time box and reason)."""
        with self.session() as s:
            row = Silence(matchers=list(matchers), starts_at=starts_at, ends_at=ends_at, owner=owner, reason=reason,
                          created_at=now)
            s.add(row)
            s.flush()
            self.audit(s, actor=actor, action="silence.create", object_type="silence", object_id=str(row.id),
                       details={"matchers": list(matchers), "starts_at": starts_at, "ends_at": ends_at,
                                "owner": owner, "reason": reason}, now=now)
        return row

    def silences(self, *, now: datetime, include_expired: bool = False, limit: int = 200) -> list[Silence]:
        """Silences that have not ended at ``now`` (with ``include_expired``, also the most recent
        ended ones), newest first, at most ``limit``."""
        with self.session() as s:
            q = select(Silence).order_by(col(Silence.id).desc()).limit(limit)
            if not include_expired:
                q = q.where(Silence.ends_at > now)
            return list(s.exec(q).all())

    def silence(self, silence_id: int) -> Silence | None:
        """One silence by id."""
        with self.session() as s:
            return s.get(Silence, silence_id)

    def expire_silence(self, silence_id: int, *, actor: str, now: datetime) -> Silence | None:
        """End a silence now (its row is kept, ``ends_at = now``, as Alertmanager expires one); audited
        (``silence.expire``). None when there is no such silence; an ended one is returned unchanged."""
        with self.session() as s:
            row = s.get(Silence, silence_id)
            if row is None:
                return None
            from monitor.clock import utc  # SQLite gives the stored times back without their zone

            if utc(row.ends_at) <= utc(now):
                return row
            before = utc(row.ends_at)
            row.ends_at = max(utc(now), utc(row.starts_at))  # one not yet started never starts
            s.add(row)
            self.audit(s, actor=actor, action="silence.expire", object_type="silence", object_id=str(row.id),
                       details={"matchers": list(row.matchers), "was_ending_at": before}, now=now)
        return row

    def set_password(self, *, email: str, password_hash: str, actor: str, now: datetime) -> bool:
        """Replace an account's password hash and end every session of it (its session generation
        moves on); audited. False when there is no such account."""
        with self.session() as s:
            acc = s.exec(select(UserAccount).where(UserAccount.email == email.lower())).first()
            if acc is None:
                return False
            acc.password_hash = password_hash
            acc.session_generation = (acc.session_generation or 0) + 1
            s.add(acc)
            self.audit(s, actor=actor, action="account.password", object_type="account", object_id=email.lower(),
                       details={"sessions_ended": True}, now=now)
        return True

    def end_sessions(self, email: str, *, actor: str, now: datetime) -> int | None:
        """End every session of an account (sign-out): its session generation moves on; audited.
        The new generation, or None when there is no such account."""
        with self.session() as s:
            acc = s.exec(select(UserAccount).where(UserAccount.email == email.lower())).first()
            if acc is None:
                return None
            acc.session_generation = (acc.session_generation or 0) + 1
            s.add(acc)
            self.audit(s, actor=actor, action="account.sign_out", object_type="account", object_id=email.lower(),
                       now=now)
            return acc.session_generation


def backoff_delay(attempt: int, *, base: timedelta, cap: timedelta, jitter: float) -> timedelta:
    """Exponential backoff ``base * 2**(attempt-1)``, capped, times ``(1 + jitter)``; ``jitter``
    in [0, 1) comes from the caller so that the function stays pure."""
    seconds = min(cap.total_seconds(), base.total_seconds() * (2 ** max(attempt - 1, 0)))
    return timedelta(seconds=seconds * (1 + jitter))
