"""X connector against a fake API v2 serving tweepy's recorded search page (real tweepy)."""

from __future__ import annotations

import json
from datetime import UTC

import pytest

from monitor.errors import RetriableSourceError


def test_fetch_pages_to_the_end_and_joins_authors(harness_factory):
    h = harness_factory("x")
    progress: list[tuple[int, int | None]] = []
    res = h.connector().fetch(None, h.ctx(progress=lambda d, t: progress.append((d, t))))
    assert res.pages == 2
    assert len(res.mentions) == 13
    ids = [m.external_id for m in res.mentions]
    assert ids == sorted(ids, key=int)  # oldest first
    # cursor = newest_id of the FIRST page (the recorded one)
    assert json.loads(res.cursor) == {"since_id": "1578516068309794817"}
    recorded = next(m for m in res.mentions if m.external_id == "1578516068309794817")
    assert recorded.text == "2022-10-07 22:42:12.637103 tweepy"
    assert recorded.created_at.tzinfo is UTC or recorded.created_at.utcoffset().total_seconds() == 0
    assert recorded.created_at.strftime("%Y-%m-%d %H:%M") == "2022-10-07 22:42"  # from the snowflake
    assert recorded.url == "https://x.com/i/web/status/1578516068309794817"
    jane = next(m for m in res.mentions if m.author_handle == "jane")
    got = (jane.author_name, jane.author_reach, jane.likes, jane.reposts, jane.replies)
    assert got == ("Jane", 1234, 5, 1, 2)
    assert jane.links == ("https://setseg.example/shop",)
    assert jane.url.startswith("https://x.com/jane/status/")
    reply = next(m for m in res.mentions if m.kind == "reply")
    assert reply.parent_id and reply.thread_id and reply.author_reach == 56
    rt = next(m for m in res.mentions if m.kind == "repost")
    assert rt.refers_to == jane.external_id
    assert progress and progress[-1][0] == 13
    # the request asked for authors and metrics, and page 2 re-sent the query
    reqs = h.server.hits(r"/2/tweets/search/recent")
    assert "author_id" in reqs[0].query["expansions"]
    assert "public_metrics" in reqs[0].query["user.fields"]
    assert reqs[0].query["start_time"].endswith("Z")
    assert reqs[1].query["next_token"] == "tok-10"


def test_incremental_fetch_uses_since_id(harness_factory):
    h = harness_factory("x")
    c = h.connector()
    first = c.fetch(None, h.ctx())
    new_id = h.add_new()
    second = c.fetch(first.cursor, h.ctx())
    assert [m.external_id for m in second.mentions] == [new_id]
    assert h.server.hits(r"/2/tweets/search/recent")[-1].query["since_id"] == "1578516068309794817"
    assert json.loads(second.cursor) == {"since_id": new_id}
    third = c.fetch(second.cursor, h.ctx())
    assert third.mentions == [] and third.cursor is None


def test_restart_mid_pagination_loses_nothing_and_doubles_nothing(harness_factory, sleeps):
    h = harness_factory("x")
    c = h.connector(max_retries=1)
    store: dict[tuple[str, str], object] = {}
    cursor = None

    def page2_fails(req):
        from tests.fakes.server import json_reply

        if "next_token" in req.query:
            return json_reply({"title": "Internal Server Error", "status": 500}, 500)
        return None

    h.server.fail_on = page2_fails
    with pytest.raises(RetriableSourceError):
        c.fetch(cursor, h.ctx())
    assert len(sleeps.calls) == 1  # one backoff, then gave up; nothing returned, cursor unchanged
    h.server.clear()
    res = c.fetch(cursor, h.ctx())  # restart from the old cursor
    for m in res.mentions:
        store.setdefault((m.source, m.external_id), m)
    cursor = res.cursor
    assert len(store) == 13 == len(res.mentions)
    # a repeat from the new cursor adds nothing
    again = c.fetch(cursor, h.ctx())
    assert again.mentions == []
