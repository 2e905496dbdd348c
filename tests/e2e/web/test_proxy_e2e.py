"""Proxy sign-in through the real server (``scout run``, uvicorn on 127.0.0.1): trust is decided on
the TCP peer, so ``X-Forwarded-For`` neither locks out the users of a local reverse proxy nor lets
a local process pose as the proxy (issue 17)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
pytestmark = pytest.mark.slow
LEGAL = "grace.okafor@setseg.example"  # on the example roster


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve(tmp_path: Path, trusted: list[str]) -> tuple[subprocess.Popen[bytes], int, Path]:
    cfg = yaml.safe_load((ROOT / "config" / "example.yaml").read_text(encoding="utf-8"))
    cfg["web"]["auth"].update({"mode": "proxy", "trusted_proxies": trusted, "demo_login": False})
    for src in cfg.get("sources") or []:
        src["enabled"] = False
    path = tmp_path / "proxy.yaml"
    path.write_text(yaml.safe_dump(cfg), encoding="utf-8")
    port, log = _free_port(), tmp_path / "run.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BRAND_SCOUT", "SLACK_"))}
    env.update({"PYTHONUNBUFFERED": "1", "BRAND_SCOUT__DATA_DIR": str(tmp_path / "data"),
                "BRAND_SCOUT__SENTIMENT__MODEL": "lexicon", "BRAND_SCOUT_SESSION_SECRET": "e2e-" + "k" * 40})
    proc = subprocess.Popen([sys.executable, "-m", "monitor", "run", "--config", str(path), "--port", str(port)],
                            cwd=ROOT, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT,
                            start_new_session=True)
    started = time.monotonic()
    while time.monotonic() - started < 90:
        assert proc.poll() is None, log.read_text(errors="replace")[-3000:]
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code in (200, 503):
                return proc, port, log
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    _stop(proc)
    raise AssertionError(f"scout run did not come up:\n{log.read_text(errors='replace')[-3000:]}")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


def test_users_of_a_local_reverse_proxy_are_signed_in(tmp_path: Path) -> None:
    proc, port, _ = _serve(tmp_path, ["127.0.0.1"])
    try:
        # what nginx on the same host sends: the user's own address in X-Forwarded-For
        r = httpx.get(f"http://127.0.0.1:{port}/queue", follow_redirects=False, timeout=10,
                      headers={"X-Forwarded-Email": LEGAL, "X-Forwarded-For": "203.0.113.9"})
        assert r.status_code == 200, (r.status_code, r.headers.get("location"))
    finally:
        _stop(proc)


def test_a_local_process_cannot_pose_as_the_proxy(tmp_path: Path) -> None:
    proc, port, _ = _serve(tmp_path, ["10.9.9.9"])
    try:
        r = httpx.get(f"http://127.0.0.1:{port}/queue", follow_redirects=False, timeout=10,
                      headers={"X-Forwarded-Email": LEGAL, "X-Forwarded-For": "10.9.9.9"})
        assert r.status_code == 303 and r.headers["location"].startswith("/signin")
    finally:
        _stop(proc)
