"""A mention the worker cannot process must not hold back the queue (issue 17, High).

The batch it is in is split until it fails alone; it is quarantined (state ``quarantined``, kept
with its error, shown on /health) and every other mention of the batch, a red one included, is
routed. Errors that are not the data's (the classifier's, the database's) are never quarantined.
The classifier is a fake at its port that fails on one text.
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from monitor.app.bootstrap import build
from monitor.app.container import Container
from monitor.clock import FrozenClock
from monitor.config import AppConfig
from monitor.errors import ClassifierError
from monitor.logs import _Formatter
from monitor.sentiment.base import Classification
from monitor.storage.db import make_engine
from monitor.web.app import create_app
from tests.doubles import KeywordClassifier, RecordingNotifier

SECRET = "POISON-91c private words"


class PoisonedClassifier(KeywordClassifier):
    """Fails on any batch holding a text with ``POISON`` (as a model can on one odd input)."""

    def __init__(self, error: type[Exception] = ValueError) -> None:
        super().__init__()
        self.error = error

    def classify(self, texts: Sequence[str], langs: Sequence[str | None] | None = None) -> list[Classification]:
        if any("POISON" in t for t in texts):
            raise self.error("the model cannot read this input")
        return super().classify(texts, langs)


def _feed(tmp_path: Path, texts: list[str]) -> Path:
    feed = tmp_path / "feed.jsonl"
    feed.write_text("".join(json.dumps({"source": "x", "external_id": str(i), "text": t, "author_handle": f"u{i}",
                                        "offset_s": 0}) + "\n" for i, t in enumerate(texts)))
    return feed


def _container(db_url: str, make_config: Callable[..., AppConfig], clock: FrozenClock, feed: Path,
               classifier: KeywordClassifier) -> Container:
    cfg = make_config(db=db_url, env={"BRAND_SCOUT_SESSION_SECRET": "s" * 40}, sources=[
        {"name": "feed", "type": "replay", "interval": "10s", "options": {"file": str(feed)}}])
    c = build(cfg, clock=clock, classifier=classifier, notifiers={"log": RecordingNotifier()})
    c.start()
    return c


@pytest.fixture
def logs() -> Iterator[io.StringIO]:
    buf = io.StringIO()
    handler = logging.StreamHandler(buf)
    handler.setFormatter(_Formatter(json_lines=True))
    root = logging.getLogger()
    root.addHandler(handler)
    yield buf
    root.removeHandler(handler)


TEXTS = ["SET SEG refund please", f"SET SEG {SECRET}", "SET SEG outage again", "SET SEG Project Falcon leaked",
         "SET SEG is great", "SET SEG refund still"]


def test_a_mention_that_fails_alone_is_quarantined_and_the_rest_of_its_batch_is_routed(
        db_url: str, make_config: Callable[..., AppConfig], clock: FrozenClock, tmp_path: Path,
        logs: io.StringIO) -> None:
    c = _container(db_url, make_config, clock, _feed(tmp_path, TEXTS), PoisonedClassifier())
    try:
        assert c.pipeline.poll("feed").stored == len(TEXTS)
        assert c.pipeline.process() == len(TEXTS)  # the batch failed, was split, and got through
        assert c.pipeline.process() == 0  # nothing left blocking the queue
        assert c.store.count_mentions("new") == 0
        assert c.store.count_mentions("routed") == len(TEXTS) - 1
        assert c.store.count_mentions("quarantined") == 1
        [q] = c.store.quarantined()
        assert (q.stage, q.source_name, q.external_id, q.error_class) == ("triage", "feed", "1", "ValueError")
        assert q.mention_id is not None and SECRET not in q.error
        lights = {m.external_id: qi.light for qi, m in c.store.queue_items()}
        assert lights.get("3") == "red", lights
        h = TestClient(create_app(c)).get("/healthz").json()
        assert h["sources"]["feed"]["quarantined"] == 1 and "feed" in h["degraded"], h
        assert h["quarantine"]["sources"]["feed"]["latest"][0]["stage"] == "triage"
        assert "batch_split" in logs.getvalue() and SECRET not in logs.getvalue()
    finally:
        c.store.engine.dispose()


def test_an_error_that_is_not_the_datas_quarantines_nothing(
        db_url: str, make_config: Callable[..., AppConfig], clock: FrozenClock, tmp_path: Path) -> None:
    c = _container(db_url, make_config, clock, _feed(tmp_path, TEXTS), PoisonedClassifier(ClassifierError))
    try:
        c.pipeline.poll("feed")
        with pytest.raises(ClassifierError):
            c.pipeline.process()
        assert c.store.count_mentions("new") == len(TEXTS) and c.store.quarantined() == []
    finally:
        c.store.engine.dispose()


def test_when_every_mention_fails_alike_the_batch_is_retried_not_quarantined(
        db_url: str, make_config: Callable[..., AppConfig], clock: FrozenClock, tmp_path: Path) -> None:
    texts = [f"SET SEG POISON {i}" for i in range(4)]
    c = _container(db_url, make_config, clock, _feed(tmp_path, texts), PoisonedClassifier())
    try:
        c.pipeline.poll("feed")
        with pytest.raises(ValueError):
            c.pipeline.process()
        assert c.store.count_mentions("new") == len(texts) and c.store.quarantined() == []
    finally:
        c.store.engine.dispose()


def test_a_failing_insert_logs_no_sql_parameters(db_url: str, logs: io.StringIO) -> None:
    """The engine hides parameters, and the log formatter drops them (and PostgreSQL's DETAIL
    row) from an engine that does not."""
    from sqlalchemy import create_engine

    engine = make_engine(db_url)
    loud = create_engine(engine.url)  # an engine built without make_engine: parameters shown
    log = logging.getLogger("brand_scout.test")
    try:
        for e in (engine, loud):
            with e.begin() as conn:
                conn.execute(text("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, body TEXT NOT NULL, "
                                  "n INTEGER CHECK (n < 10))"))
            try:
                with e.begin() as conn:
                    conn.execute(text("INSERT INTO t (id, body, n) VALUES (:i, :b, :n)"),
                                 {"i": 1, "b": SECRET, "n": 11})
            except Exception:
                log.exception("insert failed")
        with engine.connect() as conn:
            try:
                conn.execute(text("INSERT INTO t (id, body, n) VALUES (:i, :b, :n)"), {"i": 2, "b": SECRET, "n": 99})
            except Exception as exc:
                # hide_parameters on the service's engines (PostgreSQL's DETAIL line is the log's to drop)
                assert "[parameters:" not in str(exc) and "hidden" in str(exc)
        out = logs.getvalue()
        assert out.count("insert failed") == 2 and SECRET not in out, out
    finally:
        engine.dispose()
        loud.dispose()
