"""Scale-out on the real PostgreSQL: two workers and two schedulers as separate processes; the
active scheduler and a worker are killed mid-run. Every mention is stored and processed once and
every notification is delivered once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
import yaml

from monitor.storage.db import make_engine
from monitor.storage.store import Store
from tests.conftest import BASE_CONFIG
from tests.procs import spawn as _spawn
from tests.procs import wait_for as _wait

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

N = 120


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_two_workers_two_schedulers_survive_kills(db_url: str, tmp_path: Path) -> None:
    feed = tmp_path / "feed.jsonl"
    words = ["love the new portal", "claims portal is down, terrible", "annual meeting Thursday",
             "refund still missing", "great webinar, thanks"]
    feed.write_text("\n".join(json.dumps({
        "source": "x", "external_id": str(i), "text": f"SET SEG {words[i % 5]} #{i}", "author_handle": f"u{i}",
        "author_reach": 10 * i, "offset_s": i * 0.1}) for i in range(N)) + "\n")
    data = json.loads(json.dumps(BASE_CONFIG))
    data["sources"] = [{"name": "feed", "type": "replay", "interval": "1s", "jitter": "0s",
                        "options": {"file": str(feed), "max_per_fetch": 7}}]
    data["sentiment"] = {"model": "lexicon"}
    data["data_dir"] = str(tmp_path / "data")
    data["storage"] = {"url": db_url, "url_env": None}
    data["worker"] = {"batch_size": 5, "poll_interval": 0.2}
    cfg_path = tmp_path / "config.yaml"
    cfg_path.write_text(yaml.safe_dump(data))
    env = {**os.environ, "BRAND_SCOUT_CONFIG": str(cfg_path), "PYTHONUNBUFFERED": "1"}
    env.pop("BRAND_SCOUT_DATABASE_URL", None)
    subprocess.run([sys.executable, "-m", "monitor", "db", "upgrade"], env=env, check=True, capture_output=True)

    logs = {name: tmp_path / f"{name}.log" for name in ("s1", "s2", "w1", "w2")}
    procs = {name: _spawn(["scheduler", "--retry", "0.5"] if name.startswith("s") else ["worker"], env, log)
             for name, log in logs.items()}
    store = Store(make_engine(db_url))
    try:
        def active() -> list[str]:
            return [n for n in ("s1", "s2") if "now active" in logs[n].read_text(errors="replace")]

        _wait(lambda: len(active()) == 1, 60, "one active scheduler")
        leader = active()[0]
        standby = "s2" if leader == "s1" else "s1"
        _wait(lambda: store.count_mentions() >= 20, 60, "first mentions")
        os.killpg(procs[leader].pid, signal.SIGKILL)
        killed_at = time.monotonic()
        _wait(lambda: "now active" in logs[standby].read_text(errors="replace"), 30, "the standby to take over")
        takeover = time.monotonic() - killed_at
        _wait(lambda: store.count_mentions(state="routed") >= 40, 60, "processing")
        os.killpg(procs["w1"].pid, signal.SIGKILL)
        _wait(lambda: store.count_mentions() == N, 120, "all mentions stored")
        _wait(lambda: store.count_mentions(state="routed") == N, 120, "all mentions routed")
        _wait(lambda: not store.notifications(status="pending") and not store.notifications(status="sending"),
              200, "the outbox to drain (a killed sender's lease runs out after 2 minutes)")
    finally:
        for p in procs.values():
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)
        for p in procs.values():
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
    assert takeover < 15
    with store.session() as s:
        from sqlmodel import func, select

        from monitor.storage.models import MentionRow

        assert s.exec(select(func.count()).select_from(MentionRow)).one() == N
    notes = store.notifications()
    assert notes and all(n.status == "sent" for n in notes)
    lines = (tmp_path / "data" / "alerts.log").read_text().splitlines()
    keys = Counter(line.rsplit("key=", 1)[1] for line in lines)
    assert set(keys) == {n.idempotency_key for n in notes}
    assert max(keys.values()) == 1, [k for k, v in keys.items() if v > 1]
    store.engine.dispose()
