"""APScheduler 3.x wiring only: one interval job per source (with jitter), the health check, the
escalation, spike and retention jobs, and the jobs the digest lists
(:func:`monitor.digest.jobs.scheduled_jobs`, asked for explicitly here).

Jobs are module-level function objects (the job store keeps their textual reference), so they
find the running container through :func:`active_container`; a stage's job that takes what it
uses gets it from :func:`run_with_container`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import inspect
from sqlalchemy.exc import DBAPIError

from monitor.app.container import Container
from monitor.digest.jobs import scheduled_jobs as digest_jobs
from monitor.triage.jobs import DETECT_EVERY

log = logging.getLogger("brand_scout.scheduler")

_ACTIVE: Container | None = None
_ACTIVE_LOCK = threading.Lock()


def active_container() -> Container:
    """The container of the running scheduler."""
    if _ACTIVE is None:
        raise RuntimeError("no scheduler is running in this process")
    return _ACTIVE


def run_with_container(func: Callable[..., None], *args: Any) -> None:
    """Run a stage's job ``func(container, *args)`` with the running container (scheduled job;
    ``func`` is module-level, so the job store keeps it as a reference)."""
    func(active_container(), *args)


def poll_job(source_name: str) -> None:
    """Poll one source (scheduled job)."""
    active_container().pipeline.poll(source_name)


def health_job() -> None:
    """Check for silent sources (scheduled job)."""
    active_container().pipeline.check_silence()


def escalation_job() -> None:
    """Take due escalation-ladder steps (scheduled job)."""
    from monitor.triage.jobs import run_escalations

    run_escalations(active_container())


def spike_job() -> None:
    """Detect spikes (scheduled job)."""
    from monitor.triage.jobs import run_spike_detection

    run_spike_detection(active_container())


def retention_job() -> None:
    """Delete personal data past its retention, keeping aggregates (scheduled job)."""
    from monitor.delivery.notifiers.log import purge_alert_log
    from monitor.storage.privacy import run_retention

    c = active_container()
    report = run_retention(c.store, days=c.cfg.retention.mentions_days, now=c.clock.now())
    purge_alert_log(c.cfg.data_path / c.cfg.notify.alert_log, report.texts, [])


JOB_TABLE = "apscheduler_jobs"


def ensure_job_table(store: SQLAlchemyJobStore, *, attempts: int = 5) -> None:
    """Create the job store's table unless it exists, tolerating another process that creates it
    at the same moment.

    APScheduler creates it on ``start()`` with a check-then-``CREATE TABLE``; two schedulers
    starting together on a fresh database (``scout run`` beside ``scout scheduler``, or two
    ``scout run``) race there, and PostgreSQL answers the loser with a unique violation on
    ``pg_type``, which used to end that process. Once the table exists, ``start()``'s own check
    finds it.
    """
    engine = store.engine
    for attempt in range(1, attempts + 1):
        try:
            store.jobs_t.create(engine, checkfirst=True)
            return
        except DBAPIError:
            if inspect(engine).has_table(store.jobs_t.name, schema=store.jobs_t.schema):
                return  # the other process won
            if attempt == attempts:
                raise
            log.warning("creating the scheduler's job table failed (attempt %d); retrying", attempt)
            time.sleep(0.2 * attempt)


def build_scheduler(container: Container, *, persistent: bool = True) -> BackgroundScheduler:
    """A scheduler with one job per enabled source, using the app's database as job store."""
    global _ACTIVE
    with _ACTIVE_LOCK:
        _ACTIVE = container
    jobstores: dict[str, Any] = {}
    if persistent:
        store = SQLAlchemyJobStore(engine=container.store.engine, tablename=JOB_TABLE)
        ensure_job_table(store)
        jobstores["default"] = store
    sched = BackgroundScheduler(
        jobstores=jobstores,
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 120},
        timezone="UTC",
    )
    for src in container.cfg.sources:
        if not src.enabled:
            continue
        sched.add_job(
            poll_job, "interval", args=[src.name], id=f"poll:{src.name}",
            seconds=src.interval.total_seconds(), jitter=int(src.jitter.total_seconds()) or None,
            misfire_grace_time=int(src.misfire_grace.total_seconds()), replace_existing=True,
            next_run_time=container.clock.now(),
        )
    sched.add_job(health_job, "interval", id="health", minutes=5, replace_existing=True)
    sched.add_job(escalation_job, "interval", id="escalation", minutes=1, replace_existing=True)
    sched.add_job(spike_job, "interval", id="spikes", seconds=int(DETECT_EVERY.total_seconds()), replace_existing=True,
                  next_run_time=container.clock.now() + timedelta(seconds=30))
    sched.add_job(retention_job, "interval", id="retention", hours=24, replace_existing=True)
    for job in digest_jobs(container.cfg, container.clock.now()):
        sched.add_job(run_with_container, job.trigger, args=[job.func, *job.args], id=job.id, replace_existing=True,
                      **job.trigger_args)
    return sched


def stale_jobs(sched: BackgroundScheduler, container: Container) -> list[str]:
    """Poll jobs in the store whose source is no longer enabled (removed on start)."""
    wanted = {f"poll:{s.name}" for s in container.cfg.sources if s.enabled}
    return [j.id for j in sched.get_jobs() if j.id.startswith("poll:") and j.id not in wanted]
