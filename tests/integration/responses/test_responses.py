"""Responses seen on the platforms (issue 20), end to end: the real connector against its fake
service, the pipeline on SQLite and PostgreSQL. An own account's reply marks the mention's queue
item responded at the platform's time; the customer's follow-up reopens it."""

from __future__ import annotations

import abc
import copy
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import col, select

from monitor.app.bootstrap import Container, build
from monitor.clock import FrozenClock, utc
from monitor.config import AppConfig
from monitor.intake.responses import FOLLOW_UP
from monitor.storage.models import AuditEvent, MentionRow, Notification, PlatformResponse, QueueItem
from tests.doubles import KeywordClassifier, RecordingNotifier

T0 = datetime(2026, 11, 16, 16, 0, tzinfo=UTC)
ROSTER: list[dict[str, Any]] = [
    {"id": "anna", "name": "Anna Berg", "email": "anna@setseg.example", "slack_user_id": "U0ANNA01",
     "topics": ["claims"], "roles": ["spokesperson", "lead"],
     "handles": {"x": "setseg_help", "reddit": "setseg_help", "mastodon": "help@mastodon.example",
                 "bluesky": "help.setseg.example"}},
    {"id": "ben", "name": "Ben Ortiz", "email": "ben@setseg.example", "slack_user_id": "U0BEN001"},
]
OWN = {"x": ["setseg", "setseg_help"], "reddit": ["setseg", "setseg_help"],
       "mastodon": ["setseg@mastodon.example", "help@mastodon.example"],
       "bluesky": ["setseg.example", "help.setseg.example"]}


def items(c: Container) -> dict[str, QueueItem]:
    """Queue items by their first mention's external id."""
    with c.store.session() as s:
        rows = s.exec(select(QueueItem, MentionRow).join(MentionRow, col(MentionRow.id) == QueueItem.mention_id)).all()
        return {m.external_id: q for q, m in rows}


def responses(c: Container) -> dict[str, PlatformResponse]:
    with c.store.session() as s:
        return {r.external_id: r for r in s.exec(select(PlatformResponse)).all()}


def outbox(c: Container, kind: str) -> list[Notification]:
    with c.store.session() as s:
        return list(s.exec(select(Notification).where(Notification.kind == kind).order_by(col(Notification.id))).all())


def audit(c: Container, item_id: int | None) -> list[AuditEvent]:
    with c.store.session() as s:
        return list(s.exec(select(AuditEvent).where(AuditEvent.object_id == str(item_id))
                           .order_by(col(AuditEvent.id))).all())


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(T0)


@pytest.fixture
def make(db_url: str, make_config: Callable[..., AppConfig], clock: FrozenClock) -> Iterator[Callable[..., Container]]:
    made: list[Container] = []

    def build_one(source: dict[str, Any], env: dict[str, str]) -> Container:
        cfg = make_config(db=db_url, env={**env, "BRAND_SCOUT_API_TOKENS": "tests:tok-1"}, sources=[source], spokespersons=ROSTER,
                          organisation={"name": "SET SEG", "brand_terms": ["SET SEG", "setseg"], "own_accounts": OWN,
                                        "timezone": "America/Denver"})
        c = build(cfg, clock=clock, classifier=KeywordClassifier(), notifiers={"log": RecordingNotifier()})
        c.start()
        made.append(c)
        return c

    yield build_one
    for c in made:
        c.store.engine.dispose()


# ---- X -----------------------------------------------------------------------------------------------
_EPOCH_MS = 1288834974657


def tid(at: datetime, seq: int = 1) -> str:
    """A snowflake id posted at ``at``."""
    return str(((int(at.timestamp() * 1000) - _EPOCH_MS) << 22) | seq)


class X:
    """The fake X service holding only this test's posts."""

    def __init__(self) -> None:
        from tests.fakes.x import FakeX

        self.fake = FakeX()
        self.fake.tweets.clear()
        self.fake.server.start()
        self.users: dict[str, str] = {}

    def user(self, handle: str) -> str:
        uid = self.users.setdefault(handle, str(1000 + len(self.users)))
        self.fake.users[uid] = {"id": uid, "name": handle.title(), "username": handle,
                                "public_metrics": {"followers_count": 100}}
        return uid

    def post(self, handle: str, at: datetime, text: str, *, seq: int = 1, reply_to: str | None = None,
             conversation: str | None = None, quote: str | None = None, searchable: bool = True) -> str:
        t = tid(at, seq)
        refs = ([{"type": "replied_to", "id": reply_to}] if reply_to else []) + (
            [{"type": "quoted", "id": quote}] if quote else [])
        tweet: dict[str, Any] = {"id": t, "text": text, "edit_history_tweet_ids": [t], "author_id": self.user(handle),
                                 "created_at": at.strftime("%Y-%m-%dT%H:%M:%S.000Z"), "lang": "en",
                                 "conversation_id": conversation or t}
        if refs:
            tweet["referenced_tweets"] = refs
        parent = next((p for p in [*self.fake.tweets, *self.fake.lookup_only] if p["id"] == reply_to), None)
        if parent is not None and parent.get("author_id"):
            tweet["in_reply_to_user_id"] = parent["author_id"]  # as X sets it on every reply
        (self.fake.tweets if searchable else self.fake.lookup_only).append(tweet)
        return t

    def source(self) -> tuple[dict[str, Any], dict[str, str]]:
        from tests.fakes.x import BEARER

        return ({"name": "x-brand", "type": "x", "api_base": self.fake.server.url, "max_retries": 0,
                 "credentials": {"bearer_token": "TEST_X_BEARER"}, "options": {"query": "SET SEG", "max_results": 10}},
                {"TEST_X_BEARER": BEARER})


@pytest.fixture
def x() -> Iterator[X]:
    svc = X()
    yield svc
    svc.fake.server.stop()


def test_x_reply_in_a_later_poll_marks_the_item_responded_at_the_platforms_time(
        make: Callable[..., Container], x: X, clock: FrozenClock) -> None:
    c = make(*x.source())
    m = x.post("carol", T0 - timedelta(minutes=10), "SET SEG claims portal is down, I want a refund")
    c.pipeline.poll("x-brand")
    c.pipeline.run_once()
    assert items(c)[m].status in ("new", "assigned")
    replied_at = T0 + timedelta(minutes=3)
    r = x.post("setseg_help", replied_at, "@carol sorry about that, we are on it", reply_to=m, conversation=m)
    clock.advance(timedelta(minutes=5))
    report = c.pipeline.poll("x-brand")
    assert (report.responses, report.responded, report.stored) == (1, 1, 0)  # a response, never a mention
    item = items(c)[m]
    assert item.status == "responded"
    assert utc(item.responded_at) == replied_at  # type: ignore[arg-type]
    assert item.response_url == f"https://x.com/setseg_help/status/{r}"
    assert (item.response_source, item.responded_by, item.assignee) == ("platform", "anna", "anna")
    stored = responses(c)[r]
    assert (stored.credited_to, stored.flagged, stored.queue_item_id) == ("anna", False, item.id)
    assert not [n for n in outbox(c, "escalation") if n.payload.get("action") == "response-unmapped"]
    # the receivers that were alerted hear that it was answered
    states = [n for n in outbox(c, "state") if n.queue_item_id == item.id]
    assert states and states[-1].payload["status"] == "responded" and states[-1].payload["by"] == "Anna Berg"
    # and the API shows it
    from fastapi.testclient import TestClient

    from monitor.web.app import create_app

    with TestClient(create_app(c)) as client:
        body = client.get("/api/queue?status=all", headers={"Authorization": "Bearer tok-1"}).json()
    row = next(i for i in body if i["id"] == item.id)
    assert (row["status"], row["response_url"], row["response_source"]) == ("responded", item.response_url, "platform")
    assert row["responded_at"].startswith(replied_at.strftime("%Y-%m-%dT%H:%M:%S"))


def test_x_reply_in_the_same_poll_is_matched_after_triage_and_follow_up_reopens(
        make: Callable[..., Container], x: X, clock: FrozenClock) -> None:
    c = make(*x.source())
    m = x.post("carol", T0 - timedelta(minutes=10), "SET SEG claims portal is down, I want a refund")
    replied_at = T0 - timedelta(minutes=2)
    r = x.post("setseg_help", replied_at, "@carol on it", reply_to=m, conversation=m)
    report = c.pipeline.poll("x-brand")
    assert (report.stored, report.responses, report.responded) == (1, 1, 0)  # no item before triage
    assert responses(c)[r].matched_at is None
    c.pipeline.run_once()
    item = items(c)[m]
    assert item.status == "responded" and utc(item.responded_at) == replied_at  # type: ignore[arg-type]
    # the customer answers our reply: the item reopens and its clock restarts from that post
    clock.advance(timedelta(minutes=30))
    later = T0 + timedelta(minutes=20)
    f = x.post("carol", later, "@setseg_help still down, SET SEG", reply_to=r, conversation=m)
    report = c.pipeline.poll("x-brand")
    assert report.reopened == 1
    item = items(c)[m]
    assert item.status in ("new", "assigned") and FOLLOW_UP in item.reasons
    assert item.responded_at is None and item.response_url is None
    assert item.due_at is not None and utc(item.due_at) > later
    assert [e.action for e in audit(c, item.id)][-1] == "queue.reopen"
    # someone else in the thread is no follow-up
    assert f
    # our second reply answers it again
    again = T0 + timedelta(minutes=40)
    clock.advance(timedelta(minutes=30))
    x.post("setseg_help", again, "@carol fixed now", reply_to=f, conversation=m)
    c.pipeline.poll("x-brand")
    item = items(c)[m]
    assert item.status == "responded" and utc(item.responded_at) == again  # type: ignore[arg-type]


def test_x_reply_in_a_thread_by_an_unmapped_account_is_credited_to_it_and_flagged(
        make: Callable[..., Container], x: X, clock: FrozenClock) -> None:
    c = make(*x.source())
    root = x.post("dave", T0 - timedelta(minutes=30), "SET SEG is down again, refund please")
    mid = x.post("erin", T0 - timedelta(minutes=20), "@dave same here", reply_to=root, conversation=root,
                 searchable=False)  # not a mention: not in the search results
    c.pipeline.poll("x-brand")
    c.pipeline.run_once()
    clock.advance(timedelta(minutes=5))
    r = x.post("setseg", T0 + timedelta(minutes=1), "@erin @dave we are looking into it", reply_to=mid,
               conversation=root)
    c.pipeline.poll("x-brand")
    item = items(c)[root]
    assert item.status == "responded" and item.responded_by == "x:@setseg"
    assert (responses(c)[r].credited_to, responses(c)[r].flagged) == (None, True)
    flags = [n for n in outbox(c, "escalation") if n.payload.get("action") == "response-unmapped"]
    assert [(n.receiver, n.queue_item_id) for n in flags] == [("marketing-sales", item.id)]


def test_x_reply_to_a_red_item_is_flagged_to_legal_at_once(
        make: Callable[..., Container], x: X, clock: FrozenClock) -> None:
    c = make(*x.source())
    m = x.post("leaky", T0 - timedelta(minutes=10), "Heard SET SEG is building Project Falcon for schools")
    c.pipeline.poll("x-brand")
    c.pipeline.run_once()
    assert items(c)[m].light == "red"
    clock.advance(timedelta(minutes=5))
    r = x.post("setseg_help", T0 + timedelta(minutes=1), "@leaky no comment", reply_to=m, conversation=m)
    c.pipeline.poll("x-brand")
    legal = [n for n in outbox(c, "escalation") if n.payload.get("action") == "response-to-red"]
    assert [n.receiver for n in legal] == ["legal-compliance"]
    assert legal[0].payload["response_url"].endswith(r)
    assert items(c)[m].status == "responded"


def test_x_reply_in_our_own_thread_credits_the_customer_replied_to_never_the_threads_newest_mention(
        make: Callable[..., Container], x: X, clock: FrozenClock) -> None:
    """A thread started by our own account holds several customers' mentions (here two items: the
    second came after the grouping window): our reply inside it answers the customer it replies to
    (X's ``in_reply_to_user_id``), never the thread's newest mention by someone else."""
    c = make(*x.source())
    root = x.post("setseg", T0 - timedelta(minutes=60), "SET SEG news: the new claims portal is live")
    amy = x.post("amy", T0 - timedelta(minutes=30), "@setseg SET SEG claims portal is down, I want a refund",
                 reply_to=root, conversation=root)
    amy_more = x.post("amy", T0 - timedelta(minutes=25), "@setseg and the app crashes too", reply_to=amy,
                      conversation=root, searchable=False)  # no brand term: not a mention
    dan = x.post("dan", T0 - timedelta(minutes=15), "@setseg looks nice", reply_to=root, conversation=root,
                 searchable=False)  # someone who mentions nothing
    c.pipeline.poll("x-brand")
    c.pipeline.run_once()
    later = T0 + c.cfg.policy.grouping.window + timedelta(hours=1)
    clock.advance(later - T0)
    bob = x.post("bob", later - timedelta(minutes=20), "@setseg SET SEG denied my claim again, terrible",
                 reply_to=root, conversation=root)
    c.pipeline.poll("x-brand")
    c.pipeline.run_once()
    got = items(c)
    assert set(got) == {amy, bob} and got[amy].id != got[bob].id  # our own root is no mention
    clock.advance(timedelta(minutes=5))
    replied_at = later + timedelta(minutes=1)
    r = x.post("setseg_help", replied_at, "@amy sorry, a fix for the app is on its way", reply_to=amy_more,
               conversation=root)
    thanks = x.post("setseg_help", replied_at + timedelta(minutes=1), "@dan thank you!", seq=2, reply_to=dan,
                    conversation=root)
    report = c.pipeline.poll("x-brand")
    c.pipeline.run_once()
    assert (report.responses, report.responded, report.stored) == (2, 1, 0)
    got = items(c)
    assert got[amy].status == "responded" and utc(got[amy].responded_at) == replied_at  # type: ignore[arg-type]
    assert got[amy].response_url == f"https://x.com/setseg_help/status/{r}"
    assert got[bob].status in ("new", "assigned") and got[bob].responded_at is None
    stored = responses(c)
    assert stored[r].in_reply_to_author == "amy" and stored[r].queue_item_id == got[amy].id
    # a reply to someone with no mention in the thread answers no one's item
    assert stored[thanks].in_reply_to_author == "dan"
    assert (stored[thanks].mention_id, stored[thanks].queue_item_id) == (None, None)


def test_x_reply_to_our_own_root_tweet_credits_nothing(
        make: Callable[..., Container], x: X, clock: FrozenClock) -> None:
    """Continuing our own announcement thread (a reply to our root tweet) answers none of the
    customers' mentions in it."""
    c = make(*x.source())
    root = x.post("setseg", T0 - timedelta(minutes=60), "SET SEG news: the new claims portal is live")
    amy = x.post("amy", T0 - timedelta(minutes=30), "@setseg SET SEG claims portal is down, I want a refund", reply_to=root,
                 conversation=root)
    bob = x.post("bob", T0 - timedelta(minutes=20), "@setseg SET SEG denied my claim again, terrible", reply_to=root,
                 conversation=root)
    c.pipeline.poll("x-brand")
    c.pipeline.run_once()
    clock.advance(timedelta(minutes=5))
    more = x.post("setseg", T0 + timedelta(minutes=1), "2/2: the mobile app follows next week", reply_to=root,
                  conversation=root)
    report = c.pipeline.poll("x-brand")
    c.pipeline.run_once()
    assert (report.responses, report.responded) == (1, 0)
    got = items(c)  # amy's and bob's replies: one item (one thread within the grouping window)
    assert amy in got and all(i.status in ("new", "assigned") and i.responded_at is None for i in got.values())
    with c.store.session() as s:
        assert {m.external_id for m in s.exec(select(MentionRow)).all()} == {amy, bob}
    stored = responses(c)[more]
    assert (stored.in_reply_to_author, stored.mention_id, stored.queue_item_id) == ("setseg", None, None)


def test_manual_record_then_platform_reply_platform_time_wins_history_keeps_both(
        make: Callable[..., Container], x: X, clock: FrozenClock) -> None:
    from monitor.queue.actions import QueueActions, actor_for

    c = make(*x.source())
    m = x.post("carol", T0 - timedelta(minutes=10), "SET SEG claims portal is down, refund")
    c.pipeline.poll("x-brand")
    c.pipeline.run_once()
    item = items(c)[m]
    clock.advance(timedelta(hours=1))
    anna = actor_for(c.cfg, email="anna@setseg.example")
    QueueActions(c.store, c.cfg).record_response(item.id or 0, anna, url="https://x.com/setseg_help/status/1",
                                                 now=clock.now())
    assert items(c)[m].response_source == "manual"  # recorded by hand
    replied_at = T0 + timedelta(minutes=2)  # on X an hour before it was recorded
    x.post("setseg_help", replied_at, "@carol sorry", reply_to=m, conversation=m)
    c.pipeline.poll("x-brand")
    item = items(c)[m]
    assert utc(item.responded_at) == replied_at and item.response_source == "platform"  # type: ignore[arg-type]
    actions = [(e.action, e.details.get("via")) for e in audit(c, item.id) if e.action == "queue.respond"]
    assert actions == [("queue.respond", None), ("queue.respond", "platform")]
    assert copy.deepcopy(audit(c, item.id)[-1].details["replaces"])["url"] == "https://x.com/setseg_help/status/1"


def test_platform_reply_then_manual_record_keeps_the_platforms_time_history_shows_both(
        make: Callable[..., Container], x: X, clock: FrozenClock) -> None:
    from monitor.queue.actions import QueueActions, actor_for

    c = make(*x.source())
    m = x.post("carol", T0 - timedelta(minutes=10), "SET SEG claims portal is down, refund")
    replied_at = T0 - timedelta(minutes=5)
    r = x.post("setseg_help", replied_at, "@carol sorry", reply_to=m, conversation=m)
    c.pipeline.poll("x-brand")
    c.pipeline.run_once()
    item = items(c)[m]
    assert item.response_source == "platform"
    clock.advance(timedelta(hours=1))
    anna = actor_for(c.cfg, email="anna@setseg.example")
    QueueActions(c.store, c.cfg).record_response(item.id or 0, anna, url="https://x.com/setseg_help/status/9",
                                                 now=clock.now())
    item = items(c)[m]
    assert utc(item.responded_at) == replied_at and item.response_url.endswith(r)  # type: ignore[arg-type, union-attr]
    vias = [e.details.get("via") for e in audit(c, item.id) if e.action == "queue.respond"]
    assert vias == ["platform", "manual"]


# ---- Reddit, Mastodon, Bluesky: one scenario each through the real client and its fake ------------
class Platform(abc.ABC):
    """A fake service with helpers to post a mention, a reply and a follow-up (one subclass per
    platform below)."""

    source_name = ""

    @abc.abstractmethod
    def post(self, handle: str, at: datetime, text: str, key: str, *, reply_to: str | None = None,
             root: str | None = None) -> str:
        """Publish a post; returns the id a reply names it by (what ``reply_to`` takes)."""

    @abc.abstractmethod
    def source(self) -> tuple[dict[str, Any], dict[str, str]]:
        """The source's config entry and the environment it needs."""

    def stop(self) -> None:
        self.fake.server.stop()  # type: ignore[attr-defined]


class Reddit(Platform):
    source_name = "reddit-brand"

    def __init__(self) -> None:
        from tests.fakes.reddit import FakeReddit

        self.fake = FakeReddit()
        self.fake.submissions.clear()
        self.fake.comments.clear()
        self.fake.server.start()

    def post(self, handle: str, at: datetime, text: str, key: str, *, reply_to: str | None = None,
             root: str | None = None) -> str:
        if reply_to is None:
            self.fake.submissions.append({"kind": "t3", "data": {
                "id": key, "name": f"t3_{key}", "title": text, "selftext": "", "author": handle,
                "subreddit": "setseg", "subreddit_name_prefixed": "r/setseg",
                "permalink": f"/r/setseg/comments/{key}/x/", "url": f"https://www.reddit.com/r/setseg/comments/{key}/x/",
                "created_utc": at.timestamp(), "score": 1, "ups": 1, "upvote_ratio": 1.0, "num_comments": 0,
                "over_18": False, "is_self": True, "domain": "self.setseg"}})
            return f"t3_{key}"
        self.fake.comments.append({"kind": "t1", "data": {
            "id": key, "name": f"t1_{key}", "body": text, "author": handle, "subreddit": "setseg",
            "link_id": root or reply_to, "parent_id": reply_to, "link_title": "a thread",
            "permalink": f"/r/setseg/comments/{(root or reply_to)[3:]}/x/{key}/", "created_utc": at.timestamp(),
            "score": 1, "ups": 1}})
        return f"t1_{key}"

    def source(self) -> tuple[dict[str, Any], dict[str, str]]:
        from tests.fakes.reddit import CLIENT_ID, CLIENT_SECRET

        return ({"name": self.source_name, "type": "reddit", "api_base": self.fake.server.url, "max_retries": 0,
                 "credentials": {"client_id": "TEST_R_ID", "client_secret": "TEST_R_SECRET"},
                 "options": {"query": '"SET SEG"', "subreddits": ["setseg"], "time_filter": "day"}},
                {"TEST_R_ID": CLIENT_ID, "TEST_R_SECRET": CLIENT_SECRET})


class Mastodon(Platform):
    source_name = "mastodon-brand"

    def __init__(self) -> None:
        from tests.fakes.mastodon import FakeMastodon

        self.fake = FakeMastodon()
        self.template = copy.deepcopy(self.fake.statuses[0])
        self.fake.statuses.clear()
        self.fake.server.start()

    def post(self, handle: str, at: datetime, text: str, key: str, *, reply_to: str | None = None,
             root: str | None = None) -> str:
        s = copy.deepcopy(self.template)
        user = handle.split("@", 1)[0]
        s.update(id=key, created_at=at.strftime("%Y-%m-%dT%H:%M:%S.000Z"), content=f"<p>{text}</p>",
                 uri=f"https://mastodon.example/users/{user}/statuses/{key}", url=f"https://mastodon.example/@{user}/{key}",
                 in_reply_to_id=reply_to, in_reply_to_account_id=None, mentions=[], tags=[])
        s["account"] = {**s["account"], "id": str(abs(hash(handle)) % 10_000), "username": user, "acct": handle,
                        "url": f"https://mastodon.example/@{user}"}
        parent = next((st for st in self.fake.statuses if st["id"] == reply_to), None) if reply_to else None
        if parent is not None:  # as Mastodon names the account a reply answers
            from tests.fakes.mastodon import mention_of

            s["in_reply_to_account_id"] = parent["account"]["id"]
            if parent["account"]["id"] != s["account"]["id"]:
                s["mentions"] = [mention_of(parent["account"])]
        self.fake.statuses.append(s)
        return key  # replies name their parent by its instance-local id

    def source(self) -> tuple[dict[str, Any], dict[str, str]]:
        from tests.fakes.mastodon import TOKEN

        return ({"name": self.source_name, "type": "mastodon", "api_base": self.fake.server.url, "max_retries": 0,
                 "credentials": {"access_token": "TEST_M_TOKEN"}, "options": {"query": "SET SEG", "limit": 10}},
                {"TEST_M_TOKEN": TOKEN})


class Bluesky(Platform):
    source_name = "bluesky-brand"

    def __init__(self) -> None:
        from tests.fakes.bluesky import FakeBluesky

        self.fake = FakeBluesky()
        self.template = copy.deepcopy(self.fake.posts[-1])
        self.fake.posts.clear()
        self.fake.server.start()

    def post(self, handle: str, at: datetime, text: str, key: str, *, reply_to: str | None = None,
             root: str | None = None) -> str:
        p = copy.deepcopy(self.template)
        did = f"did:plc:{handle.split('.', 1)[0]}"
        stamp = at.strftime("%Y-%m-%dT%H:%M:%S.000Z")
        p["uri"] = f"at://{did}/app.bsky.feed.post/{key}"
        p["author"] = {**p["author"], "did": did, "handle": handle, "displayName": handle}
        p["record"] = {"$type": "app.bsky.feed.post", "text": text, "createdAt": stamp, "langs": ["en"]}
        if reply_to:
            p["record"]["reply"] = {"parent": {"uri": reply_to, "cid": p["cid"]}, "root": {"uri": root or reply_to,
                                                                                           "cid": p["cid"]}}
        p["indexedAt"] = stamp
        self.fake.posts.append(p)
        return str(p["uri"])

    def source(self) -> tuple[dict[str, Any], dict[str, str]]:
        from tests.fakes.bluesky import APP_PASSWORD, HANDLE

        return ({"name": self.source_name, "type": "bluesky", "api_base": self.fake.server.url, "max_retries": 0,
                 "credentials": {"handle": "TEST_B_HANDLE", "app_password": "TEST_B_PASSWORD"},
                 "options": {"query": "SET SEG", "limit": 10}},
                {"TEST_B_HANDLE": HANDLE, "TEST_B_PASSWORD": APP_PASSWORD})


OWN_HANDLES = {"reddit": ("setseg_help", "setseg"), "mastodon": ("help@mastodon.example", "setseg@mastodon.example"),
               "bluesky": ("help.setseg.example", "setseg.example")}


@pytest.fixture(params=["reddit", "mastodon", "bluesky"])
def platform(request: pytest.FixtureRequest) -> Iterator[tuple[str, Platform]]:
    kinds: dict[str, type[Reddit] | type[Mastodon] | type[Bluesky]] = {"reddit": Reddit, "mastodon": Mastodon,
                                                                        "bluesky": Bluesky}
    svc: Platform = kinds[request.param]()
    yield request.param, svc
    svc.stop()


def test_platform_reply_later_poll_thread_follow_up_and_unmapped_account(
        make: Callable[..., Container], platform: tuple[str, Platform], clock: FrozenClock) -> None:
    kind, p = platform
    mapped, unmapped = OWN_HANDLES[kind]
    c = make(*p.source())
    ids = iter(str(113000000000000100 + n) if kind == "mastodon" else f"3k{n:011d}" for n in range(1, 50))
    m = p.post("carol.example" if kind == "bluesky" else "carol", T0 - timedelta(minutes=10),
               "SET SEG claims portal is down, I want a refund", next(ids))
    c.pipeline.poll(p.source_name)
    c.pipeline.run_once()
    (ext, item), = items(c).items()
    assert item.status in ("new", "assigned")
    # a reply from a mapped own account in a later poll
    replied_at = T0 + timedelta(minutes=3)
    clock.advance(timedelta(minutes=5))
    r = p.post(mapped, replied_at, "sorry about SET SEG claims, we are on it", next(ids), reply_to=m, root=m)
    report = c.pipeline.poll(p.source_name)
    assert (report.responses, report.responded, report.stored) == (1, 1, 0)
    item = items(c)[ext]
    assert item.status == "responded" and utc(item.responded_at) == replied_at  # type: ignore[arg-type]
    assert (item.response_source, item.responded_by) == ("platform", "anna")
    assert item.response_url == next(iter(responses(c).values())).url
    # the customer replies to our response: reopened, the clock restarts
    clock.advance(timedelta(minutes=10))
    follow = T0 + timedelta(minutes=12)
    f = p.post("carol.example" if kind == "bluesky" else "carol", follow, "still broken, SET SEG", next(ids),
               reply_to=r, root=m)
    report = c.pipeline.poll(p.source_name)
    assert report.reopened == 1
    item = items(c)[ext]
    assert item.status in ("new", "assigned") and FOLLOW_UP in item.reasons and item.responded_at is None
    assert item.due_at is not None and utc(item.due_at) > follow
    # an own account mapped to nobody answers further down the thread: credited to it, flagged for the lead
    clock.advance(timedelta(minutes=10))
    again = T0 + timedelta(minutes=25)
    fixed = p.post(unmapped, again, "SET SEG here: fixed, sorry", next(ids), reply_to=f, root=m)
    c.pipeline.poll(p.source_name)
    c.pipeline.run_once()
    item = items(c)[ext]
    assert item.status == "responded" and utc(item.responded_at) == again  # type: ignore[arg-type]
    assert item.responded_by == f"{kind}:@{unmapped}"
    flags = [n for n in outbox(c, "escalation") if n.payload.get("action") == "response-unmapped"]
    assert [n.queue_item_id for n in flags] == [item.id]
    # the customer's thanks ends the conversation: recorded in the history, the item stays answered
    # (judge S, 2026-12-07: it reopened, alerted again and climbed the ladder to the crisis contact)
    clock.advance(timedelta(minutes=10))
    p.post("carol.example" if kind == "bluesky" else "carol", T0 + timedelta(minutes=30),
           "Thanks SET SEG! That's really helpful \U0001F64F", next(ids), reply_to=fixed, root=m)
    report = c.pipeline.poll(p.source_name)
    c.pipeline.run_once()
    assert report.reopened == 0
    item = items(c)[ext]
    assert item.status == "responded" and utc(item.responded_at) == again  # type: ignore[arg-type]
    with c.store.session() as s:
        thanked = s.exec(select(AuditEvent).where(AuditEvent.action == "queue.thanked")).all()
    assert [e.object_id for e in thanked] == [str(item.id)]
    # ... but a "thanks" that triage reads as a complaint opens it again
    clock.advance(timedelta(minutes=10))
    p.post("carol.example" if kind == "bluesky" else "carol", T0 + timedelta(minutes=40),
           "Thanks SET SEG, outage over!", next(ids), reply_to=fixed, root=m)
    assert c.pipeline.poll(p.source_name).reopened == 0
    c.pipeline.run_once()
    if kind == "mastodon":
        # a Mastodon reply names only its parent (our response), not the thread's root: the replies to
        # our response are an item of their own, open for Marketing & Sales
        opened = {v.group_key: v.status for v in items(c).values()}
        assert opened[f"mastodon:{fixed}"] in ("new", "assigned") and items(c)[ext].status == "responded"
        return
    item = items(c)[ext]
    assert item.status in ("new", "assigned") and FOLLOW_UP in item.reasons
    with c.store.session() as s:
        reopen = s.exec(select(AuditEvent).where(AuditEvent.action == "queue.reopen")).all()
    assert reopen[-1].details["reason"] == FOLLOW_UP and reopen[-1].details["from"] == "responded"


@pytest.mark.parametrize("kind", ["reddit", "mastodon", "bluesky"])
def test_platform_reply_to_a_post_that_is_no_mention_in_a_customers_thread_answers_the_threads_root(
        make: Callable[..., Container], kind: str, clock: FrozenClock) -> None:
    """As on X: our reply to someone else's post in a customer's thread (a post without the brand's
    name: no mention) answers the thread's root mention (Reddit ``link_id``, Bluesky reply root;
    Mastodon names no root: the reply's context says it)."""
    platforms: dict[str, type[Reddit | Mastodon | Bluesky]] = {"reddit": Reddit, "mastodon": Mastodon, "bluesky": Bluesky}
    p: Platform = platforms[kind]()
    try:
        c = make(*p.source())
        name = (lambda h: f"{h}.example") if kind == "bluesky" else (lambda h: h)
        keys = [str(113000000000000500 + n) if kind == "mastodon" else f"3kthr{n:03d}" for n in range(1, 4)]
        root = p.post(name("dave"), T0 - timedelta(minutes=30), "SET SEG is down again, refund please", keys[0])
        mid = p.post(name("erin"), T0 - timedelta(minutes=20), "same here", keys[1], reply_to=root, root=root)
        c.pipeline.poll(p.source_name)
        c.pipeline.run_once()
        (ext, item), = items(c).items()
        assert item.status in ("new", "assigned")
        clock.advance(timedelta(minutes=5))
        replied_at = T0 + timedelta(minutes=1)
        # help@mastodon.example has no status on the instance before this one: the search finds it
        p.post(OWN_HANDLES[kind][0], replied_at, "SET SEG support: we are looking into it", keys[2], reply_to=mid,
               root=root)
        report = c.pipeline.poll(p.source_name)
        assert (report.responses, report.responded, report.stored) == (1, 1, 0)
        item = items(c)[ext]
        assert item.status == "responded" and utc(item.responded_at) == replied_at  # type: ignore[arg-type]
        (stored,) = responses(c).values()
        assert (stored.thread_id, stored.queue_item_id, stored.credited_to) == (ext, item.id, "anna")
        assert stored.in_reply_to is not None and stored.in_reply_to.endswith(keys[1])
        assert item.response_url == stored.url and stored.external_id.endswith(keys[2])
    finally:
        p.stop()


def _two_customers_in_our_own_thread(c: Container, p: Platform, clock: FrozenClock, customer: Callable[[str], str],
                                     ids: Iterator[str]) -> tuple[str, str, str, datetime]:
    """Our own account's announcement and two customers' mentions replying to it, two items (the
    second came after the grouping window): (root, amy's mention, bob's mention, now)."""
    own = OWN_HANDLES[p.source_name.split("-")[0]][1]
    root = p.post(own, T0 - timedelta(minutes=60), "SET SEG news: the new claims portal is live", next(ids))
    amy = p.post(customer("amy"), T0 - timedelta(minutes=30), "SET SEG claims portal is down, I want a refund",
                 next(ids), reply_to=root, root=root)
    c.pipeline.poll(p.source_name)
    c.pipeline.run_once()
    later = T0 + c.cfg.policy.grouping.window + timedelta(hours=1)
    clock.advance(later - T0)
    bob = p.post(customer("bob"), later - timedelta(minutes=20), "SET SEG denied my claim again, terrible", next(ids),
                 reply_to=root, root=root)
    c.pipeline.poll(p.source_name)
    c.pipeline.run_once()
    return root, amy, bob, later


def test_bluesky_reply_in_our_own_thread_credits_the_customer_replied_to_never_the_threads_newest_mention(
        make: Callable[..., Container], clock: FrozenClock) -> None:
    """As on X: in a thread our own account started, our reply to a customer's post that is no
    mention answers that customer (the author feed's parent post view names the author), never the
    thread's newest mention by someone else; a reply to our own root answers no one."""
    p = Bluesky()
    try:
        c = make(*p.source())
        ids = iter(f"3kown{n:08d}" for n in range(1, 20))
        root, amy, bob, later = _two_customers_in_our_own_thread(c, p, clock, lambda h: f"{h}.example", ids)
        amy_item = items(c)[amy]
        amy_more = p.post("amy.example", later - timedelta(minutes=10), "and the app crashes too", next(ids),
                          reply_to=amy, root=root)  # no brand term: no mention
        got = items(c)
        assert set(got) == {amy, bob} and got[amy].id != got[bob].id  # our own root is no mention
        clock.advance(timedelta(minutes=5))
        replied_at = later + timedelta(minutes=1)
        r = p.post("help.setseg.example", replied_at, "sorry, a fix for the app is on its way", next(ids),
                   reply_to=amy_more, root=root)
        more = p.post("setseg.example", replied_at + timedelta(minutes=1), "2/2: the mobile app follows next week",
                      next(ids), reply_to=root, root=root)
        report = c.pipeline.poll(p.source_name)
        c.pipeline.run_once()
        assert (report.responses, report.responded, report.stored) == (2, 1, 0)
        got = items(c)
        assert got[amy].id == amy_item.id and got[amy].status == "responded"
        assert utc(got[amy].responded_at) == replied_at  # type: ignore[arg-type]
        assert got[amy].response_url == f"https://bsky.app/profile/help.setseg.example/post/{r.rsplit('/', 1)[-1]}"
        assert got[bob].status in ("new", "assigned") and got[bob].responded_at is None
        stored = responses(c)
        assert stored[r].in_reply_to_author == "amy.example" and stored[r].queue_item_id == got[amy].id
        assert (stored[more].in_reply_to_author, stored[more].mention_id, stored[more].queue_item_id) == (
            "setseg.example", None, None)
    finally:
        p.stop()


def test_mastodon_reply_to_one_of_two_customers_in_our_own_thread_names_and_credits_that_one(
        make: Callable[..., Container], clock: FrozenClock) -> None:
    """Mastodon names whom a reply answers (``in_reply_to_account_id``, its ``mentions``): stored as
    ``user@instance`` like the mentions' authors. Our reply to bob's mention credits bob's item,
    not amy's newer or older one; continuing our own thread answers no one. (Mastodon mentions
    carry no thread: here a reply to a customer's post that is no mention would answer no one.)"""
    p = Mastodon()
    try:
        c = make(*p.source())
        ids = iter(str(113000000000000300 + n) for n in range(1, 20))
        root, amy, bob, later = _two_customers_in_our_own_thread(c, p, clock, lambda h: h, ids)
        got = items(c)
        assert len(got) == 2 and got[f"https://mastodon.example/users/amy/statuses/{amy}"].id != got[
            f"https://mastodon.example/users/bob/statuses/{bob}"].id
        clock.advance(timedelta(minutes=5))
        replied_at = later + timedelta(minutes=1)
        r = p.post("help@mastodon.example", replied_at, "sorry about SET SEG claims, we are on it", next(ids),
                   reply_to=bob)  # the search finds it (help has no status on the instance before it)
        more = p.post("setseg@mastodon.example", replied_at + timedelta(minutes=1),
                      "2/2: the mobile app follows next week", next(ids), reply_to=root)
        report = c.pipeline.poll(p.source_name)
        c.pipeline.run_once()
        assert (report.responses, report.responded, report.stored) == (2, 1, 0)
        got = items(c)
        bob_item, amy_item = (got[f"https://mastodon.example/users/{h}/statuses/{k}"] for h, k in (("bob", bob),
                                                                                                  ("amy", amy)))
        assert bob_item.status == "responded" and utc(bob_item.responded_at) == replied_at  # type: ignore[arg-type]
        assert bob_item.response_url == f"https://mastodon.example/@help/{r}"
        assert amy_item.status in ("new", "assigned") and amy_item.responded_at is None
        stored = {k.rsplit("/", 1)[-1]: v for k, v in responses(c).items()}
        assert (stored[r].in_reply_to_author, stored[r].queue_item_id) == ("bob@mastodon.example", bob_item.id)
        assert (stored[more].in_reply_to_author, stored[more].mention_id, stored[more].queue_item_id) == (
            "setseg@mastodon.example", None, None)
    finally:
        p.stop()


def test_mastodon_direct_message_reply_answers_the_item_and_the_history_says_it_was_not_public(
        make: Callable[..., Container], clock: FrozenClock) -> None:
    """An own account's reply sent as a direct message (``visibility: direct``) answers the
    customer: the item is responded at the platform's time (the digest counts it as seen on the
    platform), and the history and Legal's flag (a red item) say it was a direct message."""
    from monitor.web.pages import history_entry

    p = Mastodon()
    try:
        c = make(*p.source())
        p.post("leaky", T0 - timedelta(minutes=10), "Heard SET SEG is building Project Falcon for schools",
               "113000000000000401")
        c.pipeline.poll(p.source_name)
        c.pipeline.run_once()
        (ext, item), = items(c).items()
        assert item.light == "red"
        clock.advance(timedelta(minutes=5))
        replied_at = T0 + timedelta(minutes=3)
        p.post("help@mastodon.example", replied_at, "SET SEG support: please check your messages",
               "113000000000000402", reply_to="113000000000000401")
        p.fake.statuses[-1]["visibility"] = "direct"
        report = c.pipeline.poll(p.source_name)
        assert (report.responses, report.responded) == (1, 1)
        item = items(c)[ext]
        assert item.status == "responded" and utc(item.responded_at) == replied_at  # type: ignore[arg-type]
        assert (item.response_source, item.responded_by) == ("platform", "anna")
        (stored,) = responses(c).values()
        assert stored.visibility == "direct" and item.response_url == stored.url
        (ev,) = [e for e in audit(c, item.id) if e.action == "queue.respond"]
        assert (ev.details["via"], ev.details["visibility"]) == ("platform", "direct")
        assert history_entry(ev, {})["reason"] == "sent as a direct message, not public"
        (legal,) = [n for n in outbox(c, "escalation") if n.payload.get("action") == "response-to-red"]
        assert legal.payload["title"].startswith(f"Direct message reply to red item #{item.id}")
        assert "by direct message (not in public)" in legal.payload["summary"]
    finally:
        p.stop()


class Scripted:
    """A connector that returns one scripted fetch per poll (a response before its mention)."""

    type = "scripted"

    def __init__(self, fetches: list[list[Any]]) -> None:
        self.fetches = fetches
        self.n = 0

    def fetch(self, cursor: str | None, ctx: Any) -> Any:
        from connectors.base import FetchResult

        batch = self.fetches[self.n] if self.n < len(self.fetches) else []
        self.n += 1
        return FetchResult(mentions=batch, cursor=str(self.n))


def test_a_response_before_its_mention_is_kept_and_matched_when_the_mention_arrives(
        make: Callable[..., Container], x: X, clock: FrozenClock) -> None:
    from connectors.base import Mention

    c = make(*x.source())
    mention = Mention("x", "900", "https://x.com/gina/status/900", "SET SEG refund still missing",
                      T0 - timedelta(minutes=30), author_handle="gina", thread_id="900")
    reply = Mention("x", "901", "https://x.com/setseg_help/status/901", "@gina sorted, sorry",
                    T0 - timedelta(minutes=5), author_handle="setseg_help", kind="reply", parent_id="900",
                    thread_id="900")
    c.connectors.built["x-brand"] = Scripted([[reply], [mention]])  # type: ignore[assignment]
    first = c.pipeline.poll("x-brand")
    assert (first.stored, first.responses, first.responded) == (0, 1, 0)
    assert responses(c)["901"].matched_at is None  # kept
    clock.advance(timedelta(minutes=1))
    c.pipeline.poll("x-brand")
    c.pipeline.run_once()  # triage makes the item; the waiting response is matched right after
    item = items(c)["900"]
    assert item.status == "responded" and utc(item.responded_at) == T0 - timedelta(minutes=5)  # type: ignore[arg-type]
    assert responses(c)["901"].queue_item_id == item.id


def test_roster_handles_are_checked_at_load(make_config: Callable[..., AppConfig]) -> None:
    from monitor.errors import ConfigError

    roster: list[dict[str, Any]] = copy.deepcopy(ROSTER)
    roster[1]["handles"] = {"x": ["@SetSeg_Help"], "myspace": "ben"}
    with pytest.raises((ConfigError, ValueError)) as err:
        make_config(spokespersons=roster)
    assert "unknown platform 'myspace'" in str(err.value) and "already 'anna''s" in str(err.value)
    ok = make_config(spokespersons=ROSTER)
    assert ok.spokespersons[0].handles["x"] == ["setseg_help"]


def test_unmatched_replies_piling_up_never_hide_a_new_response(
        make: Callable[..., Container], x: X, clock: FrozenClock) -> None:
    """Review finding: an own account's replies to posts never stored stay unmatched; more of them
    than one matching round reads must not keep a new reply from being matched."""
    from connectors.base import Mention
    from monitor.storage import response_queries as rq
    from monitor.storage.models import PlatformResponse

    c = make(*x.source())
    with c.store.session() as s:
        for i in range(rq.MATCH_BATCH + 20):
            s.add(PlatformResponse(source="x", external_id=f"r{i}", url="", author_handle="setseg_help",
                                   in_reply_to=f"elsewhere{i}", created_at=T0 - timedelta(hours=5, seconds=i),
                                   fetched_at=T0))
    mention = Mention("x", "950", "https://x.com/hal/status/950", "SET SEG refund still missing, terrible",
                      T0 - timedelta(minutes=30), author_handle="hal", thread_id="950")
    reply = Mention("x", "951", "https://x.com/setseg_help/status/951", "@hal sorted, sorry",
                    T0 - timedelta(minutes=5), author_handle="setseg_help", kind="reply", parent_id="950",
                    thread_id="950")
    c.connectors.built["x-brand"] = Scripted([[mention], [reply]])  # type: ignore[assignment]
    c.pipeline.poll("x-brand")
    c.pipeline.run_once()
    clock.advance(timedelta(minutes=1))
    c.pipeline.poll("x-brand")
    c.pipeline.run_once()
    assert items(c)["950"].status == "responded"
