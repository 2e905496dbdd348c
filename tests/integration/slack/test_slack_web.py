"""Slack's request URLs with requests signed the way Slack signs them (fixed clock)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from slack_sdk.signature import SignatureVerifier
from sqlmodel import select

from monitor.app.container import Container
from monitor.clock import FrozenClock
from monitor.queue.actions import POLICY_REMINDER
from monitor.storage.models import QueueItem
from monitor.web import slack as slack_web
from tests.fakes.slack import FakeSlack
from tests.integration.slack.conftest import SECRET, play

ANNA, BEN, STRANGER = "U0ANNA01", "U0BEN001", "U0NOBODY"


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    """SQLite only: the request handling does not depend on the database engine."""
    return f"sqlite:///{tmp_path}/test.db"


@pytest.fixture
def env(containers: Callable[..., Container], clock: FrozenClock,
        fake_slack: FakeSlack) -> Iterator[tuple[Container, TestClient]]:
    c = containers()
    play(c, clock, 30)
    c.pipeline.run_once()
    app = FastAPI()
    app.include_router(slack_web.router(c))
    with TestClient(app) as client:
        yield c, client


def post(client: TestClient, clock: FrozenClock, path: str, body: bytes, *, age: float = 0,
         secret: str = SECRET, headers: dict[str, str] | None = None) -> Any:
    ts = str(int(clock.now().timestamp() - age))
    sig = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body) or ""
    h = {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": sig,
         "Content-Type": "application/x-www-form-urlencoded", **(headers or {})}
    return client.post(path, content=body, headers=h)


def action_body(user: str, action_id: str, item_id: int, action_ts: str = "1700000001.000001") -> bytes:
    payload = {"type": "block_actions", "user": {"id": user, "name": user.lower()}, "trigger_id": "trig-1",
               "channel": {"id": "CMARKET"}, "container": {"channel_id": "CMARKET", "message_ts": "1.1"},
               "response_url": "http://127.0.0.1:9/unused",
               "actions": [{"type": "button", "action_id": action_id, "value": str(item_id), "action_ts": action_ts}]}
    return urlencode({"payload": json.dumps(payload)}).encode()


def view_body(user: str, callback_id: str, item_id: int, values: dict[str, Any]) -> bytes:
    payload = {"type": "view_submission", "user": {"id": user, "name": user.lower()},
               "view": {"id": "V1", "callback_id": callback_id, "private_metadata": str(item_id),
                        "state": {"values": values}}}
    return urlencode({"payload": json.dumps(payload)}).encode()


def item(c: Container, group: str) -> QueueItem:
    with c.store.session() as s:
        return s.exec(select(QueueItem).where(QueueItem.group_key == group)).one()


def test_bad_and_stale_signatures_get_401_and_change_nothing(env: tuple[Container, TestClient], clock: FrozenClock,
                                                            fake_slack: FakeSlack) -> None:
    c, client = env
    it = item(c, "x:2")
    audit_before = len(c.store.audit_events("queue_item"))
    body = action_body(ANNA, "bs_claim", it.id or 0)
    assert post(client, clock, "/slack/actions", body, secret="wrong-secret").status_code == 401
    assert post(client, clock, "/slack/actions", body, age=301).status_code == 401
    ts = str(int(clock.now().timestamp()))
    sig = SignatureVerifier(SECRET).generate_signature(timestamp=ts, body=body) or ""
    tampered = body.replace(b"U0ANNA01", b"U0BEN001")
    r = client.post("/slack/actions", content=tampered, headers={"X-Slack-Request-Timestamp": ts,
                                                                 "X-Slack-Signature": sig})
    assert r.status_code == 401
    assert client.post("/slack/actions", content=body).status_code == 401
    cmd = urlencode({"command": "/scout", "text": "https://x.com/a/status/1", "user_id": STRANGER}).encode()
    assert post(client, clock, "/slack/commands", cmd, secret="wrong-secret").status_code == 401
    assert (item(c, "x:2").status, item(c, "x:2").assignee) == (it.status, it.assignee)
    assert len(c.store.audit_events("queue_item")) == audit_before
    assert not c.store.submissions()
    assert not fake_slack.posted("chat.postEphemeral")


def test_spokesperson_claims_and_a_retry_is_idempotent(env: tuple[Container, TestClient], clock: FrozenClock,
                                                      fake_slack: FakeSlack) -> None:
    c, client = env
    it = item(c, "x:2")
    body = action_body(ANNA, "bs_claim", it.id or 0)
    assert post(client, clock, "/slack/actions", body, age=20).status_code == 200
    assert post(client, clock, "/slack/actions", body, headers={"X-Slack-Retry-Num": "1",
                                                                "X-Slack-Retry-Reason": "http_timeout"}).status_code == 200
    after = item(c, "x:2")
    assert (after.status, after.assignee) == ("acknowledged", "anna")  # a claim acknowledges
    assert [e.action for e in c.store.audit_events("queue_item", str(it.id))].count("queue.claim") == 1
    assert len(fake_slack.posted("chat.postEphemeral")) == 1
    # the outbox then rewrites the first alert and records the claim in its thread
    c.pipeline.run_once()
    assert "Claimed by Anna Berg" in json.dumps(fake_slack.posted("chat.update")[-1].args["blocks"])


def test_non_spokesperson_is_told_the_policy_and_nothing_changes(
        env: tuple[Container, TestClient], clock: FrozenClock, fake_slack: FakeSlack) -> None:
    c, client = env
    it = item(c, "x:2")
    audit_before = len(c.store.audit_events("queue_item"))
    for action in ("bs_claim", "bs_ack", "bs_respond", "bs_close", "bs_feedback"):
        assert post(client, clock, "/slack/actions", action_body(STRANGER, action, it.id or 0)).status_code == 200
    eph = fake_slack.posted("chat.postEphemeral")
    assert len(eph) == 5 and all(e.args["user"] == STRANGER for e in eph)
    assert all("Only designated spokespersons respond" in e.args["text"] for e in eph)
    assert not fake_slack.posted("views.open")
    assert (item(c, "x:2").status, item(c, "x:2").assignee) == (it.status, it.assignee)
    assert len(c.store.audit_events("queue_item")) == audit_before
    # a modal submitted by someone who is not on the roster is refused too
    r = post(client, clock, "/slack/actions", view_body(STRANGER, "bs_close_modal", it.id or 0,
                                                         {"reason": {"reason": {"value": "meh"}}}))
    assert r.json()["response_action"] == "errors" and item(c, "x:2").status == it.status
    # a spokesperson who may not see red items cannot act on one
    red = item(c, "reddit:t3_a")
    post(client, clock, "/slack/actions", action_body(BEN, "bs_claim", red.id or 0))
    assert "restricted" in fake_slack.posted("chat.postEphemeral")[-1].args["text"]
    assert item(c, "reddit:t3_a").status == red.status
    assert POLICY_REMINDER.startswith("Only designated spokespersons")


def test_responded_and_no_response_needed_use_modals(env: tuple[Container, TestClient], clock: FrozenClock,
                                                     fake_slack: FakeSlack) -> None:
    c, client = env
    it = item(c, "x:2")
    assert post(client, clock, "/slack/actions", action_body(ANNA, "bs_respond", it.id or 0)).status_code == 200
    view = fake_slack.posted("views.open")[-1].args
    assert view["trigger_id"] == "trig-1" and view["view"]["callback_id"] == "bs_respond_modal"
    assert view["view"]["private_metadata"] == str(it.id)
    bad = post(client, clock, "/slack/actions", view_body(ANNA, "bs_respond_modal", it.id or 0,
                                                           {"reply": {"url": {"value": "javascript:alert(1)"}}}))
    assert bad.json() == {"response_action": "errors",
                          "errors": {"reply": "the response link must start with http:// or https://"}}
    ok = post(client, clock, "/slack/actions", view_body(ANNA, "bs_respond_modal", it.id or 0,
                                                          {"reply": {"url": {"value": "https://x.com/setseg/1"}}}))
    assert ok.status_code == 200 and not ok.content
    after = item(c, "x:2")
    assert (after.status, after.response_url) == ("responded", "https://x.com/setseg/1")
    c.pipeline.run_once()
    assert "Responded by Anna Berg" in json.dumps(fake_slack.posted("chat.update")[-1].args["blocks"])
    # the red item: closed with a reason by a lead, through the modal
    red = item(c, "reddit:t3_a")
    post(client, clock, "/slack/actions", action_body(ANNA, "bs_close", red.id or 0))
    assert fake_slack.posted("views.open")[-1].args["view"]["callback_id"] == "bs_close_modal"
    post(client, clock, "/slack/actions", view_body(ANNA, "bs_close_modal", red.id or 0,
                                                     {"reason": {"reason": {"value": "legal has it"}}}))
    assert (item(c, "reddit:t3_a").status, item(c, "reddit:t3_a").close_reason) == ("closed", "legal has it")


def test_wrong_sentiment_or_not_relevant(env: tuple[Container, TestClient], clock: FrozenClock,
                                         fake_slack: FakeSlack) -> None:
    c, client = env
    it = item(c, "x:2")
    post(client, clock, "/slack/actions", action_body(ANNA, "bs_feedback", it.id or 0))
    assert fake_slack.posted("views.open")[-1].args["view"]["callback_id"] == "bs_feedback_modal"
    choice = {"feedback": {"choice": {"selected_option": {"value": "neutral"}}}}
    post(client, clock, "/slack/actions", view_body(ANNA, "bs_feedback_modal", it.id or 0, choice))
    cl = c.store.classification_for(it.mention_id)
    assert cl is not None and (cl.label, cl.corrected) == ("neutral", True)
    choice = {"feedback": {"choice": {"selected_option": {"value": "not_relevant"}}}}
    post(client, clock, "/slack/actions", view_body(ANNA, "bs_feedback_modal", it.id or 0, choice))
    assert item(c, "x:2").status == "dismissed"


def test_scout_command_and_retry(env: tuple[Container, TestClient], clock: FrozenClock) -> None:
    c, client = env
    form = {"command": "/scout", "text": "<https://x.com/someone/status/99> they are angry <!channel>",
            "user_id": STRANGER, "user_name": "sam", "channel_id": "CGENERAL", "trigger_id": "t2",
            "response_url": "http://127.0.0.1:9/unused"}
    body = urlencode(form).encode()
    r = post(client, clock, "/slack/commands", body)
    assert r.status_code == 200 and r.json()["response_type"] == "ephemeral"
    assert "Thanks for scouting" in r.json()["text"] and "please don't reply yourself" in r.json()["text"]
    r2 = post(client, clock, "/slack/commands", body, headers={"X-Slack-Retry-Num": "1"})
    assert r2.json() == r.json()
    subs = c.store.submissions()
    assert len(subs) == 1 and subs[0].channel == "slack" and subs[0].url == "https://x.com/someone/status/99"
    assert subs[0].note == "they are angry <!channel>" and subs[0].submitted_by == STRANGER
    usage = post(client, clock, "/slack/commands", urlencode({**form, "text": "no link here"}).encode())
    assert "Usage" in usage.json()["text"] and len(c.store.submissions()) == 1
    # the submission enters the pipeline and reaches Marketing & Sales
    c.pipeline.run_once()
    with c.store.session() as s:
        assert any(q.scout_submitted for q in s.exec(select(QueueItem)).all())


def test_scout_command_takes_urgency_and_category_and_the_hourly_limit(env: tuple[Container, TestClient],
                                                                       clock: FrozenClock) -> None:
    """Judge J (2026-12-07): "/scout <link> URGENT this is going viral, news crews asking" came in as
    normal (Slack had no way to say urgent), and a colleague refused on the web for the hourly limit
    was taken on Slack. Leading words say urgency and category; the limit holds on every channel."""
    c, client = env

    def scout(text: str) -> Any:
        form = {"command": "/scout", "text": text, "user_id": STRANGER, "user_name": "sam", "channel_id": "CGENERAL",
                "trigger_id": "t3", "response_url": "http://127.0.0.1:9/unused"}
        return post(client, clock, "/slack/commands", urlencode(form).encode())

    r = scout("<https://x.com/someone/status/101> URGENT criticism: this is going viral, news crews asking")
    assert "Thanks for scouting! It is on its way to the people who handle it" in r.json()["text"]
    assert "Marketing & Sales got it" not in r.json()["text"]
    [sub] = c.store.submissions()
    assert (sub.urgency, sub.category, sub.note) == ("high", "criticism", "this is going viral, news crews asking")
    assert "; marked urgent, criticism" in r.json()["text"]  # what it understood
    # not marked as fields (judge L, 2026-12-07): the note as written, the form's defaults
    for i, text in enumerate(["urgently needs a look", "urgent care nurses love the SET SEG nurse line"]):
        scout(f"<https://x.com/someone/status/10{i + 2}> {text}")
        [plain] = [x for x in c.store.submissions() if x.url.endswith(f"/10{i + 2}")]
        assert (plain.note, plain.urgency, plain.category) == (text, "normal", "other")
    scout("<https://x.com/someone/status/104> urgent complaint: nobody answers the phone")
    [marked] = [x for x in c.store.submissions() if x.url.endswith("/104")]
    assert (marked.note, marked.urgency, marked.category) == ("nobody answers the phone", "high", "criticism")
    for i in range(c.cfg.web.submissions_per_hour - 4):
        scout(f"<https://x.com/someone/status/2{i:02d}> more")
    r = scout("<https://x.com/someone/status/999> one too many")
    assert "the most we take from one person, so this one was not sent" in r.json()["text"]
    assert len(c.store.submissions()) == c.cfg.web.submissions_per_hour


def test_a_shortcut_in_a_channel_without_the_bot_answers_through_the_response_url(
        env: tuple[Container, TestClient], clock: FrozenClock, fake_slack: FakeSlack) -> None:
    """Judge T (2026-12-06): "Send to Marketing & Sales" used in #general, where the bot is not:
    chat.postEphemeral failed with channel_not_found, only logged, and the scout saw nothing. The
    payload's response_url answers there."""
    c, client = env
    fake_slack.fail(method="chat.postEphemeral", error="channel_not_found")
    payload = {"type": "message_action", "callback_id": "send_to_marketing", "trigger_id": "t9",
               "user": {"id": STRANGER, "name": "sam"}, "channel": {"id": "C0GENERAL"}, "team": {"domain": "setseg"},
               "message_ts": "1700000123.000900",
               "message": {"ts": "1700000123.000900", "text": "look at <https://x.com/someone/status/9> please"},
               "response_url": f"http://127.0.0.1:{fake_slack.port}/hooks/T1/B1/xyz"}
    assert post(client, clock, "/slack/actions", urlencode({"payload": json.dumps(payload)}).encode()).status_code == 200
    assert len(c.store.submissions()) == 1
    [hook] = [call for call in fake_slack.calls if call.method == "xyz"]
    assert hook.args["response_type"] == "ephemeral" and "Thanks for scouting" in hook.args["text"]


def test_message_shortcut_sends_to_marketing(env: tuple[Container, TestClient], clock: FrozenClock,
                                             fake_slack: FakeSlack) -> None:
    c, client = env
    payload = {"type": "message_action", "callback_id": "send_to_marketing", "trigger_id": "t3",
               "user": {"id": STRANGER, "name": "sam"}, "channel": {"id": "CRANDOM"}, "team": {"domain": "setseg"},
               "message_ts": "1700000123.000200",
               "message": {"ts": "1700000123.000200", "text": "look at <https://reddit.com/r/x/comments/abc|this>"},
               "response_url": "http://127.0.0.1:9/unused"}
    assert post(client, clock, "/slack/actions", urlencode({"payload": json.dumps(payload)}).encode()).status_code == 200
    subs = c.store.submissions()
    assert len(subs) == 1 and subs[0].url == "https://reddit.com/r/x/comments/abc" and subs[0].channel == "slack"
    eph = fake_slack.posted("chat.postEphemeral")[-1].args
    assert eph["user"] == STRANGER and eph["channel"] == "CRANDOM" and "Thanks for scouting" in eph["text"]
    # a message without a link is forwarded by its permalink
    payload["message"] = {"ts": "1700000123.000300", "text": "someone on the radio said we are slow"}
    payload["message_ts"] = "1700000123.000300"
    post(client, clock, "/slack/actions", urlencode({"payload": json.dumps(payload)}).encode())
    assert c.store.submissions()[-1].url in {s.url for s in c.store.submissions()}
    assert any(s.url == "https://setseg.slack.com/archives/CRANDOM/p1700000123000300" for s in c.store.submissions())
