"""RSS / Atom / news-alert feeds through httpx + feedparser, with conditional GET.

No credentials. Options: :class:`RssOptions`. A feed URL may be absolute, or a path joined to
``api_base`` (an enterprise proxy, or the fake server in tests).

feedparser's own fetch has no timeout, so httpx fetches (timeout, retries) and feedparser only
parses the bytes. Feeds have no server-side cursor: per feed the cursor keeps the ``ETag`` and
``Last-Modified`` (a 304 means nothing new), the ids already seen and a ``published``
high-water mark.
"""

from __future__ import annotations

import builtins
import calendar
import io
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import httpx
from pydantic import BaseModel, ConfigDict, Field

from connectors._http import (
    ConnectorBase,
    call_with_retries,
    dump_cursor,
    extract_links,
    future,
    httpx_get,
    load_cursor,
    strip_html,
)
from connectors.base import FetchContext, FetchResult, Mention
from connectors.errors import RetriableSourceError

_GRACE = timedelta(days=7)  # an unseen entry up to this much older than the high-water is still new


class RssOptions(BaseModel):
    """Options of an ``rss`` source."""

    model_config = ConfigDict(extra="forbid")

    feeds: list[str] = Field(min_length=1, description="feed URLs (or paths under api_base)")
    keep_seen: int = Field(1000, ge=10, le=100_000, description="ids remembered per feed")


class RssConnector(ConnectorBase):
    """New entries of one or more feeds."""

    type: ClassVar[str] = "rss"
    Options: ClassVar[builtins.type[BaseModel]] = RssOptions
    options: RssOptions

    def _get_client(self) -> Any:
        if self._client is None:
            self._client = httpx.Client(
                timeout=self.timeout, follow_redirects=True, headers={"User-Agent": "brand-scout/0.1"}
            )
        return self._client

    def _url(self, feed: str) -> str:
        if feed.startswith(("http://", "https://")) or not self.api_base:
            return feed
        return f"{self.api_base}/{feed.lstrip('/')}"

    def fetch(self, cursor: str | None, ctx: FetchContext) -> FetchResult:
        """New entries of every feed; all feeds are read before anything is returned."""
        state = load_cursor(cursor, f"rss source {self.name!r}")
        feeds_state: dict[str, Any] = dict(state.get("feeds") or {})
        out: dict[str, Mention] = {}
        for n, feed in enumerate(self.options.feeds, 1):
            url = self._url(feed)
            feeds_state[feed], mentions = self._fetch_feed(url, feeds_state.get(feed) or {}, ctx)
            for m in mentions:
                out.setdefault(m.external_id, m)
            if ctx.progress:
                ctx.progress(n, len(self.options.feeds))
        ordered = sorted(out.values(), key=lambda m: (m.created_at, m.external_id))
        new_cursor = dump_cursor({"feeds": feeds_state})
        return FetchResult(
            mentions=ordered,
            cursor=None if new_cursor == cursor else new_cursor,
            pages=len(self.options.feeds),
        )

    def _fetch_feed(self, url: str, st: dict[str, Any], ctx: FetchContext) -> tuple[dict[str, Any], list[Mention]]:
        import feedparser

        what = f"rss source {self.name!r} feed {url}"
        headers = {}
        if st.get("etag"):
            headers["If-None-Match"] = str(st["etag"])
        if st.get("modified"):
            headers["If-Modified-Since"] = str(st["modified"])

        def once() -> Any:
            return httpx_get(self._get_client(), url, headers=headers, what=what, now=ctx.now)

        r = call_with_retries(
            once, translate=lambda _e: None, max_retries=self.max_retries, sleep=self._sleep, what=what
        )
        if r.status_code == 304:
            return st, []
        parsed = feedparser.parse(
            io.BytesIO(r.content),
            response_headers={"content-location": url, "content-type": r.headers.get("content-type", "")},
        )
        if parsed.get("bozo") and not parsed.get("entries") and not parsed.get("version"):
            raise RetriableSourceError(f"{what}: reply is not a readable feed")
        seen = list(st.get("seen") or [])
        seen_set = set(seen)
        hw = datetime.fromisoformat(st["hw"]) if st.get("hw") else None
        floor = (hw - _GRACE) if hw else (ctx.backfill_since or ctx.now - timedelta(hours=24))
        mentions = []
        for entry in parsed.entries:
            eid = str(entry.get("id") or entry.get("link") or "")
            if not eid:
                continue
            created = _entry_time(entry)
            is_new = eid not in seen_set and (created is None or created >= floor)
            if eid not in seen_set:
                seen.append(eid)
                seen_set.add(eid)
            if not is_new:
                continue
            m = self._mention(entry, eid, created or ctx.now, parsed.feed)
            mentions.append(m)
            # an entry without a readable date, or dated after now, must not move the mark
            if created is not None and not future(created, ctx.now):
                hw = created if hw is None or created > hw else hw
        new_st = {
            "etag": r.headers.get("etag"),
            "modified": r.headers.get("last-modified"),
            "hw": hw.isoformat() if hw else None,
            "seen": seen[-self.options.keep_seen :],
        }
        return new_st, mentions

    @staticmethod
    def _mention(entry: Any, eid: str, created: datetime, feed: Any) -> Mention:
        title = strip_html(entry.get("title"))
        summary = strip_html(entry.get("summary") or "")
        content = entry.get("content") or []
        if not summary and content:
            summary = strip_html(content[0].get("value"))
        link = str(entry.get("link") or "")
        links = extract_links(summary)
        if link:
            links = (link, *[u for u in links if u != link])
        author = str(entry.get("author") or feed.get("title") or "")
        return Mention(
            source="rss",
            external_id=eid,
            url=link or eid,
            text="\n\n".join(p for p in (title, summary) if p) or link,
            created_at=created,
            author_handle=author,
            author_name=author,
            lang=(entry.get("language") or feed.get("language") or None),
            kind="article",
            links=links,
            title=title or None,
        )


def _entry_time(entry: Any) -> datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        # dict.get: the stored value only, not feedparser's deprecated updated -> published fallback
        t = dict.get(entry, key)
        if t:
            return datetime.fromtimestamp(calendar.timegm(t), tz=UTC)
    return None
