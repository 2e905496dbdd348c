"""Bluesky posts from ``app.bsky.feed.searchPosts`` through the atproto SDK.

Credentials: ``handle`` and ``app_password`` (search needs a login since January 2025).
Options: :class:`BlueskyOptions`. ``api_base`` is the PDS / entryway (default
``https://bsky.social``; the SDK appends ``/xrpc``). Author reach comes from
``app.bsky.actor.getProfiles`` (``followersCount``), 25 actors per call.

Cursor: the newest post ``createdAt`` seen plus the post URIs at that instant; the next fetch
sends ``since=`` it (inclusive) with ``sort=latest`` and pages with the API cursor.
"""

from __future__ import annotations

import builtins
import json
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial
from types import SimpleNamespace
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from connectors._http import (
    ConnectorBase,
    TransientError,
    call_with_retries,
    dump_cursor,
    extract_links,
    future,
    load_cursor,
    parse_each,
    parse_time,
    raw_item,
    retry_after_from_headers,
    to_count,
    to_text,
)
from connectors._paged import HighWater, Listing, oldest_first, read_pages
from connectors.base import FetchContext, FetchResult, Mention, Rejected, with_responses
from connectors.errors import FatalSourceError, RetriableSourceError

DEFAULT_API_BASE = "https://bsky.social"
#: a post's page in the Bluesky app: ``bsky.app/profile/<handle or DID>/post/<record key>``
#: A post view's counts: read leniently before the post is validated.
_COUNTS = ("likeCount", "repostCount", "replyCount", "quoteCount")

#: A UTF-16 surrogate code point: after :func:`json.loads` (which joins a valid pair into one
#: character) only lone ones remain, which no text column can encode.
_SURROGATE = re.compile("[\ud800-\udfff]")

_POST_URL = re.compile(
    r"https://(?:www\.)?bsky\.app/profile/(did:[a-z]{1,16}:[A-Za-z0-9._:%-]{1,256}|[A-Za-z0-9.-]{1,253})"
    r"/post/([A-Za-z0-9._:~-]{1,512})/?(?:[?#].*)?"
)


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


class BlueskyConnector(ConnectorBase):
    """Posts that mention the organisation on Bluesky."""

    type: ClassVar[str] = "bluesky"
    Options: ClassVar[builtins.type[BaseModel]] = BlueskyOptions
    options: BlueskyOptions
    api_base: str
    DEFAULT_API_BASE = DEFAULT_API_BASE

    def __init__(self, name: str, options: BlueskyOptions, **kw: Any) -> None:
        super().__init__(name, options, **kw)
        self._logged_in = self._client is not None

    def _translate(self, exc: BaseException, now: datetime) -> BaseException | None:
        from atproto_client import exceptions as ae

        what = f"bluesky source {self.name!r}"
        resp = getattr(exc, "response", None)
        status = _get(resp, "status_code")
        if isinstance(exc, ae.RateLimitExceededError):
            headers = _get(resp, "headers") or {}
            return RetriableSourceError(f"{what}: rate limited (HTTP 429)", retry_after_from_headers(headers, now))
        if isinstance(exc, ae.UnauthorizedError):
            return FatalSourceError(f"{what}: credentials rejected (HTTP {status})")
        if isinstance(exc, ae.InvokeTimeoutError):
            return TransientError("timeout")
        if isinstance(exc, ae.NetworkError):
            return TransientError(f"network error (HTTP {status})" if status else "network error")
        if isinstance(exc, ae.BadRequestError):
            return FatalSourceError(f"{what}: request rejected (HTTP 400)")
        if isinstance(exc, ae.RequestException):
            if status is not None and status >= 500:
                return TransientError(f"server error (HTTP {status})")
            if status == 404:
                return FatalSourceError(f"{what}: endpoint not found (check api_base)")
            return RetriableSourceError(f"{what}: unexpected HTTP {status}")
        if isinstance(exc, (ValueError, ae.ModelError)):
            return RetriableSourceError(f"{what}: malformed reply")
        return None

    def _call(self, fn: Callable[[], Any], ctx: FetchContext) -> Any:
        return call_with_retries(
            fn,
            translate=lambda e: self._translate(e, ctx.now),
            max_retries=self.max_retries,
            sleep=self._sleep,
            what=f"bluesky source {self.name!r}",
        )

    def _get_client(self, ctx: FetchContext) -> Any:
        if self._client is None:
            from atproto import Client
            from atproto_client.request import Request

            self._client = Client(base_url=self.api_base, request=Request(timeout=self.timeout))
        if not self._logged_in:
            handle, password = self._credentials.get("handle"), self._credentials.get("app_password")
            if not handle or not password:
                raise FatalSourceError(f"bluesky source {self.name!r}: handle and app_password are required")
            client = self._client
            self._call(lambda: client.login(handle, password, fetch_bsky_profile=False), ctx)
            self._logged_in = True
        return self._client

    def fetch(self, cursor: str | None, ctx: FetchContext) -> FetchResult:
        """Posts created at or after the cursor's high-water instant (first run: the backfill window)."""
        state = load_cursor(cursor, f"bluesky source {self.name!r}")
        client = self._get_client(ctx)
        since = parse_time(state.get("since")) or ctx.backfill_since or (ctx.now - timedelta(hours=24))
        hw = HighWater(since, set(state.get("ids") or ()))
        search = _Search(self, client, hw, ctx)
        got = read_pages(search, ctx.progress)
        posts = got.items
        reach = self._reach(client, {str(p.author.did) for p in posts}, ctx) if posts else {}
        rejected: list[Rejected] = list(search.rejected)
        mentions = oldest_first(parse_each(posts, lambda p: self._mention(p, reach), lambda p: p.uri, rejected))
        if not mentions:
            return FetchResult(mentions=[], cursor=None, pages=got.pages, notes=got.notes, rejected=tuple(rejected))
        new = hw.advance((m.created_at, m.external_id) for m in mentions if not future(m.created_at, ctx.now))
        new_cursor = dump_cursor({"since": new.mark.isoformat(), "ids": sorted(new.ids)})
        return with_responses(
            FetchResult(
                mentions=mentions, cursor=new_cursor, pages=got.pages + 1, notes=got.notes, rejected=tuple(rejected)
            ),
            self.own_accounts,
        )

    @staticmethod
    def post_from_url(url: str) -> tuple[str, str] | None:
        """``(handle or DID, record key)`` of a ``bsky.app`` post link; None for any other URL (no I/O)."""
        m = _POST_URL.fullmatch(url.strip())
        return (m.group(1), m.group(2)) if m else None

    def recognises_url(self, url: str) -> bool:
        """Whether ``url`` is a Bluesky post this connector can look up (pure URL matching)."""
        return self.post_from_url(url) is not None

    def lookup_url(self, url: str) -> Mention | None:
        """The post behind a ``bsky.app`` link: the handle resolved to its DID
        (``com.atproto.identity.resolveHandle``), the post read with ``app.bsky.feed.getPosts``
        by its ``at://`` URI and the author's ``followersCount``, with the fetch's ``external_id``
        (the URI); None for another URL, an unknown handle or a post not returned.

        Raises:
            RetriableSourceError: rate limited, 5xx, timeout or malformed reply (not retried here).
            FatalSourceError: credentials rejected.
        """
        found = self.post_from_url(url)
        if found is None:
            return None
        from atproto import models
        from atproto_client import exceptions as ae

        actor, rkey = found
        ctx = FetchContext(now=self._clock.now())
        client = self._get_client(ctx)

        def call(fn: Callable[[], Any]) -> Any:
            return call_with_retries(
                fn,
                translate=lambda e: self._translate(e, ctx.now),
                max_retries=0,
                sleep=self._sleep,
                what=f"bluesky source {self.name!r}",
            )

        did = actor
        if not actor.startswith("did:"):
            params = models.ComAtprotoIdentityResolveHandle.Params(handle=actor)
            try:
                did = str(call(lambda: client.com.atproto.identity.resolve_handle(params)).did)
            except FatalSourceError as exc:
                if isinstance(exc.__cause__, ae.BadRequestError):
                    return None  # "Unable to resolve handle"
                raise
        uri = f"at://{did}/app.bsky.feed.post/{rkey}"
        resp = call(lambda: client.app.bsky.feed.get_posts(models.AppBskyFeedGetPosts.Params(uris=[uri])))
        post = next((p for p in resp.posts or [] if str(p.uri) == uri), None)
        if post is None:
            return None
        reach = self._reach(client, {str(post.author.did)}, ctx)
        return self._mention(post, reach)

    def _reach(self, client: Any, dids: set[str], ctx: FetchContext) -> dict[str, int]:
        if not self.options.fetch_reach:
            return {}
        from atproto import models

        out: dict[str, int] = {}
        ordered = sorted(dids)
        for i in range(0, len(ordered), 25):
            params = models.AppBskyActorGetProfiles.Params(actors=ordered[i : i + 25])
            if getattr(client, "invoke_query", None) is None:  # an injected client without the raw call
                resp = self._call(lambda p=params: client.app.bsky.actor.get_profiles(p), ctx)  # type: ignore[misc]
                for prof in resp.profiles or []:
                    out[str(prof.did)] = int(prof.followers_count or 0)
                continue
            # read raw and leniently: one author's odd profile (a lone surrogate in its description,
            # a count of the wrong shape) must not fail the fetch of everyone's posts
            content = self._call(partial(read_query, client, "app.bsky.actor.getProfiles", params), ctx)
            profiles = content.get("profiles") if isinstance(content, dict) else None
            for prof in profiles if isinstance(profiles, list) else []:
                if isinstance(prof, dict) and isinstance(prof.get("did"), str):
                    out[prof["did"]] = to_count(prof.get("followersCount"))
        return out

    @staticmethod
    def _created(post: Any) -> datetime | None:
        rec = post.record
        return parse_time(_get(rec, "created_at") or _get(rec, "createdAt")) or parse_time(post.indexed_at)

    @classmethod
    def _mention(cls, post: Any, reach: dict[str, int]) -> Mention:
        rec = post.record
        author = post.author
        uri = str(post.uri)
        text = str(_get(rec, "text") or "")
        kind, parent, thread, refers = "post", None, None, None
        reply = _get(rec, "reply")
        if reply is not None:
            kind = "reply"
            parent = str(_get(_get(reply, "parent"), "uri") or "") or None
            thread = str(_get(_get(reply, "root"), "uri") or "") or None
        embed = _get(rec, "embed")
        embedded = _get(embed, "record")
        if embedded is not None:
            inner = _get(embedded, "record", embedded)  # recordWithMedia nests one level deeper
            if _get(inner, "uri"):
                refers = str(_get(inner, "uri"))
                kind = "quote" if kind == "post" else kind
        links: list[str] = []
        for facet in _get(rec, "facets") or []:
            for feat in _get(facet, "features") or []:
                if _get(feat, "uri"):
                    links.append(str(_get(feat, "uri")))
        links += [u for u in extract_links(text) if u not in links]
        langs = _get(rec, "langs") or []
        handle = str(author.handle)
        created = cls._created(post)
        if created is None:
            raise ValueError("post without a readable createdAt or indexedAt")
        return Mention(
            source="bluesky",
            external_id=uri,
            url=f"https://bsky.app/profile/{handle}/post/{uri.rsplit('/', 1)[-1]}",
            text=text,
            created_at=created,
            author_handle=handle,
            author_name=str(_get(author, "display_name") or handle),
            author_reach=reach.get(str(author.did), 0),
            lang=str(langs[0]) if langs else None,
            likes=to_count(_get(post, "like_count")),
            reposts=to_count(_get(post, "repost_count")),
            replies=to_count(_get(post, "reply_count")),
            quotes=to_count(_get(post, "quote_count")),
            kind=kind,
            parent_id=parent,
            thread_id=thread or uri,
            refers_to=refers,
            links=tuple(links),
        )


class _Search(Listing[Any, Any, str]):
    """``searchPosts`` with ``sort=latest`` and ``since=`` the high-water instant (inclusive),
    paged with the API cursor; the posts already returned at that instant are dropped."""

    skipped = "posts"

    def __init__(self, connector: BlueskyConnector, client: Any, hw: HighWater[datetime], ctx: FetchContext) -> None:
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
        from atproto import models
        from atproto_client.models.utils import get_or_create

        if not isinstance(content, dict):
            raise RetriableSourceError(f"bluesky source {self.connector.name!r}: malformed reply")
        raw_posts = content.get("posts")
        raw_posts = raw_posts if isinstance(raw_posts, list) else []

        def one(post: Any) -> Any:
            if not isinstance(post, dict):
                raise TypeError("post is not an object")
            post = {**post, **{k: to_count(post[k]) for k in _COUNTS if k in post}}
            return get_or_create(post, models.AppBskyFeedDefs.PostView, strict=True)

        posts = []
        for post in raw_posts:
            try:
                posts.append(one(post))
            except Exception as exc:  # pydantic's ValidationError, the SDK's ModelError, a wrong shape
                uri = to_text(post.get("uri")) if isinstance(post, dict) else ""
                self.rejected.append(
                    Rejected(uri[:1000], f"{type(exc).__name__}: {str(exc).splitlines()[0]}"[:500], raw_item(post))
                )
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
