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
