"""PostgreSQL restarted mid-run: the service keeps running, reports the database as down while
it is, recovers by itself, and loses or duplicates nothing.

The test starts its OWN PostgreSQL server (initdb into a temp folder, a free port, run as the
``postgres`` system user) so that restarting it disturbs nobody else.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from monitor.app.bootstrap import build
from monitor.app.service import WorkerLoop
from monitor.clock import SystemClock
from monitor.config import validate_config
from tests.conftest import BASE_CONFIG
from tests.doubles import KeywordClassifier, RecordingNotifier

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

BIN = next(iter(sorted(Path("/usr/lib/postgresql").glob("*/bin"))), None)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_postgres(*cmd: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["runuser", "-u", "postgres", "--", *cmd], capture_output=True, text=True, timeout=120)


@pytest.fixture
def private_pg() -> Iterator[tuple[str, Path, int]]:
    if BIN is None or shutil.which("runuser") is None or os.geteuid() != 0:
        reason = "needs Debian's PostgreSQL binaries and root (to run initdb as the postgres user)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    # not under pytest's tmp folder: that one is private to root, and the server runs as postgres
    root = Path(tempfile.mkdtemp(prefix="brand-scout-pg-"))
    shutil.chown(root, "postgres", "postgres")
    data = root / "data"
    port = _free_port()
    r = _as_postgres(str(BIN / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres")
    assert r.returncode == 0, r.stderr
    opts = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off"
    r = _as_postgres(str(BIN / "pg_ctl"), "-D", str(data), "-o", opts, "-l", str(root / "log"), "-w", "start")
    assert r.returncode == 0, r.stderr + (root / "log").read_text(errors="replace")
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres", data, port
    finally:
        _as_postgres(str(BIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(root, ignore_errors=True)


def test_postgres_restart_mid_run_loses_nothing(private_pg: tuple[str, Path, int], tmp_path: Path) -> None:
    from monitor.web.app import health

    url, data, port = private_pg
    assert BIN is not None  # private_pg skips without the binaries
    n = 150
    feed = tmp_path / "feed.jsonl"
    feed.write_text("\n".join(json.dumps({"source": "x", "external_id": str(i), "text": f"SET SEG refund #{i}",
                                          "author_handle": f"u{i}", "offset_s": i * 0.05}) for i in range(n)))
    cfg_data = json.loads(json.dumps(BASE_CONFIG))
    cfg_data.update(data_dir=str(tmp_path / "data"), storage={"url": url, "url_env": None},
                    sources=[{"name": "feed", "type": "replay", "interval": "1s",
                              "options": {"file": str(feed), "max_per_fetch": 10}}],
                    worker={"batch_size": 5, "poll_interval": 0.1})
    cfg = validate_config(cfg_data, env={})
    notifier = RecordingNotifier()
    c = build(cfg, clock=SystemClock(), classifier=KeywordClassifier(), notifiers={"log": notifier})
    c.start()
    stop = threading.Event()
    errors: list[str] = []

    def poller() -> None:
        while not stop.is_set():
            try:
                c.pipeline.poll("feed")
            except Exception as exc:  # the database is down: the scheduler would log and retry
                errors.append(type(exc).__name__)
            stop.wait(0.2)

    threads = [threading.Thread(target=poller, daemon=True),
               threading.Thread(target=WorkerLoop(c, stop).run, daemon=True)]
    for t in threads:
        t.start()
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and c.store.count_mentions() < 30:
            time.sleep(0.2)
        assert c.store.count_mentions() >= 30
        r = _as_postgres(str(BIN / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop")
        assert r.returncode == 0, r.stderr
        time.sleep(2)
        assert health(c)["status"] == "down"  # /healthz tells the truth while it is down
        opts = f"-p {port} -k {data.parent} -c listen_addresses=127.0.0.1 -c fsync=off"
        r = _as_postgres(str(BIN / "pg_ctl"), "-D", str(data), "-o", opts, "-l", str(data.parent / "log"), "-w",
                         "start")
        assert r.returncode == 0, r.stderr
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if c.store.count_mentions(state="routed") == n and not c.store.notifications(status="pending"):
                    break
            except Exception:
                pass
            time.sleep(0.5)
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=30)
    assert errors, "the outage was not noticed"
    assert c.store.count_mentions() == n and c.store.count_mentions(state="routed") == n
    keys = [m.key for m in notifier.sent]
    assert len(keys) == len(set(keys))
    leftover = c.store.notifications(status="sending")
    if leftover:  # a send cut by the outage is reconciled once its lease runs out
        from monitor.clock import FrozenClock

        later = build(cfg, clock=FrozenClock(SystemClock().now() + timedelta(minutes=3)),
                      classifier=KeywordClassifier(), notifiers={"log": notifier})
        later.pipeline.run_once()
        later.store.engine.dispose()
    keys = [m.key for m in notifier.sent]
    assert len(keys) == len(set(keys)) and all(x.status == "sent" for x in c.store.notifications())
    assert health(c)["status"] != "down"
    c.store.engine.dispose()
