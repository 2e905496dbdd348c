"""Crash test: ``scout run`` (scheduler + worker + web in one process) and an extra ``scout
worker`` are SIGKILLed at random points, cycle after cycle, while a replay source feeds mentions
and the alert log receives notifications. Afterwards every mention is stored and routed once,
every alert is in the alert log exactly once, and the replay cursor matches what was stored.

A notification whose sender was killed mid-send stays leased for two minutes (``SEND_LEASE``);
instead of waiting, the final check runs the same pipeline in-process with a clock three minutes
ahead, which is exactly what a restarted service does once the lease has run out.
"""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from monitor.bootstrap import build
from monitor.clock import FrozenClock
from monitor.config import load_config
from tests.conftest import BASE_CONFIG

pytestmark = pytest.mark.slow

N = 120
CYCLES = 7
WORDS = ["love the new portal, thanks", "claims portal is down, terrible", "annual meeting Thursday",
         "refund still missing, awful", "great webinar, thanks"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _spawn(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "monitor", *args], env=env, stdout=log.open("ab"),
                            stderr=subprocess.STDOUT, start_new_session=True)


def _kill(p: subprocess.Popen[bytes]) -> bool:
    if p.poll() is not None:
        return False
    os.killpg(p.pid, signal.SIGKILL)
    p.wait(timeout=10)
    return True


def test_random_sigkills_lose_and_duplicate_nothing(db_url: str, tmp_path: Path) -> None:
    seed = int(os.environ.get("CRASH_SEED", random.randrange(1 << 30)))
    rng = random.Random(seed)
    feed = tmp_path / "feed.jsonl"
    feed.write_text("\n".join(json.dumps({
        "source": "x", "external_id": str(i), "text": f"SET SEG {WORDS[i % 5]} #{i}", "author_handle": f"u{i}",
        "author_reach": 10 * i, "offset_s": i * 0.2}) for i in range(N)) + "\n")
    data = json.loads(json.dumps(BASE_CONFIG))
    data["sources"] = [{"name": "feed", "type": "replay", "interval": "1s", "jitter": "0s",
                        "options": {"file": str(feed), "max_per_fetch": 9}}]
    data["sentiment"] = {"model": "lexicon"}
    data["data_dir"] = str(tmp_path / "data")
    data["storage"] = {"url": db_url, "url_env": None}
    data["worker"] = {"batch_size": 4, "poll_interval": 0.1}
    cfg_path = tmp_path / "config.yaml"
    cfg_path.write_text(yaml.safe_dump(data))
    env = {**os.environ, "BRAND_SCOUT_CONFIG": str(cfg_path), "PYTHONUNBUFFERED": "1",
           "BRAND_SCOUT_SESSION_SECRET": "crash-test-" + "s" * 32}
    for k in ("BRAND_SCOUT_DATABASE_URL", "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"):
        env.pop(k, None)
    subprocess.run([sys.executable, "-m", "monitor", "db", "upgrade"], env=env, check=True, capture_output=True)
    log = tmp_path / "procs.log"

    kills = 0
    started = time.monotonic()
    procs: list[subprocess.Popen[bytes]] = []
    try:
        for _ in range(CYCLES):
            run = _spawn(["run", "--port", str(_free_port())], env, log)
            worker = _spawn(["worker"], env, log)
            procs += [run, worker]
            t_worker, t_run = rng.uniform(0.8, 5.0), rng.uniform(1.5, 5.0)
            t0 = time.monotonic()
            for when, p in sorted([(t_worker, worker), (t_run, run)], key=lambda x: x[0]):
                time.sleep(max(0.0, when - (time.monotonic() - t0)))
                kills += _kill(p)
        assert time.monotonic() - started < 60
    finally:
        for p in procs:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait(timeout=10)

    # after the kills: a restarted service, its clock past the feed's end and the send lease
    cfg = load_config(str(cfg_path))
    clock = FrozenClock(datetime.now(UTC) + timedelta(minutes=3))
    c = build(cfg, clock=clock)
    c.start()
    try:
        stored_before = c.store.count_mentions()
        assert stored_before > 0, log.read_text(errors="replace")[-3000:]  # the killed processes did work
        for _ in range(N // 9 + 3):
            c.pipeline.poll("feed")
        c.pipeline.run_once()
        assert c.store.count_mentions() == N
        assert c.store.count_mentions(state="routed") == N
        state = c.store.get_state("feed")
        assert state is not None and json.loads(state.cursor or "{}")["released"] == N
        notes = c.store.notifications()
        assert notes and all(n.status == "sent" for n in notes), Counter(n.status for n in notes)
        lines = (tmp_path / "data" / "alerts.log").read_text().splitlines()
        keys = Counter(line.rsplit("key=", 1)[1] for line in lines)
        assert max(keys.values()) == 1, [k for k, v in keys.items() if v > 1]
        assert set(keys) == {n.idempotency_key for n in notes}
    finally:
        c.store.engine.dispose()
    print(f"kills survived: {kills} (seed {seed}, {CYCLES} cycles, {stored_before}/{N} mentions stored while "
          f"being killed, {len(notes)} alerts each delivered once, {db_url.split(':')[0]})")
