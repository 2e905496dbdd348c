"""Mastodon statuses from search (v2) and hashtag timelines on one instance, through Mastodon.py;
plus the own accounts' replies, read from their own statuses.

Credentials: ``access_token`` (a user token with ``read:search``; status search only covers
posts the instance has indexed). Options: :class:`MastodonOptions`. ``api_base`` is the
instance, e.g. ``https://mastodon.social`` (required).

Polling uses ``min_id`` per stream (search and each hashtag); on a first run it pages back with
``max_id`` until the backfill window. ``ratelimit_method="throw"``: a 429 becomes
``RetriableSourceError`` with the instance's ``X-RateLimit-Reset``. ``external_id`` is the
status ``uri`` (global across instances); the cursor keeps instance-local ids.

Own accounts (``user@instance``) that live on a polled instance are resolved once
(``GET /api/v1/accounts/lookup``) and their statuses read as one more stream
(``GET /api/v1/accounts/:id/statuses``, reblogs excluded): a reply among them is a
:class:`~connectors.base.Response` even when it names nothing the search or the hashtags match;
the rest of them are neither responses nor mentions.

Cursor: ``{"instances": {base: {"search": id, "tags": {tag: id}, "own": {handle: id}}}}``; ``own``
is absent without own accounts there (an older cursor without it reads them from the backfill window).
"""

from __future__ import annotations

import builtins
import dataclasses
import re
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any, ClassVar
from urllib.parse import urlsplit

from pydantic import BaseModel

from connectors._http import (
    ConnectorBase,
    TimeoutSession,
    TransientError,
    call_with_retries,
    dump_cursor,
    extract_links,
    load_cursor,
    parse_each,
    parse_time,
    retry_after_from_headers,
    strip_html,
    to_count,
    to_text,
)
from connectors._mastodon_statuses import MastodonOptions as MastodonOptions
from connectors._mastodon_statuses import _id_at, _key, _qualified, _reply_author, _Timeline
from connectors._paged import oldest_first, read_pages
from connectors.base import (
    FetchContext,
    FetchResult,
    Mention,
    OwnAccounts,
    Rejected,
    Response,
    as_response,
    with_responses,
)
from connectors.errors import FatalSourceError, RetriableSourceError

#: a status page's path on a Mastodon instance: ``/@user/<id>``, ``/@user@domain/<id>``,
#: ``/users/<user>/statuses/<id>`` and the web UI's ``/web/@user/<id>`` / ``/web/statuses/<id>``
_STATUS_PATH = re.compile(
    r"/(?:web/)?(?:@[\w.-]{1,64}(?:@[\w.-]{1,253})?|users/[\w.-]{1,64}/statuses|statuses)/(\d{1,20})/?"
)


#: Own replies whose parent is looked up in one fetch (the rest keep the instance-local id).
_PARENT_LOOKUPS = 20

#: ``user@instance``, the only form a Mastodon own account is configured in
_QUALIFIED = re.compile(r"[\w.-]{1,64}@[\w.-]{1,253}(?::\d{1,5})?")

#: How long an own account that an instance does not have stays unasked there.
_RELOOKUP = timedelta(hours=24)


class MastodonConnector(ConnectorBase):
    """Statuses that mention the organisation on one Mastodon instance."""

    type: ClassVar[str] = "mastodon"
    Options: ClassVar[builtins.type[BaseModel]] = MastodonOptions
    options: MastodonOptions

    def __init__(self, name: str, options: MastodonOptions, **kw: Any) -> None:
        super().__init__(name, options, **kw)
        self._injected = self._client
        self._clients: dict[str, Any] = {}
        self._sessions: dict[str, TimeoutSession] = {}
        self._current = ""
        #: (instance base, own handle) -> (local account id or None when not that instance's, when asked)
        self._accounts: dict[tuple[str, str], tuple[str | None, datetime]] = {}

    def bases(self) -> list[str]:
        """The instance base URLs this source reads (``api_base`` wins over ``instances``)."""
        if self.api_base:
            return [self.api_base]
        return [(i if "://" in i else f"https://{i}").rstrip("/") for i in self.options.instances]

    def _get_client(self, base: str) -> Any:
        if self._injected is not None:
            return self._injected
        if base not in self._clients:
            from mastodon import Mastodon

            token = self._credentials.get("access_token")
            if self.options.query and not token:
                raise FatalSourceError(f"mastodon source {self.name!r}: search needs an access_token credential")
            self._sessions[base] = TimeoutSession(self.timeout)
            self._clients[base] = Mastodon(
                api_base_url=base,
                access_token=token or None,
                ratelimit_method="throw",
                request_timeout=self.timeout,
                session=self._sessions[base],
                user_agent="brand-scout/0.1",
            )
        return self._clients[base]

    def instance_for_url(self, url: str) -> str | None:
        """The configured instance base whose status page ``url`` is; None for any other URL (no I/O)."""
        try:
            parts = urlsplit(url.strip())
        except ValueError:
            return None
        if parts.scheme not in ("http", "https") or not _STATUS_PATH.fullmatch(parts.path):
            return None
        for base in self.bases():
            if urlsplit(base).netloc.lower() == parts.netloc.lower():
                return base
        return None

    def recognises_url(self, url: str) -> bool:
        """Whether ``url`` is a status on one of this source's instances (pure URL matching)."""
        return self.instance_for_url(url) is not None

    def lookup_url(self, url: str) -> Mention | None:
        """The status behind a status URL on a configured instance, resolved by the instance
        (``search_v2(url, resolve=True, result_type="statuses")``), with the fetch's
        ``external_id`` (the status ``uri``); None for another URL or a status not found.

        Raises:
            RetriableSourceError: rate limited, 5xx, timeout or malformed reply (not retried here).
            FatalSourceError: credentials rejected (resolving needs the access token).
        """
        base = self.instance_for_url(url)
        if base is None:
            return None
        client = self._get_client(base)
        now = self._clock.now()
        found = call_with_retries(
            lambda: client.search_v2(url.strip(), resolve=True, result_type="statuses") or {},
            translate=lambda e: self._translate(e, now, base),
            max_retries=0,
            sleep=self._sleep,
            what=f"mastodon source {self.name!r}",
        )
        statuses = list(found.get("statuses") or []) if isinstance(found, dict) else []
        return self._mention(statuses[0]) if statuses else None

    def _translate(self, exc: BaseException, now: datetime, base: str | None = None) -> BaseException | None:
        import mastodon as m

        what = f"mastodon source {self.name!r}"
        if isinstance(exc, m.MastodonRatelimitError):
            session = self._sessions.get(base or self._current)
            wait = retry_after_from_headers(session.last_headers if session else None, now)
            return RetriableSourceError(f"{what}: rate limited (HTTP 429)", wait)
        if isinstance(exc, m.MastodonUnauthorizedError):
            return FatalSourceError(f"{what}: credentials rejected (HTTP 401)")
        if isinstance(exc, m.MastodonNotFoundError):
            return FatalSourceError(f"{what}: endpoint not found (check api_base)")
        if isinstance(exc, m.MastodonServerError):
            return TransientError(f"server error ({type(exc).__name__})")
        if isinstance(exc, m.MastodonNetworkError):
            return TransientError(f"network error ({type(exc).__name__})")
        if isinstance(exc, m.MastodonVersionError):
            return FatalSourceError(f"{what}: instance too old for this request")
        if isinstance(exc, m.MastodonAPIError):
            args = exc.args
            if args and isinstance(args[0], str) and args[0].startswith("Could not parse response as JSON"):
                return RetriableSourceError(f"{what}: malformed JSON in reply")
            status = args[1] if len(args) > 1 and isinstance(args[1], int) else None
            if status in (401, 403):
                return FatalSourceError(f"{what}: credentials rejected (HTTP {status})")
            return RetriableSourceError(f"{what}: API error (HTTP {status})")
        return None

    def _call(self, fn: Callable[[], Any], ctx: FetchContext) -> list[Any]:
        return list(
            call_with_retries(
                lambda: fn() or [],
                translate=lambda e: self._translate(e, ctx.now),
                max_retries=self.max_retries,
                sleep=self._sleep,
                what=f"mastodon source {self.name!r}",
            )
        )

    def fetch(self, cursor: str | None, ctx: FetchContext) -> FetchResult:
        """New statuses from the search and every hashtag timeline of every instance, and the own
        accounts' replies from their statuses on the instances they live on."""
        state = load_cursor(cursor, f"mastodon source {self.name!r}")
        bases = self.bases()
        if not bases:
            raise FatalSourceError(f"mastodon source {self.name!r}: set api_base or options.instances")
        if self.options.query and not self._credentials.get("access_token") and self._injected is None:
            raise FatalSourceError(f"mastodon source {self.name!r}: search needs an access_token credential")
        since = ctx.backfill_since or (ctx.now - timedelta(hours=24))
        old_all: dict[str, Any] = dict(state.get("instances") or {})
        new_all: dict[str, Any] = {}
        statuses: dict[str, Any] = {}
        origin: dict[str, str] = {}  # status key -> the instance it was read from (its ids are that instance's)
        own_read: dict[str, Any] = {}  # status key -> an own account's status read from its statuses
        own_by: dict[str, str] = {}  # ... -> that own account's configured handle
        handles = self._own_handles()
        homes: dict[str, list[str]] = {h: [] for h in handles}
        asked: set[str] = set()  # own handles looked up in this fetch (the note names the homeless ones once)
        pages = 0
        for n, base in enumerate(bases, 1):
            self._current = base
            client = self._get_client(base)
            old = old_all.get(base) or {}
            new_state: dict[str, Any] = {"search": old.get("search"), "tags": dict(old.get("tags") or {})}
            streams: list[tuple[str, Callable[..., Any], str | None]] = []
            if self.options.query:

                def search(c: Any = client, q: str = self.options.query, **kw: Any) -> Any:
                    return c.search_v2(q, resolve=False, result_type="statuses", **kw)["statuses"]

                streams.append(("search", search, old.get("search")))
            for tag in self.options.hashtags:

                def timeline(c: Any = client, tag: str = tag, **kw: Any) -> Any:
                    return c.timeline_hashtag(tag, **kw)

                streams.append((f"#{tag}", timeline, new_state["tags"].get(tag)))
            for key, get, min_id in streams:
                stream = _Timeline(self, get, min_id, since, ctx)
                got = read_pages(stream)  # progress is per instance, below
                pages += got.pages
                for st in got.items:
                    statuses.setdefault(_key(st), st)
                    origin.setdefault(_key(st), base)
                newest = str(stream.newest) if stream.newest else None
                if key == "search":
                    new_state["search"] = newest
                else:
                    new_state["tags"][key[1:]] = newest
            old_own: dict[str, Any] = dict(old.get("own") or {})
            own_state = {h: v for h, v in old_own.items() if h in homes and v}
            for handle in handles:
                account_id = self._own_account_id(client, base, handle, ctx, asked)
                if account_id is None:
                    continue
                homes[handle].append(base)

                def own(c: Any = client, aid: str = account_id, h: str = handle, b: str = base, **kw: Any) -> Any:
                    return self._own_statuses(c, aid, h, b, **kw)

                stream = _Timeline(self, own, own_state.get(handle), since, ctx)
                got = read_pages(stream)
                pages += got.pages
                for st in got.items:
                    own_read.setdefault(_key(st), st)
                    own_by.setdefault(_key(st), handle)
                    origin.setdefault(_key(st), base)
                if stream.newest:
                    own_state[handle] = str(stream.newest)
                elif handle not in own_state:
                    # nothing since the window's start: go on from there, paging forward, rather than
                    # backfill again next time (a backfill stops at max_pages and skips what is older)
                    own_state[handle] = _id_at(since)
            if own_state:
                new_state["own"] = own_state
            new_all[base] = new_state
            if ctx.progress:
                ctx.progress(n, len(bases))
        notes = tuple(f"own account {h} is on none of the polled instances; only its replies that the search "
                      "or the hashtags match are seen" for h in handles if h in asked and not homes[h])
        rejected: list[Rejected] = []
        found = {**statuses, **own_read}
        parsed = [
            # the account's own timeline says who wrote it, even where its profile URL's host
            # (the instance's web domain) is not the domain of its handle
            dataclasses.replace(m, author_handle=own_by[m.external_id]) if m.external_id in own_by else m
            for m in parse_each(found.values(), self._mention, _key, rejected)
        ]
        parents: dict[str, Any] = {str(st["id"]): st for st in found.values() if isinstance(st, dict) and st.get("id")}
        parsed = self._own_parents(parsed, parents, origin)
        # read from an own account's statuses: a response or nothing, even if the search also found it
        mentions = oldest_first(m for m in parsed if m.external_id not in own_read)
        own_responses = [r for m in parsed if m.external_id in own_read and (r := as_response(m)) is not None]
        new_cursor = dump_cursor({"instances": new_all})
        result = with_responses(FetchResult(mentions=mentions, cursor=None if new_cursor == cursor else new_cursor,
                                            pages=pages, notes=notes, rejected=tuple(rejected)), self.own_accounts)
        if not (own_responses or result.responses):
            return result
        authors = _reply_authors(found, parents, own_by)
        return dataclasses.replace(result, responses=_oldest_first(
            dataclasses.replace(r, in_reply_to_author=authors.get(r.external_id) if r.in_reply_to else None,
                                visibility=_visibility(found.get(r.external_id)))
            for r in [*result.responses, *own_responses]))

    def _own_statuses(self, client: Any, account_id: str, handle: str, base: str, **kw: Any) -> Any:
        """One page of own account ``handle``'s statuses, reblogs excluded; none when the account
        is gone (its id is then looked up again on the next fetch, instead of failing the source)."""
        import mastodon as m

        try:
            return client.account_statuses(account_id, exclude_reblogs=True, **kw)
        except m.MastodonNotFoundError:
            self._accounts.pop((base, handle), None)
            return []

    def _own_handles(self) -> list[str]:
        """The own accounts that can be Mastodon accounts: qualified ``user@instance`` handles
        (lower case; a bare name is nobody in particular on Mastodon)."""
        own = OwnAccounts(self.own_accounts)
        names = own.anywhere | {h for src, h in own.per_source if src == self.type}
        return sorted(h for h in names if _QUALIFIED.fullmatch(h))

    def _own_account_id(self, client: Any, base: str, handle: str, ctx: FetchContext, asked: set[str]) -> str | None:
        """The local id of own account ``handle`` on instance ``base``; None when it is not one of
        that instance's accounts (unknown there, or a remote account it knows). Cached: found ones
        for the connector's life, missing ones for :data:`_RELOOKUP`.

        Raises:
            RetriableSourceError: rate limited, 5xx, timeout or malformed reply (after retries).
            FatalSourceError: credentials rejected.
        """
        cached = self._accounts.get((base, handle))
        if cached is not None and (cached[0] is not None or ctx.now - cached[1] < _RELOOKUP):
            return cached[0]
        asked.add(handle)
        account = call_with_retries(
            lambda: self._lookup(client, handle),
            translate=lambda e: self._translate(e, ctx.now),
            max_retries=self.max_retries,
            sleep=self._sleep,
            what=f"mastodon source {self.name!r}",
        )
        user = handle.partition("@")[0]
        local = (isinstance(account, dict) and account.get("id") and "@" not in to_text(account.get("acct"))
                 and to_text(account.get("username")).lower() == user)
        account_id = str(account["id"]) if local and isinstance(account, dict) else None
        self._accounts[(base, handle)] = (account_id, ctx.now)
        return account_id

    @staticmethod
    def _lookup(client: Any, handle: str) -> Any:
        """The account ``handle`` as the instance knows it (no WebFinger fetch); None when unknown."""
        import mastodon as m

        try:
            return client.account_lookup(handle)
        except m.MastodonNotFoundError:
            return None
        except m.MastodonVersionError:  # before Mastodon 3.4: no lookup, the account search finds it
            found = client.account_search(handle, limit=5, resolve=False) or []
            user = handle.partition("@")[0]
            return next((a for a in found if isinstance(a, dict) and to_text(a.get("acct")).lower() == user), None)

    def _own_parents(self, mentions: list[Mention], parents: dict[str, Any], origin: dict[str, str]) -> list[Mention]:
        """Own accounts' replies name their parent by its instance-local ``in_reply_to_id``: name
        it by its ``external_id`` (the ``uri``) instead, so that the response matches the mention,
        and name the thread's root as ``thread_id``, which a status does not. A parent in this
        fetch (``parents``: instance-local id -> status) that is no reply is the root; otherwise
        the reply's context is read (``GET /api/v1/statuses/:id/context``: its ancestors, the
        root first; they join ``parents``), at most :data:`_PARENT_LOOKUPS` a fetch, and where it
        cannot be read the parent alone (``GET /api/v1/statuses/:id``). A root the instance does
        not have leaves ``thread_id`` unset; a parent that cannot be looked up keeps its local id
        (the pipeline then matches it by the status URL); a failed lookup never fails the fetch."""
        own = OwnAccounts(self.own_accounts)
        if not own:
            return mentions
        local = {sid: _key(st) for sid, st in parents.items()}
        ids = {_key(st): sid for sid, st in parents.items()}  # this fetch's statuses: external id -> local id
        out: list[Mention] = []
        lookups = 0
        for m in mentions:
            if m.parent_id and own.match(m.source, m.author_handle):
                parent, root = parents.get(m.parent_id), None
                if isinstance(parent, dict) and not parent.get("in_reply_to_id"):
                    root = _key(parent)
                elif lookups < _PARENT_LOOKUPS and m.external_id in origin:
                    lookups += 1
                    base = origin[m.external_id]
                    ancestors = self._ancestors(base, ids.get(m.external_id))
                    if ancestors and to_text(ancestors[-1]["id"]) == m.parent_id:
                        for a in ancestors:
                            parents[to_text(a["id"])], local[to_text(a["id"])] = a, _key(a)
                        root = None if ancestors[0].get("in_reply_to_id") else _key(ancestors[0])
                    elif m.parent_id not in local and (parent := self._parent(base, m.parent_id)) is not None:
                        local[m.parent_id] = _key(parent)
                        parents[m.parent_id] = parent
                if m.parent_id in local:
                    m = dataclasses.replace(m, parent_id=local[m.parent_id], thread_id=root)
            out.append(m)
        return out

    def _ancestors(self, base: str, status_id: str | None) -> list[dict[str, Any]]:
        """The statuses above status ``status_id`` of instance ``base``, the thread's root first
        (as far as the instance has them); none when its context cannot be read."""
        if not status_id:
            return []
        try:
            context = self._get_client(base).status_context(status_id)
        except Exception:  # the parent alone is looked up then
            return []
        found = context.get("ancestors") if isinstance(context, dict) else None
        return [a for a in found if isinstance(a, dict) and a.get("id") and (a.get("uri") or a.get("url"))] \
            if isinstance(found, list) else []

    def _parent(self, base: str, status_id: str) -> dict[str, Any] | None:
        """Status ``status_id`` of instance ``base``; None when it cannot be read (or has no ``uri``)."""
        try:
            status = self._get_client(base).status(status_id)
        except Exception:  # a response whose parent is unknown is still stored
            return None
        return status if isinstance(status, dict) and (status.get("uri") or status.get("url")) else None

    @staticmethod
    def _mention(s: Any) -> Mention:
        """A status as a mention; counts and texts of the wrong shape are read leniently.

        Raises:
            ValueError: the status has no readable ``created_at`` (the fetch rejects it alone).
        """
        acct = s.get("account")
        acct = acct if isinstance(acct, dict) else {}
        reblog = s.get("reblog")
        body = reblog if isinstance(reblog, dict) and reblog else s
        text = strip_html(to_text(body.get("content")))
        if body.get("spoiler_text"):
            text = f"{to_text(body['spoiler_text'])}\n\n{text}".strip()
        card = body.get("card")
        card = card if isinstance(card, dict) else {}
        links = extract_links(text)
        if card.get("url") and card["url"] not in links:
            links = (*links, str(card["url"]))
        kind, parent, refers = "post", None, None
        if reblog:
            kind, refers = "repost", str(reblog.get("uri") or reblog.get("id"))
        elif s.get("in_reply_to_id"):
            kind, parent = "reply", str(s["in_reply_to_id"])
        created = parse_time(s.get("created_at"))
        if created is None:
            raise ValueError("status without a readable created_at")
        return Mention(
            source="mastodon",
            external_id=_key(s),
            url=str(s.get("url") or s.get("uri") or ""),
            text=text,
            created_at=created,
            author_handle=_qualified(acct),
            author_name=to_text(acct.get("display_name") or acct.get("username")),
            author_reach=to_count(acct.get("followers_count")),
            lang=to_text(s.get("language")) or None,
            likes=to_count(body.get("favourites_count")),
            reposts=to_count(body.get("reblogs_count")),
            replies=to_count(body.get("replies_count")),
            kind=kind,
            parent_id=parent,
            refers_to=refers,
            links=links,
        )


def _reply_authors(found: dict[str, Any], parents: dict[str, Any], own_by: dict[str, str]) -> dict[str, str]:
    """Status key -> ``user@instance`` of the account each reply of ``found`` answers (see
    :func:`~connectors._mastodon_statuses._reply_author`); a reply of an own account's timeline
    to its own status names that account as configured (``own_by``), as its author is named."""
    out: dict[str, str] = {}
    for key, st in found.items():
        author = _reply_author(st, parents)
        account = st.get("account") if isinstance(st, dict) else None
        if author and key in own_by and isinstance(account, dict) and author == _qualified(account):
            author = own_by[key]
        if author:
            out[key] = author
    return out


def _visibility(status: Any) -> str | None:
    """``direct`` (a direct message) or ``private`` (followers only) for a status that is no public
    post; None for ``public`` and ``unlisted`` (anyone with the link sees it) or no status."""
    vis = to_text(status.get("visibility")) if isinstance(status, dict) else ""
    return vis if vis in ("direct", "private") else None


def _oldest_first(responses: Iterable[Response]) -> list[Response]:
    return sorted(responses, key=lambda r: (r.created_at, r.external_id))
