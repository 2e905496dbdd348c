"""Intake's writes: new mentions and their source's cursor in one transaction, the quarantine
of mentions that cannot be stored or processed, and each source's state (cursor, health).

A fetched mention becomes a row through :func:`mention_row` (sanitised, counts clamped); a row
the database refuses on its own data is quarantined, never the batch or the cursor with it. A
mention stored already is no new row: a newer reading of its engagement is kept on the stored
row, with the reading before it (velocity is measured between the two).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, and_, bindparam, case, func, update
from sqlalchemy import exc as sa_exc
from sqlmodel import Session, col, select

from connectors.base import Mention, Rejected
from monitor.errors import MonitorError, redact
from monitor.storage._base import StoreBase
from monitor.storage.models import (
    ConnectorState,
    MentionRow,
    QuarantinedMention,
)

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


class IntakeStore(StoreBase):
    """Mentions and cursors as a source delivers them, the quarantine, source state."""

    # ---- mentions and cursors --------------------------------------------------------------------
    def add_new_mentions(self, source_name: str, source_type: str, mentions: Sequence[Mention],
                         cursor: str | None, *, now: datetime, rejected: Sequence[Rejected] = (),
                         retriage_engagement: int | None = None,
                         then: Callable[[Session, list[int]], None] | None = None) -> StoredBatch:
        """Store the mentions that are new and the source's cursor in ONE transaction.

        Duplicates on ``(source, external_id)`` are no new rows, and are not triaged again; when
        one is a newer reading of a stored post (read at ``now``, after the stored reading), the
        stored row takes its engagement counts and keeps the one before as its previous reading
        (:meth:`_take_newer_readings`); with ``retriage_engagement`` set, a routed post whose new
        reading grew and reaches that engagement is triaged again (its priority's velocity term
        may rise). A mention that cannot be stored (see
        :func:`mention_row`; a value the database refuses) is quarantined in the same transaction:
        a chunk that fails is split in halves under savepoints until the row that fails alone is
        found, so one poisoned post holds back neither the others nor the cursor. The cursor only
        moves when every mention it covers is stored or quarantined: all commit together or not
        at all. An error of the database itself (not of a row) propagates and stores nothing.
        The items the connector ``rejected`` (unreadable) are quarantined with them; an item
        already quarantined for this source is not quarantined twice. ``then(session, new_ids)``
        runs in the same transaction before it commits (a scout's submission is stored with the
        mention it forwards: triage never sees the one without the other).
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
                new_ids += self._insert_or_split(s, rows[i : i + 200], bad, refused, retriage_engagement)
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
            if then is not None:
                then(s, sorted(new_ids))
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
                         bad: list[Quarantined], refused: list[BaseException],
                         retriage_engagement: int | None = None) -> list[int]:
        """Insert ``rows`` under a savepoint; when that fails on a row's data, insert each half
        the same way, and quarantine (append to ``bad``, its error to ``refused``) a row that
        fails alone."""
        if not rows:
            return []
        try:
            with s.begin_nested():
                new = [int(i) for i in self.insert_ignore(s, MentionRow, [r for _, r in rows],
                                                          ["source", "external_id"], returning=MentionRow.id)]
                if len(new) < len(rows):  # some were stored already: keep their newer readings
                    self._take_newer_readings(s, [r for _, r in rows], retriage_engagement)
                return new
        except Exception as exc:
            if not is_row_error(exc):
                raise
            if len(rows) == 1:
                bad.append(self._quarantined(rows[0][0], exc))
                refused.append(exc)
                return []
        half = len(rows) // 2
        return (self._insert_or_split(s, rows[:half], bad, refused, retriage_engagement)
                + self._insert_or_split(s, rows[half:], bad, refused, retriage_engagement))

    @staticmethod
    def _take_newer_readings(s: Session, rows: list[dict[str, Any]], retriage_engagement: int | None = None) -> None:
        """A re-observation: for each of ``rows`` whose post is stored with an older reading, keep
        the new engagement counts and when they were read (``observed_at``), and the stored
        reading as the previous one (``prev_engagement``, ``prev_observed_at``). Nothing else of
        the row changes (text, author, ``fetched_at``). A routed post is triaged again (state
        ``new``) only when ``retriage_engagement`` is given and the new reading grew and reaches
        it: its priority's velocity term is then taken between the two readings, and a rise
        alerts (a known member of its item: counted once). Rows stored by this very batch, a
        reading no newer than the stored one and a post marked deleted at its source are left
        as they are."""
        t = MentionRow.__table__  # type: ignore[attr-defined]
        stored_at = func.coalesce(t.c.observed_at, t.c.fetched_at)
        engagement = t.c.likes + t.c.reposts + t.c.replies + t.c.quotes
        likes, reposts, replies, quotes = (bindparam(f"r_{k}", type_=Integer())
                                           for k in ("likes", "reposts", "replies", "quotes"))
        new_engagement = likes + reposts + replies + quotes
        if retriage_engagement is None:
            state: Any = t.c.state
        else:
            state = case((and_(t.c.state == "routed", new_engagement > engagement,
                               new_engagement >= retriage_engagement), "new"), else_=t.c.state)
        stmt = (update(t)
                .where(t.c.source == bindparam("r_source"), t.c.external_id == bindparam("r_external_id"),
                       stored_at < bindparam("r_at", type_=t.c.fetched_at.type), t.c.deleted_at.is_(None))
                .values(prev_engagement=engagement, state=state,
                        prev_observed_at=stored_at, likes=likes, reposts=reposts,
                        replies=replies, quotes=quotes, observed_at=bindparam("r_at")))
        s.connection().execute(stmt, [
            {"r_source": r["source"], "r_external_id": r["external_id"], "r_at": r["fetched_at"],
             "r_likes": r["likes"], "r_reposts": r["reposts"], "r_replies": r["replies"], "r_quotes": r["quotes"]}
            for r in rows])

    # ---- quarantine ------------------------------------------------------------------------------
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

    # ---- source state ----------------------------------------------------------------------------
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
