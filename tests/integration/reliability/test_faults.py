"""A source that returns garbage and one that hangs past its timeout (fake HTTP servers on
loopback behind the Hacker News connector): the pipeline keeps running the healthy source,
/healthz shows both broken sources degraded, and each problem raises exactly one health alert,
not one per attempt; a recovered source is healthy again."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from fastapi.testclient import TestClient

from monitor.app.bootstrap import build
from monitor.clock import FrozenClock
from monitor.config import AppConfig
from monitor.web.app import create_app
from tests.doubles import KeywordClassifier, RecordingNotifier
from tests.fakes.hostile import HostileServer

ATTEMPTS = 8


def test_garbage_and_hanging_sources(db_url: str, make_config: Callable[..., AppConfig], tmp_path: Path,
                                     clock: FrozenClock) -> None:
    feed = tmp_path / "feed.jsonl"
    feed.write_text("\n".join(json.dumps({"source": "x", "external_id": str(i), "text": f"SET SEG refund #{i}",
                                          "author_handle": f"u{i}", "offset_s": i * 60}) for i in range(ATTEMPTS * 2))
                    + "\n")
    garbage, hanging = HostileServer("garbage").start(), HostileServer("hang", hang_s=2.0).start()
    rec = RecordingNotifier()
    c = None
    try:
        hn = {"type": "hn", "interval": "10s", "max_retries": 0, "timeout": "0.4s", "options": {"query": "setseg"}}
        cfg = make_config(db=db_url, env={"BRAND_SCOUT_SESSION_SECRET": "s" * 40}, sources=[
            {"name": "feed", "type": "replay", "interval": "10s", "options": {"file": str(feed)}},
            {**hn, "name": "junk", "api_base": garbage.base_url},
            {**hn, "name": "slow", "api_base": hanging.base_url},
        ])
        c = build(cfg, clock=clock, classifier=KeywordClassifier(), notifiers={"log": rec})
        c.start()
        faults = 0
        for _ in range(ATTEMPTS):
            assert not c.pipeline.poll("feed").error
            for name in ("junk", "slow"):
                report = c.pipeline.poll(name)
                assert report.error, name
                faults += 1
            c.pipeline.run_once()
            clock.advance(timedelta(minutes=2))  # past any retry_after
        assert len(garbage.requests) == ATTEMPTS and len(hanging.requests) == ATTEMPTS
        assert c.store.count_mentions() >= ATTEMPTS  # the healthy source kept flowing
        health = [m for m in rec.sent if m.kind == "health"]
        per_source = Counter(m.payload.get("source") for m in health)
        assert per_source == {"junk": 1, "slow": 1}, per_source
        h = TestClient(create_app(c)).get("/healthz").json()
        assert h["status"] == "degraded" and set(h["degraded"]) == {"junk", "slow"}, h
        assert h["sources"]["feed"]["healthy"] and not h["sources"]["junk"]["healthy"]
        assert h["sources"]["slow"]["last_error"]
        # the garbage source comes back: healthy again, no new alert
        garbage.mode = "hn_empty"
        assert not c.pipeline.poll("junk").error
        c.pipeline.run_once()
        h = TestClient(create_app(c)).get("/healthz").json()
        assert h["degraded"] == ["slow"], h
        assert Counter(m.payload.get("source") for m in rec.sent if m.kind == "health") == per_source
        print(f"faults injected: {faults} failed fetches (garbage + hang), health alerts: {sum(per_source.values())}")
    finally:
        if c is not None:
            c.store.engine.dispose()
        garbage.stop()
        hanging.stop()
