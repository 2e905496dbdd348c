"""Fixtures for the Slack tests: a fake Slack Web API on loopback and a container pointed at it."""

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
from tests.fakes.slack import TOKEN, FakeSlack

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
ENV = {"SLACK_BOT_TOKEN": TOKEN, "SLACK_SIGNING_SECRET": SECRET}
INJECTION = ("SET SEG claims portal is down again <!channel> <!here> <@U0ANNA01> <#C0SECRET> @channel @here "
             "@everyone <http://evil.example|click me> & *bold* _it_ ```code fence \u202eevil\x07\x1b")
ROWS = [
    {"source": "x", "external_id": "2", "text": INJECTION, "author_handle": "bo<@U1>", "author_reach": 54000,
     "offset_s": 0},
    {"source": "reddit", "external_id": "t3_a", "text": "Heard SET SEG is building Project Falcon for schools",
     "author_handle": "leaky", "author_reach": 10, "offset_s": 5},
    {"source": "x", "external_id": "1", "text": "I love how fast SET SEG paid my claim, thanks!",
     "author_handle": "amy", "author_reach": 120, "offset_s": 10},
    # a repost of the complaint five hours later: an update in the thread of its first alert
    {"source": "x", "external_id": "4", "text": "RT: SET SEG claims portal is down again", "author_handle": "dee",
     "author_reach": 80, "offset_s": 5 * 3600, "kind": "repost", "refers_to": "2"},
]


def play(c: Container, clock: FrozenClock, seconds: float) -> None:
    """Start the replay, let ``seconds`` pass, poll again."""
    c.pipeline.poll("replay")
    clock.advance(timedelta(seconds=seconds))
    c.pipeline.poll("replay")


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    fake = FakeSlack().start()
    yield fake
    fake.stop()


@pytest.fixture
def slack_cfg(db_url: str, make_config: Callable[..., AppConfig], tmp_path: Path,
              fake_slack: FakeSlack) -> Callable[..., AppConfig]:
    replay = tmp_path / "mentions.jsonl"
    replay.write_text("\n".join(json.dumps(r) for r in ROWS) + "\n", encoding="utf-8")

    def make(**slack: Any) -> AppConfig:
        notify = {"slack": {"api_base": fake_slack.base_url, "max_retries": 0, "max_text_chars": 300, **slack}}
        return make_config(db=db_url, env=ENV, notify=notify,
                           sources=[{"name": "replay", "type": "replay", "interval": "10s",
                                     "options": {"file": str(replay)}}])

    return make


@pytest.fixture
def container_config(slack_cfg: Callable[..., AppConfig]) -> Callable[..., AppConfig]:
    """``containers()`` without a config builds :func:`slack_cfg`'s (the fake Slack API)."""
    return slack_cfg
