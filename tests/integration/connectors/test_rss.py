"""RSS connector against a fake feed with ETag / Last-Modified (real httpx + feedparser)."""

from __future__ import annotations

import json
from datetime import UTC, datetime


def test_entries_conditional_get_and_seen_ids(harness_factory):
    h = harness_factory("rss")
    c = h.connector()
    res = c.fetch(None, h.ctx())
    assert [m.external_id for m in res.mentions] == ["news-example-1001", "news-example-1002"]  # old one: outside
    office, fees = res.mentions
    assert office.text == "SET SEG opens a new office\n\nSET SEG announced & opened an office. Press release"
    assert office.title == "SET SEG opens a new office" and office.kind == "article"
    assert office.author_handle == "Ann Reporter" and office.lang == "en-us"
    assert office.url == "https://news.example/2026/04/30/setseg-office"
    assert fees.created_at == datetime(2026, 5, 1, 6, 30, tzinfo=UTC)
    state = json.loads(res.cursor)["feeds"]["/alerts/setseg.rss"]
    assert state["etag"] == h.fake.etag and state["modified"]
    # unchanged feed: 304, nothing new, cursor unchanged
    again = c.fetch(res.cursor, h.ctx())
    assert again.mentions == [] and again.cursor is None
    last = h.server.hits(r"/alerts/setseg.rss")[-1]
    assert last.headers["if-none-match"] == h.fake.etag
    assert last.headers["if-modified-since"] == "Fri, 01 May 2026 10:00:00 GMT"
