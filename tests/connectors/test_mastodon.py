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
    assert (s1.author_handle, s1.author_name, s1.author_reach) == ("ann", "Ann 🐘", 320)
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
