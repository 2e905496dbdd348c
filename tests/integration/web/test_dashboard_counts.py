"""The dashboard's daily figures come from counts the triage stage keeps (issue 18: the page at
1M stored mentions), and they equal what a GROUP BY over the stored mentions gives."""

from __future__ import annotations

import random
from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy import create_engine
from sqlmodel import Session, col, select

from connectors.base import Mention
from monitor.app.container import Container
from monitor.clock import FrozenClock, utc
from monitor.storage import read_models as queries
from monitor.storage.db import upgrade
from monitor.storage.models import ClassificationRow, MentionRow, MetricCounter
from monitor.storage.store import DAILY_COUNT

WORDS = ("SET SEG portal down, terrible", "SET SEG paid my claim, love it", "SET SEG newsletter is out")


def _reference(c: Container, start_day: int = 13) -> tuple[dict[str, list[int]], dict[str, list[int]]]:
    now = c.clock.now()
    start = (now - timedelta(days=start_day)).replace(hour=0, minute=0, second=0, microsecond=0)
    with c.store.session() as s:
        rows = s.exec(select(MentionRow, ClassificationRow).join(
            ClassificationRow, ClassificationRow.mention_id == MentionRow.id)).all()  # type: ignore[arg-type]
    by_sent: dict[str, list[int]] = {k: [0] * 14 for k in ("negative", "neutral", "positive")}
    by_src: dict[str, list[int]] = {}
    for m, cl in rows:
        i = (utc(m.created_at) - start).days
        if 0 <= i < 14:
            by_sent[cl.label][i] += 1
            by_src.setdefault(m.source, [0] * 14)[i] += 1
    return by_sent, by_src


def test_counts_kept_by_triage_equal_the_stored_mentions(container: Container, clock: FrozenClock) -> None:
    rng = random.Random(11)
    now = clock.now()
    for source in ("x", "mastodon", "reddit"):
        batch = [Mention(source=source, external_id=f"{source}-{i}", url=f"https://{source}.example/{i}",
                         text=rng.choice(WORDS), created_at=now - timedelta(hours=rng.randint(0, 400)),
                         author_handle=f"u{i}") for i in range(40)]
        container.store.add_new_mentions(source, source, batch, None, now=now)
    container.pipeline.run_once()
    d = queries.dashboard(container.store, now=now, days=14, targets={})
    want_sent, want_src = _reference(container)
    assert d.by_sentiment == want_sent and d.by_source == want_src
    assert 0 < d.total < 120  # mentions older than the 14-day window are not shown


def test_the_migration_counts_mentions_classified_before_it(container: Container, clock: FrozenClock) -> None:
    """Mentions stored before the daily counts existed are counted by migration 0006."""
    now = clock.now()
    with container.store.session() as s:
        for i, label in enumerate(("negative", "positive", "positive", "neutral")):
            m = MentionRow(source="rss", external_id=f"old-{i}", url=f"https://news.example/{i}", text="old news",
                           created_at=now - timedelta(days=i), fetched_at=now, state="routed")
            s.add(m)
            s.flush()
            s.add(ClassificationRow(mention_id=m.id or 0, label=label, score=0.9, created_at=now))
    assert queries.dashboard(container.store, now=now, days=14, targets={}).total == 0
    url = container.store.engine.url.render_as_string(hide_password=False)
    engine = create_engine(url)
    upgrade(engine, "0005")  # already at head: go back one and forward again
    from alembic import command

    from monitor.storage.db import alembic_config

    cfg = alembic_config(url)
    with engine.connect() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0005")
        command.upgrade(cfg, "head")
        conn.commit()
    with Session(engine) as s:
        cells = {r.labels: r.value for r in s.exec(select(MetricCounter).where(
            MetricCounter.name == DAILY_COUNT)).all()}
    engine.dispose()
    assert sum(cells.values()) == 4
    d = queries.dashboard(container.store, now=now, days=14, targets={})
    assert d.total == 4 and d.by_sentiment["positive"][-3:-1] == [1, 1] and d.by_source["rss"][-4:] == [1, 1, 1, 1]


def test_a_sentiment_correction_moves_the_daily_count(container: Container, clock: FrozenClock) -> None:
    now = clock.now()
    container.store.add_new_mentions("x", "x", [Mention(source="x", external_id="c1", url="https://x.example/c1",
                                                        text="SET SEG portal down, terrible", created_at=now,
                                                        author_handle="u")], None, now=now)
    container.pipeline.run_once()
    before = queries.dashboard(container.store, now=now, days=14, targets={})
    assert before.by_sentiment["negative"][-1] == 1
    row = container.store.find_mention("x", "c1")
    assert row is not None
    container.store.correct_sentiment(row.id or 0, "neutral", by="dana", now=now)
    after = queries.dashboard(container.store, now=now, days=14, targets={})
    assert (after.by_sentiment["negative"][-1], after.by_sentiment["neutral"][-1]) == (0, 1)
    assert after.total == before.total


def test_days_are_the_organisations_and_the_migration_recounts_per_hour(
        db_url: str, make_config: Any, clock: FrozenClock) -> None:
    """Judge B (2026-12-06): the charts counted per UTC day, so a Texas evening's posts (after 18:00
    CST) showed on the next day. Counts are kept per UTC hour and folded into the organisation's
    days; migration 0011 recounts stored mentions per hour and its downgrade per UTC day again,
    on SQLite and PostgreSQL."""
    from zoneinfo import ZoneInfo

    from alembic import command

    from monitor.app.bootstrap import build
    from monitor.storage.db import alembic_config
    from tests.doubles import KeywordClassifier, RecordingNotifier

    c = build(make_config(db=db_url), clock=clock, classifier=KeywordClassifier(),
              notifiers={"log": RecordingNotifier()})
    c.start()
    chicago = ZoneInfo("America/Chicago")
    now = clock.now()
    evening = datetime.combine((now - timedelta(days=2)).astimezone(chicago).date(), time(20, 30), tzinfo=chicago)
    posts = [("e1", evening), ("e2", evening + timedelta(minutes=20)), ("m1", evening + timedelta(hours=13))]
    c.store.add_new_mentions("x", "x", [Mention(source="x", external_id=ext, url=f"https://x.example/{ext}",
                                                text=WORDS[0], created_at=at.astimezone(UTC), author_handle="u")
                                     for ext, at in posts],
                             None, now=now)
    c.pipeline.run_once()

    def by_day(zone: Any) -> dict[str, int]:
        d = queries.dashboard(c.store, now=now, days=5, targets={}, zone=zone)
        return {day: n for day, n in zip(d.days, d.by_sentiment["negative"], strict=True) if n}

    local_day, next_day = evening.strftime("%m-%d"), (evening + timedelta(days=1)).strftime("%m-%d")
    assert by_day(chicago) == {local_day: 2, next_day: 1}  # 20:30 and 20:50 CST: the evening's day
    assert by_day(UTC) == {next_day: 3}  # 02:30, 02:50 and 15:30 UTC the next day
    url = c.store.engine.url.render_as_string(hide_password=False)
    engine = create_engine(url)
    cfg = alembic_config(url)

    def cells() -> dict[str, float]:
        with Session(engine) as s:
            return {r.labels: r.value for r in s.exec(select(MetricCounter).where(
                col(MetricCounter.name).in_(("mentions_by_hour", "mentions_by_day")))).all()}

    try:
        with engine.connect() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0010")
            conn.commit()
        day = evening.astimezone(UTC).strftime("%Y-%m-%d")  # all three on the next UTC day
        assert cells() == {f'date="{day}",source="x",sentiment="negative"': 3.0}
        upgrade(engine)
        hours = {f'hour="{at.astimezone(UTC):%Y-%m-%dT%H}",source="x",sentiment="negative"' for _, at in posts}
        assert set(cells()) == hours and sum(cells().values()) == 3.0
    finally:
        engine.dispose()
    assert by_day(chicago) == {local_day: 2, next_day: 1}
    c.store.engine.dispose()
