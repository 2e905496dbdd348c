"""The ``scout`` command line: configuration checks and migrations, as a user runs them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

import monitor.storage.models  # noqa: F401
from monitor.storage.db import current_revision, make_engine, upgrade

ROOT = Path(__file__).resolve().parents[3]
EXAMPLE = ROOT / "config" / "example.yaml"


def scout(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if not k.startswith("BRAND_SCOUT")}
    full.update(env or {})
    return subprocess.run([sys.executable, "-m", "monitor", *args], capture_output=True, text=True, env=full,
                          cwd=ROOT, timeout=120)


def _edited(tmp_path: Path, edit) -> Path:  # type: ignore[no-untyped-def]
    data = yaml.safe_load(EXAMPLE.read_text())
    edit(data)
    p = tmp_path / "edited.yaml"
    p.write_text(yaml.safe_dump(data, sort_keys=False))
    return p


def test_check_config_accepts_the_example() -> None:
    r = scout("check-config", str(EXAMPLE))
    assert r.returncode == 0, r.stderr
    assert "OK" in r.stdout and "demo-replay" in r.stdout


def test_typo_names_file_and_field(tmp_path: Path) -> None:
    def edit(d: dict) -> None:  # type: ignore[type-arg]
        d["web"]["prot"] = d["web"].pop("port")

    p = _edited(tmp_path, edit)
    r = scout("check-config", str(p))
    assert r.returncode == 2
    assert str(p) in r.stderr and "web.prot" in r.stderr and "unknown key" in r.stderr


def test_unknown_receiver_is_named(tmp_path: Path) -> None:
    def edit(d: dict) -> None:  # type: ignore[type-arg]
        d["route"]["routes"][0]["receiver"] = "legal-complaince"

    r = scout("check-config", str(_edited(tmp_path, edit)))
    assert r.returncode == 2 and "route.routes[0].receiver" in r.stderr and "legal-complaince" in r.stderr


def test_missing_secret_is_named_and_nothing_starts(tmp_path: Path) -> None:
    def edit(d: dict) -> None:  # type: ignore[type-arg]
        for s in d["sources"]:
            if s["type"] == "x":
                s["enabled"] = True

    p = _edited(tmp_path, edit)
    r = scout("check-config", str(p))
    assert r.returncode == 2 and "X_BEARER_TOKEN" in r.stderr and "is not set" in r.stderr
    r = scout("run", "--config", str(p), env={"BRAND_SCOUT__DATA_DIR": str(tmp_path / "d")})
    assert r.returncode == 2 and not (tmp_path / "d").exists()


def test_bad_source_options_are_named(tmp_path: Path) -> None:
    def edit(d: dict) -> None:  # type: ignore[type-arg]
        for s in d["sources"]:
            if s["type"] == "replay":
                s["options"]["speeed"] = 2

    r = scout("check-config", str(_edited(tmp_path, edit)))
    assert r.returncode == 2 and "options.speeed" in r.stderr


def test_every_command_has_help() -> None:
    r = scout("--help")
    assert r.returncode == 0
    for cmd in ("demo", "run", "check-config", "db", "poll", "web", "worker", "scheduler"):
        assert cmd in r.stdout
        sub = scout(cmd, "--help")
        assert sub.returncode == 0, (cmd, sub.stderr)


def test_db_upgrade_is_idempotent_and_matches_the_models(db_url: str, tmp_path: Path) -> None:
    engine = make_engine(db_url)
    upgrade(engine)
    upgrade(engine)
    assert current_revision(engine) is not None
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    engine.dispose()
    assert diff == [], f"models and migrations differ; run scripts/regen_initial_migration.sh: {diff}"


def test_poll_once_prints_what_it_stored(tmp_path: Path) -> None:
    env = {"BRAND_SCOUT__DATA_DIR": str(tmp_path / "data"), "BRAND_SCOUT__SENTIMENT__MODEL": "lexicon"}
    r = scout("poll", "demo-replay", "--once", "--config", str(EXAMPLE), env=env)
    assert r.returncode == 0, r.stderr
    assert "stored" in r.stderr and '"source"' in r.stdout


@pytest.mark.parametrize("path", ["/nonexistent/config.yaml"])
def test_missing_file(path: str) -> None:
    r = scout("check-config", path)
    assert r.returncode == 2 and "no such configuration file" in r.stderr
