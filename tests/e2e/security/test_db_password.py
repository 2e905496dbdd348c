"""The database password never reaches stdout or stderr (issue 17): the ``scout run`` / ``scout
demo`` banners print the URL with the password hidden, and an error that quotes it is redacted."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from monitor.cli.core import banner_text, shown_database_url
from monitor.config import AppConfig
from monitor.errors import redact
from monitor.storage.db import redacted_url
from tests.procs import free_port

SENTINEL = "PW-sentinel-7f3a9"
ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize("url", [
    f"postgresql+psycopg://scout:{SENTINEL}@db.internal:5432/scout",
    f"postgresql://scout:{SENTINEL}@db/scout?sslmode=require",
    f"postgresql://db/scout?password={SENTINEL}&sslmode=require",
    f"postgresql+psycopg://scout:{SENTINEL}@/scout?host=/run/postgresql",
    f"weird url://scout:{SENTINEL}@db/scout",
])
def test_redacted_url_hides_the_password(url: str) -> None:
    shown = redacted_url(url)
    assert SENTINEL not in shown and ("***" in shown or "%2A%2A%2A" in shown), shown


def test_the_run_banner_hides_the_password(make_config: Callable[..., AppConfig]) -> None:
    cfg = make_config(db=f"postgresql+psycopg://scout:{SENTINEL}@db.internal:5432/scout")
    text = banner_text(cfg, "http://127.0.0.1:8080")
    assert SENTINEL not in text
    assert "postgresql+psycopg://scout:***@db.internal:5432/scout" in text
    assert shown_database_url(cfg) == "postgresql+psycopg://scout:***@db.internal:5432/scout"


def test_a_password_in_the_file_is_redacted_from_logs(make_config: Callable[..., AppConfig]) -> None:
    cfg = make_config(db=f"postgresql+psycopg://scout:{SENTINEL}@db.internal:5432/scout")
    cfg.database_url()
    assert SENTINEL not in redact(f"could not connect with {SENTINEL}")


@pytest.mark.parametrize("command", ["demo", "run"])
def test_scout_run_and_demo_never_print_the_password(command: str, tmp_path: Path) -> None:
    """The real commands with a PostgreSQL URL holding a password (nothing listens on its port):
    the demo's first line names the database, then start-up fails on the connection; neither the
    banner nor the error shows the password."""
    with __import__("socket").socket() as s:  # a port with nothing behind it
        s.bind(("127.0.0.1", 0))
        dead_port = s.getsockname()[1]
    env = {**os.environ, "BRAND_SCOUT_DATABASE_URL": f"postgresql+psycopg://scout:{SENTINEL}@127.0.0.1:{dead_port}/scout",
           "BRAND_SCOUT__DATA_DIR": str(tmp_path / "data"), "BRAND_SCOUT_SESSION_SECRET": "s" * 40}
    args = [sys.executable, "-m", "monitor", command, "--port", str(free_port())]
    if command == "demo":
        args += ["--data-dir", str(tmp_path / "data")]
    r = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    out = r.stdout + r.stderr
    assert r.returncode != 0, out
    assert SENTINEL not in out, out
    if command == "demo":
        assert f"scout:***@127.0.0.1:{dead_port}/scout" in r.stdout, r.stdout
