"""Crash test: the service's processes are SIGKILLed at random points, cycle after cycle, while
fake X, Reddit, Slack and SMTP servers (threads of this test, on 127.0.0.1) serve traffic.

* Sources: the real X connector (tweepy) and the real Reddit connector (praw) against fakes that
  release a growing stream of new posts at fixed offsets from the test's start, with the real
  APIs' cursor semantics (X: ``since_id`` / ``start_time`` and a stable ``next_token``; Reddit:
  ``sort=new`` listings paged with ``after``), so the connectors' cursors advance as they would.
* Alerts: the real slack-sdk notifier against the fake Slack Web API, which answers a posted
  message 0.15 s after storing it (a kill in between leaves a posted alert ``sending``).
* Digest: a weekly digest already due when the processes start (the scheduler's catch-up tick
  sends it) to an aiosmtpd sink that takes 0.8 s per recipient (a kill then leaves the digest
  claimed but not received).
* Processes: on SQLite ``scout run`` (scheduler + worker + web) and an extra ``scout worker``;
  on PostgreSQL also two ``scout scheduler`` processes (leader + standby) — killed at random.

Afterwards every post the fakes served is stored once and routed, each cursor matches the newest
post served, every alert is in Slack exactly once, and each digest recipient has one copy. SMTP
has no idempotency key: a kill in the instant between the server's 250 to the DATA and the commit
of ``sent`` (one UPDATE, :class:`~monitor.digest.DigestService`) makes the restart send a second
copy with the same Message-ID; the test allows that second copy only when a kill landed within
:data:`RESEND_WINDOW` after the sink had the first one.

A notification or a digest whose sender was killed mid-send stays leased (``SEND_LEASE``, two
minutes; ``DIGEST_SEND_LEASE``, ten); instead of waiting, the final check runs the same service
in-process with a clock eleven minutes ahead, which is what a restarted service does once the
leases have run out.

CI runs 12 cycles per database. A soak sets the number of cycles (the stream grows with it)::

    SCOUT_CRASH_CYCLES=100 .venv/bin/python -m pytest -m slow -o timeout=0 -s tests/e2e/reliability/test_crash.py
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import email
import json
import os
import random
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlmodel import select

from connectors.x import snowflake_time
from monitor.app.bootstrap import build
from monitor.clock import FrozenClock
from monitor.config import load_config
from monitor.digest import DAYS, DIGEST_SEND_LEASE, DigestService
from monitor.digest.calendar import due_week
from monitor.digest.send import run_key
from monitor.storage.digest_queries import digest_runs
from monitor.storage.models import DigestRun, MentionRow
from tests.conftest import BASE_CONFIG
from tests.fakes.reddit import CLIENT_ID, CLIENT_SECRET, FakeReddit
from tests.fakes.server import Reply, Request, json_reply, payload
from tests.fakes.slack import TOKEN as SLACK_TOKEN
from tests.fakes.slack import FakeSlack
from tests.fakes.smtp import Sink, SmtpServer
from tests.fakes.x import _EPOCH_MS, BEARER, RATE_HEADERS, FakeX, _problem
from tests.procs import free_port, kill, kill_all, spawn

pytestmark = pytest.mark.slow

# Kill cycles per database: 12 in CI; a soak sets SCOUT_CRASH_CYCLES (e.g. 100 = 200 kills on SQLite).
# The stream grows with the cycles (~4 X posts and 3 Reddit submissions a cycle), so traffic
# keeps arriving until the last kill.
CRASH_CYCLES = max(1, int(os.environ.get("SCOUT_CRASH_CYCLES", "12") or 12))
N_X, X_EVERY = max(48, 4 * CRASH_CYCLES), 0.75  # X posts, released one every X_EVERY seconds
N_REDDIT, REDDIT_EVERY = max(36, 3 * CRASH_CYCLES), 0.9  # Reddit submissions
CYCLES = {"sqlite": CRASH_CYCLES, "postgresql": CRASH_CYCLES}
SLACK_REPLY_DELAY = 0.15  # seconds between Slack storing a posted message and its reply
SMTP_RCPT_DELAY = 0.8  # seconds the SMTP sink takes to accept a recipient
# Seconds after the sink has a digest in which a kill may leave its row 'sending' (the 250 on its
# way, one UPDATE committed): generous, for a loaded machine.
RESEND_WINDOW = 1.0
RECIPIENTS = ["marketing-sales@setseg.example", "dana@setseg.example"]
WORDS = ["love the new portal, thanks", "claims portal is down, terrible", "annual meeting Thursday",
         "refund still missing, awful", "great webinar, thanks"]
ENV = {"CRASH_X_BEARER": BEARER, "CRASH_REDDIT_ID": CLIENT_ID, "CRASH_REDDIT_SECRET": CLIENT_SECRET,
       "SLACK_BOT_TOKEN": SLACK_TOKEN, "SLACK_SIGNING_SECRET": "8f742231b10e8888abcd99yyyzzz85a5",
       "BRAND_SCOUT_SESSION_SECRET": "crash-test-" + "s" * 32}


class Stream:
    """Items released at fixed offsets (seconds) from ``start`` (``time.monotonic``)."""

    def __init__(self, items: list[tuple[float, dict[str, Any]]]) -> None:
        self.items = items
        self.start = time.monotonic()
        self.served: set[str] = set()
        self.lock = threading.Lock()

    @property
    def last_offset(self) -> float:
        return max(off for off, _ in self.items)

    def released(self) -> list[dict[str, Any]]:
        now = time.monotonic() - self.start
        return [copy.deepcopy(item) for off, item in self.items if off <= now]

    def serve(self, ids: list[str]) -> None:
        with self.lock:
            self.served.update(ids)


class StreamingX(FakeX):
    """FakeX whose recent search serves only the stream's released posts (shaped like the recorded
    page with fields), newest first: ``since_id`` or else ``start_time``, ``max_results`` per page,
    and a ``next_token`` that continues below the page's oldest id (new posts that arrive while a
    client pages do not shift its pages; they come with the next ``since_id``)."""

    def __init__(self, t0: float) -> None:
        super().__init__()
        self.tweets = []  # no recorded posts: only the stream
        template = payload("x_search_recent_page2.json")["data"][0]
        items = []
        for i in range(N_X):
            off = i * X_EVERY
            tid = str(((int((t0 + off) * 1000) - _EPOCH_MS) << 22) | i)
            t = {**copy.deepcopy(template), "id": tid, "edit_history_tweet_ids": [tid], "conversation_id": tid,
                 "text": f"SET SEG {WORDS[i % 5]} (x #{i})", "author_id": "42" if i % 3 else "43",
                 "created_at": snowflake_time(tid).strftime("%Y-%m-%dT%H:%M:%S.000Z")}
            t.pop("entities", None)
            items.append((off, t))
        self.stream = Stream(items)

    def search(self, req: Request) -> Reply:
        if req.headers.get("authorization") != f"Bearer {BEARER}":
            return _problem(401, "Unauthorized")
        q = req.query
        items = sorted(self.stream.released(), key=lambda t: int(t["id"]), reverse=True)
        if "since_id" in q:
            items = [t for t in items if int(t["id"]) > int(q["since_id"])]
        elif "start_time" in q:
            start = datetime.fromisoformat(q["start_time"].replace("Z", "+00:00"))
            items = [t for t in items if snowflake_time(t["id"]) >= start]
        if "next_token" in q:
            below = int(q["next_token"].removeprefix("below-"))
            items = [t for t in items if int(t["id"]) < below]
        size = int(q.get("max_results", 10))
        page = items[:size]
        headers = {**RATE_HEADERS, "x-rate-limit-reset": str(int(time.time()) + 900)}
        if not page:
            return json_reply({"meta": {"result_count": 0}}, **headers)
        meta: dict[str, Any] = {"newest_id": page[0]["id"], "oldest_id": page[-1]["id"], "result_count": len(page)}
        if len(items) > size:
            meta["next_token"] = f"below-{page[-1]['id']}"
        authors = sorted({t["author_id"] for t in page})
        self.stream.serve([t["id"] for t in page])
        return json_reply({"data": page, "meta": meta, "includes": {"users": [self.users[a] for a in authors]}},
                          **headers)


class StreamingReddit(FakeReddit):
    """FakeReddit whose search serves only the stream's released submissions (the recorded
    listing's shape, ``created_utc`` = the second of release, so some share a second)."""

    def __init__(self, t0: float) -> None:
        super().__init__()
        self.submissions = []
        items = []
        for i in range(N_REDDIT):
            off = i * REDDIT_EVERY
            self.add_submission(f"cr{i:04d}", float(int(t0 + off)), f"SET SEG {WORDS[(i + 2) % 5]} (reddit #{i})")
            items.append((off, self.submissions.pop()))
        self.stream = Stream(items)

    def search(self, req: Request) -> Reply:
        assert req.query.get("sort") == "new"
        reply = self._page(req, self.stream.released())
        if reply.status == 200:
            self.stream.serve([c["data"]["name"] for c in reply.body["data"]["children"]])
        return reply


class SlowSlack(FakeSlack):
    """The fake Slack, but a posted message's reply comes :data:`SLACK_REPLY_DELAY` after Slack has
    it: a kill in between leaves a message in the channel whose outbox row still says ``sending``
    (the restart must find it by its idempotency key, not post it again)."""

    @staticmethod
    def _reply(h: Any, status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        if body.get("ok") and "message" in body:
            time.sleep(SLACK_REPLY_DELAY)
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the caller was killed meanwhile
            FakeSlack._reply(h, status, body, headers)


@dataclass
class SlowSink(Sink):
    """The SMTP sink, but each RCPT takes :data:`SMTP_RCPT_DELAY`: a kill then leaves the digest
    claimed (``sending``) before the server has the message (re-sent once the lease has run out).
    ``accepted_at``: when each message of ``received`` arrived (wall clock), in the same order."""

    accepted_at: list[float] = field(default_factory=list)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          rcpt_options: list[str]) -> str:
        await asyncio.sleep(SMTP_RCPT_DELAY)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.accepted_at.append(time.time())
        return await super().handle_DATA(server, session, envelope)


def _config(tmp_path: Path, db_url: str, fx: StreamingX, fr: StreamingReddit, slack: FakeSlack,
            smtp: SmtpServer) -> Path:
    data = copy.deepcopy(BASE_CONFIG)
    common = {"interval": "1s", "jitter": "0s", "backfill": "1h", "timeout": "5s", "max_retries": 1}
    data["sources"] = [
        {"name": "x", "type": "x", **common, "api_base": fx.server.url,
         "credentials": {"bearer_token": "CRASH_X_BEARER"},
         # a soak's longer stream may pile up while the processes are killed: one poll must still read it all
         "options": {"query": '"SET SEG" OR #setseg -is:retweet', "max_results": 10,
                     "max_pages": min(100, max(10, N_X // 10 + 2))}},
        {"name": "reddit", "type": "reddit", **common, "api_base": fr.server.url,
         "credentials": {"client_id": "CRASH_REDDIT_ID", "client_secret": "CRASH_REDDIT_SECRET"},
         "options": {"query": '"SET SEG"', "time_filter": "day", "limit": min(1000, max(100, N_REDDIT + 10))}},
    ]
    data["sentiment"] = {"model": "lexicon"}
    data["data_dir"] = str(tmp_path / "data")
    data["storage"] = {"url": db_url, "url_env": None}
    data["worker"] = {"batch_size": 4, "poll_interval": 0.1}
    data["notify"] = {"slack": {"api_base": slack.base_url, "timeout": "5s"}}
    # Due since midnight (UTC) today: the scheduler's catch-up tick sends last week's digest at start.
    data["digests"] = [{"recipients": RECIPIENTS, "timezone": "UTC", "day": DAYS[datetime.now(UTC).weekday()],
                        "time": "00:00", "smtp": {"host": "127.0.0.1", "port": smtp.port, "security": "none",
                                                  "timeout": 5, "sender": "brand-scout <scout@setseg.example>"}}]
    data["web"] = {"base_url": "https://scout.setseg.example"}
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


@pytest.fixture
def fakes() -> Iterator[tuple[StreamingX, StreamingReddit, SlowSlack, SmtpServer]]:
    t0 = time.time()
    fx, fr = StreamingX(t0), StreamingReddit(t0)
    fx.server.start()
    fr.server.start()
    slack = SlowSlack()
    slack.start()
    smtp = SmtpServer()
    smtp.sink = SlowSink()
    smtp.start()
    yield fx, fr, slack, smtp
    for stop in (fx.server.stop, fr.server.stop, slack.stop, smtp.stop):
        stop()


def _args(slot: str) -> list[str]:
    if slot == "run":
        return ["run", "--port", str(free_port())]
    return ["worker"] if slot == "worker" else ["scheduler", "--retry", "0.5"]


def _slots(dialect: str) -> list[str]:
    return ["run", "worker", "sched-a", "sched-b"] if dialect == "postgresql" else ["run", "worker"]


def _victims(dialect: str, rng: random.Random) -> list[str]:
    if dialect == "sqlite":
        return ["run", "worker"]
    return [rng.choice(["run", "worker"]), rng.choice(["sched-a", "sched-b"])]


def test_random_sigkills_lose_and_duplicate_nothing(db_url: str, tmp_path: Path,
                                                    fakes: tuple[StreamingX, StreamingReddit, SlowSlack, SmtpServer],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    fx, fr, slack, smtp = fakes
    dialect = db_url.split(":")[0].split("+")[0]
    seed = int(os.environ.get("CRASH_SEED", random.randrange(1 << 30)))
    rng = random.Random(seed)
    print(f"CRASH_SEED={seed} ({dialect}; rerun with this environment variable to replay the kills)")
    cfg_path = _config(tmp_path, db_url, fx, fr, slack, smtp)
    for k, v in ENV.items():
        monkeypatch.setenv(k, v)
    monkeypatch.delenv("BRAND_SCOUT_DATABASE_URL", raising=False)
    env = {**os.environ, "BRAND_SCOUT_CONFIG": str(cfg_path), "PYTHONUNBUFFERED": "1"}
    subprocess.run([sys.executable, "-m", "monitor", "db", "upgrade"], env=env, check=True, capture_output=True)
    # Last week's delivery is pending (the service ran then): the catch-up tick sends it at start.
    cfg0 = load_config(str(cfg_path), env=env)
    c0 = build(cfg0)
    dg = cfg0.digests[0]
    digest_runs(c0.store, due_week(dg, datetime.now(UTC)), [run_key(dg, r) for r in RECIPIENTS], datetime.now(UTC))
    c0.store.engine.dispose()
    log = tmp_path / "procs.log"

    kills: Counter[str] = Counter()
    killed_at: list[float] = []  # wall clock, like the sink's accepted_at
    started = time.monotonic()
    slots = _slots(dialect)
    running: dict[str, subprocess.Popen[bytes]] = {}
    everything: list[subprocess.Popen[bytes]] = []
    exited: list[tuple[str, int | None]] = []  # processes that ended without being killed
    try:
        for _ in range(CYCLES[dialect]):
            for name in slots:
                old = running.get(name)
                if old is not None and old.poll() is not None and old.returncode != -9:
                    exited.append((name, old.returncode))
                if old is None or old.poll() is not None:
                    running[name] = spawn(_args(name), env, log, append=True)
                    everything.append(running[name])
            t0 = time.monotonic()
            plan = sorted((rng.uniform(0.8, 5.0), name) for name in _victims(dialect, rng))
            for when, name in plan:
                time.sleep(max(0.0, when - (time.monotonic() - t0)))
                if kill(running[name]):
                    kills[name] += 1
                    killed_at.append(time.time())
        # the fakes have released everything by now (or soon): the end of the stream
        time.sleep(max(0.0, max(fx.stream.last_offset, fr.stream.last_offset) + 0.5
                       - (time.monotonic() - fx.stream.start)))
        exited += [(name, p.returncode) for name, p in running.items() if p.poll() is not None and p.returncode != -9]
    finally:
        kill_all(everything)
    killed_for = time.monotonic() - started
    assert killed_for < 75 + 7 * max(0, CYCLES[dialect] - 12), killed_for
    assert not exited, (exited, log.read_text(errors="replace")[-3000:])

    served_while_killed = len(fx.stream.served) + len(fr.stream.served)
    mail_while_killed = len(smtp.received)
    slack_while_killed = len(slack.posted())
    # After the kills: a restarted service, its clock past both send leases.
    cfg = load_config(str(cfg_path), env=env)
    clock = FrozenClock(datetime.now(UTC) + max(timedelta(minutes=3), DIGEST_SEND_LEASE + timedelta(minutes=1)))
    c = build(cfg, clock=clock)
    c.start()
    try:
        stored_before = c.store.count_mentions()
        unsent_before = Counter(n.status for n in c.store.notifications() if n.status != "sent")
        with c.store.session() as s:
            digest_before = Counter(r.status for r in s.exec(select(DigestRun)).all())
        assert stored_before > 0, log.read_text(errors="replace")[-3000:]  # the killed processes did work
        for name in ("x", "reddit"):
            for _ in range(5):
                report = c.pipeline.poll(name)
                assert report.error is None, report.error
                if report.stored == 0:
                    break
        c.pipeline.run_once()
        digests = DigestService(c).run_due()

        # Every post the fakes served, stored exactly once and routed; every post was served.
        assert {t["id"] for _, t in fx.stream.items} == fx.stream.served
        assert {s["data"]["name"] for _, s in fr.stream.items} == fr.stream.served
        with c.store.session() as s:
            rows = s.exec(select(MentionRow.source, MentionRow.external_id, MentionRow.state)).all()
        per_key = Counter((src, ext) for src, ext, _ in rows)
        assert max(per_key.values()) == 1
        assert {ext for src, ext in per_key if src == "x"} == fx.stream.served
        assert {ext for src, ext in per_key if src == "reddit"} == fr.stream.served
        assert len(rows) == N_X + N_REDDIT and all(state == "routed" for _, _, state in rows)
        # Cursors: X's since_id = the newest post served; Reddit's high-water = the newest second served.
        xs = c.store.get_state("x")
        assert xs is not None and json.loads(xs.cursor or "{}") == {"since_id": max(fx.stream.served, key=int)}
        rs = c.store.get_state("reddit")
        newest = max(s["data"]["created_utc"] for _, s in fr.stream.items)
        at_newest = sorted(s["data"]["name"] for _, s in fr.stream.items if s["data"]["created_utc"] == newest)
        assert rs is not None and json.loads(rs.cursor or "{}") == {"sub": {"created": newest, "ids": at_newest}}
        assert xs.healthy and rs.healthy

        # Every alert in Slack exactly once (by the idempotency key in the message metadata).
        notes = c.store.notifications()
        assert notes and all(n.status == "sent" for n in notes), Counter(n.status for n in notes)
        keys = Counter(m["metadata"]["event_payload"]["key"] for msgs in slack.messages.values() for m in msgs
                       if (m.get("metadata") or {}).get("event_type") == "brand_scout_alert")
        assert max(keys.values()) == 1, [k for k, v in keys.items() if v > 1]
        assert set(keys) == {n.idempotency_key for n in notes}
        assert all(n.external_ref for n in notes)

        # The digest: each recipient exactly one copy, every run sent.
        with c.store.session() as s:
            runs = s.exec(select(DigestRun)).all()
        assert sorted(r.recipient for r in runs) == sorted(RECIPIENTS) and all(r.status == "sent" for r in runs), \
            [(r.recipient, r.status, r.attempts) for r in runs]
        assert all(len(rcpts) == 1 for _, rcpts, _ in smtp.received)
        copies = Counter(rcpts[0] for _, rcpts, _ in smtp.received)
        assert set(copies) == set(RECIPIENTS), copies
        sink = smtp.sink
        assert isinstance(sink, SlowSink)
        for addr, count in copies.items():
            if count == 1:
                continue
            # the documented window only: one second copy, after a kill right behind the first
            first = min(t for t, (_, rcpts, _) in zip(sink.accepted_at, smtp.received, strict=True) if rcpts == [addr])
            in_window = [round(k - first, 3) for k in killed_at if first <= k <= first + RESEND_WINDOW]
            assert count == 2 and in_window, (addr, count, [round(k - first, 3) for k in killed_at])
            print(f"\n{addr}: a second copy, the sender killed {in_window[0]} s after the server had the first")
        ids = {email.message_from_bytes(raw, policy=default_policy)["Message-ID"] for _, _, raw in smtp.received}
        assert ids == {r.message_id for r in runs}
        assert all(d.outcome in ("sent", "already-sent") for d in digests), digests
    finally:
        for n in c.notifiers.values():
            store = getattr(n, "_store", None)
            if store is not None and store is not c.store:
                store.engine.dispose()
        c.store.engine.dispose()
    by_source = Counter(src for src, _ in per_key)
    print(f"\nkills survived: {sum(kills.values())} ({', '.join(f'{k} {v}' for k, v in sorted(kills.items()))}; "
          f"seed {seed}, {CYCLES[dialect]} cycles in {killed_for:.0f} s, {dialect}); mentions x {by_source['x']}/{N_X}, "
          f"reddit {by_source['reddit']}/{N_REDDIT} each stored once ({stored_before} stored and {served_while_killed} "
          f"served while being killed); {len(notes)} alerts each in Slack once; digest: {len(smtp.received)} copies "
          f"for {len(RECIPIENTS)} recipients ({mail_while_killed} sent by the killed processes). Left for the "
          f"restart: outbox {dict(unsent_before) or 'nothing'} ({slack_while_killed} Slack posts before it), "
          f"digest runs {dict(digest_before)}")
