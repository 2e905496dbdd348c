"""Responses seen on the platforms (issue 20), end to end: the real connector against its fake
service, the pipeline on SQLite and PostgreSQL. An own account's reply marks the mention's queue
item responded at the platform's time; the customer's follow-up reopens it."""

from __future__ import annotations

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
ROSTER = [
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
    assert items(c)[m].response_source is None  # recorded by hand
    replied_at = T0 + timedelta(minutes=2)  # on X an hour before it was recorded
    x.post("setseg_help", replied_at, "@carol sorry", reply_to=m, conversation=m)
    c.pipeline.poll("x-brand")
    item = items(c)[m]
    assert utc(item.responded_at) == replied_at and item.response_source == "platform"  # type: ignore[arg-type]
    actions = [(e.action, e.details.get("via")) for e in audit(c, item.id) if e.action == "queue.respond"]
    assert actions == [("queue.respond", None), ("queue.respond", "platform")]
    assert copy.deepcopy(audit(c, item.id)[-1].details["replaces"])["url"] == "https://x.com/setseg_help/status/1"
