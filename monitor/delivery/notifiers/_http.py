"""The HTTP plumbing the PagerDuty, Teams and webhook notifiers share (httpx, one POST per message).

A POST either succeeds (the status the service promises) or becomes a :class:`NotifyError`
for the outbox, which owns retries and backoff (no retry loop here, so one attempt is one row
attempt and a crash loses nothing):

* 429: recoverable, with ``Retry-After`` (seconds or an HTTP date) as the least wait;
* 5xx, 408 and 425, timeouts and connection errors: recoverable;
* any other 4xx, and redirects (never followed: a moved endpoint is a configuration problem):
  permanent, with the service's own message (redacted, cut short) in the error.

URLs can hold secrets (a Teams Workflows URL carries its signature): an error names the
service, never the URL, and every message goes through :func:`monitor.errors.redact`.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Mapping
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING

import httpx

from monitor.errors import NotifyError, redact

if TYPE_CHECKING:
    from monitor.config import AppConfig

USER_AGENT = "brand-scout (+https://github.com/brand-scout)"


class HttpNotifier:
    """What the HTTP notifiers share: the configuration and one httpx client, built on first use
    (no I/O at construction), never following redirects nor reading proxy settings."""

    def __init__(self, cfg: AppConfig, *, client: httpx.Client | None = None) -> None:
        self.cfg = cfg
        self._client = client
        self._lock = threading.Lock()

    @property
    def client(self) -> httpx.Client:
        """The HTTP client."""
        with self._lock:
            if self._client is None:
                self._client = httpx.Client(follow_redirects=False, trust_env=False)
            return self._client
RECOVERABLE_STATUS = frozenset({408, 425, 429})


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """``Retry-After`` as seconds: a number, or an HTTP date relative to ``now``; None if absent/bad."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if now is None or when.tzinfo is None:
        return None
    return max(0.0, (when - now).total_seconds())


def vendor_message(resp: httpx.Response, describe: Callable[[object], str] | None = None) -> str:
    """The service's own words about a failure (JSON ``message``/``errors`` or the text), redacted."""
    text = resp.text[:2000]
    try:
        body = json.loads(text) if text else None
    except ValueError:
        body = None
    if describe is not None and body is not None:
        said = describe(body)
    elif isinstance(body, dict):
        said = str(body.get("message") or body.get("error") or body)
    else:
        said = " ".join(text.split())
    return redact(said)[:500]


def post(client: httpx.Client, url: str, *, service: str, content: bytes, headers: Mapping[str, str],
         timeout: float, ok: frozenset[int], now: datetime | None = None,
         describe: Callable[[object], str] | None = None) -> httpx.Response:
    """POST ``content`` to ``url``; the response when its status is in ``ok``.

    Raises:
        NotifyError: ``recoverable`` for 429 (with ``retry_after``), 408/425, 5xx, timeouts and
            connection errors; permanent for other statuses.
    """
    try:
        resp = client.post(url, content=content, headers={"User-Agent": USER_AGENT, **headers}, timeout=timeout)
    except httpx.TimeoutException:
        raise NotifyError(f"{service}: no answer within {timeout:g} s", recoverable=True) from None
    except httpx.HTTPError as exc:  # connection refused, reset, TLS, protocol errors
        raise NotifyError(redact(f"{service}: cannot reach the service ({type(exc).__name__})"),
                          recoverable=True) from None
    status = resp.status_code
    if status in ok:
        return resp
    said = vendor_message(resp, describe)
    if status == 429:
        wait = retry_after_seconds(resp.headers.get("Retry-After"), now)
        raise NotifyError(f"{service}: rate limited (HTTP 429{f', retry after {wait:g} s' if wait else ''}): {said}",
                          recoverable=True, retry_after=wait)
    if status >= 500 or status in RECOVERABLE_STATUS:
        raise NotifyError(f"{service}: HTTP {status}: {said}", recoverable=True)
    if 300 <= status < 400:
        raise NotifyError(f"{service}: HTTP {status} redirect not followed (check the configured URL)",
                          recoverable=False)
    raise NotifyError(f"{service}: HTTP {status} (permanent): {said}", recoverable=False)


__all__ = ["USER_AGENT", "post", "retry_after_seconds", "vendor_message"]
