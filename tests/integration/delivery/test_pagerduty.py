"""PagerDuty: the Events API v2 format, severity from priority, and the item's life in brand-scout
mirrored on its incident (acknowledge on acknowledge, resolve on respond / close / dismiss)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import select

from monitor.app.bootstrap import Container
from monitor.clock import FrozenClock
from monitor.config.notify import PagerDutyTarget
from monitor.delivery.notifiers.base import Outbound
from monitor.delivery.notifiers.pagerduty import PagerDutyNotifier, dedup_key, wants
from monitor.queue.actions import QueueActions, actor_for
from monitor.storage.models import QueueItem
from tests.fakes.pagerduty import ROUTING_KEY, FakePagerDuty
from tests.integration.delivery.conftest import play


@pytest.fixture
def delivery_db(db_url: str) -> str:
    """These run on SQLite and PostgreSQL (the outbox's fan-out and leases on both)."""
    return db_url


def item(c: Container, group: str) -> QueueItem:
    with c.store.session() as s:
        return s.exec(select(QueueItem).where(QueueItem.group_key == group)).one()


def test_a_red_alert_triggers_one_incident_per_item(containers: Callable[..., Container], clock: FrozenClock,
                                                    pd: FakePagerDuty) -> None:
    c = containers()
    play(c, clock)
    red = item(c, "reddit:t3_a")
    (ev,) = pd.events
    assert ev["routing_key"] == ROUTING_KEY and ev["event_action"] == "trigger"
    assert ev["dedup_key"] == f"brand-scout:item:{red.id}"
    p = ev["payload"]
    assert p["source"] == "brand-scout" and p["severity"] == {"urgent": "critical", "high": "error",
                                                              "normal": "warning", "low": "info"}[red.priority]
    assert p["summary"].startswith(f"RED {red.priority} mention on reddit by @leaky (10 followers): ")
    assert p["group"] == "legal-compliance" and p["class"] == "red" and p["component"] == "reddit"
    details = p["custom_details"]
    assert details["item_url"] == f"http://127.0.0.1:8080/queue/{red.id}" and details["why"]
    assert details["light"] == "red" and details["reach"] == 10 and details["due_at"]
    assert ev["links"] == [{"href": details["item_url"], "text": "Open in the brand-scout queue"}]
    assert ev["client"] == "brand-scout" and ev["client_url"] == details["item_url"]
    assert pd.pages == 1


def test_a_claim_acknowledges_the_incident(containers: Callable[..., Container], clock: FrozenClock,
                                          pd: FakePagerDuty) -> None:
    """A claim acknowledges the item (the ladder stops), so PagerDuty's incident is acknowledged."""
    c = containers()
    play(c, clock)
    red = item(c, "reddit:t3_a")
    anna = actor_for(c.cfg, email="anna@setseg.example")
    QueueActions(c.store, c.cfg).claim(red.id or 0, anna, now=clock.now())
    c.pipeline.deliver()
    key = f"brand-scout:item:{red.id}"
    assert pd.events[-1] == {"routing_key": ROUTING_KEY, "event_action": "acknowledge", "dedup_key": key}
    assert pd.incidents[key].status == "acknowledged"


def test_acknowledge_then_close_acknowledges_and_resolves_the_incident(
        containers: Callable[..., Container], clock: FrozenClock, pd: FakePagerDuty) -> None:
    c = containers()
    play(c, clock)
    red = item(c, "reddit:t3_a")
    anna = actor_for(c.cfg, email="anna@setseg.example")  # a lead: cleared for red
    actions = QueueActions(c.store, c.cfg)
    key = f"brand-scout:item:{red.id}"
    actions.assign(red.id or 0, anna, assignee="anna", now=clock.now())  # no PagerDuty event for an assignment
    c.pipeline.deliver()
    assert [e["event_action"] for e in pd.events] == ["trigger"]
    assert not [n for n in c.store.notifications(kind="state") if n.channel == "target:pagerduty"]
    clock.advance(timedelta(minutes=1))
    actions.acknowledge(red.id or 0, anna, now=clock.now())
    c.pipeline.deliver()
    assert pd.events[-1] == {"routing_key": ROUTING_KEY, "event_action": "acknowledge", "dedup_key": key}
    assert pd.incidents[key].status == "acknowledged"
    clock.advance(timedelta(minutes=1))
    actions.close(red.id or 0, anna, reason="handled by Legal", now=clock.now())
    c.pipeline.deliver()
    assert pd.events[-1] == {"routing_key": ROUTING_KEY, "event_action": "resolve", "dedup_key": key}
    assert pd.incidents[key].status == "resolved" and pd.pages == 1
    assert all(n.status == "sent" for n in c.store.notifications())


def test_a_response_resolves(containers: Callable[..., Container], clock: FrozenClock,
                             pd: FakePagerDuty) -> None:
    c = containers()
    play(c, clock)
    red = item(c, "reddit:t3_a")
    anna = actor_for(c.cfg, email="anna@setseg.example")
    QueueActions(c.store, c.cfg).record_response(red.id or 0, anna, url="https://x.example/reply/1",
                                                 now=clock.now())
    c.pipeline.deliver()
    assert [e["event_action"] for e in pd.events] == ["trigger", "resolve"]


def test_an_incident_opened_by_a_ladder_step_is_resolved_with_the_item(
        containers: Callable[..., Container], clock: FrozenClock, pd: FakePagerDuty) -> None:
    """crisis got no alert of the item, only the ladder's notify-crisis step: closing the item
    resolves that incident too (straight to crisis's PagerDuty lane)."""
    c = containers()
    play(c, clock)
    complaint = item(c, "x:2")  # yellow: routed to marketing-sales only, which has no PagerDuty
    with c.store.session() as s:  # what run_escalations does for the notify-crisis step
        row = s.get(QueueItem, complaint.id)
        assert row is not None
        row.escalation_level = 3
        s.add(row)
        c.store.enqueue(s, key=f"escalation:{complaint.id}:3", receiver="crisis", kind="escalation",
                        queue_item_id=complaint.id, now=clock.now(),
                        payload={"title": f"Escalation (notify-crisis) for item #{complaint.id}",
                                 "summary": "unacknowledged 4 h after its target", "item_id": complaint.id,
                                 "action": "notify-crisis", "target": "crisis", "light": "yellow",
                                 "priority": complaint.priority,
                                 "item_url": f"http://127.0.0.1:8080/queue/{complaint.id}"})
    c.pipeline.deliver()
    key = f"brand-scout:item:{complaint.id}"
    esc = pd.events[-1]
    assert esc["event_action"] == "trigger" and esc["dedup_key"] == key and esc["payload"]["group"] == "crisis"
    assert esc["payload"]["summary"] == f"Escalation (notify-crisis) for item #{complaint.id}"
    anna = actor_for(c.cfg, email="anna@setseg.example")
    QueueActions(c.store, c.cfg).close(complaint.id or 0, anna, reason="answered by phone", now=clock.now())
    c.pipeline.deliver()
    assert pd.events[-1]["event_action"] == "resolve" and pd.events[-1]["dedup_key"] == key
    assert pd.incidents[key].status == "resolved"


@pytest.mark.parametrize(("priority", "severity"), [("urgent", "critical"), ("high", "error"),
                                                    ("normal", "warning"), ("low", "info")])
def test_severity_from_priority(priority: str, severity: str, target_cfg: Callable[..., Any]) -> None:
    cfg = target_cfg()
    msg = Outbound(key="alert:crisis:x:1", receiver="crisis", kind="alert", queue_item_id=7,
                   payload={"item_id": 7, "light": "yellow", "priority": priority, "source": "x", "author": "a",
                            "reach": 5, "text": "t", "reasons": [], "item_url": "https://bs.example/queue/7"})
    body = PagerDutyNotifier(cfg).event(msg, ROUTING_KEY)
    assert body is not None and body["payload"]["severity"] == severity and body["dedup_key"] == "brand-scout:item:7"


def test_spikes_use_their_episode_key_and_min_priority_filters_alerts() -> None:
    spike = Outbound(key="spike:volume:x:2026-11-16T15", receiver="crisis", kind="spike", payload={})
    assert dedup_key(spike) == "brand-scout:spike:volume:x:2026-11-16T15"
    target = PagerDutyTarget(routing_key_env="PD_ROUTING_KEY", min_priority="high")
    assert not wants("alert", {"priority": "normal"}, target)
    assert wants("alert", {"priority": "urgent"}, target) and wants("spike", {}, target)
    assert wants("state", {"action": "acknowledge"}, target) and not wants("state", {"action": "assign"}, target)


def test_a_spikes_held_count_rewrite_never_pages_or_posts_again(target_cfg: Callable[..., Any]) -> None:
    """The spike job rewrites the crisis message as its held count grows (``updates``): Slack edits
    in place; PagerDuty and Teams get no copy (no second page, no second card)."""
    from monitor.delivery.notifiers import fan_out_rows

    cfg = target_cfg()
    first = fan_out_rows(cfg, key="spike:volume:all:t0", receiver="crisis", kind="spike", payload={"summary": "s"})
    rewrite = fan_out_rows(cfg, key="spike:volume:all:t0:held:3", receiver="crisis", kind="spike",
                           payload={"summary": "s", "updates": "spike:volume:all:t0", "held": "3 held"})
    assert any(ch.endswith("pagerduty") for _, ch in first)
    assert not any(ch.endswith(("pagerduty", "teams")) for _, ch in rewrite)
