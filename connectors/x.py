"""X (Twitter) API v2 recent search through tweepy.

Credentials: ``bearer_token`` (app-only bearer token). Options: :class:`XOptions`.

tweepy hard-codes ``https://api.twitter.com``; a rebasing adapter on ``client.session`` sends
every request to ``api_base`` (default ``https://api.x.com``) with a timeout. X returns newest
results first, so the fetch pages to the end before it returns a cursor: ``since_id`` = the
``newest_id`` of the *first* page. A failure on any page raises and moves no cursor.
"""

from __future__ import annotations

import builtins
import dataclasses
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any, ClassVar

import requests
from pydantic import BaseModel, ConfigDict, Field

from connectors._http import (
    ITEM_ERRORS,
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
    to_count,
    to_text,
)
from connectors._paged import Listing, oldest_first, read_pages
from connectors.base import FetchContext, FetchResult, Mention, Rejected, with_responses
from connectors.errors import FatalSourceError, RetriableSourceError

TWEEPY_HOST = "https://api.twitter.com"
DEFAULT_API_BASE = "https://api.x.com"
_HANDLE = re.compile(r"[A-Za-z0-9_]{1,15}")  # an X username
_TWITTER_EPOCH_MS = 1288834974657
_MAX_LOOKBACK = timedelta(days=7) - timedelta(minutes=5)
#: a post's address on X: ``x.com`` / ``twitter.com`` (and their www., mobile. forms), ``/<user>/status/<id>``
#: or ``/i/web/status/<id>``
_STATUS_URL = re.compile(
    r"https?://(?:www\.|mobile\.)?(?:x|twitter)\.com/(?:i/web|\w{1,50})/status(?:es)?/(\d{1,20})(?:[/?#].*)?",
    re.IGNORECASE,
)


class XOptions(BaseModel):
    """Options of an ``x`` source."""

    model_config = ConfigDict(extra="forbid")

    query: str = Field(min_length=1, max_length=1024, description="X search query with X's own operators")
    max_results: int = Field(100, ge=10, le=100, description="tweets per page (10-100)")
    max_pages: int = Field(10, ge=1, le=100, description="bound on pages per fetch")
    own_replies: bool = Field(True, description="also read the own accounts' replies and quotes (responses), "
                                                "which rarely name the brand: the query gains "
                                                "OR ((from:a OR from:b) (is:reply OR is:quote))")


def snowflake_time(tweet_id: int | str) -> datetime:
    """The creation time encoded in a tweet id (used when ``created_at`` was not returned)."""
    return datetime.fromtimestamp(((int(tweet_id) >> 22) + _TWITTER_EPOCH_MS) / 1000, tz=UTC)


class XConnector(ConnectorBase):
    """Posts matching a query from X's recent search, with author reach and public metrics."""

    type: ClassVar[str] = "x"
    Options: ClassVar[builtins.type[BaseModel]] = XOptions
    options: XOptions
    api_base: str
    DEFAULT_API_BASE = DEFAULT_API_BASE

    TWEET_FIELDS: ClassVar[list[str]] = [
        "created_at",
        "public_metrics",
        "lang",
        "author_id",
        "conversation_id",
        "referenced_tweets",
        "entities",
        "in_reply_to_user_id",
    ]
    USER_FIELDS: ClassVar[list[str]] = ["public_metrics", "username", "name"]
    EXPANSIONS: ClassVar[list[str]] = ["author_id"]
    #: the search also expands the account each reply answers: an own account's reply names whom
    #: it answers (``Response.in_reply_to_author``), which its thread alone does not
    SEARCH_EXPANSIONS: ClassVar[list[str]] = ["author_id", "in_reply_to_user_id"]

    def _get_client(self) -> Any:
        if self._client is None:
            import tweepy

            token = self._credentials.get("bearer_token")
            if not token:
                raise FatalSourceError(f"x source {self.name!r}: no bearer_token credential")
            # Raw JSON: each post becomes a tweepy Tweet on its own (see _tweet), so one post tweepy
            # cannot read (an invalid created_at) is rejected alone instead of failing the page.
            client = tweepy.Client(bearer_token=token, wait_on_rate_limit=False, return_type=dict)
            client.session = TimeoutSession(self.timeout, rebase=(TWEEPY_HOST, self.api_base))
            self._client = client
        return self._client

    def _translate(self, exc: BaseException, now: datetime) -> BaseException | None:
        import tweepy

        what = f"x source {self.name!r}"
        if isinstance(exc, tweepy.TooManyRequests):
            headers = dict(exc.response.headers) if exc.response is not None else {}
            wait = retry_after_from_headers(headers, now)
            return RetriableSourceError(f"{what}: rate limited (HTTP 429)", wait)
        if isinstance(exc, (tweepy.Unauthorized, tweepy.Forbidden)):
            return FatalSourceError(f"{what}: credentials rejected ({type(exc).__name__})")
        if isinstance(exc, tweepy.NotFound):
            return FatalSourceError(f"{what}: endpoint not found (check api_base)")
        if isinstance(exc, tweepy.BadRequest):
            return FatalSourceError(f"{what}: request rejected: {'; '.join(exc.api_messages)[:300]}")
        if isinstance(exc, tweepy.TwitterServerError):
            return TransientError(f"server error (HTTP {exc.response.status_code})")
        if isinstance(exc, tweepy.HTTPException):
            return RetriableSourceError(f"{what}: unexpected HTTP {exc.response.status_code}")
        if isinstance(exc, (requests.Timeout, requests.ConnectionError)):
            return TransientError(f"{type(exc).__name__}")
        if isinstance(exc, ValueError):  # requests' JSONDecodeError
            return RetriableSourceError(f"{what}: malformed JSON in reply")
        return None

    def _call(self, fn: Callable[[], Any], now: datetime, max_retries: int) -> Any:
        return call_with_retries(
            fn,
            translate=lambda e: self._translate(e, now),
            max_retries=max_retries,
            sleep=self._sleep,
            what=f"x source {self.name!r}",
        )

    def fetch(self, cursor: str | None, ctx: FetchContext) -> FetchResult:
        """Every post newer than the cursor's ``since_id`` (first run: the backfill window)."""
        state = load_cursor(cursor, f"x source {self.name!r}")
        params: dict[str, Any] = {
            "query": self.search_query(),
            "max_results": self.options.max_results,
            "expansions": self.SEARCH_EXPANSIONS,
            "tweet_fields": self.TWEET_FIELDS,
            "user_fields": self.USER_FIELDS,
        }
        since_id = state.get("since_id")
        if since_id:
            params["since_id"] = str(since_id)
        else:
            start = ctx.backfill_since or (ctx.now - timedelta(hours=24))
            params["start_time"] = max(start, ctx.now - _MAX_LOOKBACK).astimezone(UTC)
        search = _Search(self, self._get_client(), params, ctx.now)
        got = read_pages(search, ctx.progress)
        newest_id = search.newest_id
        if newest_id is None and got.items:
            newest_id = max((m.external_id for m in got.items), key=int)
        new_cursor = dump_cursor({"since_id": newest_id}) if newest_id else None
        result = with_responses(FetchResult(mentions=oldest_first(got.items, numeric_ids=True), cursor=new_cursor,
                                            pages=got.pages, notes=got.notes, rejected=tuple(search.rejected)),
                                self.own_accounts)
        if not (result.responses and search.reply_authors):
            return result
        return dataclasses.replace(result, responses=[
            dataclasses.replace(r, in_reply_to_author=search.reply_authors.get(r.external_id))
            if r.in_reply_to and r.in_reply_to_author is None else r for r in result.responses])

    def search_query(self) -> str:
        """The query sent: the configured one, and (``own_replies``) the own accounts' replies and
        quotes, as long as the whole stays within X's 1024 characters."""
        handles = sorted({h.strip().lstrip("@") for h in self.own_accounts
                          if h.strip().lstrip("@") and _HANDLE.fullmatch(h.strip().lstrip("@"))})
        if not (self.options.own_replies and handles):
            return self.options.query
        own = " OR ".join(f"from:{h}" for h in handles)
        query = f"({self.options.query}) OR (({own}) (is:reply OR is:quote))"
        return query if len(query) <= 1024 else self.options.query

    @staticmethod
    def tweet_id_from_url(url: str) -> str | None:
        """The tweet id named by an X / Twitter status URL; None for any other URL (no I/O)."""
        m = _STATUS_URL.fullmatch(url.strip())
        return m.group(1) if m else None

    def recognises_url(self, url: str) -> bool:
        """Whether ``url`` is an X post this connector can look up (pure URL matching)."""
        return self.tweet_id_from_url(url) is not None

    def lookup_url(self, url: str) -> Mention | None:
        """The post behind an X status URL (``GET /2/tweets/:id`` with the search's fields and the
        author's followers), with the fetch's ``external_id`` (the tweet id); None for another URL
        or a post X does not return (deleted, protected).

        Raises:
            RetriableSourceError: rate limited, 5xx, timeout or malformed reply (not retried here).
            FatalSourceError: credentials rejected.
        """
        tid = self.tweet_id_from_url(url)
        if tid is None:
            return None
        client = self._get_client()
        now = self._clock.now()
        resp = self._call(
            lambda: client.get_tweet(
                tid, expansions=self.EXPANSIONS, tweet_fields=self.TWEET_FIELDS, user_fields=self.USER_FIELDS
            ),
            now,
            max_retries=0,
        )
        resp = _response(resp)
        if resp.data is None:  # X answers 200 with errors[] for a missing or hidden post
            return None
        try:
            return self._mention(_tweet(resp.data), _users(resp))
        except ITEM_ERRORS as exc:
            raise RetriableSourceError(f"x source {self.name!r}: unreadable post ({type(exc).__name__})") from exc

    @staticmethod
    def _mention(tweet: Any, users: dict[str, Any]) -> Mention:
        tid = str(tweet.id)
        data: dict[str, Any] = getattr(tweet, "data", {}) or {}
        author = users.get(str(tweet.author_id)) if getattr(tweet, "author_id", None) else None
        handle = to_text(author.username) if author is not None else ""
        metrics = tweet.public_metrics if isinstance(tweet.public_metrics, dict) else {}
        author_metrics = getattr(author, "public_metrics", None) if author is not None else None
        reach = to_count(author_metrics.get("followers_count")) if isinstance(author_metrics, dict) else 0
        kind, parent, refers = "post", None, None
        for ref in getattr(tweet, "referenced_tweets", None) or []:
            if ref.type == "retweeted":
                kind, refers = "repost", str(ref.id)
            elif ref.type == "quoted":
                kind, refers = ("quote" if kind == "post" else kind), str(ref.id)
            elif ref.type == "replied_to":
                parent = str(ref.id)
                kind = "reply" if kind == "post" else kind
        links: tuple[str, ...] = tuple(
            str(u.get("expanded_url") or u.get("url"))
            for u in ((data.get("entities") or {}).get("urls") or [])
            if u.get("expanded_url") or u.get("url")
        ) or extract_links(to_text(tweet.text))
        created = parse_time(tweet.created_at) or snowflake_time(tid)
        conv = getattr(tweet, "conversation_id", None)
        return Mention(
            source="x",
            external_id=tid,
            url=f"https://x.com/{handle}/status/{tid}" if handle else f"https://x.com/i/web/status/{tid}",
            text=to_text(tweet.text),
            created_at=created,
            author_handle=handle,
            author_name=to_text(author.name) if author is not None else "",
            author_reach=reach,
            lang=getattr(tweet, "lang", None),
            likes=to_count(metrics.get("like_count")),
            reposts=to_count(metrics.get("retweet_count")),
            replies=to_count(metrics.get("reply_count")),
            quotes=to_count(metrics.get("quote_count")),
            kind=kind,
            parent_id=parent,
            thread_id=str(conv) if conv else None,
            refers_to=refers,
            links=links,
        )


def _tweet(raw: Any) -> Any:
    """A post of a raw reply as a tweepy ``Tweet`` (as tweepy would build it); raises
    ``ValueError``/``TypeError`` for one it cannot read."""
    if not isinstance(raw, dict):
        return raw  # already a Tweet (an injected client that builds models)
    import tweepy

    return tweepy.Tweet(raw)


def _response(resp: Any) -> Any:
    """A reply as tweepy's ``Response`` shape (``data``, ``includes``, ``meta``): a raw JSON reply
    keeps its posts raw (built one by one by :func:`_tweet`) and its readable authors as ``User``s."""
    if not isinstance(resp, dict):
        return resp
    import tweepy

    users = []
    for u in ((resp.get("includes") or {}).get("users") or []) if isinstance(resp.get("includes"), dict) else []:
        try:
            users.append(tweepy.User(u))
        except ITEM_ERRORS:  # an author tweepy cannot read: its posts show no author
            continue
    meta = resp.get("meta")
    return SimpleNamespace(data=resp.get("data"), includes={"users": users}, meta=meta if isinstance(meta, dict) else {})


def _reply_author(tweet: Any, users: dict[str, Any]) -> str | None:
    """The handle of the account ``tweet`` replies to (``in_reply_to_user_id`` expanded under
    ``includes.users``); None for no reply, or an account the reply does not expand."""
    uid = getattr(tweet, "in_reply_to_user_id", None)
    user = users.get(str(uid)) if uid else None
    return (to_text(user.username) or None) if user is not None else None


def _users(resp: Any) -> dict[str, Any]:
    """The expanded authors of a reply, by id."""
    return {str(u.id): u for u in (resp.includes or {}).get("users", [])}


class _Search(Listing[Any, Mention, str]):
    """Recent search, newest first: pages on ``next_token``; the cursor is the *first* page's ``newest_id``."""

    skipped = "results"

    def __init__(self, connector: XConnector, client: Any, params: dict[str, Any], now: datetime) -> None:
        self.connector, self.client, self.params, self.now = connector, client, params, now
        self.max_pages = connector.options.max_pages
        self.newest_id: str | None = None
        self.rejected: list[Rejected] = []
        #: tweet id -> handle of the account it replies to, for the replies of this fetch
        self.reply_authors: dict[str, str] = {}

    def fetch_page(self, token: str | None) -> Any:
        params = {**self.params, "next_token": token} if token else dict(self.params)
        resp = _response(self.connector._call(
            lambda: self.client.search_recent_tweets(**params), self.now, self.connector.max_retries
        ))
        if token is None:  # X lists newest first: the first page's newest id covers the whole fetch
            self.newest_id = (resp.meta or {}).get("newest_id")
        return resp

    def parse(self, page: Any) -> list[Mention]:
        users = _users(page)

        def one(raw: Any) -> Mention:
            tweet = _tweet(raw)
            m = self.connector._mention(tweet, users)
            replied = _reply_author(tweet, users) if m.parent_id else None
            if replied:
                self.reply_authors[m.external_id] = replied
            return m

        return parse_each(page.data or [], one, lambda raw: raw.get("id") if isinstance(raw, dict) else raw.id,
                          self.rejected)

    def key(self, item: Mention) -> str:
        return item.external_id

    def next_token(self, page: Any, token: str | None) -> str | None:  # noqa: ARG002
        return (page.meta or {}).get("next_token") or None
