"""One week's digest from the database: the SQL of :mod:`monitor.storage.digest_queries`, folded
into figures by :func:`monitor.digest.figures.build_digest`."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from monitor.clock import Clock
from monitor.config import AppConfig
from monitor.config.digest import DigestConfig
from monitor.digest.calendar import bucket_seconds, week_bounds
from monitor.digest.figures import OPEN_LISTED, PRIORITY_ORDER, Digest, DigestSettings, build_digest
from monitor.storage.digest_queries import digest_week_rows
from monitor.storage.store import Store


class DigestDeps(Protocol):
    """What the digest uses of a process: the configuration, the clock and the store (the
    container satisfies it; so does any object with these three)."""

    @property
    def cfg(self) -> AppConfig: ...

    @property
    def clock(self) -> Clock: ...

    @property
    def store(self) -> Store: ...


def digest_from_store(store: Store, settings: DigestSettings, week: str, *, now: datetime) -> Digest:
    """Aggregate the figures of ``week`` in SQL, read the few rows the digest shows, build it.

    The volume is bucketed by :func:`~monitor.digest.calendar.bucket_seconds` (buckets never
    straddle a local midnight of the digest's zone) from the first baseline week to the week's end.
    """
    tz = ZoneInfo(settings.timezone)
    start, end = week_bounds(week, tz)
    base_start = start - timedelta(weeks=max(settings.baseline_weeks, 1))
    seconds = bucket_seconds(tz, base_start, end, (start - timedelta(weeks=1), start, end))
    rows = digest_week_rows(store, start=start, end=end, base_start=base_start, bucket_seconds=seconds, now=now,
                            top_items=settings.top_items, open_listed=OPEN_LISTED, priority_order=PRIORITY_ORDER,
                            doubt_floor=settings.doubt_floor, respond_within=settings.respond_within,
                            names=settings.names)
    return build_digest(week=week, now=now, settings=settings, volume=rows.volume, top_mentions=rows.top_mentions,
                        red_mentions=rows.red_mentions, red_texts=rows.red_texts, week_items=rows.week_items,
                        open_queue=rows.open_queue, scouts=rows.scouts, scout_items=rows.scout_items,
                        spikes=rows.spikes, states=rows.states, not_quoted=rows.not_quoted,
                        spike_alerted=rows.spike_alerted, spike_items=rows.spike_items,
                        scout_notes=rows.scout_notes or {}, widest_reach=rows.widest_reach)


def load_digest(deps: DigestDeps, dg: DigestConfig, week: str, *, now: datetime | None = None) -> Digest:
    """The digest ``dg`` of ``week`` from ``deps.store``, as of ``now`` (default: ``deps.clock``)."""
    return digest_from_store(deps.store, DigestSettings.from_config(deps.cfg, dg), week,
                             now=now or deps.clock.now())
