"""Bluesky posts from ``app.bsky.feed.searchPosts`` through the atproto SDK.

Credentials: ``handle`` and ``app_password`` (search needs a login since January 2025).
Options: :class:`BlueskyOptions`. ``api_base`` is the PDS / entryway (default
``https://bsky.social``; the SDK appends ``/xrpc``). Author reach comes from
``app.bsky.actor.getProfiles`` (``followersCount``), 25 actors per call.

Own accounts (``organisation.own_accounts`` that are Bluesky actors: a handle, which is a domain
name, or a DID) are read too: each one's recent posts with ``app.bsky.feed.getAuthorFeed``
(``posts_with_replies``), newest first, down to the account's mark. A reply (or quote) among them
is a :class:`~connectors.base.Response` even when it names nothing the search matches; its other
posts and its reposts read there are neither responses nor mentions (an own post the search
finds stays a mention, as before, for the pipeline's own-account filter). An account the AppView
refuses (400: unknown, taken down) is left out with a note instead of failing the fetch.

Cursor: ``since`` and ``ids``, the newest post ``createdAt`` the search saw plus the post URIs at
that instant; the next fetch sends ``since=`` it (inclusive) with ``sort=latest`` and pages with
the API cursor. ``own`` (absent without own accounts; an older cursor without it reads them from
the backfill window) holds per account ``since`` and ``ids``, the newest ``indexedAt`` read and
the URIs at it; when ``max_pages`` stopped a read above that mark, also ``next``, the feed cursor
to go on from, and ``upto``, the mark to take once the read has reached the old one.
"""

from __future__ import annotations

import builtins
import dataclasses
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial
from typing import Any, ClassVar

from pydantic import BaseModel

from connectors._bluesky_listings import BlueskyOptions, _get, _OwnFeed, _OwnRead, _Search, read_query
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
    retry_after_from_headers,
    to_count,
    to_text,
)
from connectors._paged import HighWater, oldest_first, read_pages
from connectors.base import (
    FetchContext,
    FetchResult,
    Mention,
    OwnAccounts,
    Rejected,
    as_response,
    with_responses,
)
from connectors.errors import FatalSourceError, RetriableSourceError

DEFAULT_API_BASE = "https://bsky.social"
#: a post's page in the Bluesky app: ``bsky.app/profile/<handle or DID>/post/<record key>``
_POST_URL = re.compile(
    r"https://(?:www\.)?bsky\.app/profile/(did:[a-z]{1,16}:[A-Za-z0-9._:%-]{1,256}|[A-Za-z0-9.-]{1,253})"
    r"/post/([A-Za-z0-9._:~-]{1,512})/?(?:[?#].*)?"
)


#: An own account Bluesky can read: a handle (a domain name) or a DID. Other own accounts (an X
#: name, a Mastodon ``user@instance``) are no Bluesky actors.
_ACTOR = re.compile(
    r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.){1,126}[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?"
    r"|did:[a-z]{1,16}:[a-z0-9._:%-]{1,2048}"
)


def _mark(state: Any, default: datetime) -> HighWater[datetime]:
    """The high-water mark stored as ``{"since", "ids"}`` (``default`` when it has no readable time)."""
    state = state if isinstance(state, dict) else {}
    ids = state.get("ids")
    return HighWater(
        parse_time(state.get("since")) or default, {str(i) for i in ids} if isinstance(ids, list) else set()
    )


def _dump_mark(hw: HighWater[datetime]) -> dict[str, Any]:
    return {"since": hw.mark.isoformat(), "ids": sorted(hw.ids)}


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
        own = self._read_own(client, state.get("own"), ctx.backfill_since or (ctx.now - timedelta(hours=24)), ctx)
        new_state = dict(state)
        pages = got.pages
        if mentions:
            new = hw.advance((m.created_at, m.external_id) for m in mentions if not future(m.created_at, ctx.now))
            new_state.update(_dump_mark(new))
            pages += 1
        if own.state:
            new_state["own"] = own.state
        else:
            new_state.pop("own", None)
        result = with_responses(
            FetchResult(
                mentions=mentions,
                cursor=None if new_state == state else dump_cursor(new_state),
                pages=pages + own.pages,
                notes=got.notes + tuple(own.notes),
                rejected=(*rejected, *own.rejected),
            ),
            self.own_accounts,
        )
        seen = {r.external_id for r in result.responses}
        extra = [r for r in own.responses if r.external_id not in seen]  # the search may have found them too
        if not (extra or result.responses):
            return result
        merged = sorted([*result.responses, *extra], key=lambda r: (r.created_at, r.external_id))
        # whom each reply answers: its parent's author as the own feed names it, else the author of
        # the DID in the parent's URI when this fetch read a post of theirs (never a DID: mentions
        # are stored under handles, and an unknown author leaves the thread to its one-author rule)
        known = {r.external_id: r.in_reply_to_author for r in own.responses if r.in_reply_to_author}
        handles = {**own.handles, **{str(p.author.did): str(p.author.handle) for p in posts}}
        return dataclasses.replace(result, responses=[
            dataclasses.replace(r, in_reply_to_author=known.get(r.external_id) or handles.get(_did(r.in_reply_to)))
            if r.in_reply_to and not r.in_reply_to_author else r for r in merged])

    def _own_actors(self) -> list[str]:
        """The own accounts that can be Bluesky actors (handles and DIDs, lower case)."""
        own = OwnAccounts(self.own_accounts)
        names = own.anywhere | {h for src, h in own.per_source if src == self.type}
        return sorted(h for h in names if _ACTOR.fullmatch(h))

    def _read_own(self, client: Any, old: Any, since: datetime, ctx: FetchContext) -> _OwnRead:
        """The own accounts' responses from their author feeds and each account's next state
        (see the module's cursor). ``old`` is the cursor's ``own``; ``since`` the mark of an
        account read for the first time.

        Raises:
            RetriableSourceError: rate limited, 5xx, timeout or malformed reply (after retries).
            FatalSourceError: credentials rejected.
        """
        from atproto_client import exceptions as ae

        out = _OwnRead()
        old_all: dict[str, Any] = old if isinstance(old, dict) else {}
        for actor in self._own_actors():
            prev = old_all.get(actor)
            prev = prev if isinstance(prev, dict) else {}
            hw = _mark(prev, since)
            start = (
                prev.get("next") if isinstance(prev.get("next"), str) and isinstance(prev.get("upto"), dict) else None
            )
            upto = _mark(prev["upto"], hw.mark) if start else None
            feed = _OwnFeed(self, client, actor, hw, ctx, start)
            try:
                got = read_pages(feed)
            except FatalSourceError as exc:
                if not isinstance(exc.__cause__, ae.BadRequestError):
                    raise
                reason = to_text(_get(_get(_get(exc.__cause__, "response"), "content"), "message"))
                out.notes.append(
                    f"own account {actor} cannot be read on Bluesky (HTTP 400{': ' + reason if reason else ''}); "
                    "only its replies that the search matches are seen"
                )
                if prev:
                    out.state[actor] = prev
                continue
            out.pages += got.pages
            out.rejected += feed.rejected
            parsed = parse_each(
                [i.post for i in got.items if i.post is not None], lambda p: self._mention(p, {}), _uri, out.rejected
            )
            # the feed item's reply ref names the parent's author: whom the reply answers
            parent_authors = {i.uri: i.parent_author for i in got.items if i.post is not None and i.parent_author}
            out.responses += [
                dataclasses.replace(r, in_reply_to_author=parent_authors.get(r.external_id)) if r.in_reply_to else r
                for m in parsed
                if (r := as_response(m)) is not None
            ]
            out.handles.update({str(i.post.author.did): str(i.post.author.handle) for i in got.items if i.post})
            # rejected items count too: they are returned, as rejected
            top = (upto or hw).advance((i.at, i.uri) for i in got.items if not future(i.at, ctx.now))
            if feed.reached or feed.after is None:
                out.state[actor] = _dump_mark(top)
            else:
                # stopped above the mark: what lies below is unread, so the mark stays until it is read
                out.state[actor] = {**_dump_mark(hw), "next": feed.after, "upto": _dump_mark(top)}
                out.notes.append(
                    f"own account {actor}: stopped after max_pages={self.options.max_pages}; "
                    "its older posts are read on the next poll"
                )
        return out

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


def _uri(post: Any) -> str:
    return str(post.uri)


def _did(uri: str) -> str:
    """The DID of the repository an ``at://<did>/<collection>/<rkey>`` URI names ("" for another)."""
    return uri[len("at://"):].split("/", 1)[0] if uri.startswith("at://did:") else ""
