"""Reading the post behind a link an employee forwarded (P1: "When the link points at a source that
brand-scout can read ... it fetches the post itself; otherwise it stores what the employee typed").

:func:`lookup_link` asks the connectors of the enabled sources that are a
:class:`connectors.base.LinkLookup` (X, Reddit, Mastodon, Bluesky, Hacker News), each only when
its pure URL match ``recognises_url`` says yes, so an unknown link costs no request. A failure
is logged and treated as "not found": the submission is then stored as typed. With ``budget``
the caller waits at most that many seconds (Slack must be answered within 3 s); a lookup still
running then finishes in the background and its result is dropped.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import TYPE_CHECKING

from connectors.base import LinkLookup, Mention

if TYPE_CHECKING:
    from monitor.app.container import Container

log = logging.getLogger("brand_scout.scouting")

#: seconds a Slack request may spend on the lookup (Slack wants an answer within 3 s)
SLACK_BUDGET = 1.5
#: seconds the web form may spend on the lookup
WEB_BUDGET = 10.0

_POOL = ThreadPoolExecutor(max_workers=4, thread_name_prefix="link-lookup")


def _candidates(container: Container, url: str) -> list[tuple[str, Callable[[str], Mention | None]]]:
    """(source name, lookup) of every enabled source whose connector recognises ``url``."""
    out: list[tuple[str, Callable[[str], Mention | None]]] = []
    for src in container.cfg.sources:
        if not src.enabled:
            continue
        try:
            connector = container.connector(src.name)
            if not isinstance(connector, LinkLookup) or not connector.recognises_url(url):
                continue
        except Exception as exc:  # a source that cannot be built cannot read the link
            log.info("link lookup skipped", extra={"event": "link_lookup_failed", "source": src.name,
                                                   "error": type(exc).__name__})
            continue
        out.append((src.name, connector.lookup_url))
    return out


def _run(candidates: list[tuple[str, Callable[[str], Mention | None]]], url: str) -> Mention | None:
    for name, lookup in candidates:
        started = time.monotonic()
        try:
            found = lookup(url)
        except Exception as exc:  # the source could not read it now: try the next, else store as typed
            log.info("link lookup failed", extra={"event": "link_lookup_failed", "source": name,
                                                  "error": type(exc).__name__, "detail": str(exc)[:200]})
            continue
        if isinstance(found, Mention):
            log.info("link looked up", extra={"event": "link_lookup", "source": name, "mention_source": found.source,
                                              "seconds": round(time.monotonic() - started, 3)})
            return found
    return None


def lookup_link(container: Container, url: str, *, budget: float | None = None) -> Mention | None:
    """The post behind ``url`` read from its source, or None (unknown link, not found, failed,
    or slower than ``budget`` seconds)."""
    url = url.strip()
    if not url.startswith(("http://", "https://")):
        return None
    candidates = _candidates(container, url)
    if not candidates:
        return None
    if budget is None:
        return _run(candidates, url)
    future = _POOL.submit(_run, candidates, url)
    try:
        return future.result(timeout=budget)
    except FutureTimeout:
        log.info("link lookup too slow; stored as typed",
                 extra={"event": "link_lookup_failed", "error": "budget", "budget_s": budget})
        return None


__all__ = ["SLACK_BUDGET", "WEB_BUDGET", "lookup_link"]
