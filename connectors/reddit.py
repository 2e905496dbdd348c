"""Reddit through praw: submissions from search, comments from named subreddits matched locally.

Credentials: ``client_id``, ``client_secret`` (a "script" or "web" app; read-only access).
Options: :class:`RedditOptions`.

* Submissions: ``subreddit("a+b" or "all").search(query, sort="new")``; Reddit has no comment
  search, so comments come from the named subreddits' ``/comments/`` listings and are kept when
  they contain one of ``comment_terms`` (by default the words and phrases of ``query``).
* Cursor: per listing a high-water ``created_utc`` plus the fullnames seen at that second
  (:class:`connectors._paged.HighWater`), so a deleted item (which breaks ``before=``) cannot
  stall the source and nothing is returned twice.
* praw pages a listing itself (a generator of items, 100 per request), so the fetch reads each
  listing in one retried call rather than through :func:`connectors._paged.read_pages`; the cap
  is praw's ``limit`` in items, and a listing it cut is reported in the result's notes. The pages
  of praw's listing are requested as praw would but built item by item (:func:`_items`), so one
  item praw cannot build (a null ``author``) does not fail its page.
* prawcore's own retries sleep up to 4 s with ``time.sleep``; the connector turns them off and
  retries through :func:`connectors._http.call_with_retries` (injected sleep, bounded).
"""

from __future__ import annotations

import builtins
import re
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from connectors._http import (
    ITEM_ERRORS,
    ConnectorBase,
    TimeoutSession,
    TransientError,
    call_with_retries,
    dump_cursor,
    extract_links,
    future,
    load_cursor,
    parse_each,
    retry_after_from_headers,
    to_count,
    to_text,
)
from connectors._paged import HighWater, oldest_first
from connectors._reddit_praw import _disable_prawcore_retries, _info, _items
from connectors.base import FetchContext, FetchResult, Mention, OwnAccounts, Rejected, with_responses
from connectors.errors import FatalSourceError, RetriableSourceError

DEFAULT_OAUTH_URL = "https://oauth.reddit.com"
DEFAULT_REDDIT_URL = "https://www.reddit.com"
#: a post (or comment) address on Reddit: ``reddit.com/r/<sub>/comments/<id>/<slug>/[<comment id>]``
#: (also ``old.``/``new.``/``np.``/``m.``, ``/u/<user>/comments/...``, ``/comments/<id>``, and the
#: ``/comment/<comment id>`` form) and the short ``redd.it/<id>``
_POST_URL = re.compile(
    r"https?://(?:(?:www|old|new|np|m|sh)\.)?reddit\.com/(?:(?:r|u|user)/[\w-]{1,50}/)?comments/([a-z0-9]{1,13})"
    r"(?:/[^/?#]*(?:/([a-z0-9]{1,13}))?)?/?(?:[?#].*)?",
    re.IGNORECASE,
)
_SHORT_URL = re.compile(r"https?://redd\.it/([a-z0-9]{1,13})/?(?:[?#].*)?", re.IGNORECASE)
_TIME_FILTERS = (
    ("hour", 3600),
    ("day", 86400),
    ("week", 7 * 86400),
    ("month", 31 * 86400),
    ("year", 366 * 86400),
)


#: How many of the own accounts' recent comments the cursor remembers, so that a reply to one (a
#: customer's follow-up to our response) is read even without a search term.
_WATCHED = 200


class RedditOptions(BaseModel):
    """Options of a ``reddit`` source."""

    model_config = ConfigDict(extra="forbid")

    query: str = Field(min_length=1, description="Reddit search query (lucene syntax)")
    subreddits: list[str] = Field(
        default_factory=list, description="restrict search to these; their comments are scanned too"
    )
    comment_subreddits: list[str] | None = Field(
        None, description="subreddits whose comments are scanned (default: subreddits)"
    )
    comment_terms: list[str] = Field(
        default_factory=list, description="comment matched if it contains one (default: from query)"
    )
    include_comments: bool = True
    time_filter: Literal["hour", "day", "week", "month", "year", "all"] = "day"
    limit: int = Field(100, ge=1, le=1000, description="bound on items read per listing per fetch")
    user_agent: str = "brand-scout/0.1 (brand monitoring)"


_OPERATORS = {"or", "and", "not"}


def terms_from_query(query: str) -> list[str]:
    """Phrases and words of a search query, without operators, field prefixes or negations."""
    phrases = re.findall(r'(?<![-\w])"([^"]+)"', query)
    rest = re.sub(r'-?"[^"]*"', " ", query)
    words = []
    negate = False
    for tok in re.split(r"[\s()]+", rest):
        if tok.upper() == "NOT":
            negate = True
            continue
        if not tok or tok.startswith("-") or tok.lower() in _OPERATORS or ":" in tok or negate:
            negate = False
            continue
        words.append(tok.lstrip("#@"))
    return [t for t in (*phrases, *words) if t]


def _load_hw(d: Any, default: float) -> HighWater[float]:
    """A listing's high-water mark from the cursor (``{"created": epoch, "ids": [...]}``)."""
    if isinstance(d, dict) and "created" in d:
        return HighWater(float(d["created"]), set(d.get("ids") or ()))
    return HighWater(default, set())


def _dump_hw(hw: HighWater[float]) -> dict[str, Any]:
    return {"created": hw.mark, "ids": sorted(hw.ids)}


class RedditConnector(ConnectorBase):
    """Submissions and comments that mention the organisation on Reddit."""

    type: ClassVar[str] = "reddit"
    Options: ClassVar[builtins.type[BaseModel]] = RedditOptions
    options: RedditOptions

    def __init__(self, name: str, options: RedditOptions, **kw: Any) -> None:
        super().__init__(name, options, **kw)
        self._terms = [t.lower() for t in (options.comment_terms or terms_from_query(options.query))]

    def _get_client(self) -> Any:
        if self._client is None:
            import praw

            cid, secret = self._credentials.get("client_id"), self._credentials.get("client_secret")
            if not cid or not secret:
                raise FatalSourceError(f"reddit source {self.name!r}: client_id and client_secret are required")
            reddit = praw.Reddit(
                client_id=cid,
                client_secret=secret,
                user_agent=self.options.user_agent,
                oauth_url=self.api_base or DEFAULT_OAUTH_URL,
                reddit_url=self.api_base or DEFAULT_REDDIT_URL,
                check_for_updates=False,
                requestor_kwargs={"session": TimeoutSession(self.timeout)},
            )
            _disable_prawcore_retries(reddit)
            self._client = reddit
        return self._client

    def _translate(self, exc: BaseException, now: datetime) -> BaseException | None:
        from prawcore import exceptions as pe

        what = f"reddit source {self.name!r}"
        if isinstance(exc, pe.TooManyRequests):
            wait = retry_after_from_headers(dict(exc.response.headers), now)
            return RetriableSourceError(f"{what}: rate limited (HTTP 429)", wait)
        if isinstance(exc, (pe.InvalidToken, pe.Forbidden, pe.OAuthException, pe.InsufficientScope)):
            return FatalSourceError(f"{what}: credentials rejected ({type(exc).__name__})")
        if isinstance(exc, (pe.NotFound, pe.Redirect)):
            return FatalSourceError(f"{what}: subreddit or endpoint not found ({type(exc).__name__})")
        if isinstance(exc, pe.BadJSON):
            return RetriableSourceError(f"{what}: malformed JSON in reply")
        if isinstance(exc, pe.ServerError):
            return TransientError(f"server error (HTTP {exc.response.status_code})")
        if isinstance(exc, pe.RequestException):
            return TransientError(type(exc.original_exception).__name__)
        if isinstance(exc, pe.ResponseException):
            status = exc.response.status_code
            if status in (401, 403):
                return FatalSourceError(f"{what}: credentials rejected (HTTP {status})")
            if status >= 500:
                return TransientError(f"server error (HTTP {status})")
            return FatalSourceError(f"{what}: request refused (HTTP {status})")
        if isinstance(exc, KeyError):  # prawcore: a 401 without WWW-Authenticate
            return FatalSourceError(f"{what}: credentials rejected (HTTP 401)")
        return None

    def _time_filter(self, since: float, now: datetime) -> str:
        window = now.timestamp() - since
        if self.options.time_filter == "all":
            return "all"
        wanted = dict(_TIME_FILTERS)[self.options.time_filter]
        for name, secs in _TIME_FILTERS:
            if secs >= max(window, wanted):
                return name
        return "all"

    def _collect(self, make: Callable[[], Iterable[Any]], hw: HighWater[float], ctx: FetchContext,
                 limit: int) -> tuple[list[Any], bool]:
        """Items newer than ``hw`` from a newest-first listing of at most ``limit`` items (stops
        at the first older one), and whether the limit cut the listing before an older item was
        reached (then new items older than the last one read were not seen)."""

        def run() -> tuple[list[Any], bool]:
            out: list[Any] = []
            seen = 0
            for item in make():
                seen += 1
                d = vars(item)
                created = _epoch(d)
                if created is None:  # kept, so that the fetch rejects it with its reason
                    out.append(item)
                    continue
                if created < hw.mark:
                    return out, False
                if hw.is_new(created, str(d.get("name") or item.fullname)):
                    out.append(item)
            return out, seen >= limit

        return call_with_retries(
            run,
            translate=lambda e: self._translate(e, ctx.now),
            max_retries=self.max_retries,
            sleep=self._sleep,
            what=f"reddit source {self.name!r}",
        )

    def fetch(self, cursor: str | None, ctx: FetchContext) -> FetchResult:
        """Submissions (and matching comments) newer than the cursor's high-water marks."""
        state = load_cursor(cursor, f"reddit source {self.name!r}")
        reddit = self._get_client()
        since = (ctx.backfill_since or (ctx.now - timedelta(hours=24))).timestamp()
        subs = "+".join(self.options.subreddits) or "all"
        sub_hw = _load_hw(state.get("sub"), since)
        limit = self.options.limit
        tf = self._time_filter(sub_hw.mark, ctx.now)
        notes: list[str] = []
        submissions, cut = self._collect(
            lambda: _items(reddit, reddit.subreddit(subs).search(self.options.query, sort="new", time_filter=tf,
                                                                 limit=limit), self.name),
            sub_hw,
            ctx,
            limit,
        )
        if cut:
            notes.append(f"search read its limit={limit} items; older new posts may have been skipped (raise the limit "
                         "or poll more often)")
        pages = 1 + len(submissions) // 100
        rejected: list[Rejected] = []
        mentions = parse_each(submissions, self._submission, _fullname, rejected)
        if ctx.progress:
            ctx.progress(len(mentions), None)
        new_state: dict[str, Any] = {
            "sub": _dump_hw(sub_hw.advance((m.created_at.timestamp(), m.external_id) for m in mentions
                                           if not future(m.created_at, ctx.now)))
        }
        com_subs = "+".join(
            self.options.comment_subreddits if self.options.comment_subreddits is not None else self.options.subreddits
        )
        if self.options.include_comments and com_subs:
            com_hw = _load_hw(state.get("com"), since)
            comments, cut = self._collect(lambda: _items(reddit, reddit.subreddit(com_subs).comments(limit=limit),
                                                         self.name), com_hw, ctx, limit)
            if cut:
                notes.append(f"comments read their limit={limit} items; older new comments may have been skipped (raise the "
                             "limit or poll more often)")
            pages += 1 + len(comments) // 100
            scanned = [(_epoch(vars(c)) or 0.0, str(vars(c).get("name"))) for c in comments]
            new_state["com"] = _dump_hw(com_hw.advance(scanned))
            # the own accounts' comments (responses) and replies to them (follow-ups) count too
            own = OwnAccounts(self.own_accounts)
            ours = [str(vars(c).get("name")) for c in comments if own and own.match("reddit", self._author(vars(c)))]
            watched = {*[str(n) for n in state.get("own") or []], *ours}
            matching = [c for c in comments if any(t in to_text(vars(c).get("body")).lower() for t in self._terms)
                        or str(vars(c).get("name")) in watched or str(vars(c).get("parent_id")) in watched]
            if watched:
                new_state["own"] = sorted(watched)[-_WATCHED:]
            mentions += parse_each(matching, self._comment, _fullname, rejected)
            if ctx.progress:
                ctx.progress(len(mentions), None)
        elif "com" in state:
            new_state["com"] = state["com"]
        if "own" in state and "own" not in new_state:
            new_state["own"] = state["own"]
        new_cursor = dump_cursor(new_state)
        return with_responses(FetchResult(mentions=oldest_first(mentions), cursor=None if new_cursor == cursor else new_cursor, pages=pages,
                           notes=tuple(notes), rejected=tuple(rejected)), self.own_accounts)

    @staticmethod
    def fullname_from_url(url: str) -> str | None:
        """The fullname (``t3_<id>``, or ``t1_<id>`` when the URL names a comment) behind a Reddit
        post URL; None for any other URL (no I/O)."""
        url = url.strip()
        m = _POST_URL.fullmatch(url)
        if m:
            return f"t1_{m.group(2).lower()}" if m.group(2) else f"t3_{m.group(1).lower()}"
        m = _SHORT_URL.fullmatch(url)
        return f"t3_{m.group(1).lower()}" if m else None

    def recognises_url(self, url: str) -> bool:
        """Whether ``url`` is a Reddit post or comment this connector can look up (pure URL matching)."""
        return self.fullname_from_url(url) is not None

    def lookup_url(self, url: str) -> Mention | None:
        """The submission (or the comment the URL names) behind a Reddit link, read as praw's
        ``info`` reads it (``GET /api/info/?id=<fullname>``) but built item by item like a listing
        (:func:`_build`: a null ``author`` comes without an author), with the fetch's
        ``external_id`` (the fullname); None for another URL or an item Reddit does not return.

        Raises:
            RetriableSourceError: rate limited, 5xx, timeout, malformed reply or an unreadable post
                (not retried here).
            FatalSourceError: credentials rejected.
        """
        fullname = self.fullname_from_url(url)
        if fullname is None:
            return None
        reddit = self._get_client()
        now = self._clock.now()
        items = call_with_retries(
            lambda: _info(reddit, fullname, self.name),
            translate=lambda e: self._translate(e, now),
            max_retries=0,
            sleep=self._sleep,
            what=f"reddit source {self.name!r}",
        )
        for item in items:
            if str(vars(item).get("name") or item.fullname) == fullname:
                try:
                    return self._comment(item) if fullname.startswith("t1_") else self._submission(item)
                except ITEM_ERRORS as exc:
                    raise RetriableSourceError(
                        f"reddit source {self.name!r}: unreadable post ({type(exc).__name__})") from exc
        return None

    @staticmethod
    def _author(d: dict[str, Any]) -> str:
        a = d.get("author")
        return "" if a is None else str(getattr(a, "name", a))

    def _submission(self, s: Any) -> Mention:
        d = vars(s)
        title = to_text(d.get("title"))
        selftext = to_text(d.get("selftext"))
        url = str(d.get("url") or "")
        links = extract_links(selftext)
        if url and not d.get("is_self"):
            links = (url, *[u for u in links if u != url])
        name = str(d.get("name") or s.fullname)
        return Mention(
            source="reddit",
            external_id=name,
            url=DEFAULT_REDDIT_URL + str(d.get("permalink") or f"/comments/{d.get('id')}/"),
            text=f"{title}\n\n{selftext}".strip(),
            created_at=_created(d),
            author_handle=self._author(d),
            author_name=self._author(d),
            likes=to_count(d.get("score")),
            replies=to_count(d.get("num_comments")),
            kind="post",
            thread_id=name,
            links=links,
            title=title or None,
        )

    def _comment(self, c: Any) -> Mention:
        d = vars(c)
        body = to_text(d.get("body"))
        return Mention(
            source="reddit",
            external_id=str(d.get("name") or c.fullname),
            url=DEFAULT_REDDIT_URL + str(d.get("permalink") or ""),
            text=body,
            created_at=_created(d),
            author_handle=self._author(d),
            author_name=self._author(d),
            likes=to_count(d.get("score")),
            kind="comment",
            parent_id=str(d["parent_id"]) if d.get("parent_id") else None,
            thread_id=str(d["link_id"]) if d.get("link_id") else None,
            links=extract_links(body),
            title=str(d["link_title"]) if d.get("link_title") else None,
        )


def _epoch(d: dict[str, Any]) -> float | None:
    """An item's ``created_utc`` as epoch seconds; None when it is missing or not a time."""
    try:
        value = float(d.get("created_utc"))  # type: ignore[arg-type]
        datetime.fromtimestamp(value, tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None
    return value


def _created(d: dict[str, Any]) -> datetime:
    epoch = _epoch(d)
    if epoch is None:
        raise ValueError("item without a readable created_utc")
    return datetime.fromtimestamp(epoch, tz=UTC)


def _fullname(item: Any) -> str:
    return str(vars(item).get("name") or "")

