"""Hacker News connector against a fake Algolia API (real httpx)."""

from __future__ import annotations

import json


def test_pages_strips_html_and_bounds_backfill(harness_factory):
    h = harness_factory("hn")
    res = h.connector().fetch(None, h.ctx())
    ids = [m.external_id for m in res.mentions]
    assert ids == ["44100001", "44100002", "44100003", "44100004"]  # the 10-day-old one is outside 3 days
    assert res.pages == 2  # hitsPerPage=2
    comment = res.mentions[1]
    assert comment.kind == "comment" and comment.thread_id == "44100001" and comment.parent_id == "44100001"
    assert comment.text == "I tried SET SEG & their app crashed.\nSee https://example.org/x"
    assert comment.title == "SET SEG launches a new savings plan"
    story = res.mentions[0]
    assert story.kind == "story" and story.likes == 42 and story.links[0] == "https://setseg.example/news/plan"
    assert story.url == "https://news.ycombinator.com/item?id=44100001"
    ask = res.mentions[3]
    assert ask.text == "Ask HN: Anyone using SET SEG for payroll?\n\nCurious about SET SEG."
    req = h.server.hits(r"/api/v1/search_by_date")[0]
    assert req.query["numericFilters"].startswith("created_at_i>=")
    assert json.loads(res.cursor)["ids"] == ["44100004"]


def test_same_second_items_are_not_lost(harness_factory):
    h = harness_factory("hn")
    c = h.connector()
    first = c.fetch(None, h.ctx())
    # another hit in the very second of the high-water mark arrives later
    hw = json.loads(first.cursor)["created_at_i"]
    h.fake.add("44100005", hw, "SET SEG same second")
    second = c.fetch(first.cursor, h.ctx())
    assert [m.external_id for m in second.mentions] == ["44100005"]
    assert sorted(json.loads(second.cursor)["ids"]) == ["44100004", "44100005"]


# ---- lookup_url: the item behind a forwarded link (P1) ---------------------------------------------


def test_lookup_url_story_and_comment_with_the_fetch_id_scheme(harness_factory):
    h = harness_factory("hn")
    c = h.connector()
    crawled = {m.external_id: m for m in c.fetch(None, h.ctx()).mentions}
    story = c.lookup_url("https://news.ycombinator.com/item?id=44100001")
    want = crawled["44100001"]
    assert story is not None
    got = (story.external_id, story.kind, story.text, story.url, story.thread_id, story.created_at, story.likes)
    assert got == (want.external_id, want.kind, want.text, want.url, want.thread_id, want.created_at, want.likes)
    assert story.replies >= 1  # descendants in the item tree
    comment = c.lookup_url("https://news.ycombinator.com/item?id=44100002#44100002")
    want = crawled["44100002"]
    assert comment is not None
    assert (comment.external_id, comment.kind, comment.text, comment.parent_id, comment.thread_id) == (
        want.external_id,
        want.kind,
        want.text,
        want.parent_id,
        want.thread_id,
    )
    assert [r.path for r in h.server.hits(r"/api/v1/items/\d+")] == ["/api/v1/items/44100001", "/api/v1/items/44100002"]
    assert c.lookup_url("https://news.ycombinator.com/item?id=1") is None  # Algolia 404


def test_lookup_url_ignores_other_links_without_a_request(harness_factory):
    h = harness_factory("hn")
    c = h.connector()
    for url in (
        "https://news.ycombinator.com/user?id=pg",
        "https://news.ycombinator.com/item?id=abc",
        "https://news.ycombinator.com.evil.example/item?id=1",
        "https://x.com/jane/status/1",
    ):
        assert not c.recognises_url(url) and c.lookup_url(url) is None
    assert h.server.requests == []


def test_lookup_url_server_errors(harness_factory, sleeps):
    import pytest

    from monitor.errors import RetriableSourceError

    h = harness_factory("hn")
    for fault in ("500", "429", "malformed"):
        h.server.inject(fault, times=1)
        with pytest.raises(RetriableSourceError):
            h.connector().lookup_url("https://news.ycombinator.com/item?id=44100001")
    assert sleeps.calls == []
