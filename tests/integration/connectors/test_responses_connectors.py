"""Connectors return the own accounts' answering posts as typed responses (issue 20), never as
mentions: the real client against its fake service, per platform."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest

from connectors import load_connector_class
from connectors.base import FetchContext, FetchResult, Mention, Response, split_own
from monitor.clock import FrozenClock, utc
from monitor.config import AppConfig
from tests.integration.responses.test_responses import T0, Bluesky, Mastodon, Reddit, X


def connector(source: tuple[dict[str, Any], dict[str, str]], own: list[str]) -> Any:
    src, env = source
    cls = load_connector_class(src["type"])
    creds = {k: env[v] for k, v in src["credentials"].items()}
    return cls(
        src["name"],
        cls.Options(**src["options"]),
        api_base=src["api_base"],
        credentials=creds,
        timeout=5.0,
        max_retries=0,
        own_accounts=own,
        sleep=lambda _s: None,
        clock=FrozenClock(T0),
    )


def fetch(c: Any, cursor: str | None = None) -> FetchResult:
    result: FetchResult = c.fetch(
        cursor, FetchContext(now=T0 + timedelta(hours=1), backfill_since=T0 - timedelta(days=1))
    )
    return result


def test_x_replies_and_quotes_of_own_accounts_are_responses_reposts_and_new_posts_stay_mentions() -> None:
    x = X()
    try:
        m = x.post("carol", T0 - timedelta(minutes=10), "SET SEG portal is down")
        reply = x.post("setseg_help", T0, "@carol on it", seq=2, reply_to=m, conversation=m)
        quote = x.post("setseg", T0 + timedelta(minutes=1), "we hear you SET SEG fans", seq=3, quote=m)
        new = x.post("setseg", T0 + timedelta(minutes=2), "SET SEG news: new portal", seq=4)
        rt = x.post("setseg", T0 + timedelta(minutes=3), "RT @carol: SET SEG portal is down", seq=5)
        x.fake.tweets[-1]["referenced_tweets"] = [{"type": "retweeted", "id": m}]
        result = fetch(connector(x.source(), ["setseg", "setseg_help"]))
        assert {r.external_id: r for r in result.responses} == {
            reply: Response(
                "x", reply, f"https://x.com/setseg_help/status/{reply}", T0, "setseg_help", in_reply_to=m, thread_id=m,
                in_reply_to_author="carol",
            ),
            quote: Response(
                "x", quote, f"https://x.com/setseg/status/{quote}", T0 + timedelta(minutes=1), "setseg", quoted=m
            ),
        }
        assert [mm.external_id for mm in result.mentions] == [m, new, rt]  # the pipeline's filter drops own posts
        # without own accounts, every post is a mention as before
        plain = fetch(connector(x.source(), []))
        assert plain.responses == [] and len(plain.mentions) == 5
    finally:
        x.fake.server.stop()


def test_x_response_names_the_account_it_replies_to_in_our_own_thread() -> None:
    """In a thread our own account started, a reply of ours names whom it answers (X's
    ``in_reply_to_user_id``, expanded by the search): the customer, or our own account for a reply
    to our own root tweet; the thread alone does not say."""
    x = X()
    try:
        root = x.post("setseg", T0 - timedelta(minutes=60), "SET SEG news: the new claims portal is live")
        amy = x.post("amy", T0 - timedelta(minutes=30), "@setseg SET SEG portal is down", reply_to=root,
                     conversation=root)
        x.post("bob", T0 - timedelta(minutes=20), "@setseg SET SEG portal is slow", reply_to=root, conversation=root)
        to_amy = x.post("setseg_help", T0, "@amy on it", reply_to=amy, conversation=root)
        more = x.post("setseg", T0 + timedelta(minutes=1), "2/2: the app follows next week", reply_to=root,
                      conversation=root)
        result = fetch(connector(x.source(), ["setseg", "setseg_help"]))
        assert [(r.external_id, r.in_reply_to, r.thread_id, r.in_reply_to_author) for r in result.responses] == [
            (to_amy, amy, root, "amy"), (more, root, root, "setseg")]
        search = x.fake.server.hits(r"/2/tweets/search/recent")[0]
        assert search.query["expansions"].split(",") == ["author_id", "in_reply_to_user_id"]
    finally:
        x.fake.server.stop()


def test_reddit_reads_own_comments_without_a_term_and_the_customers_reply_to_them() -> None:
    r = Reddit()
    try:
        sub = r.post("carol", T0 - timedelta(minutes=30), "SET SEG denied my claim", "abc")
        ours = r.post("setseg_help", T0 - timedelta(minutes=20), "Sorry, please DM us", "c1", reply_to=sub)
        c = connector(r.source(), ["setseg_help"])
        first = fetch(c)
        assert [(x.external_id, x.in_reply_to, x.thread_id, x.author_handle) for x in first.responses] == [
            (ours, sub, sub, "setseg_help")
        ]
        assert [mm.external_id for mm in first.mentions] == [sub]
        # the customer answers our comment without naming the brand: still read (a possible follow-up)
        follow = r.post("carol", T0 - timedelta(minutes=10), "nobody answered my DM", "c2", reply_to=ours, root=sub)
        r.post("dave", T0 - timedelta(minutes=5), "unrelated chatter", "c3", reply_to=sub)
        second = fetch(c, first.cursor)
        assert [(mm.external_id, mm.parent_id, mm.thread_id) for mm in second.mentions] == [(follow, ours, sub)]
    finally:
        r.stop()


def test_mastodon_reply_names_its_parent_by_uri_when_fetched_together() -> None:
    p = Mastodon()
    try:
        m = p.post("carol@mastodon.example", T0 - timedelta(minutes=10), "SET SEG portal down", "113000000000000201")
        p.post("help@mastodon.example", T0, "SET SEG support here, on it", "113000000000000202", reply_to=m)
        result = fetch(connector(p.source(), ["help@mastodon.example"]))
        (resp,) = result.responses
        assert resp.in_reply_to == "https://mastodon.example/users/carol/statuses/113000000000000201"
        assert resp.url == "https://mastodon.example/@help/113000000000000202"
        assert [mm.author_handle for mm in result.mentions] == ["carol@mastodon.example"]
    finally:
        p.stop()


def test_bluesky_reply_carries_parent_and_root() -> None:
    p = Bluesky()
    try:
        root = p.post("carol.example", T0 - timedelta(minutes=10), "SET SEG portal down", "3kroot")
        mid = p.post("dave.example", T0 - timedelta(minutes=5), "SET SEG same here", "3kmid", reply_to=root)
        p.post("help.setseg.example", T0, "SET SEG support: on it", "3kours", reply_to=mid, root=root)
        result = fetch(connector(p.source(), ["help.setseg.example"]))
        (resp,) = result.responses
        assert (resp.in_reply_to, resp.thread_id, resp.author_handle) == (mid, root, "help.setseg.example")
        assert {mm.external_id for mm in result.mentions} == {root, mid}
    finally:
        p.stop()


@pytest.mark.parametrize("entries", [["setseg"], ["x:setseg"], ["@SetSeg"]])
def test_split_own_matches_handles_any_way_they_are_written(entries: list[str]) -> None:
    reply = Mention("x", "2", "u", "t", T0, author_handle="setseg", kind="reply", parent_id="1", thread_id="1")
    other = Mention(
        "reddit", "3", "u", "t", T0, author_handle="setseg", kind="comment", parent_id="t3_a", thread_id="t3_a"
    )
    kept, responses = split_own([reply, other], entries)
    assert [r.external_id for r in responses] == (["2"] if entries == ["x:setseg"] else ["2", "3"])
    assert all(m.author_handle == "setseg" for m in kept)


def test_x_query_also_reads_the_own_accounts_replies() -> None:
    x = X()
    try:
        fetch(connector(x.source(), ["setseg", "@setseg_help", "not a handle!"]))
        (req,) = x.fake.server.hits(r"/2/tweets/search/recent")
        assert req.query["query"] == "(SET SEG) OR ((from:setseg OR from:setseg_help) (is:reply OR is:quote))"
        src, env = x.source()
        fetch(connector(({**src, "options": {**src["options"], "own_replies": False}}, env), ["setseg"]))
        assert x.fake.server.hits(r"/2/tweets/search/recent")[-1].query["query"] == "SET SEG"
        fetch(connector(x.source(), []))
        assert x.fake.server.hits(r"/2/tweets/search/recent")[-1].query["query"] == "SET SEG"
    finally:
        x.fake.server.stop()


def test_mastodon_looks_up_a_parent_from_an_earlier_fetch_by_its_local_id() -> None:
    p = Mastodon()
    try:
        m = p.post("carol@other.example", T0 - timedelta(minutes=10), "SET SEG portal down", "113000000000000301")
        remote = "https://other.example/users/carol/statuses/9f2c"  # a remote status: its id here is local
        p.fake.statuses[-1].update(uri=remote, url="https://other.example/@carol/9f2c")
        c = connector(p.source(), ["help@mastodon.example"])
        first = fetch(c)
        assert [mm.external_id for mm in first.mentions] == [remote]

        # the fake serves GET /api/v1/statuses/:id (404 'Record not found' for an unknown id)
        p.post("help@mastodon.example", T0, "SET SEG support here, on it", "113000000000000302", reply_to=m)
        p.post("help@mastodon.example", T0, "SET SEG support again", "113000000000000303", reply_to="999")
        second = fetch(c, first.cursor)
        assert [(r.external_id.rsplit("/", 1)[-1], r.in_reply_to) for r in second.responses] == [
            ("113000000000000302", remote),
            ("113000000000000303", "999"),
        ]  # unknown parent: local id kept
    finally:
        p.stop()


# ---- Mastodon: the own accounts' statuses are read, not only what the search matches ---------------
def _sid(at: datetime, seq: int = 0) -> int:
    """A status id as Mastodon makes them: the posting time in milliseconds, shifted by 16 bits."""
    return (int(at.timestamp() * 1000) << 16) + seq


def _mastodon(own: list[str], **options: Any) -> tuple[Mastodon, Any]:
    """The fake instance (empty) and a connector for it with ``own`` accounts and extra ``options``."""
    p = Mastodon()
    src, env = p.source()
    return p, connector(({**src, "options": {**src["options"], **options}}, env), own)


def _state(p: Mastodon, result: FetchResult) -> dict[str, Any]:
    """The cursor's state for the fake instance."""
    assert result.cursor is not None
    state: dict[str, Any] = json.loads(result.cursor)["instances"][p.fake.server.url]
    return state


def _mention(p: Mastodon, at: datetime, text: str = "SET SEG portal down") -> str:
    """Carol's post at ``at``; returns its local id (what a reply names)."""
    return p.post("carol", at, text, str(_sid(at)))


def _by(p: Mastodon, acct: str, at: datetime, text: str, reply_to: str | None = None, seq: int = 1) -> dict[str, Any]:
    """A status by ``acct`` at ``at`` (a reply when ``reply_to`` is a local id)."""
    status: dict[str, Any] = p.fake.post(
        acct, _sid(at, seq), at.strftime("%Y-%m-%dT%H:%M:%S.000Z"), text, reply_to=reply_to
    )
    return status


def test_mastodon_reads_an_own_reply_without_the_search_term_in_a_later_poll() -> None:
    p, c = _mastodon(["mastodon:help@mastodon.example"])
    try:
        help_id = p.fake.account("help")["id"]
        m = _mention(p, T0 - timedelta(minutes=10))
        first = fetch(c)
        assert [mm.author_handle for mm in first.mentions] == ["carol@mastodon.example"] and first.responses == []
        reply = _by(p, "help", T0, "Sorry to hear that, DM us", reply_to=m)
        # a new post (not a reply) by the own account: neither a response nor a mention, even found by the search
        news = _by(p, "help", T0 + timedelta(minutes=1), "SET SEG news: new portal")
        second = fetch(c, first.cursor)
        assert second.responses == [
            Response(
                "mastodon",
                reply["uri"],
                reply["url"],
                T0,
                "help@mastodon.example",
                in_reply_to=f"https://mastodon.example/users/carol/statuses/{m}",
                thread_id=f"https://mastodon.example/users/carol/statuses/{m}",  # the root, from its context
                in_reply_to_author="carol@mastodon.example",  # in_reply_to_account_id, named in its mentions
            )
        ]
        assert reply["url"] == f"https://mastodon.example/@help/{reply['id']}"
        assert second.mentions == []
        assert _state(p, second)["own"] == {"help@mastodon.example": news["id"]}
        third = fetch(c, second.cursor)
        assert (third.responses, third.mentions, third.cursor) == ([], [], None)  # nothing returned twice
        (lookup,) = p.fake.server.hits(r"/api/v1/accounts/lookup")  # resolved once, then cached
        assert lookup.query["acct"] == "help@mastodon.example"
        reads = p.fake.server.hits(rf"/api/v1/accounts/{help_id}/statuses")
        # the first read found nothing: the next goes on from the window's start, then from the newest seen
        assert [r.query.get("min_id") for r in reads] == [None, str(_sid(T0 - timedelta(days=1))), news["id"]]
        assert all(r.query.get("exclude_reblogs") in ("1", "true", "True") for r in reads)
    finally:
        p.stop()


def test_mastodon_response_names_the_account_it_replies_to() -> None:
    """An own account's reply names whom it answers, as ``user@instance`` like a mention's author:
    ``in_reply_to_account_id`` found in its ``mentions``, else the parent's author (a reply whose
    author deleted the name), and its own account for a reply continuing its own thread."""
    p, c = _mastodon(["help@mastodon.example", "setseg@mastodon.example"])
    try:
        root = _by(p, "setseg", T0 - timedelta(minutes=60), "SET SEG news: the new claims portal is live")
        amy = _by(p, "amy@other.example", T0 - timedelta(minutes=30), "SET SEG portal is down", reply_to=root["id"])
        bob = _by(p, "bob", T0 - timedelta(minutes=20), "SET SEG denied my claim", reply_to=root["id"])
        to_amy = _by(p, "help", T0, "on it", reply_to=amy["id"])
        to_bob = _by(p, "help", T0 + timedelta(minutes=1), "sorry about that", reply_to=bob["id"])
        to_bob["mentions"] = []  # its author deleted the name: the parent says whose it is
        more = _by(p, "setseg", T0 + timedelta(minutes=2), "2/2: the app follows next week", reply_to=root["id"])
        assert to_amy["mentions"][0]["acct"] == "amy@other.example" and more["mentions"] == []
        result = fetch(c)
        assert [(r.external_id, r.in_reply_to_author) for r in result.responses] == [
            (to_amy["uri"], "amy@other.example"),
            (to_bob["uri"], "bob@mastodon.example"),
            (more["uri"], "setseg@mastodon.example"),
        ]
        assert {m.author_handle for m in result.mentions} == {"amy@other.example", "bob@mastodon.example"}
    finally:
        p.stop()


def test_mastodon_own_reply_names_its_threads_root_from_the_replys_context() -> None:
    """A status names its parent, not its thread: a reply to a post this fetch did not read (one
    without the search's words) is named by the root its context gives (the first ancestor); a
    reply to a root read in this fetch needs no request."""
    p, c = _mastodon(["help@mastodon.example"])
    try:
        root = _mention(p, T0 - timedelta(minutes=30))
        mid = _by(p, "erin", T0 - timedelta(minutes=20), "same here", reply_to=root)  # no mention
        deep = _by(p, "help", T0, "we are looking into it", reply_to=mid["id"])
        direct = _by(p, "help", T0 + timedelta(minutes=1), "sorry about that", reply_to=root, seq=2)
        result = fetch(c)
        carol = f"https://mastodon.example/users/carol/statuses/{root}"
        assert [(r.external_id, r.in_reply_to, r.thread_id, r.in_reply_to_author) for r in result.responses] == [
            (deep["uri"], mid["uri"], carol, "erin@mastodon.example"),
            (direct["uri"], carol, carol, "carol@mastodon.example"),
        ]
        assert [h.path for h in p.fake.server.hits(r"/api/v1/statuses/\d+(?:/context)?")] == [
            f"/api/v1/statuses/{deep['id']}/context"
        ]
    finally:
        p.stop()


def test_mastodon_direct_reply_is_a_response_that_says_it_is_no_public_post() -> None:
    """A reply sent as a direct message (or to followers only) answers all the same: a response
    whose ``visibility`` says how; a public or unlisted one has none."""
    p, c = _mastodon(["help@mastodon.example"])
    try:
        m = _mention(p, T0 - timedelta(minutes=10))
        dm = _by(p, "help", T0, "please check your messages", reply_to=m)
        dm["visibility"] = "direct"
        followers = _by(p, "help", T0 + timedelta(minutes=1), "we are on it", reply_to=m)
        followers["visibility"] = "private"
        unlisted = _by(p, "help", T0 + timedelta(minutes=2), "fixed now", reply_to=m)
        unlisted["visibility"] = "unlisted"
        result = fetch(c)
        assert [(r.external_id, r.visibility, r.in_reply_to_author) for r in result.responses] == [
            (dm["uri"], "direct", "carol@mastodon.example"),
            (followers["uri"], "private", "carol@mastodon.example"),
            (unlisted["uri"], None, "carol@mastodon.example"),
        ]
    finally:
        p.stop()


def test_mastodon_own_account_on_another_instance_is_not_read_here() -> None:
    p, c = _mastodon(["help@other.example"])
    try:
        m = _mention(p, T0 - timedelta(minutes=10))
        # the polled instance's own "help" (help@mastodon.example) is someone else, however it replies
        _by(p, "help", T0, "Sorry to hear that, DM us", reply_to=m)
        local = _by(p, "help", T0, "SET SEG? DM us", reply_to=m, seq=2)
        # the remote own account's reply, federated to the polled instance: read on its own instance only
        _by(p, "help@other.example", T0, "Sorry, DM us", reply_to=m, seq=3)
        result = fetch(c)
        assert result.responses == []
        assert sorted(mm.external_id for mm in result.mentions) == sorted(
            [f"https://mastodon.example/users/carol/statuses/{m}", local["uri"]]
        )
        assert [r.query["acct"] for r in p.fake.server.hits(r"/api/v1/accounts/lookup")] == ["help@other.example"]
        assert p.fake.server.hits(r"/api/v1/accounts/\d+/statuses") == []
        assert result.notes and "help@other.example" in result.notes[0]
        assert "own" not in _state(p, result)
    finally:
        p.stop()


def test_mastodon_own_statuses_failure_moves_no_cursor_and_the_cap_leaves_the_rest_for_later() -> None:
    from connectors.errors import RetriableSourceError
    from tests.fakes.server import Request, json_reply

    p, c = _mastodon(["help@mastodon.example"], limit=2, max_pages=1)
    try:
        p.fake.account("help")
        m = _mention(p, T0 - timedelta(minutes=10))
        first = fetch(c)
        replies = [_by(p, "help", T0 + timedelta(minutes=i), f"DM us ({i})", reply_to=m)["uri"] for i in range(3)]

        def unavailable(req: Request) -> Any:
            return json_reply({"error": "unavailable"}, 503) if req.path.endswith("/statuses") else None

        p.fake.server.fail_on = unavailable
        with pytest.raises(RetriableSourceError):
            fetch(c, first.cursor)
        p.fake.server.fail_on = None
        # the failed fetch moved nothing; one page of 2 per fetch, oldest first, the next fetch goes on from there
        second = fetch(c, first.cursor)
        assert [r.external_id for r in second.responses] == replies[:2]
        third = fetch(c, second.cursor)
        assert [r.external_id for r in third.responses] == replies[2:]
        assert fetch(c, third.cursor).responses == []
    finally:
        p.stop()


def test_mastodon_cursor_without_own_accounts_still_parses_and_reads_them_from_the_backfill_window() -> None:
    p, plain = _mastodon([])
    try:
        p.fake.account("help")
        m = _mention(p, T0 - timedelta(minutes=10))
        reply = _by(p, "help", T0 - timedelta(minutes=5), "DM us", reply_to=m)
        old = fetch(plain)
        assert _state(p, old).keys() == {"search", "tags"}
        result = fetch(connector(p.source(), ["help@mastodon.example"]), old.cursor)
        assert [(r.external_id, r.in_reply_to) for r in result.responses] == [
            (reply["uri"], f"https://mastodon.example/users/carol/statuses/{m}")
        ]
        assert result.mentions == []
    finally:
        p.stop()


def test_mastodon_own_reply_without_the_search_term_marks_the_item_responded_end_to_end(
    db_url: str, make_config: Callable[..., AppConfig], containers: Callable[..., Any], clock: FrozenClock
) -> None:
    """Through the intake into the database: the reply read from the own account's statuses makes
    the mention's queue item responded, with the reply's link and the platform's time."""
    from tests.integration.responses.test_responses import OWN, ROSTER, items, responses

    p = Mastodon()
    try:
        p.fake.account("help")
        src, env = p.source()
        c = containers(
            make_config(
                db=db_url,
                env={**env, "BRAND_SCOUT_API_TOKENS": "tests:tok-1"},
                sources=[src],
                spokespersons=ROSTER,
                organisation={
                    "name": "SET SEG",
                    "own_accounts": OWN,
                    "brand_terms": ["SET SEG", "setseg"],
                    "timezone": "America/Denver",
                },
            )
        )
        m = _mention(p, T0 - timedelta(minutes=10), "SET SEG claims portal is down, I want a refund")
        c.pipeline.poll(p.source_name)
        c.pipeline.run_once()
        ((ext, item),) = items(c).items()
        assert item.status in ("new", "assigned")
        clock.advance(timedelta(minutes=5))
        replied_at = T0 + timedelta(minutes=3)
        reply = _by(p, "help", replied_at, "Sorry to hear that, please DM us", reply_to=m)
        report = c.pipeline.poll(p.source_name)
        assert (report.responses, report.responded, report.stored) == (1, 1, 0)
        item = items(c)[ext]
        assert item.status == "responded" and utc(item.responded_at) == replied_at  # type: ignore[arg-type]
        assert (item.response_url, item.response_source, item.responded_by) == (reply["url"], "platform", "anna")
        assert list(responses(c)) == [reply["uri"]]
        clock.advance(timedelta(minutes=5))
        assert c.pipeline.poll(p.source_name).responses == 0  # not read again
    finally:
        p.stop()


def test_mastodon_own_account_gone_after_it_was_resolved_fails_nothing_and_is_looked_up_again() -> None:
    p, c = _mastodon(["help@mastodon.example"])
    try:
        p.fake.account("help")
        m = _mention(p, T0 - timedelta(minutes=10))
        first = fetch(c)
        p.fake.accounts.clear()  # deleted: its statuses are 404 now
        second = fetch(c, first.cursor)
        assert second.responses == [] and second.notes == ()
        third = fetch(c, second.cursor)
        assert [r.query["acct"] for r in p.fake.server.hits(r"/api/v1/accounts/lookup")] == [
            "help@mastodon.example"
        ] * 2
        assert third.notes and "help@mastodon.example" in third.notes[0]
        assert [mm.external_id for mm in first.mentions] == [f"https://mastodon.example/users/carol/statuses/{m}"]
    finally:
        p.stop()


# ---- Bluesky: the own accounts' author feeds are read, not only what the search matches -------------
HELP = {"did": "did:plc:help", "handle": "help.setseg.example"}


def _bluesky(own: list[str], **options: Any) -> tuple[Bluesky, Any]:
    """The fake PDS/AppView (empty) and a connector for it with ``own`` accounts and extra ``options``."""
    p = Bluesky()
    src, env = p.source()
    return p, connector(({**src, "options": {**src["options"], **options}}, env), own)


def _stamp(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _own_state(result: FetchResult) -> dict[str, Any]:
    """The cursor's per-account state of the own accounts' author feeds."""
    assert result.cursor is not None
    state: dict[str, Any] = json.loads(result.cursor)["own"]
    return state


def test_bluesky_reads_an_own_reply_without_the_search_term_in_a_later_poll() -> None:
    p, c = _bluesky(["help.setseg.example"])
    try:
        m = p.post("carol.example", T0 - timedelta(minutes=10), "SET SEG portal down", "3kcarol")
        first = fetch(c)
        assert [mm.external_id for mm in first.mentions] == [m] and first.responses == []
        # nothing in the feed yet: the next read goes down to the window's start again, not further
        assert _own_state(first) == {"help.setseg.example": {"since": (T0 - timedelta(days=1)).isoformat(), "ids": []}}
        reply = p.post("help.setseg.example", T0, "Sorry to hear that, DM us", "3kours", reply_to=m)
        # a new post and a repost by the own account: neither responses nor mentions
        p.post("help.setseg.example", T0 + timedelta(minutes=1), "Our status page is up again", "3knews")
        repost = p.fake.repost(HELP, m, _stamp(T0 + timedelta(minutes=2)), "3krepost")
        second = fetch(c, first.cursor)
        assert second.responses == [
            Response(
                "bluesky",
                reply,
                "https://bsky.app/profile/help.setseg.example/post/3kours",
                T0,
                "help.setseg.example",
                in_reply_to=m,
                thread_id=m,
                in_reply_to_author="carol.example",
            )
        ]
        assert second.mentions == []
        assert _own_state(second) == {
            "help.setseg.example": {"since": (T0 + timedelta(minutes=2)).isoformat(), "ids": [repost]}
        }
        third = fetch(c, second.cursor)
        assert (third.responses, third.mentions, third.cursor) == ([], [], None)  # nothing returned twice
        reads = p.fake.server.hits(r"/xrpc/app.bsky.feed.getAuthorFeed")
        assert {(r.query["actor"], r.query["filter"], r.query["limit"]) for r in reads} == {
            ("help.setseg.example", "posts_with_replies", "10")
        }
        # each poll starts at the feed's top and pages on only while the page is above the mark
        assert [r.query.get("cursor") is None for r in reads].count(True) == 3
    finally:
        p.stop()


def test_bluesky_response_names_the_account_it_replies_to_in_our_own_thread() -> None:
    """In a thread our own account started, an own reply names whom it answers by handle (as the
    mentions' authors are stored): read from the author feed, the reply ref's parent post view
    names its author; found by the search only (the feed refused), the DID in the parent's URI
    is named when this fetch read a post of that author, else nobody (never a DID)."""
    p, c = _bluesky(["help.setseg.example", "setseg.example", "news.setseg.example"])
    try:
        p.fake.missing_actors.add("news.setseg.example")
        root = p.post("setseg.example", T0 - timedelta(minutes=60), "SET SEG news: the new portal is live", "3kroot")
        amy = p.post("amy.example", T0 - timedelta(minutes=30), "SET SEG portal is down", "3kamy", reply_to=root)
        bob = p.post("bob.example", T0 - timedelta(minutes=20), "SET SEG denied my claim", "3kbob", reply_to=root)
        dan = p.post("dan.example", T0 - timedelta(minutes=15), "looks nice", "3kdan", reply_to=root)
        to_amy = p.post("help.setseg.example", T0, "on it", "3ktoamy", reply_to=amy, root=root)
        more = p.post("setseg.example", T0 + timedelta(minutes=1), "2/2: the app follows", "3kmore", reply_to=root)
        to_bob = p.post("news.setseg.example", T0 + timedelta(minutes=2), "SET SEG news desk: sorry", "3ktobob",
                        reply_to=bob, root=root)
        to_dan = p.post("news.setseg.example", T0 + timedelta(minutes=3), "SET SEG news desk: thanks", "3ktodan",
                        reply_to=dan, root=root)
        result = fetch(c)
        assert [(r.external_id, r.thread_id, r.in_reply_to_author) for r in result.responses] == [
            (to_amy, root, "amy.example"),
            (more, root, "setseg.example"),
            (to_bob, root, "bob.example"),
            (to_dan, root, None),  # dan's post is no mention: its DID names no handle this fetch read
        ]
    finally:
        p.stop()


def test_bluesky_reply_deep_in_a_thread_names_parent_and_root_and_dedupes_with_the_search() -> None:
    p, c = _bluesky(["bluesky:help.setseg.example", "setseg_help", "help@mastodon.example"])
    try:
        root = p.post("carol.example", T0 - timedelta(minutes=10), "SET SEG portal down", "3kroot")
        mid = p.post("dave.example", T0 - timedelta(minutes=5), "SET SEG same here", "3kmid", reply_to=root)
        plain = p.post("help.setseg.example", T0, "On it, sorry", "3kplain", reply_to=mid, root=root)
        named = p.post("help.setseg.example", T0, "SET SEG support: fixed", "3knamed", reply_to=root)
        result = fetch(c)
        assert [(r.external_id, r.in_reply_to, r.thread_id) for r in result.responses] == [
            (named, root, root),
            (plain, mid, root),
        ]
        assert [mm.external_id for mm in result.mentions] == [root, mid]
        # only Bluesky actors are read: an X name or a Mastodon account is none
        assert {r.query["actor"] for r in p.fake.server.hits(r"/xrpc/app.bsky.feed.getAuthorFeed")} == {
            "help.setseg.example"
        }
    finally:
        p.stop()


def test_bluesky_own_feed_failure_moves_no_cursor_and_the_page_cap_leaves_the_rest_for_the_next_poll() -> None:
    from connectors.errors import RetriableSourceError
    from tests.fakes.server import Request, json_reply

    p, c = _bluesky(["help.setseg.example"], limit=2, max_pages=1)
    try:
        m = p.post("carol.example", T0 - timedelta(minutes=10), "SET SEG portal down", "3kcarol")
        first = fetch(c)
        replies = [
            p.post("help.setseg.example", T0 + timedelta(minutes=i), f"DM us ({i})", f"3kours{i}", reply_to=m)
            for i in range(3)
        ]

        def unavailable(req: Request) -> Any:
            if req.path.endswith("getAuthorFeed"):
                return json_reply({"error": "InternalServerError", "message": "Service Unavailable"}, 503)
            return None

        p.fake.server.fail_on = unavailable
        with pytest.raises(RetriableSourceError, match="HTTP 503"):
            fetch(c, first.cursor)
        p.fake.server.fail_on = None
        # the failed fetch moved nothing; the feed is newest first and one page of 2 is read a poll:
        # the mark stays below the unread posts until a poll has read down to it
        second = fetch(c, first.cursor)
        assert [r.external_id for r in second.responses] == replies[1:]
        assert second.notes and "max_pages=1" in second.notes[0]
        assert _own_state(second)["help.setseg.example"]["since"] == (T0 - timedelta(days=1)).isoformat()
        later = p.post("help.setseg.example", T0 + timedelta(minutes=5), "DM us (later)", "3klater", reply_to=m)
        third = fetch(c, second.cursor)
        assert [r.external_id for r in third.responses] == replies[:1]
        fourth = fetch(c, third.cursor)  # the feed's end: the read is complete, the mark moves up
        assert fourth.responses == [] and fourth.notes == ()
        assert _own_state(fourth) == {
            "help.setseg.example": {"since": (T0 + timedelta(minutes=2)).isoformat(), "ids": [replies[2]]}
        }
        fifth = fetch(c, fourth.cursor)
        assert [r.external_id for r in fifth.responses] == [later]
        assert fetch(c, fifth.cursor).responses == []
    finally:
        p.stop()


def test_bluesky_own_reply_indexed_after_a_newer_post_still_comes() -> None:
    """The mark is the newest ``indexedAt`` read, but the feed is ordered by ``createdAt`` where
    that is earlier: a reply indexed late sits below posts already read (on the next page here)
    and is still read."""
    p, c = _bluesky(["help.setseg.example"], limit=2)
    try:
        m = p.post("carol.example", T0 - timedelta(minutes=10), "SET SEG portal down", "3kcarol")
        p.post("help.setseg.example", T0 + timedelta(minutes=2), "Maintenance tonight", "3knote")
        p.post("help.setseg.example", T0 + timedelta(minutes=3), "Our status page is up again", "3knews")
        first = fetch(c)
        assert first.responses == []
        late = p.post("help.setseg.example", T0 + timedelta(minutes=1), "Sorry, DM us", "3klate", reply_to=m)
        p.fake.posts[-1]["indexedAt"] = _stamp(T0 + timedelta(minutes=5))
        second = fetch(c, first.cursor)
        assert [(r.external_id, r.created_at) for r in second.responses] == [(late, T0 + timedelta(minutes=1))]
        assert fetch(c, second.cursor).responses == []
    finally:
        p.stop()


def test_bluesky_cursor_without_own_accounts_still_parses_and_reads_them_from_the_backfill_window() -> None:
    p, plain = _bluesky([])
    try:
        m = p.post("carol.example", T0 - timedelta(minutes=10), "SET SEG portal down", "3kcarol")
        reply = p.post("help.setseg.example", T0 - timedelta(minutes=5), "DM us", "3kours", reply_to=m)
        old = fetch(plain)
        assert old.cursor is not None and json.loads(old.cursor).keys() == {"since", "ids"}
        assert p.fake.server.hits(r"/xrpc/app.bsky.feed.getAuthorFeed") == []
        own = connector(p.source(), ["help.setseg.example"])
        for cursor in (old.cursor, json.dumps({"since": "2026-11-16T15:50:00+00:00", "ids": [m]})):
            result = fetch(own, cursor)
            assert [(r.external_id, r.in_reply_to) for r in result.responses] == [(reply, m)]
            assert result.mentions == [] and _own_state(result).keys() == {"help.setseg.example"}
    finally:
        p.stop()


def test_bluesky_own_account_the_appview_refuses_is_noted_and_the_others_are_read() -> None:
    p, c = _bluesky(["help.setseg.example", "gone.setseg.example"])
    try:
        p.fake.missing_actors.add("gone.setseg.example")
        m = p.post("carol.example", T0 - timedelta(minutes=10), "SET SEG portal down", "3kcarol")
        reply = p.post("help.setseg.example", T0 - timedelta(minutes=5), "DM us", "3kours", reply_to=m)
        result = fetch(c)
        assert [r.external_id for r in result.responses] == [reply]
        assert result.notes == (
            "own account gone.setseg.example cannot be read on Bluesky (HTTP 400: Profile not found); "
            "only its replies that the search matches are seen",
        )
        assert _own_state(result).keys() == {"help.setseg.example"}
    finally:
        p.stop()


def test_bluesky_own_reply_without_the_search_term_marks_the_item_responded_end_to_end(
    db_url: str, make_config: Callable[..., AppConfig], containers: Callable[..., Any], clock: FrozenClock
) -> None:
    """Through the intake into the database: the reply read from the own account's author feed
    makes the mention's queue item responded, with the reply's bsky.app link and the platform's time."""
    from tests.integration.responses.test_responses import OWN, ROSTER, items, responses

    p = Bluesky()
    try:
        src, env = p.source()
        c = containers(
            make_config(
                db=db_url,
                env={**env, "BRAND_SCOUT_API_TOKENS": "tests:tok-1"},
                sources=[src],
                spokespersons=ROSTER,
                organisation={
                    "name": "SET SEG",
                    "own_accounts": OWN,
                    "brand_terms": ["SET SEG", "setseg"],
                    "timezone": "America/Denver",
                },
            )
        )
        p.post("carol.example", T0 - timedelta(minutes=10), "SET SEG claims portal is down, I want a refund", "3kc")
        c.pipeline.poll(p.source_name)
        c.pipeline.run_once()
        ((ext, item),) = items(c).items()
        assert item.status in ("new", "assigned")
        clock.advance(timedelta(minutes=5))
        replied_at = T0 + timedelta(minutes=3)
        reply = p.post("help.setseg.example", replied_at, "Sorry to hear that, please DM us", "3kours", reply_to=ext)
        report = c.pipeline.poll(p.source_name)
        assert (report.responses, report.responded, report.stored) == (1, 1, 0)
        item = items(c)[ext]
        assert item.status == "responded" and utc(item.responded_at) == replied_at  # type: ignore[arg-type]
        assert (item.response_url, item.response_source, item.responded_by) == (
            "https://bsky.app/profile/help.setseg.example/post/3kours",
            "platform",
            "anna",
        )
        assert list(responses(c)) == [reply]
        clock.advance(timedelta(minutes=5))
        assert c.pipeline.poll(p.source_name).responses == 0  # not read again
    finally:
        p.stop()
