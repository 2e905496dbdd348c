"""Fixtures for the weekly digest: a seeded week of data and a real SMTP sink (aiosmtpd)."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from monitor.app.bootstrap import Container, build
from monitor.clock import FrozenClock
from monitor.config import AppConfig
from monitor.storage.models import (
    ClassificationRow,
    ConnectorState,
    MentionRow,
    QueueItem,
    QueueItemMention,
    ScoutSubmission,
    SpikeEvent,
)

WEEK = "2026-W46"  # Mon 9 Nov – Sun 15 Nov 2026 (UTC digest)
WEEK_START = datetime(2026, 11, 9, tzinfo=UTC)
NOW = datetime(2026, 11, 16, 16, 0, tzinfo=UTC)  # Monday after, 16:00 UTC (digest due at 08:00)
RED_TEXT = "internal only: Project Falcon ships to Zyxcorp in March"
EVIL_TEXT = "This is broken <script>alert('x')</script> & terrible"


def _id(x: Any) -> int:
    assert x.id is not None
    return int(x.id)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Sink:
    """aiosmtpd handler that keeps what it received."""

    received: list[tuple[str, list[str], bytes]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted for delivery"


class SmtpServer:
    """A start/stop-able SMTP sink on a fixed free port of 127.0.0.1."""

    def __init__(self, **controller_kwargs: Any) -> None:
        self.port = free_port()
        self.sink = Sink()
        self.kwargs = controller_kwargs
        self.ctl: Controller | None = None

    def start(self) -> None:
        self.ctl = Controller(self.sink, hostname="127.0.0.1", port=self.port, **self.kwargs)
        self.ctl.start()

    def stop(self) -> None:
        if self.ctl is not None:
            self.ctl.stop()
            self.ctl = None

    @property
    def received(self) -> list[tuple[str, list[str], bytes]]:
        return self.sink.received


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def smtp_down() -> Iterator[SmtpServer]:
    """A server object whose port is free but nothing listens until ``start()``."""
    server = SmtpServer()
    yield server
    server.stop()


def digest_cfg(port: int, smtp: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    return {"recipients": ["marketing-sales@setseg.example", "dana@setseg.example"], "timezone": "UTC",
            "day": "mon", "time": "08:00",
            "smtp": {"host": "127.0.0.1", "port": port, "security": "none", "timeout": 5,
                     "sender": "brand-scout <scout@setseg.example>", **(smtp or {})}, **extra}


@pytest.fixture
def digest_config(make_config: Callable[..., AppConfig], tmp_path: Any) -> Callable[..., AppConfig]:
    def make(port: int, db: str | None = None, env: dict[str, str] | None = None, **extra: Any) -> AppConfig:
        return make_config(db=db or f"sqlite:///{tmp_path}/digest.db", env=env,
                           digests=[digest_cfg(port, **extra)],
                           web={"base_url": "https://scout.setseg.example"})

    return make


def make_container(cfg: AppConfig, now: datetime = NOW) -> Container:
    c = build(cfg, clock=FrozenClock(now))
    c.start()
    return c


def _mention(i: int, source: str, at: datetime, text: str, reach: int = 100, likes: int = 0) -> MentionRow:
    return MentionRow(source=source, external_id=f"{source}-{i}", source_name=source, url=f"https://{source}.example/{i}",
                      text=text, author_handle=f"user{i}", author_name=f"User {i}", author_reach=reach,
                      created_at=at, fetched_at=at, likes=likes, state="routed")


def seed(c: Container) -> dict[str, int]:
    """A week of data (2026-W46) plus 13 weeks of baseline; returns ids of interest.

    Baseline: W33..W44 7 neutral x mentions a week (one a day), W45 (last week) 10 mentions
    (7 neutral x, 3 negative reddit); every baseline mention has reach 100.
    The week: 10 mentions (3 negative incl. 1 red, 5 neutral, 2 positive), reach 15,600.
    """
    ids: dict[str, int] = {}
    n = 0
    with c.store.session() as s:
        def add(m: MentionRow, label: str | None) -> MentionRow:
            s.add(m)
            s.flush()
            if label:
                s.add(ClassificationRow(mention_id=_id(m), label=label, score=0.9, created_at=m.created_at))
            return m

        for w in range(13, 1, -1):  # W33 .. W44
            for d in range(7):
                n += 1
                add(_mention(n, "x", WEEK_START - timedelta(weeks=w, days=-d, hours=-10), "a neutral post"), "neutral")
        for d in range(7):
            n += 1
            add(_mention(n, "x", WEEK_START - timedelta(weeks=1, days=-d, hours=-10), "a neutral post"), "neutral")
        for d in range(3):
            n += 1
            add(_mention(n, "reddit", WEEK_START - timedelta(weeks=1, days=-d, hours=-12), "meh, outage again"),
                "negative")

        t = WEEK_START + timedelta(days=1, hours=9)  # Tue 10 Nov 09:00
        m1 = add(_mention(1001, "x", t, EVIL_TEXT, reach=5000, likes=50), "negative")
        m2 = add(_mention(1002, "reddit", t + timedelta(days=1), "refund denied, worst service", reach=200, likes=5),
                 "negative")
        m3 = add(_mention(1003, "x", t + timedelta(days=2), RED_TEXT, reach=10000, likes=999), "negative")
        m4 = add(_mention(1004, "x", t + timedelta(days=3), "I love SET SEG, fantastic support", reach=300, likes=20),
                 "positive")
        add(_mention(1005, "mastodon", t + timedelta(days=3), "Thanks SET SEG team", reach=50, likes=2), "positive")
        for k in range(5):
            add(_mention(1010 + k, "x", t + timedelta(days=k % 5, hours=k), "a neutral post", reach=10), "neutral")

        def item(m: MentionRow, light: str, priority: str, status: str, due: timedelta, **kw: Any) -> QueueItem:
            q = QueueItem(mention_id=_id(m), group_key=f"g{m.id}", light=light, priority=priority, status=status,
                          created_at=m.created_at, updated_at=m.created_at, due_at=m.created_at + due, **kw)
            s.add(q)
            s.flush()
            s.add(QueueItemMention(queue_item_id=_id(q), mention_id=_id(m)))
            return q

        q1 = item(m1, "yellow", "high", "responded", timedelta(hours=4), assignee="anna",
                  acknowledged_at=m1.created_at + timedelta(hours=1), responded_at=m1.created_at + timedelta(hours=3),
                  response_url="https://x.example/reply/1")
        q2 = item(m2, "yellow", "normal", "assigned", timedelta(hours=8), assignee="ben")
        q3 = item(m3, "red", "urgent", "acknowledged", timedelta(hours=1), assignee="anna",
                  acknowledged_at=m3.created_at + timedelta(minutes=30))
        ids.update(m1=m1.id or 0, m2=m2.id or 0, m3=m3.id or 0, q1=q1.id or 0, q2=q2.id or 0, q3=q3.id or 0)

        for sub in (ScoutSubmission(submitted_by="carol@setseg.example", submitter_name="Carol Diaz", url=m2.url,
                                    mention_id=m2.id, already_known=True, created_at=t + timedelta(days=1, hours=1)),
                    ScoutSubmission(submitted_by="carol@setseg.example", submitter_name="Carol Diaz", url=m4.url,
                                    mention_id=m4.id, created_at=t + timedelta(days=3, hours=1)),
                    ScoutSubmission(submitted_by="dave@setseg.example", url="https://elsewhere.example/p",
                                    note="saw this on a forum", created_at=t + timedelta(days=4))):
            s.add(sub)
        s.add(SpikeEvent(key="volume:all:1", kind="volume", scope="all", started_at=t + timedelta(days=2),
                         baseline=1.5, observed=6.0,
                         explanation={"summary": "mentions 4.0x the usual volume",
                                      "top_terms": [["falcon", 3], ["refund", 2]],
                                      "samples": [{"text": RED_TEXT}]}))
        st = s.get(ConnectorState, "replay")
        assert st is not None
        st.healthy = False
        st.last_error = "HTTP 503 from upstream"
        st.last_mention_at = t
        s.add(st)
    return ids
