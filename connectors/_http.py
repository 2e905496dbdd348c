"""Helpers shared by the connectors: bounded retries, rate-limit headers, timeouts, HTML to text.

Every connector translates its vendor's errors into the ``connectors.errors`` tree at the adapter
and hands them to :func:`call_with_retries`, which retries only *transient* failures (5xx,
timeouts, dropped connections) with exponential backoff and jitter through the injected
``sleep``, and gives up with :class:`RetriableSourceError` after ``max_retries``. A rate limit
is never slept off here: it becomes ``RetriableSourceError(retry_after=...)`` at once, so the
scheduler reschedules the source instead of a worker thread blocking until the reset.
"""

from __future__ import annotations

import html
import json
import random
import re
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from html.parser import HTMLParser
from typing import Any, TypeVar

import requests
from requests.adapters import HTTPAdapter

from connectors.base import Clock, Mention, Rejected
from connectors.clock import SystemClock
from connectors.errors import FatalSourceError, RetriableSourceError, SourceError

T = TypeVar("T")

#: Reset headers, most specific first: X (epoch), Mastodon (ISO or epoch), Bluesky (epoch),
#: Reddit (seconds from now).
RESET_HEADERS = ("x-rate-limit-reset", "x-ratelimit-reset", "ratelimit-reset")


class TransientError(Exception):
    """Internal marker: a failure worth retrying right away with backoff (5xx, timeout)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def backoff_delay(attempt: int, base: float = 1.0, cap: float = 60.0, rng: random.Random | None = None) -> float:
    """Exponential backoff with full jitter on the upper half: ``base * 2**attempt`` (capped)."""
    r = rng or random
    delay = min(cap, base * (2**attempt))
    return float(delay / 2 + r.random() * delay / 2)


def call_with_retries(
    fn: Callable[[], T],
    *,
    translate: Callable[[BaseException], BaseException | None],
    max_retries: int,
    sleep: Callable[[float], None] | None,
    what: str,
) -> T:
    """Run ``fn``; retry transient failures with backoff, bounded by ``max_retries``.

    ``translate`` maps a vendor exception to a :class:`TransientError` (retry), a
    :class:`SourceError` (raise it now) or ``None`` (not ours: re-raise unchanged).
    """
    do_sleep = sleep if sleep is not None else time.sleep
    attempt = 0
    while True:
        try:
            return fn()
        except Exception as exc:
            err = exc if isinstance(exc, (TransientError, SourceError)) else translate(exc)
            if err is None:
                raise
            if isinstance(err, TransientError):
                if attempt < max_retries:
                    do_sleep(backoff_delay(attempt))
                    attempt += 1
                    continue
                raise RetriableSourceError(f"{what}: {err.message} (gave up after {attempt + 1} attempts)") from exc
            raise err from exc


def retry_after_from_headers(headers: Mapping[str, str] | None, now: datetime) -> float | None:
    """Seconds until a rate limit resets, from ``Retry-After`` or a ``*-reset`` header.

    A reset value above 10^9 is an epoch; an ISO-8601 value is a time; a small number is a delay.
    """
    if not headers:
        return None
    low = {str(k).lower(): str(v) for k, v in headers.items()}
    now_ts = now.timestamp()
    ra = low.get("retry-after")
    if ra:
        try:
            return max(0.0, float(ra))
        except ValueError:
            try:
                return max(0.0, parsedate_to_datetime(ra).timestamp() - now_ts)
            except (TypeError, ValueError):
                pass
    for name in RESET_HEADERS:
        value = low.get(name)
        if not value:
            continue
        try:
            num = float(value)
        except ValueError:
            try:
                return max(0.0, datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp() - now_ts)
            except ValueError:
                continue
        return max(0.0, num - now_ts) if num > 1e9 else max(0.0, num)
    return None


def status_error(status: int, what: str, headers: Mapping[str, str] | None, now: datetime) -> BaseException:
    """The error for an HTTP status that is not a success (for connectors that speak httpx)."""
    if status == 429:
        wait = retry_after_from_headers(headers, now)
        return RetriableSourceError(f"{what}: rate limited (HTTP 429)", wait)
    if status in (401, 403):
        return FatalSourceError(f"{what}: credentials rejected (HTTP {status})")
    if status in (404, 410):
        return FatalSourceError(f"{what}: endpoint not found (HTTP {status}); check api_base / URL")
    if status >= 500 or status == 408:
        return TransientError(f"server error (HTTP {status})")
    return FatalSourceError(f"{what}: request refused (HTTP {status})")


def loads_json(data: bytes | str, what: str) -> Any:
    """Parse JSON, turning a malformed reply into :class:`RetriableSourceError`."""
    try:
        return json.loads(data)
    except ValueError as exc:
        raise RetriableSourceError(f"{what}: malformed JSON in reply") from exc


class TimeoutSession(requests.Session):
    """A ``requests.Session`` that always sends a timeout and can rebase one URL prefix.

    tweepy never passes a timeout and hard-codes ``https://api.twitter.com``; praw ignores its
    ``timeout`` setting for API calls. Both accept a session, so this is the seam.
    """

    def __init__(self, timeout: float, rebase: tuple[str, str] | None = None) -> None:
        super().__init__()
        self.default_timeout = timeout
        #: headers of the last response (for libraries whose errors drop them, e.g. Mastodon.py's 429)
        self.last_headers: dict[str, str] = {}
        if rebase is not None:
            src, dst = rebase
            self.mount(src, RebaseAdapter(src, dst))

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        """Send with ``timeout`` no longer than the configured one."""
        t = kwargs.get("timeout")
        if t is None or (isinstance(t, (int, float)) and t > self.default_timeout):
            kwargs["timeout"] = self.default_timeout
        resp = super().request(method, url, *args, **kwargs)
        self.last_headers = dict(resp.headers)
        return resp


class RebaseAdapter(HTTPAdapter):
    """Rewrites ``src`` to ``dst`` at the start of every URL it sends (auth and retries still run)."""

    def __init__(self, src: str, dst: str, **kw: Any) -> None:
        super().__init__(**kw)
        self.src, self.dst = src.rstrip("/"), dst.rstrip("/")

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        """Rebase and send."""
        if request.url and request.url.startswith(self.src):
            request.url = self.dst + request.url[len(self.src) :]
        return super().send(request, *args, **kwargs)


class _TextExtractor(HTMLParser):
    _BREAKS = frozenset({"br", "p", "div", "li", "blockquote", "tr", "h1", "h2", "h3", "h4", "h5", "h6"})
    _SKIP = frozenset({"script", "style"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:  # noqa: ARG002
        if tag in self._SKIP:
            self._skip += 1
        elif tag in self._BREAKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP:
            self._skip = max(0, self._skip - 1)
        elif tag in self._BREAKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


_SPACES = re.compile(r"[ \t\r\f\v]+")
_NEWLINES = re.compile(r"\s*\n\s*")


def strip_html(text: str | None) -> str:
    """Plain text from an HTML fragment (tags dropped, entities decoded, whitespace tidied)."""
    if not text:
        return ""
    if "<" not in text and "&" not in text:
        return text.strip()
    p = _TextExtractor()
    p.feed(text)
    p.close()
    out = html.unescape("".join(p.parts))
    out = _SPACES.sub(" ", out)
    return _NEWLINES.sub("\n", out).strip()


_LINK = re.compile(r"https?://[^\s<>\"')\]]+")


def extract_links(text: str) -> tuple[str, ...]:
    """URLs in plain text, in order, without duplicates."""
    seen: dict[str, None] = {}
    for m in _LINK.finditer(text or ""):
        seen.setdefault(m.group(0).rstrip(".,;:!?"), None)
    return tuple(seen)


def utc(dt: datetime) -> datetime:
    """``dt`` as timezone-aware UTC (a naive value is taken to be UTC already)."""
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


def parse_time(value: Any) -> datetime | None:
    """ISO 8601 string, epoch number or datetime to aware UTC; ``None`` when unreadable."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return utc(value)
    try:
        if isinstance(value, bool):
            return None
        if isinstance(value, (int, float)):
            return datetime.fromtimestamp(float(value), tz=UTC)
        return utc(datetime.fromisoformat(str(value).replace("Z", "+00:00")))
    except (ValueError, OverflowError, OSError):  # not a time, or one no datetime holds
        return None


def to_count(value: Any) -> int:
    """A count (followers, likes) as the source sent it, read leniently: a number or a numeric
    string as an int; anything else (None, "lots", a list, NaN) as 0. A wrong count must not cost
    the post: the store clamps what is left to its 64-bit range."""
    if isinstance(value, bool) or value is None:
        return 0
    if isinstance(value, int):
        return value
    try:
        number = float(str(value).strip()) if not isinstance(value, float) else value
    except ValueError:
        return 0
    if number != number:  # NaN
        return 0
    if number in (float("inf"), float("-inf")):
        return 2**63 - 1 if number > 0 else 0
    return int(number)


def to_text(value: Any) -> str:
    """A text field as a string: None as "", a number as its digits, any other shape as ""."""
    if value is None or isinstance(value, (dict, list, tuple)):
        return ""
    return value if isinstance(value, str) else str(value)


#: What reading one item may raise when the source sends it in an unexpected shape.
ITEM_ERRORS = (ValueError, TypeError, KeyError, AttributeError, OverflowError, IndexError)


def raw_item(item: Any, limit: int = 4000) -> str:
    """An item as received, as JSON (or its repr), truncated to ``limit`` characters."""
    try:
        data = getattr(item, "to_dict", None)
        return json.dumps(data() if callable(data) else item, default=repr)[:limit]
    except Exception:  # an item too odd for JSON is kept as its repr
        return ascii(item)[:limit]


#: How far past the fetch's ``now`` a post may be dated (clock skew) before it counts as unreadable.
FUTURE_TOLERANCE = timedelta(days=1)


def future(created: datetime, now: datetime) -> bool:
    """Whether ``created`` is later than ``now`` allows. Such a post is still returned, but its
    date must not move a high-water cursor: it would pass every real post to come."""
    return created > now + FUTURE_TOLERANCE


def parse_each(items: Iterable[T], parse: Callable[[T], Mention | None], ident: Callable[[T], Any],
               rejected: list[Rejected]) -> list[Mention]:
    """``parse`` every item; an item that fails (see :data:`ITEM_ERRORS`) goes to ``rejected`` with
    its reason instead of failing the whole fetch. ``parse`` may return None to skip an item."""
    out: list[Mention] = []
    for item in items:
        try:
            mention = parse(item)
        except ITEM_ERRORS as exc:
            try:
                eid = to_text(ident(item))
            except ITEM_ERRORS:
                eid = ""
            rejected.append(Rejected(eid[:1000], f"{type(exc).__name__}: {exc}"[:500], raw_item(item)))
            continue
        if mention is not None:
            out.append(mention)
    return out


def dump_cursor(state: Mapping[str, Any]) -> str:
    """A cursor string (compact, key-sorted JSON)."""
    return json.dumps(state, sort_keys=True, separators=(",", ":"))


def load_cursor(cursor: str | None, what: str) -> dict[str, Any]:
    """The state in a cursor string; ``{}`` for none. A corrupt cursor is a fatal config problem."""
    if not cursor:
        return {}
    try:
        state = json.loads(cursor)
    except ValueError as exc:
        raise FatalSourceError(f"{what}: stored cursor is not JSON; reset it") from exc
    if not isinstance(state, dict):
        raise FatalSourceError(f"{what}: stored cursor is not an object; reset it")
    return state


def httpx_get(
    client: Any,
    url: str,
    *,
    what: str,
    now: datetime,
    params: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
) -> Any:
    """``client.get`` (an ``httpx.Client``) with errors mapped: 2xx and 304 are returned."""
    import httpx

    try:
        r = client.get(url, params=params, headers=headers)
    except httpx.TimeoutException as exc:
        raise TransientError(f"timeout ({type(exc).__name__})") from exc
    except httpx.TransportError as exc:
        raise TransientError(f"connection failed ({type(exc).__name__})") from exc
    if 200 <= r.status_code < 300 or r.status_code == 304:
        return r
    raise status_error(r.status_code, what, r.headers, now)


class ConnectorBase:
    """The constructor every API connector shares (the registry builds them all alike).

    Constructors do no I/O: vendor clients are built lazily or injected with ``client``.
    ``credentials`` holds resolved secret values; ``sleep`` and ``clock`` are injected so tests
    neither wait nor read the wall clock. ``DEFAULT_API_BASE`` (None: the vendor library's own)
    applies when the source sets no ``api_base``.
    """

    DEFAULT_API_BASE: str | None = None

    def __init__(
        self,
        name: str,
        options: Any,
        *,
        api_base: str | None = None,
        credentials: dict[str, str] | None = None,
        timeout: float = 20.0,
        max_retries: int = 3,
        own_accounts: list[str] | None = None,
        client: Any = None,
        sleep: Callable[[float], None] | None = None,
        clock: Clock | None = None,
        **_: Any,
    ) -> None:
        self.name = name
        self.options = options
        base = api_base or self.DEFAULT_API_BASE
        self.api_base = base.rstrip("/") if base else None
        self._credentials = dict(credentials or {})
        self.timeout = timeout
        self.max_retries = max_retries
        self.own_accounts = list(own_accounts or [])
        self._client = client
        self._sleep = sleep
        self._clock: Clock = clock or SystemClock()  # lookups read the time here, never the wall clock
