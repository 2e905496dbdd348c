"""Hacker News stories and comments through the Algolia search API (httpx).

No credentials. Options: :class:`HackerNewsOptions`. ``api_base`` defaults to
``https://hn.algolia.com``; the endpoint is ``/api/v1/search_by_date``. Algolia's hn-search was
archived upstream in 2026, so this source is best effort.

Cursor: the newest ``created_at_i`` seen plus the ``objectID``s at that second; the next fetch
asks for ``created_at_i>=`` it and drops those ids, so nothing is missed or repeated.
"""

from __future__ import annotations

import builtins
from datetime import timedelta
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlsplit

import httpx
from pydantic import BaseModel, ConfigDict, Field

from connectors._http import (
    ConnectorBase,
    TransientError,
    call_with_retries,
    dump_cursor,
    extract_links,
    future,
    httpx_get,
    load_cursor,
    loads_json,
    parse_each,
    parse_time,
    status_error,
    strip_html,
    to_count,
    to_text,
)
from connectors._paged import HighWater, Listing, oldest_first, read_pages
from connectors.base import FetchContext, FetchResult, Mention, Rejected, with_responses
from connectors.errors import RetriableSourceError

DEFAULT_API_BASE = "https://hn.algolia.com"
ITEM_URL = "https://news.ycombinator.com/item?id={}"


class HackerNewsOptions(BaseModel):
    """Options of an ``hn`` source."""

    model_config = ConfigDict(extra="forbid")

    query: str = Field(min_length=1, description="Algolia full-text query")
    tags: str = Field("(story,comment)", description="Algolia tags filter: story, comment, (story,comment)")
    hits_per_page: int = Field(100, ge=1, le=1000)
    max_pages: int = Field(10, ge=1, le=100)


class HackerNewsConnector(ConnectorBase):
    """Stories and comments matching a query, newest first from Algolia, returned oldest first."""

    type: ClassVar[str] = "hn"
    Options: ClassVar[builtins.type[BaseModel]] = HackerNewsOptions
    options: HackerNewsOptions
    api_base: str
    DEFAULT_API_BASE = DEFAULT_API_BASE

    def _get_client(self) -> Any:
        if self._client is None:
            self._client = httpx.Client(timeout=self.timeout, headers={"User-Agent": "brand-scout/0.1"})
        return self._client

    def _page(self, params: dict[str, Any], ctx: FetchContext) -> dict[str, Any]:
        what = f"hn source {self.name!r}"

        def once() -> dict[str, Any]:
            r = httpx_get(
                self._get_client(),
                f"{self.api_base}/api/v1/search_by_date",
                params=params,
                what=what,
                now=ctx.now,
            )
            data = loads_json(r.content, what)
            if not isinstance(data, dict) or not isinstance(data.get("hits"), list):
                raise RetriableSourceError(f"{what}: reply has no hits list")
            return data

        return call_with_retries(
            once, translate=lambda _e: None, max_retries=self.max_retries, sleep=self._sleep, what=what
        )

    def fetch(self, cursor: str | None, ctx: FetchContext) -> FetchResult:
        """Items created at or after the cursor's high-water second (first run: the backfill window)."""
        state = load_cursor(cursor, f"hn source {self.name!r}")
        since = int(
            state.get("created_at_i") or (ctx.backfill_since or ctx.now - timedelta(hours=24)).timestamp()
        )
        hw = HighWater(since, set(state.get("ids") or ()))
        search = _Search(self, hw, ctx)
        got = read_pages(search, ctx.progress)
        ordered = oldest_first(got.items)
        rejected = tuple(search.rejected)
        if not ordered:
            return FetchResult(mentions=[], cursor=None, pages=got.pages, notes=got.notes, rejected=rejected)
        new = hw.advance((int(m.created_at.timestamp()), m.external_id) for m in ordered
                         if not future(m.created_at, ctx.now))
        return with_responses(FetchResult(
            mentions=ordered,
            cursor=dump_cursor({"created_at_i": new.mark, "ids": sorted(new.ids)}),
            pages=got.pages,
            notes=got.notes,
            rejected=rejected,
        ), self.own_accounts)

    @staticmethod
    def item_id_from_url(url: str) -> str | None:
        """The item id of a ``news.ycombinator.com/item?id=N`` link; None for any other URL (no I/O)."""
        try:
            parts = urlsplit(url.strip())
        except ValueError:
            return None
        if parts.scheme not in ("http", "https") or (parts.hostname or "") != "news.ycombinator.com":
            return None
        if parts.path != "/item":
            return None
        ids = parse_qs(parts.query).get("id") or []
        return ids[0] if len(ids) == 1 and ids[0].isdigit() and len(ids[0]) <= 12 else None

    def recognises_url(self, url: str) -> bool:
        """Whether ``url`` is a Hacker News item this connector can look up (pure URL matching)."""
        return self.item_id_from_url(url) is not None

    def lookup_url(self, url: str) -> Mention | None:
        """The story or comment behind a Hacker News item link (Algolia ``GET /api/v1/items/N``),
        with the fetch's ``external_id`` (the item id); None for another URL or an unknown item.

        Raises:
            RetriableSourceError: rate limited, 5xx, timeout or malformed reply (not retried here).
            FatalSourceError: the API refused the request.
        """
        oid = self.item_id_from_url(url)
        if oid is None:
            return None
        what = f"hn source {self.name!r}"
        now = self._clock.now()

        def once() -> dict[str, Any] | None:
            try:
                r = self._get_client().get(f"{self.api_base}/api/v1/items/{oid}")
            except httpx.TimeoutException as exc:
                raise TransientError(f"timeout ({type(exc).__name__})") from exc
            except httpx.TransportError as exc:
                raise TransientError(f"connection failed ({type(exc).__name__})") from exc
            if r.status_code == 404:
                return None  # no such item
            if not 200 <= r.status_code < 300:
                raise status_error(r.status_code, what, r.headers, now)
            data = loads_json(r.content, what)
            if not isinstance(data, dict) or str(data.get("id")) != oid:
                raise RetriableSourceError(f"{what}: reply is not item {oid}")
            return data

        item = call_with_retries(once, translate=lambda _e: None, max_retries=0, sleep=self._sleep, what=what)
        try:
            return self._mention(self._item_as_hit(item)) if item is not None else None
        except ValueError:  # no readable time: not a post we can show
            return None

    @staticmethod
    def _item_as_hit(item: dict[str, Any]) -> dict[str, Any]:
        """An Algolia *item* (``id``, ``type``, ``text``, ``children``) in the search *hit* shape."""

        def descendants(node: dict[str, Any]) -> int:
            return sum(1 + descendants(c) for c in node.get("children") or [] if isinstance(c, dict))

        is_comment = item.get("type") == "comment"
        return {
            "objectID": str(item["id"]),
            "created_at_i": item.get("created_at_i"),
            "created_at": item.get("created_at"),
            "author": item.get("author"),
            "title": item.get("title"),
            "url": item.get("url"),
            "story_text": None if is_comment else item.get("text"),
            "comment_text": item.get("text") if is_comment else None,
            "points": item.get("points"),
            "num_comments": None if is_comment else descendants(item),
            "story_id": item.get("story_id"),
            "parent_id": item.get("parent_id"),
            "_tags": ["comment" if is_comment else "story"],
        }

    @staticmethod
    def _mention(hit: dict[str, Any]) -> Mention | None:
        """A hit as a mention; counts and texts of the wrong shape are read leniently.

        Raises:
            ValueError: the hit has no readable creation time (the fetch rejects it alone).
        """
        oid = str(hit["objectID"])
        created = parse_time(hit.get("created_at_i"))
        if created is None and hit.get("created_at_i") is None:
            created = parse_time(hit.get("created_at"))
        if created is None:
            raise ValueError("hit without a readable created_at_i")
        tags = hit.get("_tags")
        tags = tags if isinstance(tags, list) else []
        is_comment = "comment" in tags or (hit.get("comment_text") and not hit.get("title"))
        title = to_text(hit.get("title") or hit.get("story_title"))
        if is_comment:
            text = strip_html(to_text(hit.get("comment_text")))
        else:
            text = "\n\n".join(
                p for p in (to_text(hit.get("title")), strip_html(to_text(hit.get("story_text")))) if p
            )
        link = hit.get("url") or hit.get("story_url")
        links = extract_links(text)
        if link:
            links = (str(link), *[u for u in links if u != link])
        story_id = hit.get("story_id")
        return Mention(
            source="hn",
            external_id=oid,
            url=ITEM_URL.format(oid),
            text=text or str(title or ""),
            created_at=created,
            author_handle=to_text(hit.get("author")),
            author_name=to_text(hit.get("author")),
            likes=to_count(hit.get("points")),
            replies=to_count(hit.get("num_comments")),
            kind="comment" if is_comment else "story",
            parent_id=str(hit["parent_id"]) if is_comment and hit.get("parent_id") else None,
            thread_id=str(story_id) if story_id else oid,
            links=links,
            title=str(title) if title else None,
        )


class _Search(Listing[dict[str, Any], Mention, int]):
    """``search_by_date`` with ``created_at_i>=`` the high-water second, paged by page number;
    the ids already returned at that second are dropped."""

    skipped = "hits"

    def __init__(self, connector: HackerNewsConnector, hw: HighWater[int], ctx: FetchContext) -> None:
        self.connector, self.hw, self.ctx = connector, hw, ctx
        self.max_pages = connector.options.max_pages
        self.rejected: list[Rejected] = []

    def fetch_page(self, token: int | None) -> dict[str, Any]:
        opts = self.connector.options
        return self.connector._page(
            {
                "query": opts.query,
                "tags": opts.tags,
                "numericFilters": f"created_at_i>={self.hw.mark}",
                "hitsPerPage": opts.hits_per_page,
                "page": token or 0,
            },
            self.ctx,
        )

    def parse(self, page: dict[str, Any]) -> list[Mention]:
        hits = [hit for hit in page["hits"] if (oid := to_text(hit.get("objectID"))) and oid not in self.hw.ids]
        read = parse_each(hits, self.connector._mention, lambda hit: hit.get("objectID"), self.rejected)
        return [m for m in read if m.created_at.timestamp() >= self.hw.mark]

    def key(self, item: Mention) -> str:
        return item.external_id

    def next_token(self, page: dict[str, Any], token: int | None) -> int | None:
        following = (token or 0) + 1
        return following if following < int(page.get("nbPages") or 0) and page["hits"] else None

    def total(self, page: dict[str, Any]) -> int | None:
        return int(page.get("nbHits") or 0) or None
