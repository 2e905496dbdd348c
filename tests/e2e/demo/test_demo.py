"""The README's demo as a user runs it: mentions reach the queue within a minute, and running it
again (after a kill) duplicates no mention and no notification."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest

from monitor.storage.db import make_engine
from monitor.storage.store import Store

ROOT = Path(__file__).resolve().parents[3]
pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(data: Path, port: int, log: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BRAND_SCOUT", "SLACK_"))}
    env["PYTHONUNBUFFERED"] = "1"
    return subprocess.Popen(
        [sys.executable, "-m", "monitor", "demo", "--port", str(port), "--data-dir", str(data), "--speed", "570"],
        cwd=ROOT, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT, start_new_session=True)


def _queue_size(port: int) -> int:
    try:
        r = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5)
    except httpx.HTTPError:
        return -1
    for line in r.text.splitlines():
        if line.startswith("brand_scout_queue_open "):
            return int(float(line.split()[1]))
    return -1


def test_demo_fills_the_queue_and_restarts_without_duplicates(tmp_path: Path) -> None:
    data, port, log = tmp_path / "demo", _free_port(), tmp_path / "demo.log"
    proc = _start(data, port, log)
    try:
        started = time.monotonic()
        while time.monotonic() - started < 60 and _queue_size(port) <= 0:
            assert proc.poll() is None, log.read_text(errors="replace")[-3000:]
            time.sleep(1)
        waited = time.monotonic() - started
        assert _queue_size(port) > 0, f"queue still empty after {waited:.0f}s:\n{log.read_text(errors='replace')[-3000:]}"
        out = log.read_text(errors="replace")
        assert f"http://127.0.0.1:{port}/queue" in out and "alerts" in out
        page = httpx.get(f"http://127.0.0.1:{port}/health", timeout=5)
        assert page.status_code == 200 and "demo-replay" in page.text
        # the first alerts wait for the route's group_wait (30 s in the example config)
        alerts = data / "alerts.log"
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and not (alerts.exists() and "key=" in alerts.read_text(errors="replace")):
            assert proc.poll() is None, log.read_text(errors="replace")[-3000:]
            time.sleep(1)
        assert alerts.exists(), f"no alert within 90 s:\n{log.read_text(errors='replace')[-3000:]}"
        # the alerts' links point at the port the demo serves, not the config's default one
        assert f"| http://127.0.0.1:{port}/queue/" in alerts.read_text(errors="replace")
        assert "127.0.0.1:8080" not in alerts.read_text(errors="replace")
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # a crash, not a clean stop
        proc.wait(timeout=10)
    store = Store(make_engine(f"sqlite:///{data}/brand-scout.db"))
    before = store.count_mentions()
    assert before > 0
    proc = _start(data, port, log)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and store.count_mentions() <= before:
            assert proc.poll() is None, log.read_text(errors="replace")[-3000:]
            time.sleep(1)
        assert store.count_mentions() > before  # it resumed where it stopped
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        proc.wait(timeout=30)
    with store.session() as s:
        from sqlmodel import func, select

        from monitor.storage.models import MentionRow

        total = s.exec(select(func.count()).select_from(MentionRow)).one()
        distinct = s.exec(select(func.count(func.distinct(MentionRow.source + ":" + MentionRow.external_id)))).one()
    assert total == distinct
    keys = Counter(line.rsplit("key=", 1)[1] for line in (data / "alerts.log").read_text().splitlines() if "key=" in line)
    assert keys and max(keys.values()) == 1
    store.engine.dispose()


def test_the_banners_commands_work_on_the_demos_data_and_fresh_starts_over(tmp_path: Path) -> None:
    """Issue 18: the commands the demo prints open the demo's database (and say so), and
    ``scout demo --fresh`` empties the demo's folder (refusing one that holds other files)."""
    data, port, log = tmp_path / "demo", _free_port(), tmp_path / "demo.log"
    proc = _start(data, port, log)
    try:
        started = time.monotonic()
        while time.monotonic() - started < 60 and _queue_size(port) <= 0:
            assert proc.poll() is None, log.read_text(errors="replace")[-3000:]
            time.sleep(1)
        out = log.read_text(errors="replace")
        assert f"http://127.0.0.1:{port}/submit" in out and "demo --fresh" in out and "minutes" in out
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        proc.wait(timeout=30)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BRAND_SCOUT", "SLACK_"))}
    env["BRAND_SCOUT__DATA_DIR"] = str(data)
    bt = subprocess.run([sys.executable, "-m", "monitor", "rules", "backtest", "--since", "1d",
                         "--config", "config/example.yaml"], cwd=ROOT, env=env, capture_output=True, text=True,
                        timeout=120)
    assert bt.returncode == 0, bt.stderr
    assert f"database: sqlite:///{data}/brand-scout.db" in bt.stderr
    assert "mentions" in bt.stdout and "no stored mentions" not in bt.stdout
    (data / "notes.txt").write_text("mine", encoding="utf-8")
    refused = subprocess.run([sys.executable, "-m", "monitor", "demo", "--fresh", "--data-dir", str(data)],
                             cwd=ROOT, env={k: v for k, v in env.items() if k != "BRAND_SCOUT__DATA_DIR"},
                             capture_output=True, text=True, timeout=60)
    assert refused.returncode == 2 and "notes.txt" in refused.stderr and (data / "brand-scout.db").exists()


def test_fresh_empties_only_the_demos_own_files(tmp_path: Path) -> None:
    from monitor.cli.core import _start_over

    for name in ("brand-scout.db", "brand-scout.db-wal", "alerts.log", "brand-scout.scheduler.lock"):
        (tmp_path / name).write_text("x", encoding="utf-8")
    _start_over(tmp_path)
    assert list(tmp_path.iterdir()) == []
    _start_over(tmp_path / "missing")  # nothing to do
