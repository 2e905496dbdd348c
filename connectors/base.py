"""Contracts shared by every connector.

A connector turns one configured source into :class:`Mention` records and a new cursor. It never
touches the database, the scheduler or a notifier (those belong to ``monitor``): the pipeline
stores the returned mentions and the returned cursor in one transaction, so a fetch that fails
midway stores nothing and moves no cursor.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, ClassVar, Protocol, runtime_checkable


@dataclass(frozen=True, slots=True)
class Mention:
    """One public post that mentions the organisation, free of any vendor type.

    ``source`` is the platform (``x``, ``reddit``, ``mastodon``, ``bluesky``, ``hn``, ``rss``,
    ``replay``, ``web``) and ``external_id`` its id there: together they are unique.
    ``created_at`` is always timezone-aware, and in UTC (an offset is converted on construction:
    the database keeps UTC, and a time stored with another offset read as hours away).
    """

    source: str
    external_id: str
    url: str
    text: str
    created_at: datetime
    author_handle: str = ""
    author_name: str = ""
    author_reach: int = 0
    lang: str | None = None
    likes: int = 0
    reposts: int = 0
    replies: int = 0
    quotes: int = 0
    kind: str = "post"  # post | comment | repost | quote | reply | story | article
    parent_id: str | None = None
    thread_id: str | None = None
    refers_to: str | None = None  # external id of the post this one reposts or quotes
    links: tuple[str, ...] = ()
    title: str | None = None

    def __post_init__(self) -> None:
        if self.created_at.tzinfo is None:
            raise ValueError(f"Mention {self.source}:{self.external_id} has a naive created_at")
        if self.created_at.tzinfo is not UTC:
            object.__setattr__(self, "created_at", self.created_at.astimezone(UTC))
        if not self.external_id:
            raise ValueError(f"Mention from {self.source} has no external id")

    @property
    def engagement(self) -> int:
        """Likes, reposts, replies and quotes together."""
        return self.likes + self.reposts + self.replies + self.quotes

    def to_dict(self) -> dict[str, Any]:
        """A JSON-friendly dict (times as ISO 8601)."""
        d = dataclasses.asdict(self)
        d["created_at"] = self.created_at.isoformat()
        d["links"] = list(self.links)
        return d


@dataclass(frozen=True, slots=True)
class Rejected:
    """An item of a fetch that could not become a :class:`Mention` (no readable time, a field of
    the wrong shape): kept so that the pipeline can quarantine it with its reason while the rest
    of the fetch, and the cursor past it, is stored.

    Attributes:
        external_id: The item's id as far as it could be read ("" when none).
        reason: Why it was rejected (error class and message).
        raw: The item as received, truncated.
    """

    external_id: str
    reason: str
    raw: str = ""


@dataclass(frozen=True, slots=True)
class Response:
    """A post by one of the organisation's own accounts that answers something: a reply to (or a
    quote of) a post, possibly deep in a thread. It is never a mention; ``monitor`` matches it to
    the mention it answers (by ``in_reply_to``, ``quoted`` or ``thread_id``) and marks that queue
    item responded at ``created_at`` (the platform's time).

    Attributes:
        source: The platform, as in :class:`Mention`.
        external_id: The response's own id on the platform.
        url: A link to the response.
        created_at: When it was posted (timezone-aware).
        author_handle: The own account that posted it.
        in_reply_to: External id of the post it replies to (None for a quote that is no reply).
        thread_id: External id of the thread's root or conversation, when the platform says.
        quoted: External id of the post it quotes.
        in_reply_to_author: The handle of the account it replies to, when the platform says (X:
            ``in_reply_to_user_id``; Mastodon: ``in_reply_to_account_id`` as ``user@instance``;
            Bluesky: the parent's author); None when unknown. When the post it replies to is no
            stored mention, only a mention of the thread by this author can be the one it answers.
        visibility: Who can see it, when the platform says it is not public: ``direct`` (a direct
            message, seen only by the accounts it names) or ``private`` (followers and the accounts
            it names), from Mastodon's ``visibility``; None for a public post. It still answers.
    """

    source: str
    external_id: str
    url: str
    created_at: datetime
    author_handle: str
    in_reply_to: str | None = None
    thread_id: str | None = None
    quoted: str | None = None
    in_reply_to_author: str | None = None
    visibility: str | None = None

    def __post_init__(self) -> None:
        if self.created_at.tzinfo is None:
            raise ValueError(f"Response {self.source}:{self.external_id} has a naive created_at")
        if self.created_at.tzinfo is not UTC:
            object.__setattr__(self, "created_at", self.created_at.astimezone(UTC))
        if not self.external_id:
            raise ValueError(f"Response from {self.source} has no external id")

    def to_dict(self) -> dict[str, Any]:
        """A JSON-friendly dict (times as ISO 8601)."""
        d = dataclasses.asdict(self)
        d["created_at"] = self.created_at.isoformat()
        return d


_PLATFORMS = frozenset({"x", "reddit", "mastodon", "bluesky", "hn", "rss", "web", "replay"})


def _norm_handle(handle: str) -> str:
    return handle.strip().lstrip("@").lower()


class OwnAccounts:
    """The organisation's own accounts, as configured: ``handle`` (any platform) or
    ``platform:handle``; case-insensitive, a leading ``@`` optional. Mastodon accounts are
    ``user@instance`` and match exactly (a bare ``user`` could be anyone on another instance)."""

    def __init__(self, entries: Iterable[str]) -> None:
        self.anywhere: set[str] = set()
        self.per_source: set[tuple[str, str]] = set()
        for e in entries:
            if not e or not e.strip():
                continue
            src, sep, handle = e.partition(":")
            if sep and src.strip().lower() in _PLATFORMS:
                self.per_source.add((src.strip().lower(), _norm_handle(handle)))
            else:
                self.anywhere.add(_norm_handle(e))

    def __bool__(self) -> bool:
        return bool(self.anywhere or self.per_source)

    def match(self, source: str, author_handle: str) -> bool:
        """Whether ``author_handle`` on ``source`` is one of the organisation's accounts."""
        h = _norm_handle(author_handle)
        if not h:
            return False
        # exact only: on Mastodon anyone can register "setseg" on another instance, so a bare name
        # never stands for "setseg@mastodon.social" (the connector qualifies every handle)
        return h in self.anywhere or (source, h) in self.per_source


def as_response(m: Mention) -> Response | None:
    """The response an own account's post ``m`` is: a reply (``parent_id``), a quote (``refers_to``
    of a ``quote``) or a post inside another post's thread; None for a post that answers nothing
    (a new post, a plain repost)."""
    if m.kind == "repost":
        return None
    quoted = m.refers_to if m.kind == "quote" else None
    in_thread = m.thread_id if m.thread_id and m.thread_id != m.external_id else None
    if not (m.parent_id or quoted or in_thread):
        return None
    return Response(source=m.source, external_id=m.external_id, url=m.url, created_at=m.created_at,
                    author_handle=m.author_handle, in_reply_to=m.parent_id, thread_id=in_thread, quoted=quoted)


def split_own(mentions: Sequence[Mention], own_accounts: Iterable[str]) -> tuple[list[Mention], list[Response]]:
    """Split a fetch's posts: those by ``own_accounts`` that answer something become
    :class:`Response` records (and are no mentions); every other post stays (order kept). An own
    account's post that answers nothing stays a mention: the pipeline's own-account filter drops it.
    """
    own = OwnAccounts(own_accounts)
    if not own:
        return list(mentions), []
    kept: list[Mention] = []
    responses: list[Response] = []
    for m in mentions:
        r = as_response(m) if own.match(m.source, m.author_handle) else None
        if r is None:
            kept.append(m)
        else:
            responses.append(r)
    return kept, responses


@dataclass(frozen=True, slots=True)
class FetchResult:
    """What one fetch returns: the mentions, oldest first, and the cursor that covers them.

    ``cursor`` is an opaque string (JSON by convention) to pass back to the next fetch; ``None``
    means "no change". ``pages`` counts the API requests that succeeded. ``rejected`` are the
    items the cursor moves past that could not be read as mentions (one bad item must not hold
    back the others). ``responses`` are the own accounts' posts that answer a post (see
    :func:`split_own`), oldest first; they are not in ``mentions``. ``notes`` are worth a
    warning (a read limit that may have skipped posts); ``info`` is news only ("replay finished").
    """

    mentions: list[Mention]
    cursor: str | None
    pages: int = 1
    skipped: int = 0
    notes: tuple[str, ...] = ()
    info: tuple[str, ...] = ()
    rejected: tuple[Rejected, ...] = ()
    responses: list[Response] = field(default_factory=list)


def with_responses(result: FetchResult, own_accounts: Iterable[str]) -> FetchResult:
    """``result`` with its own accounts' answering posts moved from ``mentions`` to ``responses``
    (see :func:`split_own`); unchanged when there are none."""
    kept, responses = split_own(result.mentions, own_accounts)
    if not responses:
        return result
    return dataclasses.replace(result, mentions=kept, responses=[*result.responses, *responses])


@dataclass(frozen=True, slots=True)
class FetchContext:
    """Per-call facts a connector may use: the time read once by the pipeline, the backfill
    window for a first run, and a progress callback ``progress(done, total_or_None)``."""

    now: datetime
    backfill_since: datetime | None = None
    progress: Callable[[int, int | None], None] | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)


class Clock(Protocol):
    """Where a connector reads the time outside a fetch (a fetch uses ``FetchContext.now``).

    ``monitor.clock.Clock`` (and its ``SystemClock`` and ``FrozenClock``) satisfy this
    structurally; :class:`connectors.clock.SystemClock` is the default when none is injected.
    """

    def now(self) -> datetime:
        """Return the current time, timezone-aware, in UTC."""
        ...


@runtime_checkable
class Connector(Protocol):
    """One configured source. Constructors do no I/O; clients are built lazily or injected.

    Attributes:
        type: The registry key, the YAML ``type`` of a source (``"x"``, ``"reddit"``).
    """

    type: ClassVar[str]

    def fetch(self, cursor: str | None, ctx: FetchContext) -> FetchResult:
        """Fetch everything newer than ``cursor`` (or the backfill window when ``None``).

        Raises:
            RetriableSourceError: rate limited, 5xx, timeout or malformed reply; retry later.
            FatalSourceError: credentials rejected or endpoint gone; mark the source unhealthy.
        """
        ...


@runtime_checkable
class LinkLookup(Protocol):
    """A connector that can read the single post behind a link someone forwarded.

    ``recognises_url`` is a pure URL match (no I/O), so a link no source can read costs no
    request; ``lookup_url`` then reads the post. ``isinstance(connector, LinkLookup)`` tells
    whether a connector offers both.
    """

    def recognises_url(self, url: str) -> bool:
        """Whether ``url`` names a post this connector can look up (pure URL matching, no I/O).

        Args:
            url: The forwarded link.

        Returns:
            True when :meth:`lookup_url` would ask the source for it.
        """
        ...

    def lookup_url(self, url: str) -> Mention | None:
        """The post behind ``url``, with the same ``external_id`` a fetch would give it.

        Args:
            url: The forwarded link.

        Returns:
            The post, or None for a URL this connector does not read or a post the source does
            not return (deleted, hidden, unknown).

        Raises:
            RetriableSourceError: rate limited, 5xx, timeout or malformed reply (not retried).
            FatalSourceError: credentials rejected.
        """
        ...
