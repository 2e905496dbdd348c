"""/metrics through prometheus_client: the promised labels, the "how long" histograms computed from
stored timestamps (and the worker's classification time), aggregate queries only, and a Grafana
dashboard whose every query names a metric that /metrics exports."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import event

from monitor.app import metrics
from monitor.app.bootstrap import Container, build
from monitor.clock import FrozenClock
from monitor.config import AppConfig
from monitor.queue.actions import QueueActions, actor_for
from monitor.storage.privacy import AGGREGATE
from tests.doubles import KeywordClassifier, RecordingNotifier

DASHBOARD = Path(__file__).resolve().parents[3] / "deploy" / "grafana" / "brand-scout.json"
SOURCES = [{"name": "replay", "type": "replay", "interval": "10s", "options": {"file": "sample"}},
           {"name": "news", "type": "rss", "interval": "5m", "options": {"feeds": ["https://example.com/feed"]}}]


@pytest.fixture
def c(make_config: Callable[..., AppConfig], clock: FrozenClock, db_url: str) -> Iterator[Container]:
    cfg = make_config(db=db_url, sources=SOURCES)
    container = build(cfg, clock=clock, classifier=KeywordClassifier(), notifiers={"log": RecordingNotifier()})
    container.start()
    yield container
    container.store.engine.dispose()


def _families(c: Container) -> dict[str, Any]:
    return {f.name: f for f in text_string_to_metric_families(metrics.render(c))}


def _value(fam: Any, suffix: str = "", **labels: str) -> float:
    for s in fam.samples:
        if s.name == fam.name + suffix and all(s.labels.get(k) == v for k, v in labels.items()):
            return float(s.value)
    raise AssertionError(f"no sample {fam.name}{suffix} {labels} in {fam.samples}")


def _seed(c: Container, clock: FrozenClock) -> None:
    p = c.pipeline
    for i, note in enumerate(["SET SEG claims portal is broken, I want a refund",
                              "Heard SET SEG is building Project Falcon", "SET SEG outage again, refund now"]):
        p.submit_scout(url=f"https://example.com/post/{i}", note=note, category="criticism", urgency="normal",
                       submitted_by="eve")
    clock.advance(timedelta(seconds=20))
    p.process()
    clock.advance(timedelta(seconds=40))
    p.deliver()
    item = next(q for q, _ in c.store.queue_items() if q.light == "yellow")
    clock.advance(timedelta(minutes=10))
    QueueActions(c.store, c.cfg).acknowledge(item.id or 0, actor_for(c.cfg, email="anna@setseg.example"),
                                             now=clock.now())
    with c.store.session() as s:
        c.store.incr(s, AGGREGATE, 'date="2026-01-01",source="x",sentiment="negative"', 4)  # retained data
        for i in range(3):
            c.store.enqueue(s, key=f"waiting-{i}", receiver="marketing-sales", kind="health", payload={},
                            now=clock.now() - timedelta(minutes=2 * i))


def test_counters_keep_their_promised_labels(c: Container, clock: FrozenClock) -> None:
    fams = _families(c)  # empty database: configured label values at 0, unlabelled counters at 0
    assert _value(fams["brand_scout_mentions_fetched"], "_total", source="replay") == 0
    assert _value(fams["brand_scout_mentions_fetched"], "_total", source="news") == 0
    assert _value(fams["brand_scout_notifications_sent"], "_total", receiver="legal-compliance") == 0
    assert _value(fams["brand_scout_scout_submissions"], "_total", channel="slack") == 0
    assert _value(fams["brand_scout_mentions_classified"], "_total") == 0
    _seed(c, clock)
    fams = _families(c)
    for name, (help_text, labels) in metrics.COUNTERS.items():
        fam = fams["brand_scout_" + name.removesuffix("_total")]
        assert fam.type == "counter" and fam.documentation == help_text
        assert fam.samples and all(set(s.labels) == set(labels) for s in fam.samples), (name, fam.samples)
    assert _value(fams["brand_scout_scout_submissions"], "_total", channel="web") == 3
    assert _value(fams["brand_scout_mentions_classified"], "_total") == 3
    sent = c.store.notifications(status="sent")
    assert sum(_value(fams["brand_scout_notifications_sent"], "_total", receiver=r)
               for r in {n.receiver for n in sent}) == len(sent) > 0
    assert not [f for f in fams if "daily_mentions" in f]  # retention aggregates are not metrics
    assert not [f for f in fams if "mentions_by" in f]  # nor the dashboard's hourly counts


def test_other_rows_are_counters_or_gauges_by_name(c: Container) -> None:
    """Rows other modules keep in metric_counter: ``*_total`` is a counter, anything else a gauge."""
    with c.store.session() as s:
        c.store.incr(s, "worker_round_failures_total", 'worker="h:1"', 3)
        c.store.incr(s, "worker_failing_streak", 'worker="h:1"', 2)
    fams = _families(c)
    assert fams["brand_scout_worker_round_failures"].type == "counter"
    assert _value(fams["brand_scout_worker_round_failures"], "_total", worker="h:1") == 3
    assert fams["brand_scout_worker_failing_streak"].type == "gauge"
    assert _value(fams["brand_scout_worker_failing_streak"], worker="h:1") == 2


def test_histograms_and_gauges(c: Container, clock: FrozenClock) -> None:
    _seed(c, clock)
    fams = _families(c)
    alerts = [n for n in c.store.notifications(kind="alert") if n.status == "sent"]
    f2a = fams["brand_scout_fetch_to_alert_seconds"]
    assert f2a.type == "histogram"
    for receiver in {n.receiver for n in alerts}:
        n = sum(1 for a in alerts if a.receiver == receiver)
        assert _value(f2a, "_count", receiver=receiver) == n
        # fetched at t0, processed at +20 s, delivered at +60 s: every alert within (30, 60] seconds
        assert _value(f2a, "_bucket", receiver=receiver, le="30.0") == 0
        assert _value(f2a, "_bucket", receiver=receiver, le="60.0") == n
        assert _value(f2a, "_sum", receiver=receiver) == pytest.approx(60.0 * n, abs=0.01)
    cls = fams["brand_scout_classification_batch_seconds"]
    assert _value(cls, "_count") == 1 and _value(cls, "_bucket", le="+Inf") == 1 and _value(cls, "_sum") > 0
    ack = fams["brand_scout_time_to_acknowledge_seconds"]
    (acked,) = [q for q, _ in c.store.queue_items() if q.acknowledged_at is not None]
    assert _value(ack, "_count", priority=acked.priority) == 1
    assert _value(ack, "_bucket", priority=acked.priority, le="300.0") == 0
    assert _value(ack, "_bucket", priority=acked.priority, le="900.0") == 1  # 10 minutes
    pending = len(c.store.notifications(status="pending"))
    assert _value(fams["brand_scout_outbox_pending"]) == pending >= 3
    age = fams["brand_scout_outbox_age_seconds"]
    assert age.type == "histogram"  # a gauge histogram: the text format 0.0.4 writes _gcount and _gsum gauges
    assert _value(fams["brand_scout_outbox_age_seconds_gcount"]) == pending
    assert _value(age, "_bucket", le="+Inf") == pending
    assert _value(age, "_bucket", le="60.0") == pending - 2  # two were queued 2 and 4 minutes ago
    assert _value(fams["brand_scout_outbox_oldest_pending_age_seconds"]) == pytest.approx(240, abs=0.01)
    assert _value(fams["brand_scout_queue_items"], status="acknowledged") == 1
    assert _value(fams["brand_scout_queue_open"]) == sum(1 for q, _ in c.store.queue_items()
                                                        if q.status in ("new", "assigned", "acknowledged"))


def test_a_scrape_runs_aggregate_queries_only(c: Container, clock: FrozenClock) -> None:
    _seed(c, clock)
    with c.store.session() as s:
        for i in range(300):
            c.store.enqueue(s, key=f"bulk-{i}", receiver="marketing-sales", kind="health", payload={}, now=clock.now())
    statements: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(" ".join(statement.split()))

    event.listen(c.store.engine, "before_cursor_execute", seen)
    try:
        text = metrics.render(c)
    finally:
        event.remove(c.store.engine, "before_cursor_execute", seen)
    assert re.search(r"^brand_scout_outbox_pending 30\d\.0$", text, re.M)
    selects = [s for s in statements if s.upper().startswith("SELECT")]
    assert len(selects) <= 10, selects
    for sql in selects:
        touches_big_table = re.search(r"\bFROM (notification|queue_item|mention)\b", sql)
        assert not touches_big_table or "count(" in sql.lower(), sql


def test_metrics_endpoint(c: Container) -> None:
    from fastapi.testclient import TestClient

    from monitor.web.app import create_app

    r = TestClient(create_app(c)).get("/metrics")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain; version=0.0.4")
    assert "# TYPE brand_scout_fetch_to_alert_seconds histogram" in r.text
    assert re.search(r"^brand_scout_queue_open 0\.0$", r.text, re.M)


def test_grafana_dashboard_queries_exported_metrics(c: Container, clock: FrozenClock) -> None:
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    assert dashboard["title"] and dashboard["panels"] and dashboard["uid"]
    exprs = [t["expr"] for p in dashboard["panels"] for t in p.get("targets", [])]
    assert exprs and all(p.get("datasource") for p in dashboard["panels"] if p.get("targets"))
    _seed(c, clock)
    exported = {s.name for f in text_string_to_metric_families(metrics.render(c)) for s in f.samples}
    used = {m for e in exprs for m in re.findall(r"\bbrand_scout_[a-z_]+", e)}
    assert used and used <= exported, sorted(used - exported)
    families = {re.sub(r"_(total|bucket|sum|count)$", "", n) for n in exported}
    for name in ("fetch_to_alert_seconds", "classification_batch_seconds", "time_to_acknowledge_seconds",
                 "outbox_age_seconds", "outbox_pending", "mentions_fetched", "notifications_failed"):
        assert any(f"brand_scout_{name}" in e for e in exprs), name
        assert f"brand_scout_{name}" in families
