"""What the scheduler runs for the digest: :func:`scheduled_jobs` lists them, and
:mod:`monitor.app.scheduler` adds them (nothing registers itself on import).

A job function is module-level (the persistent job store keeps a reference to it) and receives
the running process's :class:`~monitor.digest.load.DigestDeps` as its first argument from the
scheduler, then the job's ``args``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from monitor.config import AppConfig
from monitor.digest.load import DigestDeps
from monitor.digest.send import DigestService
from monitor.errors import MonitorError

log = logging.getLogger("brand_scout.digest")


@dataclass(frozen=True)
class ScheduledJob:
    """One job for the scheduler: ``func(deps, *args)`` on ``trigger`` (an APScheduler trigger
    alias: ``interval``, ``cron``) with ``trigger_args`` (the trigger's fields and job options
    such as ``misfire_grace_time`` or ``next_run_time``)."""

    id: str
    func: Callable[..., None]
    trigger: str
    args: tuple[Any, ...] = ()
    trigger_args: dict[str, Any] = field(default_factory=dict)


def digest_job(deps: DigestDeps, name: str) -> None:
    """Scheduled job: send digest ``name``'s due week."""
    try:
        DigestService(deps).run_due(name)
    except MonitorError as exc:
        log.error("digest %s: %s", name, exc)


def digest_tick_job(deps: DigestDeps) -> None:
    """Scheduled job: catch-up and retries for every digest."""
    try:
        DigestService(deps).run_due()
    except MonitorError as exc:
        log.error("digest tick: %s", exc)


def scheduled_jobs(cfg: AppConfig, now: datetime) -> list[ScheduledJob]:
    """One cron job per enabled digest at its day/time/zone, plus a tick every 5 minutes (first
    run at ``now``) that catches up a week missed while the service was down and retries failed
    sends when their backoff has passed. None when no digest is enabled."""
    digests = [dg for dg in cfg.digests if dg.enabled]
    if not digests:
        return []
    jobs = [ScheduledJob("digest:tick", digest_tick_job, "interval", trigger_args={"minutes": 5, "next_run_time": now})]
    for dg in digests:
        jobs.append(ScheduledJob(f"digest:{dg.name}", digest_job, "cron", args=(dg.name,),
                                 trigger_args={"day_of_week": dg.day, "hour": dg.time.hour, "minute": dg.time.minute,
                                               "timezone": dg.timezone, "misfire_grace_time": 3600}))
    return jobs
