"""Bluesky connector against a fake PDS/AppView (real atproto SDK)."""

from __future__ import annotations

import json


def test_login_search_pages_and_profiles(harness_factory):
    h = harness_factory("bluesky")
    res = h.connector().fetch(None, h.ctx())
    assert len(res.mentions) == 3  # the month-old post is outside the backfill window
    p1, p2, p3 = res.mentions
    assert p1.external_id == "at://did:plc:ann111/app.bsky.feed.post/3lbb4moalcc2j"
    assert p1.url == "https://bsky.app/profile/ann.bsky.social/post/3lbb4moalcc2j"
    assert (p1.author_handle, p1.author_name, p1.author_reach) == ("ann.bsky.social", "Ann", 5120)
    assert (p1.likes, p1.reposts, p1.replies, p1.quotes, p1.lang) == (4, 2, 1, 1, "en")
    assert p1.links == ("https://setseg.example/app",)
    assert p2.kind == "reply" and p2.parent_id == p1.external_id and p2.thread_id == p1.external_id
    assert p2.author_reach == 77
    assert p3.kind == "quote" and p3.refers_to == p1.external_id
    assert len(h.server.hits(r"/xrpc/com.atproto.server.createSession")) == 1
    searches = h.server.hits(r"/xrpc/app.bsky.feed.searchPosts")
    assert len(searches) == 2 and searches[1].query["cursor"] == "2"  # limit=2: paged
    assert searches[0].query["sort"] == "latest" and searches[0].query["since"].endswith("Z")
    assert json.loads(res.cursor)["ids"] == [p3.external_id]


def test_bad_app_password_is_fatal(harness_factory):
    import pytest

    from monitor.errors import FatalSourceError

    h = harness_factory("bluesky")
    c = h.connector(credentials={"handle": "brand.bsky.social", "app_password": "wrong-password-1"})
    with pytest.raises(FatalSourceError) as info:
        c.fetch(None, h.ctx())
    assert "wrong-password-1" not in str(info.value)


# ---- lookup_url: the post behind a forwarded link (P1) ---------------------------------------------


def test_lookup_url_resolves_handle_reads_post_and_reach(harness_factory):
    h = harness_factory("bluesky")
    c = h.connector()
    crawled = {m.external_id: m for m in c.fetch(None, h.ctx()).mentions}
    uri = "at://did:plc:ann111/app.bsky.feed.post/3lbb4moalcc2j"
    m = c.lookup_url("https://bsky.app/profile/ann.bsky.social/post/3lbb4moalcc2j")
    assert m == crawled[uri]  # same Mention as the search's (reach included): dedupe by URI works
    assert m.author_reach == 5120
    assert h.server.hits(r"/xrpc/com.atproto.identity.resolveHandle")[0].query["handle"] == "ann.bsky.social"
    assert h.server.hits(r"/xrpc/app.bsky.feed.getPosts")[0].query["uris"] == uri
    by_did = c.lookup_url("https://bsky.app/profile/did:plc:ann111/post/3lbb4moalcc2j")
    assert by_did == m and len(h.server.hits(r"/xrpc/com.atproto.identity.resolveHandle")) == 1
    assert c.lookup_url("https://bsky.app/profile/ann.bsky.social/post/3zzzzzzzzzzzz") is None
    assert c.lookup_url("https://bsky.app/profile/nobody.example/post/3lbb4moalcc2j") is None


def test_lookup_url_ignores_other_links_without_a_request(harness_factory):
    h = harness_factory("bluesky")
    c = h.connector()
    for url in (
        "https://bsky.app/profile/ann.bsky.social",
        "https://bsky.app.evil.example/profile/a/post/b",
        "https://x.com/jane/status/1",
    ):
        assert not c.recognises_url(url) and c.lookup_url(url) is None
    assert h.server.requests == []


def test_lookup_url_server_errors(harness_factory, sleeps):
    import pytest

    from monitor.errors import FatalSourceError, RetriableSourceError

    h = harness_factory("bluesky")
    url = "https://bsky.app/profile/did:plc:ann111/post/3lbb4moalcc2j"
    for fault, error in (("500", RetriableSourceError), ("429", RetriableSourceError), ("401", FatalSourceError)):
        h.server.inject(fault, times=1)
        with pytest.raises(error):
            h.connector().lookup_url(url)
    assert sleeps.calls == []


# ---- poisoned input (issue 17) ---------------------------------------------------------------------


def test_a_lone_surrogate_in_one_post_does_not_fail_its_page(harness_factory):
    """atproto's parser refuses the reply (``\\ud800`` in one post's text): the page is read again
    raw, the post comes back with U+FFFD in its place, its neighbours too, and the next poll goes on."""
    h = harness_factory("bluesky")
    c = h.connector()
    first = c.fetch(None, h.ctx())
    good = h.fake.add("3lbb9aaaaaa2a", "2026-05-01T11:58:00.000Z", "SET SEG a good post")
    bad = h.fake.add("3lbb9bbbbbb2b", "2026-05-01T11:58:30.000Z", "SET SEG broken \ud800 text")
    searches = len(h.server.hits(r"/xrpc/app.bsky.feed.searchPosts"))
    res = c.fetch(first.cursor, h.ctx())
    assert [m.external_id for m in res.mentions] == [good, bad]
    assert res.mentions[1].text == "SET SEG broken \ufffd text" and res.rejected == ()
    read, again_raw = h.server.hits(r"/xrpc/app.bsky.feed.searchPosts")[searches : searches + 2]
    assert read.raw_url == again_raw.raw_url and again_raw.headers["authorization"].startswith("Bearer ")
    assert json.loads(res.cursor)["ids"] == [bad]
    later = h.add_new()
    again = c.fetch(res.cursor, h.ctx())
    assert [m.external_id for m in again.mentions] == [later]


def test_an_odd_profile_does_not_fail_the_fetch(harness_factory):
    """getProfiles is read raw too: a lone surrogate in one author's profile, or a count of the
    wrong shape, costs that author's reach at most, never the posts."""
    h = harness_factory("bluesky")
    h.fake.profiles["did:plc:ann111"].update(displayName="Ann \ud800", description="bio \udfff")
    h.fake.profiles["did:plc:bob222"]["followersCount"] = "lots"
    res = h.connector().fetch(None, h.ctx())
    assert len(res.mentions) == 3 and res.rejected == ()
    reach = {m.author_handle: m.author_reach for m in res.mentions}
    assert reach["ann.bsky.social"] == 5120 and reach["bob.example.com"] == 0
