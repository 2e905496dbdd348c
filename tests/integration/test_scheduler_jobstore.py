"""The scheduler's job table on a fresh database, created by several schedulers at once.

Found by the crash test: ``scout run`` and ``scout scheduler`` starting together on a fresh
PostgreSQL database both ran APScheduler's check-then-``CREATE TABLE``; the loser got a unique
violation on ``pg_type`` and exited.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from sqlalchemy import inspect
from sqlalchemy.exc import IntegrityError

from monitor.app.scheduler import JOB_TABLE, ensure_job_table
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
