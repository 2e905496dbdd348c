"""A post delivered again (a re-observation) over a real database, SQLite and PostgreSQL: intake
keeps the newer reading and the one before it on the same row, triage runs again only for a post
whose reading grew past ``velocity_min_engagement`` (as a member, never a second item), and the
spike job measures velocity between the two readings. A red post's velocity spike reaches the
crisis receiver (not restricted) as a notice without its text, link or author (P5)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import create_engine, inspect
from sqlmodel import Session, func, select

from connectors.base import Mention
from monitor.app.bootstrap import build
from monitor.clock import FrozenClock, utc
from monitor.config import AppConfig
from monitor.queue.actions import QueueActions, actor_for
from monitor.storage.db import alembic_config, upgrade
from monitor.storage.models import ClassificationRow, MentionRow, Notification, QueueItem
from monitor.triage.jobs import run_spike_detection
from monitor.vocab import PRIORITY_RANK
from tests.doubles import KeywordClassifier, RecordingNotifier

TEXT = "SET SEG cancelled my claim without warning, terrible service"
URL = "https://x.com/angryteacher/status/77"


@pytest.fixture
def c(db_url: str, make_config: Callable[..., AppConfig], clock: FrozenClock) -> Iterator[Any]:
    container = build(make_config(db=db_url), clock=clock, classifier=KeywordClassifier(),
                      notifiers={"log": RecordingNotifier()})
    container.start()
    yield container
    container.store.engine.dispose()


def post(clock: FrozenClock, *, likes: int, reposts: int = 0, ext: str = "77", text: str = TEXT,
         created: timedelta = timedelta(0)) -> Mention:
    return Mention(source="x", external_id=ext, url=f"https://x.com/angryteacher/status/{ext}", text=text,
                   created_at=clock.now() - created, author_handle="angryteacher", likes=likes, reposts=reposts)


def read(c: Any, clock: FrozenClock, m: Mention) -> list[int]:
    """One poll that delivers ``m``; returns the ids of new mentions."""
    return list(c.store.add_new_mentions("t", "x", [m], None, now=clock.now()).new_ids)


def count(c: Any, table: Any) -> int:
    with c.store.session() as s:
        return int(s.exec(select(func.count()).select_from(table)).one())


def spike_payloads(c: Any) -> list[dict[str, Any]]:
    return [n.payload for n in c.store.notifications(kind="spike")]


def test_a_newer_reading_updates_the_row_and_keeps_the_one_before(c: Any, clock: FrozenClock) -> None:
    t0 = clock.now()
    [mid] = read(c, clock, post(clock, likes=3))
    c.pipeline.run_once()
    sent = count(c, Notification)
    clock.advance(timedelta(minutes=48))
    t1 = clock.now()
    again = post(clock, likes=900, reposts=300, text="edited text that must not replace the stored one",
                 created=timedelta(minutes=48))
    batch = c.store.add_new_mentions("t", "x", [again], None, now=t1)
    assert batch.new_ids == [] and batch.duplicates == 1  # the return value speaks of new mentions only
    c.pipeline.run_once()
    row = c.store.find_mention("x", "77")
    assert row is not None and row.id == mid and c.store.count_mentions() == 1
    assert (row.likes, row.reposts, row.engagement) == (900, 300, 1200)
    assert utc(row.observed_at) == t1 and utc(row.fetched_at) == t0  # fetched_at: when first stored
    assert (row.prev_engagement, utc(row.prev_observed_at)) == (3, t0)
    assert row.text == TEXT and row.state == "routed"
    # triage did not run again: one classification, one item, no new alert
    assert (count(c, ClassificationRow), count(c, QueueItem), count(c, Notification)) == (1, 1, sent)
    clock.advance(timedelta(minutes=40))
    read(c, clock, post(clock, likes=1500, reposts=400, created=timedelta(minutes=88)))
    row = c.store.find_mention("x", "77")
    assert row is not None and (row.prev_engagement, utc(row.prev_observed_at)) == (1200, t1)
    assert row.engagement == 1900 and utc(row.observed_at) == clock.now()


def test_a_reading_that_grew_past_the_minimum_is_decided_again_and_its_priority_rise_alerts(
        c: Any, clock: FrozenClock) -> None:
    """What a poll does (``retriage_engagement`` = ``velocity_min_engagement``): a routed post
    whose new reading grew and reaches the minimum is triaged again, as the member it already
    is: no second classification, item or member; its priority's velocity term now has two
    readings, and the rise alerts. A reading that did not grow, or stays under the minimum,
    changes only the counts."""
    minimum = c.cfg.policy.spikes.velocity_min_engagement
    read(c, clock, post(clock, likes=3))
    read(c, clock, post(clock, likes=1, ext="88"))
    c.pipeline.run_once()
    with c.store.session() as s:
        before = {i.id: (i.priority, i.mention_count) for i in s.exec(select(QueueItem)).all()}
    sent = count(c, Notification)
    clock.advance(timedelta(minutes=45))
    grown = post(clock, likes=900, reposts=304, created=timedelta(minutes=45))
    small = post(clock, likes=minimum - 1, ext="88", created=timedelta(minutes=45))
    c.store.add_new_mentions("t", "x", [grown, small], None, now=clock.now(), retriage_engagement=minimum)
    assert c.store.find_mention("x", "77").state == "new"  # type: ignore[union-attr]
    assert c.store.find_mention("x", "88").state == "routed"  # type: ignore[union-attr]
    c.pipeline.run_once()
    assert c.store.find_mention("x", "77").state == "routed"  # type: ignore[union-attr]
    assert (count(c, ClassificationRow), count(c, QueueItem)) == (2, len(before))
    with c.store.session() as s:
        items = {i.id: i for i in s.exec(select(QueueItem)).all()}
        rose = [i for i in items.values() if i.priority != before[i.id][0]]
        assert len(rose) == 1 and PRIORITY_RANK[rose[0].priority] > PRIORITY_RANK[before[rose[0].id][0]]
        assert all(i.mention_count == before[i.id][1] for i in items.values())
    assert count(c, Notification) > sent
    sent = count(c, Notification)
    clock.advance(timedelta(minutes=45))
    same = post(clock, likes=900, reposts=304, created=timedelta(minutes=90))  # no growth
    c.store.add_new_mentions("t", "x", [same], None, now=clock.now(), retriage_engagement=minimum)
    assert c.store.find_mention("x", "77").state == "routed"  # type: ignore[union-attr]
    c.pipeline.run_once()
    assert count(c, Notification) == sent


def test_an_older_reading_a_same_batch_duplicate_and_a_deleted_post_change_nothing(c: Any, clock: FrozenClock) -> None:
    t0 = clock.now()
    batch = c.store.add_new_mentions("t", "x", [post(clock, likes=10), post(clock, likes=99)], None, now=t0)
    assert len(batch.new_ids) == 1 and batch.duplicates == 1
    row = c.store.find_mention("x", "77")
    assert row is not None and (row.likes, row.observed_at, row.prev_engagement) == (10, None, None)
    # a reading taken before the stored one (a slow source's late page) is not newer
    c.store.add_new_mentions("t", "x", [post(clock, likes=5)], None, now=t0 - timedelta(minutes=5))
    row = c.store.find_mention("x", "77")
    assert row is not None and (row.likes, row.observed_at, row.prev_engagement) == (10, None, None)
    with c.store.session() as s:
        stored = s.get(MentionRow, row.id)
        assert stored is not None
        stored.deleted_at = t0
        s.add(stored)
    clock.advance(timedelta(hours=1))
    read(c, clock, post(clock, likes=5000, created=timedelta(hours=1)))
    row = c.store.find_mention("x", "77")
    assert row is not None and (row.likes, row.observed_at) == (10, None)


def test_velocity_between_two_readings_raises_one_spike_naming_the_post(c: Any, clock: FrozenClock) -> None:
    read(c, clock, post(clock, likes=3, reposts=1))
    read(c, clock, post(clock, likes=60, ext="88"))
    c.pipeline.run_once()
    assert run_spike_detection(c) == []  # one reading each, minutes old
    clock.advance(timedelta(minutes=45))
    read(c, clock, post(clock, likes=900, reposts=304, created=timedelta(minutes=45)))  # +1,200 in 45 min
    read(c, clock, post(clock, likes=90, ext="88", created=timedelta(minutes=45)))  # +30 in 45 min
    keys = run_spike_detection(c)
    assert keys == ["velocity:x:77"]
    assert run_spike_detection(c) == keys  # the same episode: no second alert
    [payload] = spike_payloads(c)
    assert URL in payload["summary"] and " by angryteacher " in payload["summary"]
    assert "4 -> 1204 in 0.8 h" in payload["summary"] and payload["observed"] == pytest.approx(1600.0)
    assert [s["url"] for s in payload["samples"]] == [URL] and payload["group"] == "x:77"


def test_a_post_triage_has_not_judged_waits_for_its_light(c: Any, clock: FrozenClock) -> None:
    read(c, clock, post(clock, likes=3))
    clock.advance(timedelta(minutes=45))
    read(c, clock, post(clock, likes=1500, created=timedelta(minutes=45)))
    assert run_spike_detection(c) == []  # its light is not known yet: nothing can be said safely
    c.pipeline.run_once()
    assert run_spike_detection(c) == ["velocity:x:77"]


@pytest.mark.parametrize("how", ["watch-list", "item-light"])
def test_a_red_post_gaining_fast_alerts_crisis_without_text_link_or_author(c: Any, clock: FrozenClock,
                                                                           how: str) -> None:
    """Red by a watch-list term, or by its queue item's light (the confidentiality model's red
    and a person's override both set it; here the override): the crisis receiver hears that a
    restricted item is spreading, nothing of the post itself."""
    secret = "Project Falcon ships in May, internal only" if how == "watch-list" else "SET SEG refund delayed, terrible"
    read(c, clock, post(clock, likes=10, text=secret))
    c.pipeline.run_once()
    row = c.store.find_mention("x", "77")
    assert row is not None
    with c.store.session() as s:
        item = s.exec(select(QueueItem)).one()
    if how == "item-light":
        assert item.light != "red"
        QueueActions(c.store, c.cfg).override_light(item.id or 0, actor_for(c.cfg, email="anna@setseg.example"),
                                                    light="red", reason="a customer's data", now=clock.now())
    clock.advance(timedelta(minutes=45))
    read(c, clock, post(clock, likes=2010, text=secret, created=timedelta(minutes=45)))
    keys = run_spike_detection(c)
    assert keys == [f"velocity:x:restricted:item-{item.id}"]
    [n] = [x for x in c.store.notifications(kind="spike") if x.receiver == "crisis"]
    payload = n.payload
    assert f"item #{item.id}" in payload["summary"] and "restricted queue" in payload["summary"]
    assert payload["samples"] == [] and payload["top_terms"] == [] and payload["group"] is None
    assert payload["restricted"] is True and payload["item_id"] == item.id
    dumped = json.dumps(payload)
    for leak in (secret, "Falcon", "refund", "angryteacher", "x.com", "status/77"):
        assert leak not in dumped, leak
    # Legal (restricted, holding the red item) hears of it with the post itself, once
    [legal] = [x for x in c.store.notifications(kind="spike") if x.receiver != "crisis"]
    assert legal.receiver == "legal-compliance" and legal.payload["item_id"] == item.id
    assert legal.payload["title"] == f"Red item #{item.id} is spreading fast"
    assert "status/77" in legal.payload["summary"] and legal.payload["samples"][0]["text"] == secret
    assert run_spike_detection(c) == keys and len(c.store.notifications(kind="spike")) == 2


def test_legal_hear_of_the_red_post_that_is_spreading_not_another_of_its_item(c: Any, clock: FrozenClock) -> None:
    """Judge S (2026-12-06): a red item of several posts; Legal's alert named a quiet reply of the
    item ("57 engagements now") with the rate of the researcher's post that was spreading."""
    secret = "Project Falcon ships in May, internal only"
    read(c, clock, post(clock, likes=10, text=secret))
    c.pipeline.run_once()
    clock.advance(timedelta(minutes=45))
    read(c, clock, post(clock, likes=2010, text=secret, created=timedelta(minutes=45)))
    # a quiet reply in the same thread, red as well, seen after the fast one
    reply = Mention(source="x", external_id="78", url="https://x.com/quiet/status/78",
                    text="Project Falcon again, internal only", created_at=clock.now(), author_handle="quiet",
                    likes=57, kind="reply", parent_id="77", thread_id="77")
    read(c, clock, reply)
    c.pipeline.run_once()
    with c.store.session() as s:
        items = s.exec(select(QueueItem)).all()
    assert len(items) == 1 and items[0].mention_count == 2
    run_spike_detection(c)
    [legal] = [x for x in c.store.notifications(kind="spike") if x.receiver != "crisis"]
    assert "status/77" in legal.payload["summary"] and "2,010 engagements now" in legal.payload["summary"]
    assert legal.payload["samples"][0]["url"].endswith("/status/77")
    # the crisis receiver's notice carries only an opaque reference to the post
    [crisis] = [x for x in c.store.notifications(kind="spike") if x.receiver == "crisis"]
    assert "77" not in json.dumps({k: v for k, v in crisis.payload.items() if k != "post_ref"})
    assert "status" not in json.dumps(crisis.payload)


def test_a_post_read_as_praise_that_a_person_marked_yellow_spreads_as_no_praise(c: Any, clock: FrozenClock) -> None:
    """Judge N (2026-12-06): Marketing & Sales got "Spike of praise: a positive x post ... gains 5360
    engagements per hour" for the union's demand Dana had marked yellow 23 minutes before, and the
    crisis contact never heard it was spreading."""
    text = "Thanks SET SEG, great talks, now a public timeline by 5 pm"
    read(c, clock, post(clock, likes=10, text=text))
    c.pipeline.run_once()
    with c.store.session() as s:
        item = s.exec(select(QueueItem)).one()
    assert item.light == "green"
    QueueActions(c.store, c.cfg).override_light(item.id or 0, actor_for(c.cfg, email="anna@setseg.example"),
                                                light="yellow", reason="a demand, not praise", now=clock.now())
    clock.advance(timedelta(minutes=45))
    read(c, clock, post(clock, likes=2010, text=text, created=timedelta(minutes=45)))
    c.pipeline.run_once()
    assert run_spike_detection(c)
    [payload] = [p for p in spike_payloads(c) if p.get("kind") == "velocity"]
    assert not payload["title"].startswith("Spike of praise") and not payload.get("praise"), payload["title"]


def test_a_red_post_is_never_a_volume_spike_sample(c: Any, clock: FrozenClock) -> None:
    """A burst after a quiet day: the red post counts, but its text is no sample and no term."""
    quiet = [Mention(source="x", external_id=f"q{i}", url="", text="SET SEG newsletter is out",
                     created_at=clock.now() - timedelta(hours=30) + i * timedelta(minutes=30)) for i in range(56)]
    c.store.add_new_mentions("t", "x", quiet, None, now=clock.now())
    burst = [post(clock, likes=i, ext=f"b{i}", text=f"SET SEG claims portal outage again #{i}") for i in range(30)]
    burst.append(post(clock, likes=999, ext="red1", text="Project Falcon leaked: SET SEG portal outage"))
    c.store.add_new_mentions("t", "x", burst, None, now=clock.now())
    c.pipeline.run_once()
    assert run_spike_detection(c)
    payloads = [p for p in spike_payloads(c) if p["kind"] == "volume"]
    assert payloads and payloads[0]["samples"]
    dumped = json.dumps(payloads)
    assert "red1" not in dumped and "falcon" not in dumped.lower() and "leaked" not in dumped.lower()


def test_migration_0010_adds_the_columns_and_its_downgrade_keeps_every_row(c: Any, clock: FrozenClock) -> None:
    read(c, clock, post(clock, likes=3))
    c.pipeline.run_once()
    url = c.store.engine.url.render_as_string(hide_password=False)
    engine = create_engine(url)
    cfg = alembic_config(url)
    from alembic import command

    try:
        with engine.connect() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0009")
            conn.commit()
        assert "prev_engagement" not in {col["name"] for col in inspect(engine).get_columns("mention")}
        with Session(engine) as s:  # no cascade: the mention's classification and item are still there
            assert s.exec(select(func.count()).select_from(ClassificationRow)).one() == 1
            assert s.exec(select(func.count()).select_from(QueueItem)).one() == 1
        upgrade(engine)
        names = {col["name"] for col in inspect(engine).get_columns("mention")}
        assert {"observed_at", "prev_engagement", "prev_observed_at"} <= names
    finally:
        engine.dispose()
    row = c.store.find_mention("x", "77")
    assert row is not None and (row.observed_at, row.prev_engagement, row.prev_observed_at) == (None, None, None)
    clock.advance(timedelta(minutes=45))
    read(c, clock, post(clock, likes=700, created=timedelta(minutes=45)))
    row = c.store.find_mention("x", "77")
    assert row is not None and row.prev_engagement == 3
