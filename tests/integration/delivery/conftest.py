"""Fixtures for the PagerDuty, Teams and webhook receivers: fakes on 127.0.0.1 and a container
whose receivers point at them (Slack off: each receiver's own row goes to the alert log)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from monitor.app.bootstrap import Container
from monitor.clock import FrozenClock
from monitor.config import AppConfig
from tests.fakes.pagerduty import ROUTING_KEY, FakePagerDuty
from tests.fakes.teams import FakeTeams
from tests.fakes.webhook import SECRET, FakeWebhook
from tests.fixtures.digest import smtp  # noqa: F401 - the SMTP sink (email alerts), as the digest tests use it

HOSTILE = ("SET SEG claims portal is down again <at>Anna Berg</at> <!channel> @channel @here @everyone "
           "[click me](http://evil.example/x) https://evil.example/y www.evil.example **bold** _it_ `code` "
           "<script>alert(1)</script> &amp; # heading\n- list item\n1. numbered \u202eevil\x07\x1b")
ROWS = [
    {"source": "x", "external_id": "2", "text": HOSTILE, "author_handle": "bo<at>x</at>", "author_reach": 54000,
     "offset_s": 0},
    {"source": "reddit", "external_id": "t3_a", "text": "Heard SET SEG is building Project Falcon for schools",
     "author_handle": "leaky", "author_reach": 10, "offset_s": 5},
    {"source": "x", "external_id": "1", "text": "I love how fast SET SEG paid my claim, thanks!",
     "author_handle": "amy", "author_reach": 120, "offset_s": 10},
]
ENV = {"PD_ROUTING_KEY": ROUTING_KEY, "TEAMS_LEGAL_URL": "", "TEAMS_BROAD_URL": "", "WEBHOOK_SECRET": SECRET}


def play(c: Container, clock: FrozenClock, seconds: float = 30) -> None:
    """Start the replay, let ``seconds`` pass, poll again, route and deliver."""
    c.pipeline.poll("replay")
    clock.advance(timedelta(seconds=seconds))
    c.pipeline.poll("replay")
    c.pipeline.run_once()


@pytest.fixture
def pd() -> Iterator[FakePagerDuty]:
    fake = FakePagerDuty().start()
    yield fake
    fake.stop()


@pytest.fixture
def teams() -> Iterator[FakeTeams]:
    fake = FakeTeams().start()
    yield fake
    fake.stop()


@pytest.fixture
def hook(clock: FrozenClock) -> Iterator[FakeWebhook]:
    fake = FakeWebhook().start()
    fake.now = lambda: clock.now().timestamp()
    yield fake
    fake.stop()


@pytest.fixture
def receivers(pd: FakePagerDuty, teams: FakeTeams, hook: FakeWebhook) -> list[dict[str, Any]]:
    """marketing-sales is broad (Teams + webhook); legal-compliance is restricted (Teams, webhook,
    PagerDuty); crisis pages through PagerDuty. The fakes answer in milliseconds; a 2 s timeout
    leaves room for a busy CI machine (0.5 s once failed a PagerDuty test there)."""
    timeout = "2s"
    return [
        {"name": "marketing-sales", "teams": {"webhook_url_env": "TEAMS_BROAD_URL", "timeout": timeout},
         "webhook": {"url": hook.url("broad"), "secret_env": "WEBHOOK_SECRET", "timeout": timeout}},
        {"name": "legal-compliance", "restricted": True, "broad": False,
         "teams": {"webhook_url_env": "TEAMS_LEGAL_URL", "timeout": timeout},
         "webhook": {"url": hook.url("legal"), "secret_env": "WEBHOOK_SECRET", "timeout": timeout},
         "pagerduty": {"routing_key_env": "PD_ROUTING_KEY", "api_base": pd.url, "timeout": timeout}},
        {"name": "crisis", "pagerduty": {"routing_key_env": "PD_ROUTING_KEY", "api_base": pd.url, "timeout": timeout}},
        {"name": "kudos", "queue": False},
    ]


@pytest.fixture
def env(teams: FakeTeams) -> dict[str, str]:
    return {**ENV, "TEAMS_LEGAL_URL": teams.webhook_url("legal"), "TEAMS_BROAD_URL": teams.webhook_url("broad")}


@pytest.fixture
def delivery_db(tmp_path: Path) -> str:
    """SQLite; a module that overrides this with ``db_url`` runs on PostgreSQL too."""
    return f"sqlite:///{tmp_path}/test.db"


@pytest.fixture
def target_cfg(make_config: Callable[..., AppConfig], tmp_path: Path, receivers: list[dict[str, Any]],
               env: dict[str, str], delivery_db: str) -> Callable[..., AppConfig]:
    replay = tmp_path / "mentions.jsonl"
    replay.write_text("\n".join(json.dumps(r) for r in ROWS) + "\n", encoding="utf-8")

    def make(receivers_: list[dict[str, Any]] | None = None, env_: dict[str, str] | None = None) -> AppConfig:
        return make_config(db=delivery_db, env=env if env_ is None else env_,
                           receivers=receivers if receivers_ is None else receivers_,
                           sources=[{"name": "replay", "type": "replay", "interval": "10s",
                                     "options": {"file": str(replay)}}])

    return make


@pytest.fixture
def container_config(target_cfg: Callable[..., AppConfig]) -> Callable[..., AppConfig]:
    """``containers()`` without a config builds :func:`target_cfg`'s."""
    return target_cfg
