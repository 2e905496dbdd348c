"""Slack buttons by role on a red and a yellow item: the buttons are the same for everyone in the
channel, so the answer is what speaks to the role (Legal acts on red items, not on yellow ones)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from monitor.app.bootstrap import build
from monitor.app.container import Container
from monitor.clock import FrozenClock
from monitor.config import AppConfig
from monitor.delivery import slack_blocks as sb
from monitor.queue.actions import NOT_SPOKESPERSON
from monitor.web import slack as slack_web
from tests.doubles import KeywordClassifier
from tests.fakes.slack import FakeSlack
from tests.integration.slack.conftest import ENV, ROWS, play
from tests.integration.slack.test_slack_web import BEN, action_body, item, post, view_body

LEE = "U0LEE001"


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path}/test.db"


@pytest.fixture
def env(make_config: Callable[..., AppConfig], db_url: str, tmp_path: Path, clock: FrozenClock,
        fake_slack: FakeSlack) -> Iterator[tuple[Container, TestClient]]:
    replay = tmp_path / "mentions.jsonl"
    replay.write_text("\n".join(json.dumps(r) for r in ROWS) + "\n", encoding="utf-8")
    cfg = make_config(db=db_url, env=ENV,
                      notify={"slack": {"api_base": fake_slack.base_url, "max_retries": 0, "max_text_chars": 300}},
                      people=[{"id": "lee", "name": "Lee Legal", "email": "lee@setseg.example",
                               "slack_user_id": LEE, "roles": ["legal"]}],
                      sources=[{"name": "replay", "type": "replay", "interval": "10s", "options": {"file": str(replay)}}])
    c = build(cfg, clock=clock, classifier=KeywordClassifier())
    c.start()
    play(c, clock, 30)
    c.pipeline.run_once()
    app = FastAPI()
    app.include_router(slack_web.router(c))
    try:
        with TestClient(app) as client:
            yield c, client
    finally:
        c.store.engine.dispose()


def _last_ephemeral(fake: FakeSlack) -> Any:
    return fake.posted("chat.postEphemeral")[-1].args["text"]


def test_legal_acts_on_red_items_from_slack(env: tuple[Container, TestClient], clock: FrozenClock,
                                            fake_slack: FakeSlack) -> None:
    c, client = env
    red = item(c, "reddit:t3_a")
    assert red.light == "red"
    post(client, clock, "/slack/actions", action_body(LEE, "bs_claim", red.id or 0))
    assert "You claimed" in _last_ephemeral(fake_slack)
    assert (item(c, "reddit:t3_a").status, item(c, "reddit:t3_a").assignee) == ("acknowledged", "lee")
    post(client, clock, "/slack/actions", action_body(LEE, "bs_close", red.id or 0, "1700000002.000001"))
    assert fake_slack.posted("views.open")  # the close form opens for Legal
    r = post(client, clock, "/slack/actions", view_body(LEE, "bs_close_modal", red.id or 0,
                                                         {"reason": {"reason": {"value": "handled by Legal"}}}))
    assert r.status_code == 200 and not r.content
    assert item(c, "reddit:t3_a").status == "closed"


def test_legal_recording_a_response_on_a_red_item_is_told_the_red_rule(env: tuple[Container, TestClient],
                                                                        clock: FrozenClock,
                                                                        fake_slack: FakeSlack) -> None:
    """Judge T (2026-12-06): Legal's [Responded] on a red item answered with the refusal for yellow
    items ("Only designated spokespersons ... handle yellow and green items"), which contradicts
    itself on a red item."""
    c, client = env
    red = item(c, "reddit:t3_a")
    post(client, clock, "/slack/actions", action_body(LEE, "bs_respond", red.id or 0))
    said = _last_ephemeral(fake_slack)
    assert "Only a designated spokesperson records a public response" in said, said
    assert "yellow and green" not in said
    assert not fake_slack.posted("views.open")


def test_legal_on_a_yellow_item_is_told_spokespersons_handle_it(env: tuple[Container, TestClient],
                                                                 clock: FrozenClock, fake_slack: FakeSlack) -> None:
    c, client = env
    it = item(c, "x:2")
    audit_before = len(c.store.audit_events("queue_item"))
    opened = len(fake_slack.posted("views.open"))
    for n, action in enumerate(("bs_claim", "bs_ack", "bs_respond", "bs_close")):
        post(client, clock, "/slack/actions", action_body(LEE, action, it.id or 0, f"170000001{n}.000001"))
        assert _last_ephemeral(fake_slack) == sb.escape(NOT_SPOKESPERSON)  # Slack mrkdwn: & escaped
    assert len(fake_slack.posted("views.open")) == opened
    assert (item(c, "x:2").status, item(c, "x:2").assignee) == (it.status, it.assignee)
    assert len(c.store.audit_events("queue_item")) == audit_before


def test_legal_answers_not_confidential_from_slack(env: tuple[Container, TestClient], clock: FrozenClock,
                                                   fake_slack: FakeSlack) -> None:
    """Judge W (2026-12-06): Legal's "a post that may be confidential" notice could only be
    answered by marking the item red. Its [Not confidential] button records the answer (once); a
    spokesperson's click is refused."""
    from sqlmodel import select

    from monitor.storage.models import ClassificationRow

    c, client = env
    it = item(c, "x:2")
    with c.store.session() as s:
        cl = s.exec(select(ClassificationRow).where(ClassificationRow.mention_id == it.mention_id)).one()
        cl.red_score, cl.red_reason = 0.45, "resembles 'internal documents and plans' (0.45)"
        s.add(cl)
    _, blocks = sb.render_generic("escalation", {"title": f"A post that may be confidential (item #{it.id})",
                                                    "action": "doubt", "item_id": it.id,
                                                    "item_url": f"http://127.0.0.1:8080/queue/{it.id}"})
    buttons = [e for b in blocks if b["type"] == "actions" for e in b["elements"]]
    assert [(b["action_id"], b["value"]) for b in buttons] == [(sb.A_NOT_CONFIDENTIAL, str(it.id)), (sb.A_OPEN, str(it.id))]
    post(client, clock, "/slack/actions", action_body(BEN, sb.A_NOT_CONFIDENTIAL, it.id or 0))  # a spokesperson
    assert "decide what is confidential" in _last_ephemeral(fake_slack)
    post(client, clock, "/slack/actions", action_body(LEE, sb.A_NOT_CONFIDENTIAL, it.id or 0, "1700000003.000001"))
    assert f"Item #{it.id} recorded as not confidential" in _last_ephemeral(fake_slack)
    answers = [e for e in c.store.audit_events("queue_item", str(it.id)) if e.action == "queue.not-confidential"]
    assert [e.actor for e in answers] == ["lee"]
