"""X connector against a fake API v2 serving tweepy's recorded search page (real tweepy)."""

from __future__ import annotations

import json
from datetime import UTC

import pytest

from monitor.errors import FatalSourceError, RetriableSourceError


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


# ---- lookup_url: the post behind a forwarded link (P1) ---------------------------------------------


def test_lookup_url_reads_the_post_with_the_fetch_id_scheme(harness_factory):
    h = harness_factory("x")
    c = h.connector()
    jane_id = "1578511286759587847"
    m = c.lookup_url(f"https://twitter.com/jane/status/{jane_id}?s=20")
    assert m is not None and m.source == "x" and m.external_id == jane_id
    assert (m.author_handle, m.author_reach, m.likes, m.reposts) == ("jane", 1234, 5, 1)
    assert m.url == f"https://x.com/jane/status/{jane_id}"
    crawled = {x.external_id: x for x in c.fetch(None, h.ctx()).mentions}
    assert crawled[jane_id] == m  # the same Mention as the search's: dedupe by (source, external_id) works
    req = h.server.hits(r"/2/tweets/\d+")[0]
    assert req.query["expansions"] == "author_id"
    assert "public_metrics" in req.query["user.fields"] and "created_at" in req.query["tweet.fields"]


def test_lookup_url_recorded_get_tweet_and_missing_post(harness_factory):
    h = harness_factory("x")
    c = h.connector()
    m = c.lookup_url("https://x.com/i/web/status/1293593516040269825")
    assert m is not None and m.external_id == "1293593516040269825" and "new #TwitterAPI" in m.text
    assert m.url == "https://x.com/i/web/status/1293593516040269825"  # recorded body: no author expansion
    assert c.lookup_url("https://x.com/someone/status/42") is None  # X: 200 with errors[], no data


def test_lookup_url_ignores_other_links_without_a_request(harness_factory):
    h = harness_factory("x")
    c = h.connector()
    for url in (
        "https://example.com/jane/status/1",
        "https://x.com/jane",
        "https://x.com/jane/status/abc",
        "https://x.com.evil.example/jane/status/1",
        "https://www.reddit.com/r/a/comments/b/",
    ):
        assert not c.recognises_url(url)
        assert c.lookup_url(url) is None
    assert h.server.requests == []


@pytest.mark.parametrize(
    ("fault", "error"), [("500", RetriableSourceError), ("429", RetriableSourceError), ("401", FatalSourceError)]
)
def test_lookup_url_server_errors(harness_factory, sleeps, fault, error):
    h = harness_factory("x")
    h.server.inject(fault)
    with pytest.raises(error):
        h.connector().lookup_url("https://x.com/jane/status/1578511286759587847")
    assert sleeps.calls == []  # interactive: no backoff sleeps
