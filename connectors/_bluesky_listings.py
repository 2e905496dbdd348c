"""The two listings the Bluesky connector reads and the lenient reading of their replies.

:class:`_Search` pages ``app.bsky.feed.searchPosts``; :class:`_OwnFeed` pages an own account's
``app.bsky.feed.getAuthorFeed``. :func:`read_query` reads an XRPC reply raw when the SDK refuses
it, and :func:`_post_view` validates one post at a time, so that one odd post is rejected alone.
Also :class:`BlueskyOptions`, which the listings read. Used by :mod:`connectors.bluesky` only
(which re-exports :class:`BlueskyOptions` and :func:`read_query`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from types import SimpleNamespace
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field

from connectors._http import parse_time, raw_item, to_count, to_text
from connectors._paged import HighWater, Listing
from connectors.base import FetchContext, Rejected, Response
from connectors.errors import RetriableSourceError

#: A post view's counts: read leniently before the post is validated.
_COUNTS = ("likeCount", "repostCount", "replyCount", "quoteCount")

#: A UTF-16 surrogate code point: after :func:`json.loads` (which joins a valid pair into one
#: character) only lone ones remain, which no text column can encode.
_SURROGATE = re.compile("[\ud800-\udfff]")

#: How far below an own account's mark its feed is read. The mark is an ``indexedAt``, but the
#: AppView orders the feed by ``createdAt`` where that is earlier: a post indexed after the mark
#: may sit a little below it.
_OVERLAP = timedelta(minutes=10)

_REASON_REPOST = "app.bsky.feed.defs#reasonRepost"


class BlueskyOptions(BaseModel):
    """Options of a ``bluesky`` source."""

    model_config = ConfigDict(extra="forbid")

    query: str = Field(min_length=1, description="searchPosts query (Lucene-like)")
    lang: str | None = Field(None, description="only posts in this language (e.g. en)")
    limit: int = Field(100, ge=1, le=100, description="posts per page")
    max_pages: int = Field(10, ge=1, le=100)
    fetch_reach: bool = Field(True, description="look up followersCount with getProfiles")


def _get(obj: Any, name: str, default: Any = None) -> Any:
    if obj is None:
        return default
    if isinstance(obj, dict):
        return obj.get(name, default)
    return getattr(obj, name, default)


def _without_surrogates(value: Any) -> Any:
    """``value`` (parsed JSON) with every lone surrogate in its strings replaced by U+FFFD."""
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value)
    if isinstance(value, list):
        return [_without_surrogates(v) for v in value]
    if isinstance(value, dict):
        return {_without_surrogates(k): _without_surrogates(v) for k, v in value.items()}
    return value


def _post_view(post: Any) -> Any:
    """``post`` (a raw post view) validated as the SDK would, strictly; its counts read leniently
    first, since a count of the wrong shape must not cost the post.

    Raises:
        Exception: pydantic's ValidationError, the SDK's ModelError or TypeError for a post of the
            wrong shape.
    """
    from atproto import models
    from atproto_client.models.utils import get_or_create

    if not isinstance(post, dict):
        raise TypeError("post is not an object")
    post = {**post, **{k: to_count(post[k]) for k in _COUNTS if k in post}}
    return get_or_create(post, models.AppBskyFeedDefs.PostView, strict=True)


def _rejected(post: Any, exc: Exception) -> Rejected:
    """The rejection of a raw post that :func:`_post_view` refused."""
    uri = to_text(post.get("uri")) if isinstance(post, dict) else ""
    return Rejected(uri[:1000], f"{type(exc).__name__}: {str(exc).splitlines()[0]}"[:500], raw_item(post))


def read_query(client: Any, nsid: str, params: Any) -> Any:
    """The parsed JSON reply of the XRPC query ``nsid`` through ``client`` (its session, headers
    and errors).

    atproto parses a reply with pydantic_core's ``from_json``, which refuses the lone-surrogate
    escape ``"\\ud800"`` that JSON allows and that posts do carry, so one such post would fail its
    whole page as a malformed reply. Then the same request is sent again and its reply read raw:
    parsed with :func:`json.loads` and each lone surrogate replaced with U+FFFD.

    Raises:
        ValueError: the reply is no JSON at all.
        atproto_client.exceptions.RequestErrorBase: the request failed (as ``invoke_query`` raises it).
    """
    try:
        return client.invoke_query(nsid, params=params, output_encoding="application/json").content
    except ValueError:
        # the SDK's own preparation of the query's kwargs, so that the second request is the same
        from atproto_client.client.base import _handle_kwargs

        kwargs: dict[str, Any] = {"params": params, "output_encoding": "application/json"}
        _handle_kwargs(kwargs)
        response = client.request._send_request("GET", client._build_url(nsid), **kwargs)
        return _without_surrogates(json.loads(response.content))


class _Connector(Protocol):
    """What the listings use of :class:`~connectors.bluesky.BlueskyConnector`: a Protocol, since
    that module imports this one and the layer rules allow no import cycle."""

    name: str
    options: BlueskyOptions

    def _call(self, fn: Callable[[], Any], ctx: FetchContext) -> Any: ...

    @staticmethod
    def _created(post: Any) -> datetime | None: ...


class _Search(Listing[Any, Any, str]):
    """``searchPosts`` with ``sort=latest`` and ``since=`` the high-water instant (inclusive),
    paged with the API cursor; the posts already returned at that instant are dropped."""

    skipped = "posts"

    def __init__(self, connector: _Connector, client: Any, hw: HighWater[datetime], ctx: FetchContext) -> None:
        self.connector, self.client, self.hw, self.ctx = connector, client, hw, ctx
        self.max_pages = connector.options.max_pages
        self.rejected: list[Rejected] = []

    def fetch_page(self, token: str | None) -> Any:
        from atproto import models

        opts = self.connector.options
        params = models.AppBskyFeedSearchPosts.Params(
            q=opts.query,
            sort="latest",
            since=self.hw.mark.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
            limit=opts.limit,
            lang=opts.lang,
            cursor=token,
        )
        if getattr(self.client, "invoke_query", None) is None:
            # an injected client without the raw call: the SDK validates the page as a whole
            return self.connector._call(lambda: self.client.app.bsky.feed.search_posts(params), self.ctx)
        content = self.connector._call(lambda: read_query(self.client, "app.bsky.feed.searchPosts", params), self.ctx)
        return self._page(content)

    def _page(self, content: Any) -> SimpleNamespace:
        """The page with each post validated on its own (as the SDK would, strictly), so that one
        post of the wrong shape is rejected with its reason instead of failing the whole page;
        counts of the wrong shape are read leniently first."""
        if not isinstance(content, dict):
            raise RetriableSourceError(f"bluesky source {self.connector.name!r}: malformed reply")
        raw_posts = content.get("posts")
        raw_posts = raw_posts if isinstance(raw_posts, list) else []
        posts = []
        for post in raw_posts:
            try:
                posts.append(_post_view(post))
            except Exception as exc:  # pydantic's ValidationError, the SDK's ModelError, a wrong shape
                self.rejected.append(_rejected(post, exc))
        cursor = content.get("cursor")
        return SimpleNamespace(
            posts=posts,
            raw_posts=len(raw_posts),
            cursor=cursor if isinstance(cursor, str) else None,
            hits_total=content.get("hitsTotal") if isinstance(content.get("hitsTotal"), int) else None,
        )

    def parse(self, page: Any) -> list[Any]:
        return [
            post
            for post in page.posts or []
            # a post without a readable time is kept, so that the fetch rejects it with its reason
            if str(post.uri) not in self.hw.ids and (self.connector._created(post) or self.hw.mark) >= self.hw.mark
        ]

    def key(self, item: Any) -> str:
        return str(item.uri)

    def next_token(self, page: Any, token: str | None) -> str | None:  # noqa: ARG002
        return page.cursor if page.cursor and (page.posts or getattr(page, "raw_posts", 0)) else None

    def total(self, page: Any) -> int | None:
        hits: int | None = _get(page, "hits_total")
        return hits


@dataclass(frozen=True, slots=True)
class _FeedItem:
    """One author-feed item at its place in the feed: the account's own post (validated), or one
    that is no post of its own (``post`` None: a repost, a post by someone else, a post rejected).

    Attributes:
        post: The post view, when it is the account's own post.
        at: Its time in the feed: a post's ``indexedAt`` (its ``createdAt`` when it has none), a
            repost's ``indexedAt``.
        uri: The post's URI (a repost's own URI).
        parent_author: The handle of the author of the post it replies to, from the feed item's
            ``reply.parent`` post view (None when the parent is not found or blocked).
    """

    post: Any | None
    at: datetime
    uri: str
    parent_author: str | None = None


def _parent_author(reply: Any) -> str | None:
    """The handle of the author of ``reply.parent`` (a feed item's reply ref, raw or the SDK's);
    None when the parent is no post view (``notFoundPost``, ``blockedPost`` carry no handle)."""
    author = _get(_get(reply, "parent"), "author")
    return to_text(_get(author, "handle")) or None


@dataclass
class _OwnRead:
    """What reading the own accounts' author feeds gave: responses, each account's next state
    (keyed by the account as configured), requests, notes and rejected posts; ``handles`` maps
    the DIDs of the authors its posts and their parents name to their handles."""

    responses: list[Response] = field(default_factory=list)
    handles: dict[str, str] = field(default_factory=dict)
    state: dict[str, Any] = field(default_factory=dict)
    pages: int = 0
    notes: list[str] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)


class _OwnFeed(Listing[SimpleNamespace, _FeedItem, str]):
    """One own account's ``getAuthorFeed`` (``posts_with_replies``), newest first, from its top
    or from ``start`` (a stored feed cursor), until a page reaches :data:`_OVERLAP` below the
    account's mark, the feed's end or ``max_pages``. ``parse`` keeps the items past the mark.

    Attributes:
        reached: A page reached below the mark (everything above it was read).
        after: The feed cursor after the last page read, when there are more pages.
        rejected: The account's new posts of the wrong shape.
    """

    def __init__(
        self,
        connector: _Connector,
        client: Any,
        actor: str,
        hw: HighWater[datetime],
        ctx: FetchContext,
        start: str | None,
    ) -> None:
        self.connector, self.client, self.actor = connector, client, actor
        self.hw, self.ctx, self.start = hw, ctx, start
        self.max_pages = connector.options.max_pages
        self.rejected: list[Rejected] = []
        self.reached = False
        self.after: str | None = None

    def fetch_page(self, token: str | None) -> SimpleNamespace:
        from atproto import models

        params = models.AppBskyFeedGetAuthorFeed.Params(
            actor=self.actor,
            limit=self.connector.options.limit,
            cursor=token or self.start,
            filter="posts_with_replies",
        )
        if getattr(self.client, "invoke_query", None) is None:
            # an injected client without the raw call: the SDK validates the page as a whole
            resp = self.connector._call(lambda: self.client.app.bsky.feed.get_author_feed(params), self.ctx)
            feed = resp.feed or []
            items = [i for e in feed if (i := self._item(e.post, e.reason, str(e.post.uri), e.reply)) is not None]
            return SimpleNamespace(items=items, raw_items=len(feed), cursor=resp.cursor)
        content = self.connector._call(
            partial(read_query, self.client, "app.bsky.feed.getAuthorFeed", params), self.ctx
        )
        if not isinstance(content, dict):
            raise RetriableSourceError(f"bluesky source {self.connector.name!r}: malformed reply")
        raw = content.get("feed")
        raw = raw if isinstance(raw, list) else []
        items = []
        for entry in raw:
            entry = entry if isinstance(entry, dict) else {}
            post = entry.get("post")
            try:
                view = None if entry.get("reason") is not None else _post_view(post)
            except Exception as exc:  # pydantic's ValidationError, the SDK's ModelError, a wrong shape
                at = parse_time(_get(post, "indexedAt")) or parse_time(_get(_get(post, "record"), "createdAt"))
                uri = to_text(_get(post, "uri"))
                # one without a readable time cannot be placed: it would come back on every poll
                if at is not None and self.hw.is_new(at, uri):
                    self.rejected.append(_rejected(post, exc))
                    items.append(_FeedItem(None, at, uri))
                continue
            item = self._item(view, entry.get("reason"), to_text(_get(post, "uri")), entry.get("reply"))
            if item is not None:
                items.append(item)
        cursor = content.get("cursor")
        return SimpleNamespace(items=items, raw_items=len(raw), cursor=cursor if isinstance(cursor, str) else None)

    def _item(self, view: Any, reason: Any, post_uri: str, reply: Any = None) -> _FeedItem | None:
        """The feed item of ``view`` (a post view; None for a repost) or ``reason`` (of the post
        ``post_uri``; ``reply`` is the item's reply ref of post views); None for one that has no
        place in the feed's order (a pinned post, an unknown reason)."""
        if reason is not None:
            kind = _get(reason, "py_type") or _get(reason, "$type")
            at = parse_time(_get(reason, "indexed_at") or _get(reason, "indexedAt"))
            if kind != _REASON_REPOST or at is None:
                return None
            return _FeedItem(None, at, to_text(_get(reason, "uri")) or f"repost:{post_uri}")
        at = parse_time(view.indexed_at) or self.connector._created(view)
        if at is None:
            return None
        author = view.author
        ours = self.actor in (str(author.did).lower(), str(author.handle).lower())
        return _FeedItem(view if ours else None, at, str(view.uri), _parent_author(reply) if ours else None)

    def parse(self, page: SimpleNamespace) -> list[_FeedItem]:
        return [i for i in page.items if self.hw.is_new(i.at, i.uri)]

    def key(self, item: _FeedItem) -> str:
        return item.uri

    def reached_cursor(self, page: SimpleNamespace) -> bool:
        self.reached = any(i.at < self.hw.mark - _OVERLAP for i in page.items)
        return self.reached

    def next_token(self, page: SimpleNamespace, token: str | None) -> str | None:  # noqa: ARG002
        self.after = page.cursor if page.cursor and page.raw_items else None
        return self.after
