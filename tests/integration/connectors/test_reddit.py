"""Reddit connector against a fake OAuth API replaying praw's recorded listings (real praw)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from connectors.base import FetchContext
from connectors.reddit import terms_from_query
from monitor.errors import FatalSourceError, RetriableSourceError


def test_search_replays_recorded_listing(harness_factory):
    h = harness_factory("reddit")
    res = h.connector().fetch(None, h.ctx())
    assert len(res.mentions) == 6
    assert all(m.source == "reddit" and m.external_id.startswith("t3_") and m.kind == "post" for m in res.mentions)
    first = res.mentions[0]
    assert first.external_id == "t3_1qvzkd" and first.author_handle == "DAsSNipez"
    assert first.title == "Praw, opening a user page."
    assert first.url.startswith("https://www.reddit.com/r/")
    assert first.created_at == datetime.fromtimestamp(1384770349, UTC)
    cur = json.loads(res.cursor)
    assert cur["sub"]["created"] == 1458221634.0 and cur["sub"]["ids"] == ["t3_4at068"]
    token = h.server.hits(r"/api/v1/access_token")
    assert token and token[0].headers["authorization"].startswith("Basic ")
    search = h.server.hits(r"/r/all/search/?")[0]
    assert search.query["q"] == "praw oauth search" and search.query["sort"] == "new"
    assert search.query["t"] == "all"  # the 10-year backfill needs more than "day"


def test_comments_from_named_subreddits_matched_locally(harness_factory):
    h = harness_factory("reddit")
    from connectors.reddit import RedditConnector, RedditOptions

    opts = RedditOptions(query='"Sirocco" OR borb', subreddits=["kakapo"], comment_subreddits=["kakapo"])
    c = RedditConnector("r", opts, api_base=h.server.url, credentials=h.credentials(), sleep=h.sleep, timeout=5)
    res = c.fetch(None, h.ctx())
    comments = [m for m in res.mentions if m.kind == "comment"]
    assert [m.external_id for m in comments] == ["t1_dfktga0"]
    assert comments[0].thread_id and comments[0].thread_id.startswith("t3_")
    assert comments[0].parent_id
    assert h.server.hits(r"/r/kakapo/comments/?") and h.server.hits(r"/r/kakapo/search/?")
    assert res.cursor is not None
    cur = json.loads(res.cursor)
    assert cur["com"]["ids"] == ["t1_dgauydy"]  # high-water = newest comment scanned
    again = c.fetch(res.cursor, FetchContext(now=h.now + timedelta(minutes=5)))
    assert again.mentions == []


def test_terms_from_query():
    assert terms_from_query('"SET SEG" OR #setseg -is:retweet -from:setseg') == ["SET SEG", "setseg"]
    assert terms_from_query('(acme OR acmeco) NOT spam -"old news"') == ["acme", "acmeco"]


# ---- lookup_url: the post behind a forwarded link (P1) ---------------------------------------------


def test_lookup_url_submission_and_comment_with_the_fetch_id_scheme(harness_factory):
    h = harness_factory("reddit")
    c = h.connector()
    crawled = {m.external_id: m for m in c.fetch(None, h.ctx()).mentions}
    for url in (
        "https://www.reddit.com/r/redditdev/comments/1qvzkd/praw_opening_a_user_page/",
        "https://old.reddit.com/r/redditdev/comments/1qvzkd/?utm_source=share",
        "https://redd.it/1qvzkd",
    ):
        m = c.lookup_url(url)
        assert m == crawled["t3_1qvzkd"], url  # same Mention as the search's: dedupe works
    assert h.server.hits(r"/api/info/?")[0].query["id"] == "t3_1qvzkd"
    com = c.lookup_url("https://www.reddit.com/r/kakapo/comments/654eqk/kakapo_calls/dgauydy/")
    assert com is not None and com.external_id == "t1_dgauydy" and com.kind == "comment"
    assert (com.text, com.thread_id, com.parent_id) == ("i lick it", "t3_654eqk", "t1_dg7dqfd")
    assert c.lookup_url("https://www.reddit.com/r/kakapo/comments/654eqk/comment/dgauydy/") == com
    assert c.lookup_url("https://redd.it/zzzzzz") is None  # Reddit returns an empty listing


def test_lookup_url_ignores_other_links_without_a_request(harness_factory):
    h = harness_factory("reddit")
    c = h.connector()
    for url in (
        "https://www.reddit.com/r/redditdev/",
        "https://www.reddit.com/user/someone",
        "https://reddit.com.evil.example/r/a/comments/abc/",
        "https://x.com/jane/status/1",
    ):
        assert not c.recognises_url(url) and c.lookup_url(url) is None
    assert h.server.requests == []


@pytest.mark.parametrize(
    ("fault", "error"), [("500", RetriableSourceError), ("429", RetriableSourceError), ("401", FatalSourceError)]
)
def test_lookup_url_server_errors(harness_factory, sleeps, fault, error):
    h = harness_factory("reddit")
    h.server.inject(fault)
    with pytest.raises(error):
        h.connector().lookup_url("https://redd.it/1qvzkd")
    assert sleeps.calls == []


def test_a_listing_cut_by_the_limit_is_reported_not_silent(harness_factory):
    """More new posts than ``limit`` since the last poll: the fetch says older ones may be missed."""
    h = harness_factory("reddit")
    from connectors.reddit import RedditConnector, RedditOptions

    cut = RedditConnector("r", RedditOptions(query="praw oauth search", limit=3, include_comments=False),
                          api_base=h.server.url, credentials=h.credentials(), sleep=h.sleep, timeout=5)
    res = cut.fetch(None, h.ctx())
    assert len(res.mentions) == 3
    assert res.notes == ("search read its limit=3 items; older new posts may have been skipped "
                         "(raise the limit or poll more often)",)
    whole = RedditConnector("r", RedditOptions(query="praw oauth search", include_comments=False),
                            api_base=h.server.url, credentials=h.credentials(), sleep=h.sleep, timeout=5)
    assert whole.fetch(None, h.ctx()).notes == ()  # the listing ended before the limit


# ---- poisoned input (issue 17) ---------------------------------------------------------------------


def test_a_null_author_in_one_submission_does_not_fail_its_listing(harness_factory):
    """praw cannot build a submission whose ``author`` is null: it comes alone, without an author
    (as a deleted one), its neighbours too, and the next poll goes on."""
    h = harness_factory("reddit")
    c = h.connector()
    first = c.fetch(None, h.ctx())
    good = h.fake.add_submission("zz1good", h.now.timestamp() - 120, "praw oauth search, a good post")
    bad = h.fake.add_submission("zz1bad", h.now.timestamp() - 90, "praw oauth search, its author is null")
    h.fake.submissions[-1]["data"]["author"] = None
    res = c.fetch(first.cursor, h.ctx())
    assert [(m.external_id, m.author_handle) for m in res.mentions] == [(good, "someone"), (bad, "")]
    assert res.rejected == () and res.mentions[1].text == "praw oauth search, its author is null"
    assert json.loads(res.cursor)["sub"]["ids"] == [bad]
    later = h.add_new()
    again = c.fetch(res.cursor, h.ctx())
    assert [m.external_id for m in again.mentions] == [later]


def test_a_null_author_in_one_comment_does_not_fail_the_comment_listing(harness_factory):
    h = harness_factory("reddit")
    from connectors.reddit import RedditConnector, RedditOptions

    for comment in h.fake.comments:
        if comment["data"]["name"] == "t1_dfktga0":
            comment["data"]["author"] = None
    opts = RedditOptions(query='"Sirocco" OR borb', subreddits=["kakapo"], comment_subreddits=["kakapo"])
    c = RedditConnector("r", opts, api_base=h.server.url, credentials=h.credentials(), sleep=h.sleep, timeout=5)
    res = c.fetch(None, h.ctx())
    comments = [m for m in res.mentions if m.kind == "comment"]
    assert [(m.external_id, m.author_handle) for m in comments] == [("t1_dfktga0", "")]
    assert res.cursor is not None and json.loads(res.cursor)["com"]["ids"] == ["t1_dgauydy"]


def test_an_item_praw_cannot_build_and_the_connector_cannot_read_is_rejected_alone(harness_factory):
    h = harness_factory("reddit")
    c = h.connector()
    first = c.fetch(None, h.ctx())
    good = h.fake.add_submission("zz2good", h.now.timestamp() - 120, "praw oauth search, a good post")
    bad = h.fake.add_submission("zz2bad", h.now.timestamp() - 90, "praw oauth search, no time either")

    def poison(req):  # on the wire only: the fake itself sorts by the time
        if not req.path.rstrip("/").endswith("/search"):
            return None
        reply = h.fake.search(req)
        for child in reply.body["data"]["children"]:
            if child["data"]["name"] == bad:
                child["data"].update(author=None, created_utc="never")
        return reply

    h.server.fail_on = poison
    res = c.fetch(first.cursor, h.ctx())
    assert [m.external_id for m in res.mentions] == [good]
    assert [r.external_id for r in res.rejected] == [bad]
    assert "created_utc" in res.rejected[0].reason and json.loads(res.rejected[0].raw)["name"] == bad


def test_lookup_url_of_a_post_with_a_null_author(harness_factory):
    """A forwarded link to a post praw cannot build (a null ``author``) is read from its raw fields,
    without an author, as the listing reads it; so is a comment."""
    h = harness_factory("reddit")
    c = h.connector()
    bad = h.fake.add_submission("zz3bad", h.now.timestamp() - 90, "praw oauth search, its author is null")
    h.fake.submissions[-1]["data"]["author"] = None
    m = c.lookup_url("https://redd.it/zz3bad")
    assert m is not None and (m.external_id, m.author_handle, m.kind) == (bad, "", "post")
    assert m.text == "praw oauth search, its author is null"
    assert h.server.hits(r"/api/info/?")[-1].query["id"] == bad
    for comment in h.fake.comments:
        if comment["data"]["name"] == "t1_dgauydy":
            comment["data"]["author"] = None
    com = c.lookup_url("https://www.reddit.com/r/kakapo/comments/654eqk/kakapo_calls/dgauydy/")
    assert com is not None and (com.external_id, com.author_handle, com.text) == ("t1_dgauydy", "", "i lick it")


def test_lookup_url_of_a_post_nobody_can_read_is_the_connectors_error(harness_factory):
    h = harness_factory("reddit")
    h.fake.add_submission("zz4bad", h.now.timestamp() - 90, "no author, no time")
    h.fake.submissions[-1]["data"].update(author=None, created_utc="never")
    with pytest.raises(RetriableSourceError, match="unreadable post"):
        h.connector().lookup_url("https://redd.it/zz4bad")


def test_lookup_url_of_a_reply_that_is_no_listing(harness_factory):
    from tests.fakes.server import json_reply

    h = harness_factory("reddit")
    h.server.fail_on = lambda req: json_reply({"kind": "Listing"}) if "/api/info" in req.path else None
    with pytest.raises(RetriableSourceError, match="malformed listing"):
        h.connector().lookup_url("https://redd.it/1qvzkd")
