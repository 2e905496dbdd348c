"""Bluesky connector against a fake PDS/AppView (real atproto SDK)."""

from __future__ import annotations

import json
from collections.abc import Callable

from tests.fakes.harnesses import Harness


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


# ---- own accounts' author feeds (issue 20) ---------------------------------------------------------

OWN_REPLY = "at://did:plc:setseghelp/app.bsky.feed.post/3lbb7ccccc22m"


def test_own_account_feed_page_in_the_wire_shape(harness_factory: Callable[[str], Harness]) -> None:
    """A getAuthorFeed page as the AppView sends it (bluesky_author_feed.json): the own reply is a
    response naming parent and root, the repost and the plain post are nothing, the search's
    mentions are as without own accounts."""
    from datetime import UTC, datetime

    from connectors.base import Response

    h = harness_factory("bluesky")
    plain = h.connector().fetch(None, h.ctx())
    feed = h.fake.load_author_feed()
    res = h.connector(own_accounts=["help.setseg.example"]).fetch(None, h.ctx())
    assert res.responses == [
        Response(
            "bluesky",
            OWN_REPLY,
            "https://bsky.app/profile/help.setseg.example/post/3lbb7ccccc22m",
            datetime(2026, 5, 1, 11, 30, tzinfo=UTC),
            "help.setseg.example",
            in_reply_to=feed[0]["reply"]["parent"]["uri"],
            thread_id=feed[0]["reply"]["root"]["uri"],
            in_reply_to_author="bob.example.com",  # the reply ref's parent post view names its author
        )
    ]
    assert [m.external_id for m in res.mentions] == [m.external_id for m in plain.mentions]
    own = json.loads(res.cursor)["own"]
    assert own == {"help.setseg.example": {"since": "2026-05-01T11:30:00.412000+00:00", "ids": [OWN_REPLY]}}
    (read,) = [r for r in h.server.hits(r"/xrpc/app.bsky.feed.getAuthorFeed") if "cursor" not in r.query]
    assert read.headers["authorization"].startswith("Bearer ")


def test_a_lone_surrogate_or_a_broken_post_in_the_own_feed_does_not_fail_it(
    harness_factory: Callable[[str], Harness],
) -> None:
    """The author feed is read like the search: a page atproto's parser refuses is read again raw
    (U+FFFD for the lone surrogate), and an own post of the wrong shape is rejected alone, once."""
    h = harness_factory("bluesky")
    h.fake.load_author_feed()
    ours = next(p for p in h.fake.posts if p["uri"] == OWN_REPLY)
    ours["record"]["text"] = "Sorry \ud800 DM us"
    broken = {**ours, "uri": OWN_REPLY[:-1] + "x", "cid": 42, "indexedAt": "2026-05-01T11:40:00.000Z"}
    h.fake.posts.append(broken)
    c = h.connector(own_accounts=["help.setseg.example"])
    res = c.fetch(None, h.ctx())
    assert [r.external_id for r in res.responses] == [OWN_REPLY]
    assert [r.external_id for r in res.rejected] == [broken["uri"]]
    reads = h.server.hits(r"/xrpc/app.bsky.feed.getAuthorFeed")
    assert reads[0].raw_url == reads[1].raw_url  # refused by the parser, read again raw
    again = c.fetch(res.cursor, h.ctx())
    assert (again.responses, again.rejected) == ([], ())


def test_own_feed_through_a_client_without_the_raw_call(harness_factory: Callable[[str], Harness]) -> None:
    """An injected client that offers only the SDK's calls reads the feed with get_author_feed."""
    from types import SimpleNamespace

    from atproto import Client

    from tests.fakes.bluesky import APP_PASSWORD, HANDLE

    h = harness_factory("bluesky")
    h.fake.load_author_feed()
    sdk = Client(base_url=h.server.url)
    sdk.login(HANDLE, APP_PASSWORD, fetch_bsky_profile=False)
    c = h.connector(own_accounts=["help.setseg.example"], client=SimpleNamespace(app=sdk.app))
    res = c.fetch(None, h.ctx())
    assert [(r.external_id, r.author_handle) for r in res.responses] == [(OWN_REPLY, "help.setseg.example")]
    assert len(res.mentions) == 3
