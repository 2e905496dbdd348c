"""The top of the escalation ladder as one backlog message per crisis episode (P3), over a real
database (SQLite; PostgreSQL too where it is reachable, always in CI).

Each item still records its own ladder steps (``EscalationStep`` rows, audit records), and the
reminder and the lead's step stay one message per item; the crisis step does not send one message
per item: the first item opens an episode with ONE crisis message, later items rewrite it in place
(``updates``), and once no item of it waits any more the message says so and the next item opens
a new episode.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlmodel import col, select

from connectors.base import Mention
from monitor.clock import FrozenClock, utc_and_local
from monitor.config import AppConfig
from monitor.delivery.notifiers.base import RecordingNotifier
from monitor.queue.actions import QueueActions, actor_for
from monitor.storage.models import AuditEvent, EscalationStep, Notification, QueueItem
from monitor.triage.jobs import run_escalations
from tests.conftest import BASE_CONFIG
from tests.fakes.slack import TOKEN, FakeSlack

CRISIS_AFTER = timedelta(hours=4)  # the default ladder: remind at the target, lead +1h, crisis +4h
COMPLAINTS = ["SET SEG refund still missing after six weeks, terrible",
              "SET SEG claims portal outage again, I cannot file anything",
              "Still waiting on my SET SEG refund, nobody answers the phone",
              "The SET SEG claims portal outage ruined my whole afternoon"]
RED = "Heard SET SEG is building Project Falcon for schools"


@pytest.fixture
def make(containers: Callable[..., Any], make_config: Callable[..., AppConfig], db_url: str) -> Callable[..., Any]:
    def _make() -> Any:
        return containers(make_config(db=db_url, policy=all_day_policy()), notifiers={"log": RecordingNotifier()})
    return _make


def all_day_policy() -> dict[str, Any]:
    """Working time all day (UTC), so that the ladder's business-hours delays (a business-hours
    target counts its steps in business hours: test_escalation) equal the wall clock here."""
    policy = copy.deepcopy(BASE_CONFIG["policy"])
    policy["business_hours"] = {"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
                                "start": "00:00", "end": "23:59", "timezone": "UTC"}
    return dict(policy)


def add_items(c: Any, clock: FrozenClock, texts: list[str], *, start: int = 0) -> list[int]:
    """Queue items of ``texts`` (one each), unassigned and not acknowledged."""
    mentions = [Mention(source="x", external_id=f"m{start + i}", url=f"https://x.com/u{start + i}/status/{start + i}",
                        text=t, created_at=clock.now(), author_handle=f"author{start + i}")
                for i, t in enumerate(texts)]
    c.store.add_new_mentions("t", "x", mentions, None, now=clock.now())
    c.pipeline.run_once()
    with c.store.session() as s:
        rows = s.exec(select(QueueItem).order_by(col(QueueItem.id))).all()
        ids = [r.id for r in rows if r.id is not None][-len(texts):]
    assert len(ids) == len(texts)
    return ids


def set_due(c: Any, ids: list[int], at: datetime) -> None:
    with c.store.session() as s:
        for item in s.exec(select(QueueItem).where(col(QueueItem.id).in_(ids))).all():
            item.due_at, item.status, item.assignee, item.escalation_level = at, "new", None, 0
            s.add(item)


def crisis_rows(c: Any) -> list[Notification]:
    """The backlog's messages and their rewrites (not the "backlog grew" news: test below)."""
    return [n for n in c.store.notifications(kind="escalation") if n.receiver == "crisis" and n.channel is None
            and not n.idempotency_key.startswith("backlog-news:")]


def news_rows(c: Any) -> list[Notification]:
    return [n for n in c.store.notifications(kind="escalation") if n.receiver == "crisis" and n.channel is None
            and n.idempotency_key.startswith("backlog-news:")]


def steps(c: Any, action: str | None = None) -> list[EscalationStep]:
    with c.store.session() as s:
        q = select(EscalationStep).order_by(col(EscalationStep.id))
        return [st for st in s.exec(q).all() if action is None or st.action == action]


def audits(c: Any, action: str) -> list[AuditEvent]:
    return [e for e in c.store.audit_events(object_type="queue_item") if e.action == action]


def ack(c: Any, item_id: int, now: datetime) -> None:
    QueueActions(c.store, c.cfg).acknowledge(item_id, actor_for(c.cfg, email="anna@setseg.example"), now=now)


def test_items_reaching_the_crisis_step_share_one_message_rewritten_in_place(make: Any, clock: FrozenClock) -> None:
    c = make()
    t0 = clock.now()
    a, b, red, d = add_items(c, clock, [COMPLAINTS[0], COMPLAINTS[1], RED, COMPLAINTS[2]])
    set_due(c, [a, b], t0)
    set_due(c, [red], t0 + timedelta(minutes=20))
    set_due(c, [d], t0 + timedelta(minutes=40))
    clock.set(t0 + CRISIS_AFTER + timedelta(minutes=1))
    assert run_escalations(c) == 2 * 3 + 2 * 2  # a and b: all three steps; red and d: the first two

    # the reminder and the lead's step are one message per item, as before
    per_item = sorted(n.idempotency_key.rsplit(":", 1)[0] for n in c.store.notifications(kind="escalation")
                      if n.idempotency_key.startswith("escalation:"))  # escalation:<item>:<level>:<due time>
    assert per_item == sorted(f"escalation:{i}:{lvl}" for i in (a, b, red, d) for lvl in (1, 2))
    # the crisis step: ONE message for both items, not one each
    [first] = crisis_rows(c)
    assert first.idempotency_key == "backlog:crisis:1" and "updates" not in first.payload
    assert first.payload["title"] == "Backlog: 2 items not acknowledged 4h after their response target"
    assert first.payload["item_count"] == 2 and first.payload["item_id"] == a
    c.pipeline.run_once()  # delivered
    assert [n.status for n in crisis_rows(c)] == ["sent"]

    clock.set(t0 + timedelta(minutes=20) + CRISIS_AFTER + timedelta(minutes=1))
    assert run_escalations(c) == 1  # red reaches the crisis step
    rows = crisis_rows(c)
    assert [n.idempotency_key for n in rows] == ["backlog:crisis:1", "backlog:crisis:1:3"]
    update = rows[1].payload
    assert update["updates"] == "backlog:crisis:1"  # rewrites the first message in place
    assert update["title"] == "Backlog: 3 items not acknowledged 4h after their response target"
    assert update["summary"].splitlines()[1].startswith(f"• #{red} red, ")  # newest first
    # P5: the crisis channel is broad: a red item's id, light and link, never its text or author
    assert "Falcon" not in json.dumps(update) and "author" not in json.dumps(update)
    c.pipeline.run_once()

    clock.set(t0 + timedelta(minutes=40) + CRISIS_AFTER + timedelta(minutes=1))
    assert run_escalations(c) == 1
    assert [n.idempotency_key for n in crisis_rows(c)][-1] == "backlog:crisis:1:4"
    assert run_escalations(c) == 0  # each step once ...
    assert len(crisis_rows(c)) == 3  # ... and no message without news

    # every item still records every step it took, and its audit trail
    assert sorted((st.queue_item_id, st.level) for st in steps(c)) == sorted(
        (i, lvl) for i in (a, b, red, d) for lvl in (1, 2, 3))
    assert sorted(int(e.object_id) for e in audits(c, "escalation.notify-crisis")) == sorted([a, b, red, d])


def test_a_message_not_sent_yet_goes_out_with_the_later_items(make: Any, clock: FrozenClock) -> None:
    """The first message is still in the outbox (delivery failed once, so it waits for a retry):
    the later item is added to it; Slack would otherwise get an update it cannot apply yet."""
    c = make()
    t0 = clock.now()
    a, b = add_items(c, clock, COMPLAINTS[:2])
    set_due(c, [a], t0)
    set_due(c, [b], t0 + timedelta(minutes=5))
    clock.set(t0 + CRISIS_AFTER + timedelta(minutes=1))
    run_escalations(c)
    with c.store.session() as s:  # what delivery leaves of a failed first attempt
        row = s.exec(select(Notification).where(Notification.idempotency_key == "backlog:crisis:1")).one()
        row.attempts, row.last_error, row.next_attempt_at = 1, "Slack said ratelimited", clock.now() + timedelta(hours=1)
        s.add(row)
    clock.set(t0 + timedelta(minutes=5) + CRISIS_AFTER + timedelta(minutes=1))
    run_escalations(c)
    [first] = crisis_rows(c)
    assert (first.status, first.attempts) == ("pending", 1)
    assert first.payload["item_count"] == 2 and "updates" not in first.payload
    assert first.payload["title"] == "Backlog: 2 items not acknowledged 4h after their response target"


def test_the_episode_ends_when_no_item_waits_and_the_next_one_opens_a_new_message(
        make: Any, clock: FrozenClock) -> None:
    c = make()
    t0 = clock.now()
    a, b, d, e = add_items(c, clock, COMPLAINTS)
    set_due(c, [a, b], t0)
    clock.set(t0 + CRISIS_AFTER + timedelta(minutes=1))
    run_escalations(c)
    c.pipeline.run_once()
    # one of the two is acknowledged: the episode goes on, the next item joins it
    ack(c, a, clock.now())
    set_due(c, [d], clock.now() - CRISIS_AFTER)
    run_escalations(c)
    rows = crisis_rows(c)
    assert [n.idempotency_key for n in rows] == ["backlog:crisis:1", "backlog:crisis:1:3"]
    assert (rows[1].payload["item_count"], rows[1].payload["unacknowledged"]) == (3, 2)
    assert f"• #{a} yellow, " in rows[1].payload["summary"] and "(acknowledged)" in rows[1].payload["summary"]
    c.pipeline.run_once()

    # the last two are handled: the message says the backlog is cleared (once)
    clock.advance(timedelta(minutes=10))
    ack(c, b, clock.now())
    QueueActions(c.store, c.cfg).dismiss(d, actor_for(c.cfg, email="anna@setseg.example"), now=clock.now())
    run_escalations(c)
    run_escalations(c)
    rows = crisis_rows(c)
    assert [n.idempotency_key for n in rows][-1] == "backlog:crisis:1:cleared"
    cleared = rows[-1].payload
    assert cleared["updates"] == "backlog:crisis:1" and cleared["backlog"] == "cleared"
    assert cleared["title"] == "Backlog cleared: all 3 items acknowledged or handled"
    c.pipeline.run_once()

    # the next item to reach the step opens a new episode: a new message, not an update
    set_due(c, [e], clock.now() - CRISIS_AFTER)
    run_escalations(c)
    newest = crisis_rows(c)[-1]
    assert newest.idempotency_key == "backlog:crisis:2" and "updates" not in newest.payload
    assert (newest.payload["item_count"], newest.payload["item_id"]) == (1, e)
    assert newest.payload["title"] == "Backlog: 1 item not acknowledged 4h after its response target"
    assert len(crisis_rows(c)) == 4
    assert len(steps(c, "notify-crisis")) == 4


def test_an_episode_ending_as_the_next_item_arrives_closes_and_opens_in_one_run(
        make: Any, clock: FrozenClock) -> None:
    c = make()
    t0 = clock.now()
    a, b = add_items(c, clock, COMPLAINTS[:2])
    set_due(c, [a], t0)
    clock.set(t0 + CRISIS_AFTER + timedelta(minutes=1))
    run_escalations(c)
    c.pipeline.run_once()
    clock.advance(timedelta(minutes=1))
    ack(c, a, clock.now())
    set_due(c, [b], clock.now() - CRISIS_AFTER)
    run_escalations(c)
    rows = crisis_rows(c)
    assert [n.idempotency_key for n in rows] == ["backlog:crisis:1", "backlog:crisis:1:cleared", "backlog:crisis:2"]
    assert rows[1].payload["item_count"] == 1 and rows[2].payload["item_id"] == b


def test_slack_edits_the_one_crisis_message(db_url: str, make_config: Callable[..., AppConfig],
                                            containers: Callable[..., Any], clock: FrozenClock,
                                            fake_slack: FakeSlack) -> None:
    cfg = make_config(db=db_url, env={"SLACK_BOT_TOKEN": TOKEN, "SLACK_SIGNING_SECRET": "s" * 32},
                      notify={"slack": {"api_base": fake_slack.base_url, "max_retries": 0}}, policy=all_day_policy())
    c = containers(cfg)
    t0 = clock.now()
    ids = add_items(c, clock, COMPLAINTS)
    for n, item_id in enumerate(ids):
        set_due(c, [item_id], t0 + timedelta(minutes=10 * n))
    for n in range(len(ids)):
        clock.set(t0 + timedelta(minutes=10 * n) + CRISIS_AFTER + timedelta(minutes=1))
        run_escalations(c)
        c.pipeline.run_once()
    crisis = fake_slack.channel_id("#crisis")
    top = [m for m in fake_slack.history(crisis) if not m.get("thread_ts")]
    assert len(top) == 1  # one crisis message: posted for the first item, edited for the next three
    posts = [p for p in fake_slack.posted() if "Backlog" in str(p.args.get("text"))]
    assert len(posts) == 1 and "Backlog: 1 item not acknowledged" in str(posts[0].args["text"])
    edits = [u for u in fake_slack.posted("chat.update") if u.args["channel"] == crisis]
    assert [u.args["ts"] for u in edits] == [top[0]["ts"]] * 3
    assert "Backlog: 4 items not acknowledged" in str(edits[-1].args["text"])
    assert top[0]["text"] == edits[-1].args["text"]
    assert f"#{ids[-1]} yellow" in json.dumps(edits[-1].args["blocks"])


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    fake = FakeSlack().start()
    yield fake
    fake.stop()


def test_an_episode_opened_by_another_scheduler_meanwhile_gets_the_items(
        make: Any, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two schedulers: this one did not see the episode the other had just opened (its first
    message was not committed yet), so the key of the new episode's message is taken. The items
    then join the episode that exists, in place, instead of being lost or opening a second one."""
    c = make()
    t0 = clock.now()
    a, b = add_items(c, clock, COMPLAINTS[:2])
    set_due(c, [a], t0)
    clock.set(t0 + CRISIS_AFTER + timedelta(minutes=1))
    run_escalations(c)
    c.pipeline.run_once()
    real = c.store.latest_itemless
    calls: list[str] = []

    def not_yet_visible(s: Any, *, receiver: str, key_prefix: str) -> Notification | None:
        calls.append(receiver)
        return None if len(calls) == 1 else real(s, receiver=receiver, key_prefix=key_prefix)

    monkeypatch.setattr(c.store, "latest_itemless", not_yet_visible)
    clock.advance(timedelta(minutes=5))
    set_due(c, [b], clock.now() - CRISIS_AFTER)
    run_escalations(c)
    rows = crisis_rows(c)
    assert [n.idempotency_key for n in rows] == ["backlog:crisis:1", "backlog:crisis:1:2"]
    assert rows[1].payload["updates"] == "backlog:crisis:1"
    assert [x["item_id"] for x in rows[1].payload["items"]] == [b, a]


def test_an_open_backlog_that_grows_says_so_in_a_new_message(make: Any, clock: FrozenClock) -> None:
    """A rewrite notifies nobody: once the last message that notified anyone is as old as the
    crisis step's delay (4 h), items joining the open backlog get a new message naming every item
    that joined since ("Backlog grew"); before that they only rewrite the backlog, unless an urgent
    or red item joins: that is news at once, at most every 15 minutes (judge M, 2026-12-06: two
    urgent red items were told three hours after reaching the top of the ladder, after midnight)."""
    c = make()
    t0 = clock.now()
    a, b, red, d = add_items(c, clock, [COMPLAINTS[0], COMPLAINTS[1], RED, COMPLAINTS[2]])
    set_due(c, [a], t0)
    set_due(c, [b], t0 + timedelta(minutes=10))
    set_due(c, [red], t0 + timedelta(minutes=20))
    set_due(c, [d], t0 + timedelta(hours=5))
    for minutes in (0, 10):
        clock.set(t0 + timedelta(minutes=minutes) + CRISIS_AFTER)
        run_escalations(c)
        c.pipeline.run_once()
    assert news_rows(c) == []  # b joined within 4 h of the backlog's message: a rewrite only
    clock.set(t0 + timedelta(minutes=20) + CRISIS_AFTER)
    run_escalations(c)
    c.pipeline.run_once()
    [first] = news_rows(c)  # the red item: at once, with b, which joined silently before it
    assert first.payload["title"] == ("Backlog grew: 2 more items not acknowledged 4h after their response "
                                      "target (3 in this backlog)")
    lines = first.payload["summary"].splitlines()
    assert lines[0] == "2 items joined the open backlog; its first message, rewritten in place, lists all 3."
    assert [ln.split()[1] for ln in lines[1:3]] == [f"#{red}", f"#{b}"]  # newest first
    assert "Falcon" not in json.dumps(first.payload)  # P5: never a red item's text
    # 5 h after the backlog opened (2 minutes more: the all-day working time ends at 23:59): d, an
    # ordinary item, 4 h and more after the last news
    clock.set(t0 + timedelta(hours=5) + CRISIS_AFTER + timedelta(minutes=2))
    run_escalations(c)
    news = news_rows(c)
    assert len(news) == 2
    assert news[-1].payload["title"] == ("Backlog grew: 1 more item not acknowledged 4h after its response "
                                         "target (4 in this backlog)")
    assert news[-1].payload["summary"].splitlines()[1].split()[1] == f"#{d}"
    run_escalations(c)
    assert len(news_rows(c)) == 2  # once


def test_items_that_joined_silently_are_told_when_the_interval_passes_without_more_joining(
        make: Any, clock: FrozenClock) -> None:
    """Two items join the open backlog within 4 h of its message (rewrites only); nothing joins
    after them: 4 h after the message the crisis contact is told anyway, once."""
    c = make()
    t0 = clock.now()
    a, b, d = add_items(c, clock, COMPLAINTS[:3])
    set_due(c, [a], t0)
    set_due(c, [b, d], t0 + timedelta(minutes=30))
    for minutes in (0, 30):
        clock.set(t0 + timedelta(minutes=minutes) + CRISIS_AFTER)
        run_escalations(c)
    assert news_rows(c) == []
    clock.set(t0 + 2 * CRISIS_AFTER - timedelta(minutes=1))
    run_escalations(c)
    assert news_rows(c) == []  # not yet 4 h since the backlog's message
    clock.set(t0 + 2 * CRISIS_AFTER)
    run_escalations(c)
    [news] = news_rows(c)
    assert news.payload["title"].startswith("Backlog grew: 2 more items") and news.payload["item_count"] == 2
    clock.advance(timedelta(hours=5))
    run_escalations(c)
    assert len(news_rows(c)) == 1  # nothing new joined: no more news


def test_news_of_ordinary_items_waits_for_business_hours(containers: Callable[..., Any],
                                                         make_config: Callable[..., AppConfig], db_url: str,
                                                         clock: FrozenClock) -> None:
    """Judge I (2026-12-06): "Backlog grew" about yellow, non-urgent items reached the crisis contact
    at 19:13 and 20:41 CST, though those items' own crisis steps had waited for office hours. News
    that names no urgent or red item waits for business hours too (09:00-17:00 UTC here)."""
    policy = copy.deepcopy(BASE_CONFIG["policy"])
    policy["business_hours"] = {"days": ["mon", "tue", "wed", "thu", "fri"], "start": "09:00", "end": "17:00",
                                "timezone": "UTC"}
    c = containers(make_config(db=db_url, policy=policy), notifiers={"log": RecordingNotifier()})
    monday = datetime(2026, 11, 16, 9, 0, tzinfo=clock.now().tzinfo)
    clock.set(monday)
    a, b = add_items(c, clock, COMPLAINTS[:2])
    set_due(c, [a], monday)
    set_due(c, [b], monday + timedelta(hours=1))
    for hour in (13, 14):  # their crisis steps: 4 business hours after their targets
        clock.set(monday.replace(hour=hour, minute=1))
        run_escalations(c)
    assert len(crisis_rows(c)) >= 1 and news_rows(c) == []  # b joined by a rewrite
    clock.set(monday.replace(hour=17, minute=30))  # 4 h after the backlog's message, after hours
    run_escalations(c)
    assert news_rows(c) == []
    clock.set(monday + timedelta(days=1, minutes=1))  # Tuesday 09:01
    run_escalations(c)
    [news] = news_rows(c)
    assert news.payload["title"].startswith("Backlog grew: 1 more item")


def test_news_out_of_hours_names_what_cannot_wait_and_counts_the_rest(
        containers: Callable[..., Any], make_config: Callable[..., AppConfig], db_url: str,
        clock: FrozenClock) -> None:
    """Judge N (2026-12-06): at 02:00 the crisis contact was paged with "Backlog grew: 25 more
    items", one urgent item and 24 ordinary complaints whose news had waited for office hours. Out
    of hours the news names the urgent or red items and counts the others."""
    policy = copy.deepcopy(BASE_CONFIG["policy"])
    policy["business_hours"] = {"days": ["mon", "tue", "wed", "thu", "fri"], "start": "09:00", "end": "17:00",
                                "timezone": "UTC"}
    c = containers(make_config(db=db_url, policy=policy), notifiers={"log": RecordingNotifier()})
    monday = datetime(2026, 11, 16, 9, 0, tzinfo=clock.now().tzinfo)
    clock.set(monday)
    a, b, d, red = add_items(c, clock, [*COMPLAINTS[:3], RED])
    set_due(c, [a], monday)
    set_due(c, [b, d], monday + timedelta(hours=1))
    for hour in (13, 14):
        clock.set(monday.replace(hour=hour, minute=1))
        run_escalations(c)
    assert news_rows(c) == []  # b and d joined by a rewrite
    # the red item is urgent (a wall-clock target): it reaches the top of the ladder after hours
    set_due(c, [red], monday.replace(hour=17, minute=30) - CRISIS_AFTER)
    with c.store.session() as s:
        urgent = s.get(QueueItem, red)
        assert urgent is not None and urgent.light == "red"
        urgent.priority = "urgent"
        s.add(urgent)
    clock.set(monday.replace(hour=17, minute=31))
    run_escalations(c)
    c.pipeline.run_once()
    [news] = news_rows(c)
    assert news.payload["title"].startswith("Backlog grew: 1 urgent or red item not acknowledged"), news.payload
    lines = news.payload["summary"].splitlines()
    assert lines[0].endswith("2 other items joined too and can wait for office hours.")
    assert [ln.split()[1] for ln in lines[1:] if ln.startswith("•")] == [f"#{red}"]


def test_a_grown_backlog_says_which_spike_its_items_came_in_during(make: Any, clock: FrozenClock) -> None:
    """Judge D (2026-12-07): "Backlog grew: 58 more items" reached the crisis contact the day after an
    outage and read as a new event; they were the outage's complaints, left unacknowledged. The
    news says which spike they came in during."""
    from monitor.storage.models import SpikeEvent

    c = make()
    t0 = clock.now()
    with c.store.session() as s:
        s.add(SpikeEvent(key="volume:all:outage", kind="volume", scope="all", started_at=t0 - timedelta(minutes=30),
                         ended_at=t0 + timedelta(hours=1), baseline=1.5, observed=40.0, explanation={}))
    a, b, red = add_items(c, clock, [COMPLAINTS[0], COMPLAINTS[1], RED])
    set_due(c, [a], t0)
    set_due(c, [b, red], t0 + timedelta(minutes=10))
    for minutes in (0, 10, 20):  # news at most every 15 minutes, at once for a red item
        clock.set(t0 + timedelta(minutes=minutes) + CRISIS_AFTER)
        run_escalations(c)
        c.pipeline.run_once()
    [news] = news_rows(c)
    first_line = news.payload["summary"].splitlines()[0]
    assert first_line.startswith("2 items joined the open backlog")
    assert first_line.endswith(" 2 came in during the volume spike from "
                               f"{utc_and_local(t0 - timedelta(minutes=30), c.cfg.organisation.timezone)} "
                               f"(over at {utc_and_local(t0 + timedelta(hours=1), c.cfg.organisation.timezone)}).")
