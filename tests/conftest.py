"""Shared fixtures: configurations, databases (SQLite and PostgreSQL), clocks and fakes."""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")

import copy
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from monitor.clock import FrozenClock
from monitor.config import AppConfig, validate_config

PG_ADMIN_URL = os.environ.get("BRAND_SCOUT_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")

BASE_CONFIG: dict[str, Any] = {
    "organisation": {"name": "SET SEG", "brand_terms": ["SET SEG", "setseg"],
                     "own_accounts": {"x": ["setseg"]}, "timezone": "America/Denver",
                     "team": "Marketing & Sales", "legal_team": "Legal / Compliance"},
    "sources": [{"name": "replay", "type": "replay", "interval": "10s", "options": {"file": "sample"}}],
    "policy": {
        "light": {
            "watchlists": [{"name": "codenames", "kind": "codename", "terms": ["Project Falcon"]},
                           {"name": "phrases", "kind": "phrase", "terms": ["internal only"]},
                           {"name": "credentials", "kind": "credentials",
                            "patterns": [{"name": "a password", "regex": r"\bpassword\s*[:=]\s*\S{4,}"}]}],
            "yellow": {"complaint_terms": ["refund", "outage"]},
        },
        "topics": [{"name": "claims", "keywords": ["claim", "claims"]}],
        # the tests' clock reads UTC; left out, the zone would be the organisation's
        "business_hours": {"timezone": "UTC"},
    },
    "receivers": [
        {"name": "marketing-sales", "slack": {"channel": "#marketing-sales"}},
        {"name": "legal-compliance", "restricted": True, "broad": False, "slack": {"channel": "#legal"}},
        {"name": "crisis", "slack": {"channel": "#crisis"}},
        {"name": "kudos", "queue": False, "slack": {"channel": "#kudos"}},
    ],
    "route": {
        "receiver": "marketing-sales",
        "routes": [
            {"receiver": "legal-compliance", "matchers": ['light="red"'], "continue": True},
            {"receiver": "marketing-sales", "matchers": ['light="red"']},
            {"receiver": "marketing-sales", "matchers": ['light="yellow"']},
            {"receiver": "kudos", "matchers": ['light="green"', 'sentiment="positive"']},
        ],
    },
    "spokespersons": [
        {"id": "anna", "name": "Anna Berg", "email": "anna@setseg.example", "slack_user_id": "U0ANNA01",
         "topics": ["claims"], "roles": ["spokesperson", "lead"], "working_hours": {"timezone": "UTC"}},
        {"id": "ben", "name": "Ben Ortiz", "email": "ben@setseg.example", "slack_user_id": "U0BEN001",
         "working_hours": {"timezone": "UTC"}},
    ],
}


@pytest.fixture
def clock() -> FrozenClock:
    """A clock at Monday 2026-11-16 16:00 UTC (09:00 in Denver)."""
    return FrozenClock(datetime(2026, 11, 16, 16, 0, tzinfo=UTC))


def _pg_available() -> str | None:
    try:
        import psycopg

        url = PG_ADMIN_URL.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(url, connect_timeout=3):
            return None
    except Exception as exc:
        return f"PostgreSQL not reachable at {PG_ADMIN_URL}: {type(exc).__name__}: {exc}"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh empty database: SQLite in a temp folder, or a new PostgreSQL database.

    PostgreSQL tests skip with the reason where no server is reachable, but never in CI.
    """
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/test.db"
        return
    problem = _pg_available()
    if problem:
        if os.environ.get("CI"):
            pytest.fail(f"{problem} (CI must run the PostgreSQL tests)")
        pytest.skip(problem)
    import psycopg

    admin = PG_ADMIN_URL.replace("postgresql+psycopg://", "postgresql://")
    name = f"bs_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    yield f"{base}/{name}"
    from sqlalchemy.pool import NullPool  # noqa: F401  (engines are disposed by the tests' containers)

    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def make_config(tmp_path: Path) -> Callable[..., AppConfig]:
    """Build a validated config from :data:`BASE_CONFIG` plus top-level overrides."""

    def make(db: str | None = None, env: dict[str, str] | None = None, **overrides: Any) -> AppConfig:
        data = copy.deepcopy(BASE_CONFIG)
        data["data_dir"] = str(tmp_path / "data")
        if db:
            data["storage"] = {"url": db, "url_env": None}
        data.update(copy.deepcopy(overrides))
        return validate_config(data, path="<test>", env=env or {})

    return make


@pytest.fixture
def container_config(make_config: Callable[..., AppConfig]) -> Callable[[], AppConfig]:
    """The configuration :func:`containers` builds when a test gives none. An area's conftest overrides
    this fixture with its own (web: a roster; Slack: the fake Slack API; delivery: the fake receivers)."""
    return make_config


@pytest.fixture
def container_kwargs() -> Callable[[], dict[str, Any]]:
    """Build arguments :func:`containers` passes unless the test gives its own, made fresh for every
    container. An area's conftest may override this fixture (web: a recording notifier)."""
    return dict


@pytest.fixture
def containers(clock: FrozenClock, container_config: Callable[[], AppConfig],
               container_kwargs: Callable[[], dict[str, Any]]) -> Iterator[Callable[..., Any]]:
    """The one container fixture: ``containers(cfg=None, **build_kwargs)`` builds and starts a container.

    Without ``cfg``, the area's ``container_config()``. Build arguments: the area's ``container_kwargs()``,
    then the test's own; defaults the ``clock`` fixture and the deterministic
    :class:`tests.doubles.KeywordClassifier`. Every container made is disposed of at teardown (its engine,
    and a notifier's own store).
    """
    from monitor.app.bootstrap import build
    from tests.doubles import KeywordClassifier

    made: list[Any] = []

    def make(cfg: AppConfig | None = None, **kw: Any) -> Any:
        kw = {**container_kwargs(), **kw}
        kw.setdefault("clock", clock)
        kw.setdefault("classifier", KeywordClassifier())
        c = build(container_config() if cfg is None else cfg, **kw)
        c.start()
        made.append(c)
        return c

    yield make
    for c in made:
        for n in c.notifiers.values():
            store = getattr(n, "_store", None)
            if store is not None and store is not c.store:
                store.engine.dispose()
        c.store.engine.dispose()
