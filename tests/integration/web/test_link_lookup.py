"""P1 end to end: a scout forwards links; posts on a source brand-scout reads are looked up by its
connector (real tweepy against the fake X API) and de-duplicated against crawled ones; other links
are stored as typed. Covers the web form's path and Slack's ``/scout``."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest
from fastapi import FastAPI
from sqlmodel import select

_ROOT = str(Path(__file__).resolve().parents[3])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

from monitor.app.bootstrap import Container, build  # noqa: E402
from monitor.clock import FrozenClock  # noqa: E402
from monitor.config import AppConfig  # noqa: E402
from monitor.intake.scouting import lookup_link  # noqa: E402
from monitor.queue.actions import Actor  # noqa: E402
from monitor.storage.models import QueueItem, QueueItemMention  # noqa: E402
from monitor.web.submit import submit  # noqa: E402
from tests.doubles import KeywordClassifier, RecordingNotifier  # noqa: E402
from tests.fakes.x import BEARER, FakeX  # noqa: E402

EVE = Actor(id="eve", name="Eve Employee")


@pytest.fixture
def fake_x() -> Iterator[FakeX]:
    fake = FakeX()
    fake.server.start()
    yield fake
    fake.server.stop()


@pytest.fixture
def container(fake_x: FakeX, make_config: Callable[..., AppConfig], clock: FrozenClock,
              tmp_path: Path) -> Iterator[Container]:
    fake_x.server.clock = lambda: clock.now().timestamp()
    cfg = make_config(db=f"sqlite:///{tmp_path}/scout.db", env={"X_BEARER": BEARER}, sources=[
        {"name": "x-main", "type": "x", "api_base": fake_x.server.url, "credentials": {"bearer_token": "X_BEARER"},
         "timeout": "5s", "max_retries": 0, "options": {"query": '"SET SEG" OR #setseg', "max_results": 10}}])
    c = build(cfg, clock=clock, classifier=KeywordClassifier(), notifiers={"log": RecordingNotifier()})
    c.start()
    yield c
    c.store.engine.dispose()


def _fresh_tweet(fake: FakeX, clock: FrozenClock) -> str:
    """A post from an hour ago (inside the fetch's backfill window) by @jane."""
    ms = int((clock.now() - timedelta(hours=1)).timestamp() * 1000)
    tid = str(((ms - 1288834974657) << 22) | 7)
    fake.add(tid, "SET SEG lost my claim again, #setseg please call me", author_id="42")
    return tid


def test_scout_link_to_a_crawled_post_is_already_known_and_credited(container: Any, fake_x: FakeX,
                                                                     clock: FrozenClock) -> None:
    c = container
    tid = _fresh_tweet(fake_x, clock)
    report = c.pipeline.poll("x-main")
    assert report.stored >= 1
    crawled = c.store.find_mention("x", tid)
    assert crawled is not None
    c.pipeline.run_once()
    app = cast(FastAPI, SimpleNamespace(state=SimpleNamespace()))  # the web form's path, without a test link_fetcher
    sub = submit(app, c, EVE, url=f"https://twitter.com/jane/status/{tid}?s=20", note="angry customer",
                 category="criticism", urgency="high", channel="web")
    assert sub.already_known is True and sub.mention_id == crawled.id
    assert fake_x.server.hits(rf"/2/tweets/{tid}"), "the X connector looked the post up"
    c.pipeline.run_once()  # a routed-but-unqueued mention is routed again, now as a scout submission
    with c.store.session() as s:
        link = s.exec(select(QueueItemMention).where(QueueItemMention.mention_id == crawled.id)).first()
        assert link is not None, "the crawled post was queued"
        item = s.get(QueueItem, link.queue_item_id)
        assert item is not None and item.scout_submitted  # the scout is credited on the queue item
    assert [x.id for x in c.store.submissions("eve")] == [sub.id]


def test_scout_link_read_from_the_source_when_not_crawled(container: Any, fake_x: FakeX) -> None:
    c = container
    m = lookup_link(c, "https://x.com/XDevelopers/status/1293593516040269825")
    assert m is not None and m.source == "x" and m.external_id == "1293593516040269825"
    sub = c.pipeline.submit_scout(url="https://x.com/XDevelopers/status/1293593516040269825", note="fyi",
                                  category="other", urgency="normal", submitted_by="eve", fetched=m)
    assert sub.already_known is False
    stored = c.store.find_mention("x", "1293593516040269825")
    assert stored is not None and stored.id == sub.mention_id and "new #TwitterAPI" in stored.text


def test_unknown_link_is_stored_as_typed_without_asking_x(container: Any, fake_x: FakeX) -> None:
    c = container
    app = cast(FastAPI, SimpleNamespace(state=SimpleNamespace()))
    sub = submit(app, c, EVE, url="https://forum.example/t/setseg-refunds/42", note="SET SEG refunds thread",
                 category="question", urgency="normal", channel="web")
    assert sub.already_known is False
    assert fake_x.server.requests == []
    with c.store.session() as s:
        from monitor.storage.models import MentionRow

        row = s.get(MentionRow, sub.mention_id)
        assert row is not None and row.source == "web" and row.text == "SET SEG refunds thread"


def test_lookup_failure_or_slowness_stores_as_typed(container: Any, fake_x: FakeX, clock: FrozenClock) -> None:
    c = container
    tid = _fresh_tweet(fake_x, clock)
    fake_x.server.inject("500", times=1)
    assert lookup_link(c, f"https://x.com/jane/status/{tid}") is None  # logged, not raised
    fake_x.server.inject("timeout", times=1, delay=1.0)
    assert lookup_link(c, f"https://x.com/jane/status/{tid}", budget=0.2) is None  # over budget
    found = lookup_link(c, f"https://x.com/jane/status/{tid}", budget=5)
    assert found is not None and found.external_id == tid


def test_slack_scout_command_looks_the_link_up(container: Any, fake_x: FakeX, clock: FrozenClock) -> None:
    from monitor.web.slack import SlackInteractivity

    c = container
    tid = _fresh_tweet(fake_x, clock)
    c.pipeline.poll("x-main")
    status, body = SlackInteractivity(c).command(
        {"text": f"<https://x.com/jane/status/{tid}> look at this", "user_id": "U1", "user_name": "eve"}, False)
    assert status == 200 and "Thanks for scouting" in body["text"]
    sub = c.store.submissions()[0]
    assert sub.channel == "slack" and sub.already_known is True
    assert sub.mention_id == c.store.find_mention("x", tid).id
