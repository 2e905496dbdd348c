"""The digest and the dashboard split responses seen on the platforms from those recorded by hand
(issue 20), on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest

from monitor.app.bootstrap import Container, build
from monitor.clock import FrozenClock
from monitor.config import AppConfig
from monitor.digest import load_digest
from monitor.digest.render import render_digest
from monitor.queue.actions import QueueActions, actor_for
from monitor.storage import response_queries
from tests.doubles import KeywordClassifier, RecordingNotifier
from tests.integration.responses.test_responses import OWN, ROSTER, T0, X, items

SECRET = {"BRAND_SCOUT_SESSION_SECRET": "test-secret-" + "x" * 32}


@pytest.fixture
def x() -> Iterator[X]:
    svc = X()
    yield svc
    svc.fake.server.stop()


@pytest.fixture
def container(db_url: str, make_config: Callable[..., AppConfig], x: X) -> Iterator[tuple[Container, FrozenClock]]:
    src, env = x.source()
    cfg = make_config(db=db_url, env={**env, **SECRET}, sources=[src], spokespersons=ROSTER,
                      organisation={"name": "SET SEG", "brand_terms": ["SET SEG"], "own_accounts": OWN,
                                    "timezone": "UTC"},
                      digests=[{"recipients": ["dana@setseg.example"], "timezone": "UTC", "day": "mon", "time": "08:00",
                                "smtp": {"host": "127.0.0.1", "port": 2525, "security": "none",
                                         "sender": "brand-scout <scout@setseg.example>"}}],
                      web={"base_url": "https://scout.setseg.example", "auth": {"demo_login": True}})
    clock = FrozenClock(T0)
    c = build(cfg, clock=clock, classifier=KeywordClassifier(), notifiers={"log": RecordingNotifier()})
    c.start()
    yield c, clock
    c.store.engine.dispose()


def _seed(c: Container, clock: FrozenClock, x: X) -> None:
    seen = x.post("carol", T0 - timedelta(minutes=30), "SET SEG claims portal is down, refund please")
    by_hand = x.post("dave", T0 - timedelta(minutes=20), "SET SEG denied my claim, refund please", seq=2)
    c.pipeline.poll("x-brand")
    c.pipeline.run_once()
    x.post("setseg_help", T0 + timedelta(minutes=5), "@carol on it", reply_to=seen, conversation=seen)
    clock.advance(timedelta(minutes=10))
    c.pipeline.poll("x-brand")
    anna = actor_for(c.cfg, email="anna@setseg.example")
    QueueActions(c.store, c.cfg).record_response(items(c)[by_hand].id or 0, anna, url="https://example.org/r",
                                                 now=clock.now())


def test_digest_splits_responses_seen_on_the_platforms_from_those_recorded(
        container: tuple[Container, FrozenClock], x: X) -> None:
    c, clock = container
    _seed(c, clock, x)
    d = load_digest(c, c.cfg.digests[0], "2026-W47", now=T0 + timedelta(days=7))
    assert (d.responses_seen, d.responses_recorded) == (1, 1)
    assert sum(r.responded for r in d.by_priority) == 2
    _subject, text, html = render_digest(d)
    assert "Responses: 1 seen on the platforms, 1 recorded by hand." in text
    assert 'id="response-sources"' in html and "1 seen on the platforms" in html
    assert response_queries.response_split(c.store, since=T0 - timedelta(days=1)) == {"seen": 1, "recorded": 1}


def test_dashboard_shows_the_split(container: tuple[Container, FrozenClock], x: X) -> None:
    from fastapi.testclient import TestClient

    from monitor.web.app import create_app
    from tests.fixtures.web import csrf_of

    c, clock = container
    _seed(c, clock, x)
    client: Any = TestClient(create_app(c), base_url="http://testserver")
    page = client.get("/signin")
    r = client.post("/signin/demo", data={"person": "anna", "csrf_token": csrf_of(page.text)}, follow_redirects=False)
    assert r.status_code == 303, r.text
    html = client.get("/dashboard").text
    assert "Responses seen on the platforms <b>1</b>" in html and "Recorded by hand <b>1</b>" in html
