"""Mastodon connector against a fake instance (real Mastodon.py)."""

from __future__ import annotations

import json


def test_search_and_hashtag_streams(harness_factory):
    h = harness_factory("mastodon")
    res = h.connector().fetch(None, h.ctx())
    by_id = {m.external_id.rsplit("/", 1)[-1]: m for m in res.mentions}
    assert sorted(by_id) == ["113000000000000001", "113000000000000002", "113000000000000003", "113000000000000004"]
    s1 = by_id["113000000000000001"]
    assert s1.text == "Loving #setseg & their app!"
    assert (s1.author_handle, s1.author_name, s1.author_reach) == ("ann@mastodon.example", "Ann 🐘", 320)  # local accounts qualified
    assert (s1.likes, s1.reposts, s1.replies, s1.lang) == (3, 2, 1, "en")
    assert s1.external_id == "https://mastodon.example/users/ann/statuses/113000000000000001"
    assert by_id["113000000000000002"].kind == "reply" and by_id["113000000000000002"].text == (
        "SET SEG support never answered me.\nDay 3."
    )
    assert by_id["113000000000000003"].links == ("https://news.example/setseg",)
    assert by_id["113000000000000003"].author_handle == "cy@other.example"
    rb = by_id["113000000000000004"]
    assert rb.kind == "repost" and rb.refers_to == s1.external_id and rb.text == s1.text
    cur = json.loads(res.cursor)
    assert cur == {
        "instances": {h.server.url: {"search": "113000000000000003", "tags": {"setseg": "113000000000000004"}}}
    }
    assert h.server.hits(r"/api/v1/timelines/tag/setseg")  # paged back with max_id (limit=2)
    assert any("max_id" in r.query for r in h.server.hits(r"/api/v1/timelines/tag/setseg"))


def test_instances_option_and_example_config_shape():
    from connectors.mastodon import MastodonConnector, MastodonOptions

    opts = MastodonOptions(instances=["mastodon.social", "https://hachyderm.io/"], hashtags=["#setseg"])
    c = MastodonConnector("m", opts, credentials={"access_token": "t"})
    assert c.bases() == ["https://mastodon.social", "https://hachyderm.io"]
    assert opts.hashtags == ["setseg"]
    assert MastodonConnector("m", opts, api_base="http://127.0.0.1:9").bases() == ["http://127.0.0.1:9"]


# ---- lookup_url: the status behind a forwarded link (P1) -------------------------------------------


def test_lookup_url_resolves_a_status_on_the_instance_with_the_fetch_id_scheme(harness_factory):
    h = harness_factory("mastodon")
    c = h.connector()
    crawled = {m.external_id: m for m in c.fetch(None, h.ctx()).mentions}
    uri = "https://mastodon.example/users/ann/statuses/113000000000000001"
    for url in (f"{h.server.url}/@ann/113000000000000001", f"{h.server.url}/users/ann/statuses/113000000000000001"):
        m = c.lookup_url(url)
        assert m == crawled[uri], url  # the same Mention as the crawl's: dedupe by uri works
    req = h.server.hits(r"/api/v2/search")[-1]
    assert req.query["q"] == f"{h.server.url}/users/ann/statuses/113000000000000001"
    assert req.query["type"] == "statuses" and req.query["resolve"] in ("true", "1")
    assert c.lookup_url(f"{h.server.url}/@ann/999") is None  # not found: no statuses


def test_lookup_url_ignores_other_links_without_a_request(harness_factory):
    h = harness_factory("mastodon")
    c = h.connector()
    for url in (
        "https://mastodon.example/@ann/113000000000000001",  # not a configured instance
        f"{h.server.url}/@ann",
        f"{h.server.url}/tags/setseg",
        "https://x.com/jane/status/1",
    ):
        assert not c.recognises_url(url) and c.lookup_url(url) is None
    assert h.server.requests == []


def test_lookup_url_server_errors(harness_factory, sleeps):
    import pytest

    from monitor.errors import FatalSourceError, RetriableSourceError

    h = harness_factory("mastodon")
    url = f"{h.server.url}/@ann/113000000000000001"
    for fault, error in (("500", RetriableSourceError), ("429", RetriableSourceError), ("401", FatalSourceError)):
        c = h.connector()
        h.server.inject(fault, times=1)
        with pytest.raises(error):
            c.lookup_url(url)
    assert sleeps.calls == []
