"""The digest's SQL aggregation: time buckets fold into the digest zone's local days exactly."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from monitor.digest import bucket_seconds, load_digest, parse_week, week_bounds
from monitor.storage.models import ClassificationRow, MentionRow
from tests.fixtures.digest import NOW, WEEK


def _bounds(zone: str, week: str = WEEK, weeks: int = 13) -> tuple[ZoneInfo, datetime, datetime, int]:
    tz = ZoneInfo(zone)
    start, end = week_bounds(week, tz)
    origin = start - timedelta(weeks=weeks)
    return tz, origin, end, bucket_seconds(tz, origin, end, (start - timedelta(weeks=1), start, end))


def test_bucket_width_follows_the_zone() -> None:
    assert _bounds("UTC")[3] == 3600
    assert _bounds("Europe/Berlin")[3] == 3600  # DST ends inside the baseline: still whole hours
    assert _bounds("Asia/Kolkata")[3] == 3600  # +05:30: buckets count from a local midnight
    assert _bounds("Asia/Kathmandu")[3] == 3600  # +05:45 likewise
    assert _bounds("Australia/Lord_Howe", "2026-W42")[3] == 1800  # DST shifts by 30 minutes


def test_local_midnights_split_days_and_weeks_exactly(digest_config, db_url: str, containers) -> None:
    zone = "Asia/Kathmandu"
    c = containers(digest_config(2525, db=db_url, timezone=zone))
    tz = ZoneInfo(zone)
    monday = parse_week(WEEK)
    start = datetime.combine(monday, time(0), tzinfo=tz).astimezone(UTC)
    end = start + timedelta(days=7)
    at = {
        "last week, last moment": start - timedelta(microseconds=1),
        "monday, first moment": start,
        "monday, last moment": start + timedelta(days=1, microseconds=-1),
        "tuesday, first moment": start + timedelta(days=1),
        "sunday, last moment": end - timedelta(microseconds=1),
        "next week": end,
    }
    with c.store.session() as s:
        for i, (name, t) in enumerate(at.items()):
            m = MentionRow(source="x", external_id=f"k{i}", source_name="x", url=f"https://x.example/{i}", text=name,
                           author_reach=10 ** i, created_at=t, fetched_at=t, state="routed")
            s.add(m)
            s.flush()
            assert m.id is not None
            s.add(ClassificationRow(mention_id=m.id, label="neutral", score=0.9, created_at=t))
    d = load_digest(c, c.cfg.digests[0], WEEK, now=NOW)
    assert (d.mentions.value, d.mentions.last_week) == (4, 1)
    assert (d.reach.value, d.reach.last_week) == (10 + 100 + 1000 + 10000, 1)
    assert [day.total for day in d.days] == [2, 1, 0, 0, 0, 0, 1]
    assert d.days[0].day == monday
    # The baseline band counts local days too: one mention on one of the 91 baseline days.
    assert d.mentions.baseline == 1 / 13 and d.band[1] == 1 / 91
    c.store.engine.dispose()
