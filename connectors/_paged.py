"""The one page loop of the paged connectors, and the cursor helpers they share.

A paged connector declares a :class:`Listing` per API listing it reads (X search, Hacker News
search, Bluesky search, each Mastodon timeline) and implements its per-page hooks: fetch a page,
parse its items, the next page's token and whether the page reached the cursor. :func:`read_pages`
owns the loop: it counts pages, reports progress, de-duplicates items, stops at the cursor or the
last page, and enforces ``max_pages`` with a note saying what the cap skipped. A failure on any
page propagates, so the fetch returns nothing and no cursor moves.

:func:`oldest_first` and :class:`HighWater` give every connector the same result order and the
same "newest instant plus the ids seen at it" cursor (nothing missed, nothing returned twice).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Generic, TypeVar

from connectors.base import Mention

PageT = TypeVar("PageT")
ItemT = TypeVar("ItemT")
TokenT = TypeVar("TokenT")
MarkT = TypeVar("MarkT", int, float, datetime)


class Listing(ABC, Generic[PageT, ItemT, TokenT]):
    """One paged API listing read within one fetch: its declarations and per-page hooks.

    An instance lives for one fetch, so it may keep what the fetch learns on the way (the
    newest id of the first page, the newest id seen).

    Attributes:
        max_pages: Bound on requests for this listing in one fetch.
        skipped: What the cap leaves unread, for the note (``"results"``, ``"posts"``); None
            caps silently.
    """

    max_pages: int
    skipped: str | None = None

    @abstractmethod
    def fetch_page(self, token: TokenT | None) -> PageT:
        """Request one page (the first when ``token`` is None), retries and errors mapped.

        Raises:
            RetriableSourceError: rate limited, 5xx, timeout or malformed reply.
            FatalSourceError: credentials rejected or endpoint gone.
        """

    @abstractmethod
    def parse(self, page: PageT) -> Iterable[ItemT]:
        """The page's items that are new (newer than the cursor or inside the backfill window)."""

    @abstractmethod
    def key(self, item: ItemT) -> str:
        """The item's identity: of two items with one key, the first read is kept."""

    @abstractmethod
    def next_token(self, page: PageT, token: TokenT | None) -> TokenT | None:
        """The token of the page after ``page`` (read with ``token``); None when it was the last."""

    def reached_cursor(self, page: PageT) -> bool:  # noqa: ARG002 - a hook; most listings stop server-side
        """Whether ``page`` reached items the cursor already covers, so no later page is needed."""
        return False

    def total(self, page: PageT) -> int | None:  # noqa: ARG002 - a hook; most APIs give no total
        """How many items the API says match, for progress; None when it does not say."""
        return None


@dataclass(frozen=True, slots=True)
class Pages(Generic[ItemT]):
    """What :func:`read_pages` read: the new items (first read first), the requests, the notes."""

    items: list[ItemT]
    pages: int
    notes: tuple[str, ...] = ()


def read_pages(
    listing: Listing[PageT, ItemT, TokenT], progress: Callable[[int, int | None], None] | None = None
) -> Pages[ItemT]:
    """Read ``listing`` page by page until its last page, the cursor, or ``max_pages``.

    Args:
        listing: The listing and its hooks.
        progress: Called after every page with ``(items so far, total or None)``.

    Returns:
        The de-duplicated new items, the number of pages read and a note when the cap stopped
        a listing that had more.
    """
    items: dict[str, ItemT] = {}
    notes: list[str] = []
    pages = 0
    token: TokenT | None = None
    while True:
        page = listing.fetch_page(token)
        pages += 1
        for item in listing.parse(page):
            items.setdefault(listing.key(item), item)
        if progress is not None:
            progress(len(items), listing.total(page))
        if listing.reached_cursor(page):
            break
        token = listing.next_token(page, token)
        if token is None:
            break
        if pages >= listing.max_pages:
            if listing.skipped:
                notes.append(f"stopped after max_pages={listing.max_pages}; older {listing.skipped} skipped")
            break
    return Pages(list(items.values()), pages, tuple(notes))


def oldest_first(mentions: Iterable[Mention], *, numeric_ids: bool = False) -> list[Mention]:
    """``mentions`` oldest first; ties by id (as numbers with ``numeric_ids``, e.g. X's snowflakes)."""
    if numeric_ids:
        return sorted(mentions, key=lambda m: (m.created_at, int(m.external_id)))
    return sorted(mentions, key=lambda m: (m.created_at, m.external_id))


@dataclass
class HighWater(Generic[MarkT]):
    """A high-water cursor: the newest instant seen and the ids seen at exactly that instant.

    Sources whose "newer than" filter is inclusive (``since=``, ``>=``) return the boundary items
    again; keeping their ids means nothing is returned twice, and an item that arrives later in
    the very same instant is still new. A deleted item cannot stall it (unlike an id cursor).
    """

    mark: MarkT
    ids: set[str] = field(default_factory=set)

    def is_new(self, mark: MarkT, item_id: str) -> bool:
        """Whether an item at ``mark`` with ``item_id`` is past this high-water mark."""
        return mark > self.mark or (mark == self.mark and item_id not in self.ids)

    def advance(self, items: Iterable[tuple[MarkT, str]]) -> HighWater[MarkT]:
        """The mark after ``(instant, id)`` items were read (this one when none is newer)."""
        hw = HighWater(self.mark, set(self.ids))
        for mark, item_id in items:
            if mark > hw.mark:
                hw = HighWater(mark, {item_id})
            elif mark == hw.mark:
                hw.ids.add(item_id)
        return hw


__all__ = ["HighWater", "Listing", "Pages", "oldest_first", "read_pages"]
