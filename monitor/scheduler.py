"""APScheduler 3.x wiring only: one interval job per source (with jitter), the health check, and
jobs other modules register. Jobs are module-level functions (the job store pickles references),
so they find the running container through :func:`active_container`.
"""

from __future__ import annotations

import importlib
import logging
import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler

from monitor.bootstrap import Container

log = logging.getLogger("brand_scout.scheduler")

_ACTIVE: Container | None = None
_ACTIVE_LOCK = threading.Lock()

# Other modules add (job id, function reference "module:func", trigger kwargs) here.
EXTRA_JOBS: list[Callable[[Container], list[tuple[str, str, dict[str, Any]]]]] = []


# Modules whose import appends job providers to EXTRA_JOBS.
JOB_MODULES = ("monitor.digest",)


def active_container() -> Container:
    """The container of the running scheduler."""
    if _ACTIVE is None:
        raise RuntimeError("no scheduler is running in this process")
    return _ACTIVE


def poll_job(source_name: str) -> None:
    """Poll one source (scheduled job)."""
    active_container().pipeline.poll(source_name)


def health_job() -> None:
    """Check for silent sources (scheduled job)."""
    active_container().pipeline.check_silence()


def escalation_job() -> None:
    """Take due escalation-ladder steps (scheduled job)."""
    from monitor.jobs import run_escalations

    run_escalations(active_container())


def spike_job() -> None:
    """Detect spikes (scheduled job)."""
    from monitor.jobs import run_spike_detection

    run_spike_detection(active_container())


def retention_job() -> None:
    """Delete personal data past its retention, keeping aggregates (scheduled job)."""
    from monitor.privacy import run_retention

    c = active_container()
    run_retention(c.store, days=c.cfg.retention.mentions_days, now=c.clock.now())


def build_scheduler(container: Container, *, persistent: bool = True) -> BackgroundScheduler:
    """A scheduler with one job per enabled source, using the app's database as job store."""
    global _ACTIVE
    with _ACTIVE_LOCK:
        _ACTIVE = container
    jobstores: dict[str, Any] = {}
    if persistent:
        jobstores["default"] = SQLAlchemyJobStore(engine=container.store.engine, tablename="apscheduler_jobs")
    sched = BackgroundScheduler(
        jobstores=jobstores,
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 120},
        timezone="UTC",
    )
    for src in container.cfg.sources:
        if not src.enabled:
            continue
        sched.add_job(
            "monitor.scheduler:poll_job", "interval", args=[src.name], id=f"poll:{src.name}",
            seconds=src.interval.total_seconds(), jitter=int(src.jitter.total_seconds()) or None,
            misfire_grace_time=int(src.misfire_grace.total_seconds()), replace_existing=True,
            next_run_time=container.clock.now(),
        )
    sched.add_job("monitor.scheduler:health_job", "interval", id="health", minutes=5, replace_existing=True)
    sched.add_job("monitor.scheduler:escalation_job", "interval", id="escalation", minutes=1, replace_existing=True)
    sched.add_job("monitor.scheduler:spike_job", "interval", id="spikes", minutes=2, replace_existing=True,
                  next_run_time=container.clock.now() + timedelta(seconds=30))
    sched.add_job("monitor.scheduler:retention_job", "interval", id="retention", hours=24, replace_existing=True)
    for module in JOB_MODULES:
        try:
            importlib.import_module(module)  # registers its jobs in EXTRA_JOBS
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise
    for provider in EXTRA_JOBS:
        for job_id, func, trigger in provider(container):
            sched.add_job(func, id=job_id, replace_existing=True, **trigger)
    return sched


def stale_jobs(sched: BackgroundScheduler, container: Container) -> list[str]:
    """Poll jobs in the store whose source is no longer enabled (removed on start)."""
    wanted = {f"poll:{s.name}" for s in container.cfg.sources if s.enabled}
    return [j.id for j in sched.get_jobs() if j.id.startswith("poll:") and j.id not in wanted]
