"""SQL for responses seen on the platforms (issue 20): the own accounts' posts that answer a
mention (``platform_response``), and the mentions and queue items they are matched to.

The decisions (what matches what, what a match changes) live in ``monitor.intake.responses``;
these functions only read and write rows, inside the caller's session.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from connectors.base import Response
from monitor.storage.models import MentionRow, PlatformResponse, QueueItem, QueueItemMention
from monitor.storage.store import Store

#: How long (after it was posted) an unmatched response keeps being matched against newly stored
#: mentions: a response seen before its mention is a matter of polls, not weeks.
MATCH_DAYS = 3
#: The most unmatched responses looked at in one pass.
MATCH_BATCH = 500


def add_responses(store: Store, s: Session, source_name: str, responses: Sequence[Response], *,
                  now: datetime) -> int:
    """Store ``responses`` (a response already stored is skipped); returns how many were new."""
    rows: list[dict[str, Any]] = [{
        "source": r.source[:32], "external_id": r.external_id[:200], "source_name": source_name[:48],
        "url": r.url or "", "author_handle": (r.author_handle or "")[:200],
        "in_reply_to": r.in_reply_to[:200] if r.in_reply_to else None,
        "thread_id": r.thread_id[:200] if r.thread_id else None,
        "quoted": r.quoted[:200] if r.quoted else None,
        "in_reply_to_author": r.in_reply_to_author[:200] if r.in_reply_to_author else None,
        "visibility": r.visibility[:16] if r.visibility else None,
        "created_at": r.created_at, "fetched_at": now, "flagged": False,
    } for r in responses if r.external_id]
    return len(store.insert_ignore(s, PlatformResponse, rows, ["source", "external_id"],
                                   returning=PlatformResponse.id))


def unmatched(store: Store, s: Session, *, since: datetime, limit: int = MATCH_BATCH) -> list[PlatformResponse]:
    """Responses not matched to a queue item yet, posted after ``since``, newest first (replies
    to posts that are never stored pile up unmatched; oldest first, ``limit`` of them would hide
    every newer response); on PostgreSQL locked (skipping those another process is matching)."""
    q = (select(PlatformResponse).where(col(PlatformResponse.matched_at).is_(None),
                                        col(PlatformResponse.created_at) >= since)
         .order_by(col(PlatformResponse.created_at).desc(), col(PlatformResponse.id).desc()).limit(limit))
    if store.dialect == "postgresql":
        q = q.with_for_update(skip_locked=True)
    return list(s.exec(q).all())


def _id_or_url_suffix(column_id: Any, column_url: Any, source: str, key: str) -> Any:
    """``external_id == key``; on Mastodon also a status named by its instance-local id (the
    last path segment of its ``uri`` or ``url``)."""
    if source != "mastodon" or not key.isdigit():
        return column_id == key
    return or_(column_id == key, col(column_id).endswith(f"/{key}"), col(column_url).endswith(f"/{key}"))


def mention_by_key(s: Session, source: str, key: str) -> MentionRow | None:
    """The stored mention of ``source`` that ``key`` names (its external id)."""
    q = select(MentionRow).where(MentionRow.source == source,
                                 _id_or_url_suffix(MentionRow.external_id, MentionRow.url, source, key))
    return s.exec(q.order_by(col(MentionRow.id))).first()


def response_by_key(s: Session, source: str, key: str) -> PlatformResponse | None:
    """The stored response of ``source`` that ``key`` names (its external id)."""
    q = select(PlatformResponse).where(PlatformResponse.source == source, _id_or_url_suffix(
        PlatformResponse.external_id, PlatformResponse.url, source, key))
    return s.exec(q.order_by(col(PlatformResponse.id))).first()


def _author() -> Any:
    """``MentionRow.author_handle`` lower-cased, without a leading ``@``."""
    return func.ltrim(func.lower(MentionRow.author_handle), "@")


def _by_author(handle: str) -> Any:
    """``MentionRow.author_handle`` is ``handle`` (case-insensitive, a leading ``@`` either way)."""
    return _author() == handle.strip().lstrip("@").lower()


def latest_in_thread(s: Session, source: str, thread_id: str, before: datetime, *,
                     author: str | None = None) -> MentionRow | None:
    """The newest stored mention of the thread ``thread_id`` posted at or before ``before``
    (only ``author``'s, when given)."""
    q = select(MentionRow).where(MentionRow.source == source, MentionRow.thread_id == thread_id,
                                 col(MentionRow.created_at) <= before)
    if author is not None:
        q = q.where(_by_author(author))
    return s.exec(q.order_by(col(MentionRow.created_at).desc(), col(MentionRow.id).desc())).first()


def thread_authors(s: Session, source: str, thread_id: str, before: datetime, *, limit: int = 2) -> list[str]:
    """Up to ``limit`` distinct authors (lower-cased handles) of the stored mentions of the thread
    ``thread_id`` posted at or before ``before``."""
    q = (select(_author()).where(MentionRow.source == source, MentionRow.thread_id == thread_id,
                                 col(MentionRow.created_at) <= before).distinct().limit(limit))
    return [str(h) for h in s.exec(q).all()]


def item_of_mention(s: Session, mention_id: int) -> QueueItem | None:
    """The queue item whose group holds the mention (None before triage, or when not queued)."""
    q = (select(QueueItem).join(QueueItemMention, col(QueueItemMention.queue_item_id) == QueueItem.id)
         .where(QueueItemMention.mention_id == mention_id).order_by(col(QueueItem.id)))
    item = s.exec(q).first()
    if item is None:
        item = s.exec(select(QueueItem).where(QueueItem.mention_id == mention_id).order_by(col(QueueItem.id))).first()
    return item


def follow_up_candidates(s: Session, response: PlatformResponse, thread_ids: Sequence[str]) -> list[MentionRow]:
    """Stored mentions posted after ``response`` that reply to it or sit in one of ``thread_ids``."""
    conds: list[Any] = [MentionRow.parent_id == response.external_id]
    if response.source == "mastodon":  # replies name their parent by its instance-local id
        local = response.external_id.rstrip("/").rsplit("/", 1)[-1]
        if local.isdigit():
            conds.append(MentionRow.parent_id == local)
    ids = [t for t in thread_ids if t]
    if ids:
        conds.append(col(MentionRow.thread_id).in_(ids))
    q = (select(MentionRow).where(MentionRow.source == response.source, or_(*conds),
                                  col(MentionRow.created_at) > response.created_at)
         .order_by(col(MentionRow.created_at), col(MentionRow.id)))
    return list(s.exec(q).all())


def responses_answered_by(s: Session, mention: MentionRow) -> list[PlatformResponse]:
    """Matched responses that the new ``mention`` may follow up on: those it replies to, and
    those in its thread (by the response's own thread or its mention's), posted before it."""
    conds: list[Any] = []
    if mention.parent_id:
        conds.append(_id_or_url_suffix(PlatformResponse.external_id, PlatformResponse.url, mention.source,
                                       mention.parent_id))
    if mention.thread_id:
        conds.append(PlatformResponse.thread_id == mention.thread_id)
        conds.append(col(PlatformResponse.mention_id).in_(
            select(MentionRow.id).where(MentionRow.source == mention.source,
                                        or_(col(MentionRow.thread_id) == mention.thread_id,
                                            col(MentionRow.external_id) == mention.thread_id))))
    if not conds:
        return []
    q = (select(PlatformResponse).where(PlatformResponse.source == mention.source, or_(*conds),
                                        col(PlatformResponse.queue_item_id).is_not(None),
                                        col(PlatformResponse.created_at) < mention.created_at)
         .order_by(col(PlatformResponse.created_at).desc(), col(PlatformResponse.id).desc()))
    return list(s.exec(q).all())


def responses_of_item(s: Session, item_id: int) -> list[PlatformResponse]:
    """The responses matched to a queue item, oldest first."""
    q = (select(PlatformResponse).where(PlatformResponse.queue_item_id == item_id)
         .order_by(col(PlatformResponse.created_at), col(PlatformResponse.id)))
    return list(s.exec(q).all())


def mentions_by_ids(s: Session, ids: Sequence[int]) -> list[MentionRow]:
    """Mentions by id, in id order."""
    if not ids:
        return []
    return list(s.exec(select(MentionRow).where(col(MentionRow.id).in_(list(ids))).order_by(col(MentionRow.id))).all())


def response_split(store: Store, *, since: datetime) -> dict[str, int]:
    """Items responded since ``since``: how many responses were ``seen`` on the platforms and how
    many ``recorded`` by hand."""
    with store.session() as s:
        rows = s.exec(select(QueueItem.response_source, func.count())  # type: ignore[call-overload]
                      .where(col(QueueItem.responded_at).is_not(None), col(QueueItem.responded_at) >= since)
                      .group_by(QueueItem.response_source)).all()
    seen = sum(int(n) for src, n in rows if src == "platform")
    return {"seen": seen, "recorded": sum(int(n) for _, n in rows) - seen}


def find_response(store: Store, source: str, external_id: str) -> PlatformResponse | None:
    """The stored response ``(source, external_id)``, if any."""
    with store.session() as s:
        return s.exec(select(PlatformResponse).where(PlatformResponse.source == source,
                                                     PlatformResponse.external_id == external_id)).first()


def add_row(s: Session, row: Any) -> None:
    """Stage a changed row in the session."""
    s.add(row)


__all__ = [
    "MATCH_BATCH",
    "MATCH_DAYS",
    "add_responses",
    "add_row",
    "find_response",
    "follow_up_candidates",
    "item_of_mention",
    "latest_in_thread",
    "mention_by_key",
    "mentions_by_ids",
    "response_by_key",
    "response_split",
    "responses_answered_by",
    "responses_of_item",
    "thread_authors",
    "unmatched",
]
