"""One poisoned post must not stop its source (issue 17, High).

A federated Mastodon instance sets its accounts' counts: a follower or like count beyond int4 or
int64 used to make the store step raise outside the poll's error handling, losing the whole
fetch (a red mention with it) with the cursor stuck, the source shown healthy, every later poll
failing alike and the SQL parameters (mention text) in the traceback. These tests run the real
Mastodon connector against its fake server, through the real intake, on SQLite and PostgreSQL.
A row the database still refuses is simulated by a trigger, the database's own port.
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from monitor.app.bootstrap import build
from monitor.app.container import Container
from monitor.app.service import startup_backfill
from monitor.clock import FrozenClock
from monitor.config import AppConfig
from monitor.logs import _Formatter
from monitor.storage.store import MAX_COUNT
from monitor.web.app import create_app
from tests.doubles import KeywordClassifier, RecordingNotifier
from tests.fakes.harnesses import MastodonHarness

SECRET = "POISON-7f3a private words"


@pytest.fixture
def masto() -> Iterator[MastodonHarness]:
    h = MastodonHarness(lambda _s: None)
    yield h
    h.close()


@pytest.fixture
def logs() -> Iterator[io.StringIO]:
    """Everything the service logs, formatted as in production."""
    buf = io.StringIO()
    handler = logging.StreamHandler(buf)
    handler.setFormatter(_Formatter(json_lines=False))
    root = logging.getLogger()
    old = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield buf
    root.removeHandler(handler)
    root.setLevel(old)


def _container(h: MastodonHarness, db_url: str, make_config: Callable[..., AppConfig],
               rec: RecordingNotifier | None = None) -> Container:
    cfg = make_config(db=db_url, env={"MASTO_TOKEN": "test-mastodon-token", "BRAND_SCOUT_SESSION_SECRET": "s" * 40},
                      sources=[{"name": "masto", "type": "mastodon", "api_base": h.api_base(), "backfill": "3d",
                                "max_retries": 0, "credentials": {"access_token": "MASTO_TOKEN"},
                                "options": h.options()}])
    c = build(cfg, clock=FrozenClock(h.now), classifier=KeywordClassifier(),
              notifiers={"log": rec or RecordingNotifier()})
    c.start()
    return c


def _status(h: MastodonHarness, sid: int, content: str, minutes_ago: int = 30, **fields: Any) -> dict[str, Any]:
    created = (h.now - timedelta(minutes=minutes_ago)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    h.fake.add(sid, created, content)
    s: dict[str, Any] = h.fake.statuses[-1]
    s["account"] = {**s["account"], **fields.pop("account", {})}
    s.update(fields)
    return s


def _refuse_text(c: Container, needle: str) -> None:
    """A trigger that makes the database refuse any mention whose text holds ``needle``."""
    with c.store.engine.begin() as conn:
        if c.store.dialect == "postgresql":
            conn.execute(text(
                "CREATE FUNCTION refuse_poison() RETURNS trigger AS $$ BEGIN "
                f"IF NEW.text LIKE '%{needle}%' THEN RAISE EXCEPTION 'refused row' USING ERRCODE = '22000'; END IF; "
                "RETURN NEW; END $$ LANGUAGE plpgsql"))
            conn.execute(text("CREATE TRIGGER refuse_poison BEFORE INSERT ON mention FOR EACH ROW "
                              "EXECUTE FUNCTION refuse_poison()"))
        else:
            conn.execute(text(f"CREATE TRIGGER refuse_poison BEFORE INSERT ON mention WHEN NEW.text LIKE '%{needle}%' "
                              "BEGIN SELECT RAISE(ABORT, 'refused row'); END"))


def test_counts_beyond_int4_and_int64_are_stored_clamped_and_the_source_keeps_flowing(
        db_url: str, make_config: Callable[..., AppConfig], masto: MastodonHarness) -> None:
    _status(masto, 113000000000000005, "SET SEG refund now, Project Falcon leaked", account={
        "acct": "big", "followers_count": 2**63 + 5}, favourites_count=10**30, reblogs_count=2**31 + 7,
        replies_count=-3)
    _status(masto, 113000000000000006, "SET SEG int4 edge", minutes_ago=20,
            account={"acct": "mid", "followers_count": 2**31 + 1})
    c = _container(masto, db_url, make_config)
    try:
        report = c.pipeline.poll("masto")
        assert report.error is None and report.quarantined == 0, report
        assert report.stored == 6
        big = c.store.find_mention("mastodon", "https://mastodon.example/users/ann/statuses/113000000000000005")
        mid = c.store.find_mention("mastodon", "https://mastodon.example/users/ann/statuses/113000000000000006")
        assert big is not None and mid is not None
        assert (big.author_reach, big.likes, big.reposts, big.replies) == (MAX_COUNT, MAX_COUNT, 2**31 + 7, 0)
        assert mid.author_reach == 2**31 + 1  # stored exactly: 64-bit columns
        state = c.store.get_state("masto")
        assert state is not None and state.cursor and state.healthy
        # the red mention in that fetch is processed and routed to Legal
        c.pipeline.run_once()
        assert c.store.count_mentions("new") == 0
        items = c.store.queue_items()
        assert any(qi.light == "red" and m.id == big.id for qi, m in items)
        # the digest's sums over the clamped counts do not overflow (two poisoned posts in one bucket)
        from monitor.storage.digest_queries import digest_week_rows

        _status(masto, 113000000000000007, "SET SEG refund twice", minutes_ago=10,
                account={"followers_count": 2**64}, favourites_count=2**64, reblogs_count=2**64)
        assert c.pipeline.poll("masto").stored == 1
        c.pipeline.run_once()  # both negative: one volume bucket, one engagement order
        week = masto.now - timedelta(days=7)
        rows = digest_week_rows(c.store, start=week, end=masto.now + timedelta(hours=1), base_start=week,
                                bucket_seconds=86400, now=masto.now, top_items=3, open_listed=5,
                                priority_order={"P1": 0, "P2": 1, "P3": 2, "P4": 3})
        assert rows is not None
        # a later poll moves on from the cursor and stores the new post
        masto.add_new()
        again = c.pipeline.poll("masto")
        assert again.error is None and again.stored == 1
    finally:
        c.store.engine.dispose()


def test_a_row_the_database_refuses_is_quarantined_and_the_rest_of_the_fetch_is_stored(
        db_url: str, make_config: Callable[..., AppConfig], masto: MastodonHarness, logs: io.StringIO) -> None:
    _status(masto, 113000000000000005, f"SET SEG {SECRET}", minutes_ago=40)
    _status(masto, 113000000000000006, "SET SEG fine one", minutes_ago=35)
    long_uri = "https://mastodon.example/users/ann/statuses/" + "9" * 300
    _status(masto, 113000000000000007, "SET SEG long id", minutes_ago=33, uri=long_uri)
    rec = RecordingNotifier()
    c = _container(masto, db_url, make_config, rec)
    try:
        _refuse_text(c, "POISON-7f3a")
        report = c.pipeline.poll("masto")
        assert report.error is None, report
        assert report.stored == 5 and report.quarantined == 2, report
        q = c.store.quarantined("masto")
        assert sorted(r.external_id for r in q) == sorted(
            ["https://mastodon.example/users/ann/statuses/113000000000000005", long_uri])
        refused = next(r for r in q if "113000000000000005" in r.external_id)
        assert refused.stage == "intake" and refused.error_class in ("IntegrityError", "DataException")
        assert "refused row" in refused.error and SECRET not in refused.error
        assert SECRET in refused.raw  # the record itself is kept, for whoever looks into it
        long_one = next(r for r in q if r.external_id == long_uri)
        assert long_one.error_class == "UnstorableMention"
        # the cursor moved past both: the next poll neither re-reads nor re-quarantines them
        state = c.store.get_state("masto")
        assert state is not None and state.cursor and "quarantined" in (state.last_error or "")
        masto.add_new()
        again = c.pipeline.poll("masto")
        assert (again.error, again.stored, again.quarantined) == (None, 1, 0)
        assert len(c.store.quarantined("masto")) == 2
        # counted as a source failure, one health alert, and /health shows it
        c.pipeline.run_once()
        health = [m for m in rec.sent if m.kind == "health"]
        assert len(health) == 1 and "quarantined" in health[0].payload["title"], health
        errors = {(k.name, k.labels): k.value for k in c.store.counters()}
        assert errors[("connector_errors_total", 'source="masto"')] == 1
        client = TestClient(create_app(c))
        h = client.get("/healthz").json()
        assert h["status"] == "degraded" and h["degraded"] == ["masto"], h
        assert h["sources"]["masto"]["quarantined"] == 2 and h["quarantine"]["total"] == 2
        latest = h["quarantine"]["sources"]["masto"]["latest"]
        assert {r["external_id"] for r in latest} >= {long_uri[:200]}
        assert SECRET not in json.dumps(h)
        page = client.get("/health")
        assert page.status_code == 200 and "Quarantined mentions" in page.text, page.text
        assert "UnstorableMention" in page.text and SECRET not in page.text
        # nothing logged carries the refused row's text
        out = logs.getvalue()
        assert "mention_quarantined" in out or "quarantined 2 mention" in out, out
        assert SECRET not in out, out
    finally:
        c.store.engine.dispose()


def test_a_database_that_refuses_every_row_alike_fails_the_fetch_and_keeps_the_cursor(
        db_url: str, make_config: Callable[..., AppConfig], masto: MastodonHarness, logs: io.StringIO) -> None:
    c = _container(masto, db_url, make_config)
    try:
        _refuse_text(c, "")  # every text matches: not one poisoned row but a refusing database
        report = c.pipeline.poll("masto")
        assert report.error and "refused row" in report.error, report
        assert c.store.quarantined() == [] and c.store.count_mentions() == 0
        state = c.store.get_state("masto")
        assert state is not None and state.cursor is None and state.consecutive_failures == 1
        assert "SET SEG" not in logs.getvalue()
    finally:
        c.store.engine.dispose()


def test_a_poll_and_the_start_up_backfill_never_raise_when_the_database_fails(
        db_url: str, make_config: Callable[..., AppConfig], masto: MastodonHarness, logs: io.StringIO) -> None:
    c = _container(masto, db_url, make_config)
    try:
        with c.store.engine.begin() as conn:
            conn.execute(text("DROP TABLE quarantined_mention"))
            conn.execute(text("DROP TABLE mention CASCADE" if c.store.dialect == "postgresql" else "DROP TABLE mention"))
        errors = startup_backfill(c)
        assert list(errors) == ["masto"] and errors["masto"] and "storing the fetch failed" in errors["masto"]
        state = c.store.get_state("masto")
        assert state is not None and state.cursor is None and state.last_error
        with c.store.engine.begin() as conn:
            conn.execute(text("DROP TABLE connector_state"))
        assert startup_backfill(c) == {}  # cannot even read the states: logged, not raised
        assert "backfill" in logs.getvalue()
    finally:
        c.store.engine.dispose()


def test_the_start_up_backfill_of_scout_run_survives_a_poisoned_source(
        db_url: str, make_config: Callable[..., AppConfig], masto: MastodonHarness, tmp_path: Path) -> None:
    from monitor.cli.core import _backfill

    _status(masto, 113000000000000005, f"SET SEG {SECRET}", account={"followers_count": 2**64})
    c = _container(masto, db_url, make_config)
    try:
        _refuse_text(c, "POISON-7f3a")
        _backfill(c)  # prints its progress; must neither raise nor lose the good posts
        assert c.store.count_mentions() == 4 and len(c.store.quarantined()) == 1
        state = c.store.get_state("masto")
        assert state is not None and state.cursor
    finally:
        c.store.engine.dispose()
    del tmp_path
