"""The scheduler's job table on a fresh database, created by several schedulers at once.

Found by the crash test: ``scout run`` and ``scout scheduler`` starting together on a fresh
PostgreSQL database both ran APScheduler's check-then-``CREATE TABLE``; the loser got a unique
violation on ``pg_type`` and exited.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from sqlalchemy import inspect
from sqlalchemy.exc import IntegrityError

from monitor.app import scheduler
from monitor.app.bootstrap import build
from monitor.app.scheduler import JOB_TABLE, ensure_job_table
from monitor.clock import FrozenClock
from monitor.config import AppConfig
from monitor.digest.jobs import digest_job, digest_tick_job
from monitor.storage.db import make_engine


def test_concurrent_creators_all_succeed(db_url: str) -> None:
    engines = [make_engine(db_url) for _ in range(6)]
    stores = [SQLAlchemyJobStore(engine=e, tablename=JOB_TABLE) for e in engines]
    start = threading.Barrier(len(stores))
    errors: list[BaseException] = []

    def create(store: SQLAlchemyJobStore) -> None:
        start.wait()
        try:
            ensure_job_table(store)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=create, args=(s,)) for s in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    try:
        assert errors == []
        assert inspect(engines[0]).has_table(JOB_TABLE)
    finally:
        for e in engines:
            e.dispose()


def test_losing_the_race_is_not_an_error(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    engine = make_engine(db_url)
    winner = SQLAlchemyJobStore(engine=engine, tablename=JOB_TABLE)
    loser = SQLAlchemyJobStore(engine=engine, tablename=JOB_TABLE)

    def create_then_fail(bind: Any, checkfirst: bool = False) -> None:
        winner.jobs_t.create(bind, checkfirst=True)  # the other process got there first ...
        raise IntegrityError("CREATE TABLE apscheduler_jobs", {}, Exception("duplicate key (pg_type)"))

    monkeypatch.setattr(loser.jobs_t, "create", create_then_fail)
    try:
        ensure_job_table(loser)  # ... and this one's CREATE TABLE failed: fine
        assert inspect(engine).has_table(JOB_TABLE)
    finally:
        engine.dispose()


def test_a_real_failure_is_raised(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    engine = make_engine(f"sqlite:///{tmp_path}/jobs.db")
    store = SQLAlchemyJobStore(engine=engine, tablename=JOB_TABLE)

    def fail(bind: Any, checkfirst: bool = False) -> None:
        raise IntegrityError("CREATE TABLE apscheduler_jobs", {}, Exception("disk on fire"))

    monkeypatch.setattr(store.jobs_t, "create", fail)
    monkeypatch.setattr("monitor.app.scheduler.time.sleep", lambda s: None)
    try:
        with pytest.raises(IntegrityError):
            ensure_job_table(store, attempts=2)
    finally:
        engine.dispose()


def test_jobs_are_stored_by_reference_and_restored(db_url: str, make_config: Callable[..., AppConfig]) -> None:
    """Jobs are added as function objects; the persistent store keeps their textual reference and
    another process (a fresh job store on the same database) restores the same functions."""
    cfg = make_config(db=db_url, digests=[{"recipients": ["dana@setseg.example"], "timezone": "UTC"}])
    c = build(cfg, clock=FrozenClock(datetime(2026, 11, 16, 16, 0, tzinfo=UTC)))
    c.start()
    sched = scheduler.build_scheduler(c)
    sched.start(paused=True)
    sched.shutdown(wait=False)
    engine = make_engine(db_url)
    try:
        jobs = {j.id: j for j in SQLAlchemyJobStore(engine=engine, tablename=JOB_TABLE).get_all_jobs()}
        assert {i: (j.func_ref, j.args) for i, j in jobs.items()} == {
            "poll:replay": ("monitor.app.scheduler:poll_job", ("replay",)),
            "health": ("monitor.app.scheduler:health_job", ()),
            "escalation": ("monitor.app.scheduler:escalation_job", ()),
            "spikes": ("monitor.app.scheduler:spike_job", ()),
            "retention": ("monitor.app.scheduler:retention_job", ()),
            "digest:tick": ("monitor.app.scheduler:run_with_container", (digest_tick_job,)),
            "digest:weekly": ("monitor.app.scheduler:run_with_container", (digest_job, "weekly")),
        }
        assert jobs["poll:replay"].func is scheduler.poll_job
        assert jobs["digest:weekly"].func is scheduler.run_with_container
    finally:
        engine.dispose()
        c.store.engine.dispose()


def test_database_urls_as_hosting_platforms_write_them_and_clear_errors_for_others(db_url: str) -> None:
    """``postgres://`` (what many platforms hand out) is PostgreSQL; a URL of another database or
    no URL at all is refused naming the setting, not with a driver's traceback."""
    from sqlalchemy import text

    from monitor.errors import StoreError

    url = db_url.replace("postgresql+psycopg://", "postgres://") if db_url.startswith("postgresql") else db_url
    engine = make_engine(url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT 1")).scalar() == 1
    engine.dispose()
    for bad in ("mysql://root@127.0.0.1/test", "not a url"):
        with pytest.raises(StoreError, match=r"storage\.url .*sqlite:///PATH or postgresql://"):
            make_engine(bad)
