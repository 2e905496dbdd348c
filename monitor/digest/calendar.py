"""The digest's calendar: ISO weeks, their bounds in the digest's zone, when a digest is due, and
the SQL time-bucket width that folds into local days exactly. Pure: ``now`` is passed in."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from monitor.config.digest import DigestConfig

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


def parse_week(week: str) -> date:
    """The Monday of ISO week ``YYYY-Www``.

    Raises:
        ValueError: not an ISO week.
    """
    m = _WEEK.match(week)
    if not m:
        raise ValueError(f"not an ISO week (e.g. 2026-W47): {week!r}")
    try:
        return date.fromisocalendar(int(m.group(1)), int(m.group(2)), 1)
    except ValueError:
        raise ValueError(f"no such ISO week: {week!r}") from None


def week_label(d: date) -> str:
    """The ISO week that contains ``d``."""
    y, w, _ = d.isocalendar()
    return f"{y}-W{w:02d}"


def shift_week(week: str, weeks: int) -> str:
    """``week`` moved by ``weeks`` (negative: earlier)."""
    return week_label(parse_week(week) + timedelta(weeks=weeks))


def week_bounds(week: str, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """Start (Monday 00:00 local) and end (next Monday 00:00 local) of ``week``, in UTC."""
    monday = parse_week(week)
    start = datetime.combine(monday, time(0), tzinfo=tz)
    end = datetime.combine(monday + timedelta(days=7), time(0), tzinfo=tz)
    return start.astimezone(UTC), end.astimezone(UTC)


def last_send_time(dg: DigestConfig, now: datetime) -> datetime:
    """The latest scheduled send moment of ``dg`` at or before ``now`` (UTC)."""
    tz = ZoneInfo(dg.timezone)
    local = now.astimezone(tz)
    back = (local.weekday() - DAYS.index(dg.day)) % 7
    candidate = datetime.combine(local.date() - timedelta(days=back), dg.time, tzinfo=tz)
    if candidate.astimezone(UTC) > now:
        candidate = datetime.combine(candidate.date() - timedelta(days=7), dg.time, tzinfo=tz)
    return candidate.astimezone(UTC)


def due_week(dg: DigestConfig, now: datetime) -> str:
    """The week whose digest is due at ``now``: the last full ISO week (in the digest's zone)
    that ended before the latest scheduled send moment."""
    sent = last_send_time(dg, now).astimezone(ZoneInfo(dg.timezone))
    monday = sent.date() - timedelta(days=sent.weekday())
    return week_label(monday - timedelta(days=7))


def bucket_seconds(tz: ZoneInfo, origin: datetime, end: datetime, boundaries: Iterable[datetime] = ()) -> int:
    """The widest bucket (1 h, 30 min, 15 min, 1 min, 1 s) counted from ``origin`` whose edges
    fall on every local midnight of ``tz`` between ``origin`` and ``end`` and on each of
    ``boundaries``, so that buckets fold into local days and weeks exactly (zones with half- or
    quarter-hour offsets, DST changes)."""
    points = list(boundaries)
    d = origin.astimezone(tz).date()
    while True:
        midnight = datetime.combine(d, time(0), tzinfo=tz).astimezone(UTC)
        if midnight >= end:
            break
        if midnight > origin:
            points.append(midnight)
        d += timedelta(days=1)
    for seconds in (3600, 1800, 900, 60, 1):
        if all(int((p - origin).total_seconds()) % seconds == 0 for p in points):
            return seconds
    return 1
