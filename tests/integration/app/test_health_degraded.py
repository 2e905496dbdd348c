"""/healthz is degraded and /readyz false while the worker keeps failing or mentions wait too long
(issue 17: a bad time zone once failed every worker round while /healthz said ok). A real SQLite
store, the real worker round (``WorkerLoop.run_round``: classify, route, deliver) and a classifier
fake at its port that fails until it is mended; no patching."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from monitor.app.bootstrap import Container, build
from monitor.app.service import WorkerLoop
from monitor.clock import FrozenClock
from monitor.config import AppConfig
from monitor.errors import ClassifierError
from monitor.sentiment.base import Classification
from monitor.storage import worker_health
from monitor.web.app import create_app
from tests.doubles import KeywordClassifier, RecordingNotifier


class BrokenUntilMended(KeywordClassifier):
    """Fails every call (as a model that cannot load, or a zone that cannot be found, would)."""

    def __init__(self) -> None:
        super().__init__()
        self.broken = True

    def classify(self, texts: Sequence[str], langs: Sequence[str | None] | None = None) -> list[Classification]:
        if self.broken:
            raise ClassifierError("model weights missing")
        return super().classify(texts, langs)


@pytest.fixture
def service(make_config: Callable[..., AppConfig], tmp_path: Path,
            clock: FrozenClock) -> Iterator[tuple[Container, BrokenUntilMended, Path]]:
    feed = tmp_path / "feed.jsonl"
    feed.write_text("")
    cfg = make_config(db=f"sqlite:///{tmp_path}/health.db", env={"BRAND_SCOUT_SESSION_SECRET": "s" * 40},
                      sources=[{"name": "feed", "type": "replay", "interval": "10s", "silent_after": None,
                                "options": {"file": str(feed)}}],
                      worker={"degraded_after_failures": 3, "backlog_max_age": "10m", "poll_interval": 0.01})
    model = BrokenUntilMended()
    c = build(cfg, clock=clock, classifier=model, notifiers={"log": RecordingNotifier()})
    c.start()
    yield c, model, feed
    c.store.engine.dispose()


def _add(c: Container, feed: Path, n: int, start: int = 0) -> None:
    lines = [json.dumps({"source": "x", "external_id": str(i), "text": f"SET SEG refund #{i}",
                         "author_handle": f"u{i}", "offset_s": 0}) for i in range(start, start + n)]
    feed.write_text(feed.read_text() + "\n".join(lines) + "\n")
    report = c.pipeline.poll("feed")
    assert not report.error and report.stored == n, report


def _probe(c: Container) -> tuple[dict[str, Any], int, int]:
    client = TestClient(create_app(c))
    h = client.get("/healthz")
    r = client.get("/readyz")
    assert h.status_code == 200, h.status_code  # degraded is still alive
    assert r.json()["ready"] == (r.status_code == 200)
    return h.json(), h.status_code, r.status_code


def test_a_worker_that_keeps_failing_degrades_health_until_it_recovers(
        service: tuple[Container, BrokenUntilMended, Path], clock: FrozenClock) -> None:
    c, model, feed = service
    _add(c, feed, 5)
    loop = WorkerLoop(c, threading.Event(), name="worker-a")
    h, _, ready = _probe(c)
    assert h["status"] == "ok" and ready == 200, h
    for _ in range(2):  # below the threshold: a blip is not an outage
        assert loop.run_round() > 0
        clock.advance(timedelta(seconds=5))
    h, _, ready = _probe(c)
    assert h["status"] == "ok" and ready == 200, h["checks"]
    loop.run_round()  # the third failed round in a row
    h, _, ready = _probe(c)
    assert h["status"] == "degraded" and ready == 503, h["checks"]
    assert h["checks"]["worker"]["ok"] is False
    assert h["checks"]["worker"]["failing"][0]["worker"] == "worker-a"
    assert h["checks"]["worker"]["failing"][0]["failed_rounds"] == 3
    assert h["checks"]["backlog"]["unprocessed"] == 5
    assert c.store.count_mentions("new") == 5  # nothing was processed meanwhile
    # mended: the next round processes the backlog and health is ok again
    model.broken = False
    assert loop.run_round() == 0.0
    h, _, ready = _probe(c)
    assert h["status"] == "ok" and ready == 200, h["checks"]
    assert h["checks"]["worker"] == {"ok": True, "failing": []}
    assert h["checks"]["backlog"]["unprocessed"] == 0
    assert c.store.count_mentions("routed") == 5


def test_an_old_backlog_degrades_health_until_it_is_processed(
        service: tuple[Container, BrokenUntilMended, Path], clock: FrozenClock) -> None:
    c, model, feed = service
    model.broken = False
    _add(c, feed, 3)
    clock.advance(timedelta(minutes=9))  # waiting, but not for too long
    h, _, ready = _probe(c)
    assert h["status"] == "ok" and ready == 200 and h["checks"]["backlog"]["oldest_age_s"] == 540, h["checks"]
    clock.advance(timedelta(minutes=2))  # nobody processes: 11 minutes > backlog_max_age 10m
    h, _, ready = _probe(c)
    assert h["status"] == "degraded" and ready == 503, h["checks"]
    assert h["checks"]["backlog"] == {"ok": False, "unprocessed": 3, "oldest_age_s": 660, "max_age_s": 600}
    assert h["checks"]["worker"]["ok"] is True  # no worker failed: it is just not keeping up
    WorkerLoop(c, threading.Event(), name="worker-b").run_round()
    h, _, ready = _probe(c)
    assert h["status"] == "ok" and ready == 200, h["checks"]


def test_a_failing_worker_that_went_away_does_not_degrade_health_forever(
        service: tuple[Container, BrokenUntilMended, Path], clock: FrozenClock) -> None:
    """A worker killed mid-streak leaves its rows; once they are stale, only the backlog counts."""
    c, _model, feed = service
    _add(c, feed, 1)
    loop = WorkerLoop(c, threading.Event(), name="worker-gone")
    for _ in range(4):
        loop.run_round()
    h, _, ready = _probe(c)
    assert h["status"] == "degraded" and ready == 503
    clock.advance(worker_health.STALE_AFTER + timedelta(seconds=1))
    h, _, ready = _probe(c)
    assert h["status"] == "ok" and ready == 200, h["checks"]  # the backlog is 5 minutes old: under 10m
    assert h["checks"]["backlog"]["unprocessed"] == 1


def test_worker_failures_are_counted_for_metrics(service: tuple[Container, BrokenUntilMended, Path]) -> None:
    c, _model, feed = service
    _add(c, feed, 1)
    loop = WorkerLoop(c, threading.Event(), name="worker-m")
    loop.run_round()
    loop.run_round()
    text = TestClient(create_app(c)).get("/metrics").text
    assert 'brand_scout_worker_round_failures_total{worker="worker-m"} 2' in text


def test_the_health_page_names_the_failing_worker(service: tuple[Container, BrokenUntilMended, Path]) -> None:
    c, _model, feed = service
    _add(c, feed, 2)
    loop = WorkerLoop(c, threading.Event(), name="worker-page")
    for _ in range(3):
        loop.run_round()
    h = TestClient(create_app(c)).get("/health")
    assert h.status_code == 200, h.status_code
    assert "worker-page: 3 failed rounds in a row" in h.text and "not ready" in h.text
    # when, in the organisation's timezone as on every page (not a raw ISO string)
    zone = c.clock.now().astimezone(ZoneInfo(c.cfg.organisation.timezone))
    assert f"in a row, last at {zone:%Y-%m-%d %H:%M} {zone.tzname()}" in h.text
