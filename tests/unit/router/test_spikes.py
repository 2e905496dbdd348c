"""Spike detection on synthetic series with known spikes, and none on a seasonal series (P3)."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from monitor.config.policy import SpikeConfig
from monitor.domain.spikes import (
    Counts,
    EngagementObservation,
    Sample,
    SpikeRecord,
    bucket_start,
    bucketize,
    detect,
    top_terms,
    velocity,
    windowed,
)

H = timedelta(hours=1)
CFG = SpikeConfig(
    bucket=H,
    baseline_weeks=4,
    min_count=10,
    volume_factor=3.0,
    negative_share_jump=0.25,
    velocity_per_hour=500,
    cooldown=timedelta(hours=6),
)
START = datetime(2026, 10, 19, tzinfo=UTC)  # a Monday; five weeks of history follow
WEEK5 = START + timedelta(weeks=4)


def usual(t: datetime) -> int:
    """Weekly seasonality: a Monday-morning rush, busy weekdays, quiet nights and weekends."""
    if t.weekday() == 0 and 8 <= t.hour < 11:
        return 60
    if t.weekday() < 5 and 8 <= t.hour < 18:
        return 20
    return 5 if t.weekday() >= 5 else 2


def seasonal(
    weeks: int = 5, seed: int = 7, overrides: dict[datetime, Counts] | None = None, source: str = "x"
) -> dict[str, dict[datetime, Counts]]:
    """Counts for ``weeks`` weeks with +-20 % noise and about 10 % negative mentions."""
    rng = random.Random(seed)
    cells: dict[datetime, Counts] = {}
    t = START
    while t < START + timedelta(weeks=weeks):
        n = max(0, round(usual(t) * rng.uniform(0.8, 1.2)))
        cells[t] = Counts(n, round(n * rng.uniform(0.05, 0.15)))
        t += H
    cells.update(overrides or {})
    return {"all": dict(cells), source: dict(cells)}


def test_no_spike_on_a_seasonal_series() -> None:
    counts = seasonal()
    fired = []
    t = WEEK5
    while t < WEEK5 + timedelta(weeks=1):
        fired += detect(counts, CFG, t + timedelta(minutes=30))
        t += H
    assert fired == []
    # The Monday rush is three times a weekday hour, but it is usual for a Monday morning.
    assert counts["all"][WEEK5 + 9 * H].total >= 45


TUE_14 = WEEK5 + timedelta(days=1, hours=14)


@pytest.mark.parametrize(
    ("override", "kinds"),
    [
        pytest.param(Counts(120, 12), {("volume", "all")}, id="volume"),
        pytest.param(Counts(22, 14), {("negative-share", "all")}, id="negative-share"),
        # an outage is one event: the negative share rides in the volume spike (one crisis alert)
        pytest.param(Counts(120, 80), {("volume", "all")}, id="both"),
        pytest.param(Counts(50, 5), set(), id="below-volume-factor"),
        pytest.param(Counts(22, 6), set(), id="share-jump-too-small"),
    ],
)
def test_known_spikes(override: Counts, kinds: set[tuple[str, str]]) -> None:
    counts = seasonal(overrides={TUE_14: override})
    got = detect(counts, CFG, TUE_14 + timedelta(minutes=40))
    assert {(s.kind, s.scope) for s in got} == kinds
    for s in got:
        assert s.started_at == TUE_14
        assert s.key == f"{s.kind}:{s.scope}:{TUE_14.isoformat()}"


def test_min_count_guards_quiet_hours() -> None:
    night = WEEK5 + timedelta(days=1, hours=3)  # usually 2 mentions
    counts = seasonal(overrides={night: Counts(9, 8)})
    assert detect(counts, CFG, night + timedelta(minutes=5)) == []
    counts = seasonal(overrides={night: Counts(12, 2)})
    assert {s.kind for s in detect(counts, CFG, night + timedelta(minutes=5))} == {"volume"}


def test_robust_to_one_odd_week_in_the_baseline() -> None:
    odd = {TUE_14 - timedelta(weeks=2): Counts(400, 40), TUE_14: Counts(120, 12)}
    got = detect(seasonal(overrides=odd), CFG, TUE_14 + timedelta(minutes=10))
    assert {s.kind for s in got} == {"volume"}
    assert got[0].baseline < 30  # the median ignores the odd week


def test_one_key_per_episode_and_cooldown() -> None:
    burst = {TUE_14 + k * H: Counts(120, 12) for k in (0, 1, 2)}
    burst[TUE_14 + 5 * H] = Counts(100, 10)  # back after a 2-hour lull: same episode
    burst[TUE_14 + 20 * H] = Counts(100, 10)  # the next morning, after the cooldown: a new one
    counts = seasonal(overrides=burst)
    keys = []
    for minutes in range(0, 22 * 60, 20):
        keys += [s.key for s in detect(counts, CFG, TUE_14 + timedelta(minutes=minutes)) if s.scope == "all"]
    assert sorted(set(keys)) == [
        f"volume:all:{TUE_14.isoformat()}",
        f"volume:all:{(TUE_14 + 20 * H).isoformat()}",
    ]


@dataclass(frozen=True)
class Stored:
    key: str
    kind: str
    scope: str
    started_at: datetime
    ended_at: datetime | None = None
    explanation: dict[str, Any] = field(default_factory=dict)


def test_recent_spike_keeps_its_key() -> None:
    later = TUE_14 + 8 * H  # 8 h later, but the stored spike ended only 2 h before
    counts = seasonal(overrides={later: Counts(120, 12)})
    recent = [Stored("volume:all:earlier", "volume", "all", TUE_14, ended_at=later - 2 * H)]
    got = {s.scope: s.key for s in detect(counts, CFG, later + timedelta(minutes=5), recent=recent)}
    assert got == {"all": "volume:all:earlier"}


def test_spike_explains_itself() -> None:
    texts = ["Acme outage again, claims portal down", "claims portal outage #acmefail", "is the portal down?"]
    samples = [
        Sample(
            "x",
            f"p{i}",
            TUE_14 + timedelta(minutes=i),
            text,
            negative=True,
            url=f"https://x.example/{i}",
            engagement=i * 10,
        )
        for i, text in enumerate(texts)
    ]
    counts = seasonal(overrides={TUE_14: Counts(120, 90)})
    spikes = detect(counts, CFG, TUE_14 + timedelta(minutes=50), samples=samples, ignore_terms=["Acme"])
    vol = next(s for s in spikes if s.kind == "volume" and s.scope == "all")
    assert [t for t, _ in vol.top_terms][:4] == ["portal", "claims", "down", "outage"]
    assert vol.samples[0]["external_id"] == "p2"  # most engagement first
    exp = vol.explanation()
    assert exp["observed"] == 120 and exp["baseline"] < 30 and exp["top_terms"][0] == ["portal", 3]
    assert "against a usual" in vol.summary and "top terms: portal" in vol.summary
    assert exp["by_source"] == {"x": 120}
    assert not [s for s in spikes if s.kind == "negative-share" and s.scope == "all"]  # folded in
    neg = exp["negative_share"]
    assert neg["observed"] == pytest.approx(0.75) and neg["baseline"] < 0.2
    assert "75% negative against a usual" in vol.summary
    assert vol.labels()["kind"] == "spike"
    assert "; from x 120; 3 of 3 negative, 0 positive" in vol.summary  # where from, and what mood


def test_large_accounts_take_sample_slots_whatever_their_tone() -> None:
    """Judge S (2026-12-06): in a breach, the regulator's (140k) and a union's (152k) neutral posts
    reached nobody: the samples were the complaints. Up to ``sample_posts - 1`` slots go to posts by
    accounts of ``sample_reach`` followers or more, the largest first; one keeps the usual choice."""
    complaints = [Sample("x", f"c{i}", TUE_14 + timedelta(minutes=i), f"Acme portal down again, report {'abcdefghij'[i]}", negative=True,
                         url=f"https://x.example/c{i}", engagement=50 + i, reach=300, author=f"user{i}")
                  for i in range(5)]
    voices = [Sample("x", "tdi", TUE_14 + timedelta(minutes=20), "We are reviewing the Acme incident",
                     url="https://x.example/tdi", reach=140_000, author="TexasTDI"),
              Sample("x", "union", TUE_14 + timedelta(minutes=21), "Members: check your Acme letters",
                     url="https://x.example/union", reach=152_000, author="teachers_union"),
              Sample("x", "mid", TUE_14 + timedelta(minutes=22), "Acme news", reach=12_000, author="localpaper")]
    counts = seasonal(overrides={TUE_14: Counts(120, 90)})
    now = TUE_14 + timedelta(minutes=50)
    vol = next(s for s in detect(counts, CFG, now, samples=[*complaints, *voices]) if s.kind == "volume")
    assert [x["external_id"] for x in vol.samples] == ["c4", "union", "tdi"]
    assert vol.samples[1]["author"] == "teachers_union" and vol.samples[1]["reach"] == 152_000
    off = CFG.model_copy(update={"sample_reach": None})
    vol = next(s for s in detect(counts, off, now, samples=[*complaints, *voices]) if s.kind == "volume")
    assert [x["external_id"] for x in vol.samples] == ["c4", "c3", "c2"]


def test_a_retweet_storm_says_how_many_are_reposts_and_samples_the_post_once() -> None:
    """Judge S (2026-12-07): "11 mentions ... from x 11", mostly retweets of one post, paged the
    crisis contact, and the post and its "RT @nurse_kay: ..." copy were two of the three samples."""
    words = "SET SEG denied my back surgery claim for the third time"
    post = Sample("x", "p0", TUE_14, words, negative=True, engagement=40, url="https://x.example/p0")
    copies = [Sample("x", f"rt{i}", TUE_14 + timedelta(minutes=1 + i), f"RT @nurse_kay: {words}", negative=True,
                     url=f"https://x.example/rt{i}", repost=True) for i in range(8)]
    other = [Sample("x", "o1", TUE_14 + timedelta(minutes=20), "SET SEG hold music is a crime", negative=True,
                    url="https://x.example/o1")]
    counts = seasonal(overrides={TUE_14: Counts(120, 100)})
    red_copy = Sample("x", "", TUE_14 + timedelta(minutes=30), red=True, repost=True)  # counted too (judge T)
    vol = next(s for s in detect(counts, CFG, TUE_14 + timedelta(minutes=50), samples=[post, *copies, *other, red_copy])
               if s.kind == "volume" and s.scope == "all")
    assert "(9 of them reposts)" in vol.summary
    assert [x["text"] for x in vol.samples].count(words) + sum(
        1 for x in vol.samples if str(x["text"]).startswith("RT @")) == 1
    # a repost says nothing new: a spike needs min_count posts people wrote (a post spreading is velocity)
    cells = bucketize([post, *copies, *other], CFG.bucket)
    assert sum(c.total for c in cells["all"].values()) == 10 and sum(c.copies for c in cells["all"].values()) == 8
    storm = seasonal(overrides={TUE_14: Counts(120, 100, copies=115)})
    assert not [s for s in detect(storm, CFG, TUE_14 + timedelta(minutes=50)) if s.kind == "volume"]


def test_a_breach_spike_counts_its_red_posts_and_says_a_shared_sentence_once() -> None:
    """Judge D (2026-12-07): a breach's page read "12 mentions ... 3 of 5 negative", with the same
    sentence three times among its samples; 11 of its posts were red, and nothing said so. Red
    posts are counted (never quoted); a text shared several times is one sample."""
    shared = [Sample("x", f"s{i}", TUE_14 + timedelta(minutes=i), "SET SEG lost my injury records, scary"
                     + ("" if i == 0 else f" #{900 + i}"), negative=True, engagement=10 - i,
                     url=f"https://x.example/s{i}") for i in range(3)]  # copies differ by a tag (judge G)
    other = [Sample("x", "o1", TUE_14 + timedelta(minutes=5), "Is my SET SEG claim safe?", url="https://x.example/o1")]
    red = [Sample("x", "", TUE_14 + timedelta(minutes=6 + i), red=True) for i in range(11)]
    counts = seasonal(overrides={TUE_14: Counts(120, 60)})
    vol = next(s for s in detect(counts, CFG, TUE_14 + timedelta(minutes=50), samples=[*shared, *other, *red])
               if s.kind == "volume" and s.scope == "all")
    assert "; 11 red (they may disclose what is kept confidential: their text is only in the restricted queue)" in vol.summary
    texts = [x["text"] for x in vol.samples]
    assert texts.count("SET SEG lost my injury records, scary") == 1 and "Is my SET SEG claim safe?" in texts
    assert all(x["external_id"] for x in vol.samples)  # never a red post's (blank) entry


def test_a_wave_of_praise_says_it_is_mostly_positive() -> None:
    """An award announced, 120 posts of congratulations: the crisis channel reads that it is no
    outage, and where the posts came from (judge M, 2026-12-05: "10 mentions on all sources")."""
    samples = [Sample("bluesky" if i % 3 else "x", f"p{i}", TUE_14 + timedelta(minutes=i), "well deserved award",
                      negative=i == 0, positive=i > 0) for i in range(10)]
    counts = seasonal(overrides={TUE_14: Counts(120, 1)})
    spikes = detect(counts, CFG, TUE_14 + timedelta(minutes=50), samples=samples)
    vol = next(s for s in spikes if s.kind == "volume" and s.scope == "all")
    assert "mostly positive: 9 of 10 positive, 1 negative" in vol.summary and vol.details["praise"] is True


def _volume_at_tue_14(counts: dict[str, dict[datetime, Counts]], samples: list[Sample]) -> Any:
    """The volume spike of all sources that :func:`detect` finds at 14:50 on TUE_14's day."""
    return next(s for s in detect(counts, CFG, TUE_14 + timedelta(minutes=50), samples=samples)
                if s.kind == "volume" and s.scope == "all")


def test_posts_nobody_read_do_not_make_an_outage_a_busy_spell() -> None:
    """Judge Y (2026-12-06): a card outage, 5 English complaints and 6 Spanish ones the English
    model did not read, read "5 of 11 negative ... (mostly not negative: a busy spell, routine
    alerts are not held back)". Posts not read are neither; the message counts them apart."""
    samples = [Sample("x", f"e{i}", TUE_14 + timedelta(minutes=i), "Acme cards declined", negative=True)
               for i in range(5)]
    samples += [Sample("x", f"s{i}", TUE_14 + timedelta(minutes=10 + i), "Acme tarjetas rechazadas", read=False)
                for i in range(6)]
    counts = seasonal(overrides={TUE_14: Counts(120, 60)})
    vol = _volume_at_tue_14(counts, samples)
    assert "5 of 5 negative, 0 positive; 6 not read (a language the sentiment model does not cover)" in vol.summary
    assert "mostly not negative" not in vol.summary and not vol.details.get("mixed")


def test_a_spike_mostly_of_posts_nobody_read_is_no_busy_spell_nor_praise() -> None:
    """Judge D (2026-12-07): 14 Spanish complaints the English model did not read, beside 5 ordinary
    posts, read "0 of 5 negative, 2 positive; 7 not read (mostly not negative: a busy spell,
    routine alerts are not held back)". Where most posts were not read, the spike is neither."""
    samples = [Sample("x", f"e{i}", TUE_14 + timedelta(minutes=i), "SET SEG newsletter", positive=i < 3)
               for i in range(5)]
    samples += [Sample("x", f"s{i}", TUE_14 + timedelta(minutes=10 + i), "SET SEG no paga", read=False)
                for i in range(7)]
    counts = seasonal(overrides={TUE_14: Counts(120, 10)})
    vol = _volume_at_tue_14(counts, samples)
    assert "7 not read" in vol.summary
    assert "busy spell" not in vol.summary and not vol.details.get("mixed") and not vol.details.get("praise")


@pytest.mark.parametrize(
    ("first", "last", "hours", "fires"),
    [(100, 800, 1.0, True), (100, 300, 1.0, False), (0, 300, 0.5, True), (10, 10, 2.0, False)],
)
def test_velocity(first: int, last: int, hours: float, fires: bool) -> None:
    t0 = TUE_14
    obs = EngagementObservation(
        "x", "42", t0, first, t0 + timedelta(hours=hours), last, group="x:42", text="Acme CEO interview clip"
    )
    got = detect({}, CFG, t0 + timedelta(hours=hours), engagement=[obs])
    assert [s.key for s in got] == (["velocity:x:42"] if fires else [])
    if fires:
        assert got[0].group == "x:42" and got[0].explanation()["group"] == "x:42"
        assert "engagements per hour" in got[0].summary


def test_disabled_detects_nothing() -> None:
    counts = seasonal(overrides={TUE_14: Counts(500, 400)})
    assert detect(counts, CFG.model_copy(update={"enabled": False}), TUE_14) == []


def test_bucketize_and_bucket_start() -> None:
    t = datetime(2026, 11, 17, 14, 37, tzinfo=UTC)
    assert bucket_start(t, timedelta(minutes=15)) == datetime(2026, 11, 17, 14, 30, tzinfo=UTC)
    got = bucketize([Sample("x", "1", t, negative=True), Sample("reddit", "2", t), Sample("x", "3", t + H)], H)
    assert got["all"][bucket_start(t, H)] == Counts(2, 1)
    assert got["x"][bucket_start(t, H)] == Counts(1, 1)
    assert got["reddit"] == {bucket_start(t, H): Counts(1, 0)}


def test_top_terms_skips_stop_words_and_brand() -> None:
    got = top_terms(["The Acme app is down", "app down for me too", "Acme app!"], n=3, ignore=["Acme"])
    assert got == [("app", 3), ("down", 2)]


def test_source_spike_hidden_in_a_busy_overall_is_reported() -> None:
    counts = seasonal()
    quiet = {t: Counts(1, 0) for t in counts["all"]}
    quiet[TUE_14] = Counts(30, 3)  # reddit is usually quiet; its 30 do not move the overall enough
    counts["reddit"] = quiet
    got = detect(counts, CFG, TUE_14 + timedelta(minutes=5))
    assert [(s.kind, s.scope) for s in got] == [("volume", "reddit")]
    assert got[0].explanation()["by_source"] == {"reddit": 30}


# ---- issue "judgement": no spike against "a usual 0", velocity needs time and engagement ----------

def _cold_cfg() -> SpikeConfig:
    return SpikeConfig(bucket=timedelta(minutes=15), min_count=10, baseline_weeks=12)


def _burst(start: datetime, n: int, *, every: timedelta = timedelta(seconds=10)) -> list[Sample]:
    return [Sample("x", f"b{i}", start + i * every, "claims portal down again", True) for i in range(n)]


@pytest.mark.parametrize("zone", ["Europe/Berlin", "America/New_York"])
def test_a_weekly_bulletin_across_a_clock_change_is_no_spike(zone: str) -> None:
    """Judge K (2026-12-07): 14 shares of a Monday 09:00 newsletter, every week, paged the crisis
    contact on each of the four Mondays after the clocks went back: "the same time, last N weeks"
    was the same UTC hour, an empty one, until most past weeks fell after the change. It is the
    same wall-clock time in the organisation's zone."""
    from zoneinfo import ZoneInfo

    local = ZoneInfo(zone)
    cfg = SpikeConfig(bucket=timedelta(minutes=15), baseline_weeks=8, min_seasonal_weeks=3, min_count=10)
    cells: dict[datetime, Counts] = {}
    monday = datetime(2026, 9, 28, 9, 0, tzinfo=local)  # the clocks go back on 25 Oct (EU) / 1 Nov (US)
    for week in range(8):
        at = (monday.replace(tzinfo=None) + timedelta(weeks=week)).replace(tzinfo=local).astimezone(UTC)
        cells[at] = Counts(14, 0)
        for h in range(1, 60):  # a trickle of ordinary posts between bulletins
            cells.setdefault(at + timedelta(hours=2 * h), Counts(1, 0))
    last = max(t for t, c in cells.items() if c.total == 14)
    counts = {"all": cells, "x": dict(cells)}
    assert detect(counts, cfg, last + timedelta(minutes=5), local=local) == []
    # and measured in UTC hours, it was one (what the judge saw)
    assert any(sp.kind == "volume" for sp in detect(counts, cfg, last + timedelta(minutes=5)))


def test_cold_start_burst_is_no_volume_spike() -> None:
    cfg = _cold_cfg()
    t0 = datetime(2026, 12, 1, 4, 15, tzinfo=UTC)
    samples = _burst(t0, 40)
    spikes = detect(bucketize(samples, cfg.bucket), cfg, t0 + timedelta(minutes=10), samples=samples)
    assert [s for s in spikes if s.kind in ("volume", "negative-share")] == []


def test_trailing_day_baseline_before_seasonal_history() -> None:
    cfg = _cold_cfg()
    t0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    quiet = [Sample("x", f"q{i}", t0 - timedelta(hours=30) + i * timedelta(minutes=30), "hello", False)
             for i in range(60)]
    burst = _burst(t0, 40)
    samples = quiet + burst
    spikes = detect(bucketize(samples, cfg.bucket), cfg, t0 + timedelta(minutes=10), samples=burst)
    volume = [s for s in spikes if s.kind == "volume" and s.scope == "all"]
    assert len(volume) == 1
    assert volume[0].explanation()["baseline_source"] == "trailing 24 h"
    assert "with mentions in the 24 h before" in volume[0].summary and "claims" in volume[0].summary


@pytest.mark.parametrize(
    ("first", "last", "hours", "expected"),
    [
        pytest.param(0, 1, 0.0003, 0.0, id="seconds-old-post"),
        pytest.param(0, 8, 1.0, 0.0, id="below-min-engagement"),
        pytest.param(0, 2000, 0.2, 0.0, id="readings-too-close"),
        pytest.param(0, 2000, 2.0, 1000.0, id="real-velocity"),
        pytest.param(500, 1500, 1.0, 1000.0, id="two-readings"),
    ],
)
def test_velocity_estimate(first: int, last: int, hours: float, expected: float) -> None:
    assert velocity(first, last, hours, SpikeConfig()) == pytest.approx(expected)


def test_velocity_spike_names_post_author_and_link() -> None:
    cfg = SpikeConfig()
    t0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    obs = [EngagementObservation("x", "1", t0, 0, t0 + timedelta(seconds=5), 3, "x:1", "meh", "https://x.com/a/1", "a"),
           EngagementObservation("x", "2", t0, 0, t0 + timedelta(hours=1), 900, "x:2", "wow", "https://x.com/b/2", "b")]
    spikes = [s for s in detect({}, cfg, t0 + timedelta(hours=1), engagement=obs) if s.kind == "velocity"]
    assert [s.key for s in spikes] == ["velocity:x:2"]
    assert "https://x.com/b/2" in spikes[0].summary and " by b " in spikes[0].summary


def test_a_velocity_spike_says_how_its_post_reads_and_its_authors_followers() -> None:
    """Judge D (2026-12-07): a viral complaint's page said "x post ... gains 1505 engagements per
    hour": neither that it was a complaint (its item is yellow, so it is no praise) nor that its
    author had 210 followers."""
    cfg = SpikeConfig()
    t0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    obs = [EngagementObservation("x", "2", t0, 0, t0 + timedelta(hours=1), 1505, "x:2", "SET SEG denied my claim",
                                 "https://x.com/b/2", "b", reads_as="negative", reach=210)]
    [spike] = [s for s in detect({}, cfg, t0 + timedelta(hours=1), engagement=obs) if s.kind == "velocity"]
    assert spike.summary.startswith("a negative x post https://x.com/b/2 by b (210 followers) gains 1505")
    assert not spike.details.get("praise")


def test_volume_and_negative_share_of_one_outage_are_one_spike() -> None:
    counts = seasonal(overrides={TUE_14: Counts(120, 80)})
    (spike,) = detect(counts, CFG, TUE_14 + timedelta(minutes=40))
    assert spike.kind == "volume"
    assert "67% negative against a usual" in spike.summary
    assert spike.details["negative_share"]["observed"] == pytest.approx(80 / 120, abs=1e-3)


def test_a_volume_spike_joins_a_live_negative_share_episode() -> None:
    """A negative-share spike first, the volume a bucket later: one episode key, so one alert."""
    counts = seasonal(overrides={TUE_14: Counts(22, 14), TUE_14 + timedelta(minutes=15): Counts(120, 80)})
    (first,) = detect(counts, CFG, TUE_14 + timedelta(minutes=10))
    assert first.kind == "negative-share"
    later = detect(counts, CFG, TUE_14 + timedelta(minutes=25), recent=[first.as_record()])
    assert [s.key for s in later] == [first.key]


def test_negative_share_needs_history_too() -> None:
    """A cold start never compares a negative share with "a usual 0%"."""
    t0 = datetime(2026, 11, 30, 9, 30, tzinfo=UTC)
    counts = {"all": {t0: Counts(20, 20)}}
    assert detect(counts, CFG, t0 + timedelta(minutes=5)) == []


def test_a_trailing_day_baseline_says_how_many_mentions_the_day_had() -> None:
    """A median of 0 per bucket on a quiet day reads like "no data"; the summary also gives the
    day's total, so people see the burst against what the day really held."""
    cfg = _cold_cfg()
    t0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    quiet = [Sample("x", f"q{i}", t0 - timedelta(hours=30) + i * timedelta(minutes=30), "hello", False)
             for i in range(60)]
    burst = _burst(t0, 40)
    spikes = detect(bucketize(quiet + burst, cfg.bucket), cfg, t0 + timedelta(minutes=10), samples=burst)
    volume = next(s for s in spikes if s.kind == "volume" and s.scope == "all")
    assert "with mentions in the 24 h before, 48 mentions in all; threshold" in volume.summary, volume.summary


@pytest.mark.parametrize(
    ("after_end", "same"),
    [
        pytest.param(timedelta(minutes=30), True, id="a-dip-inside-the-outage"),
        pytest.param(timedelta(hours=3), False, id="a-new-outage-within-the-cooldown"),
    ],
)
def test_a_burst_after_an_ended_spike_is_new_unless_it_is_a_dip(after_end: timedelta, same: bool) -> None:
    """An episode ends when volume is back at its baseline; a quiet gap of up to four buckets is a
    dip in the same outage (no second alert), a longer one ends it: the next burst is a spike of
    its own with its own alert, even within the 6 h cooldown (a second outage, maybe elsewhere)."""
    cfg = _cold_cfg()
    t0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    quiet = [Sample("x", f"q{i}", t0 - timedelta(hours=30) + i * timedelta(minutes=30), "hello", False)
             for i in range(60)]
    ended = t0 + timedelta(minutes=30)
    first = Stored("volume:all:first", "volume", "all", t0, ended_at=ended)
    again = ended + after_end
    burst = _burst(t0, 40) + _burst(again, 40)
    spikes = detect(bucketize(quiet + burst, cfg.bucket), cfg, again + timedelta(minutes=10), samples=burst,
                    recent=[first])
    volume = next(s for s in spikes if s.kind == "volume" and s.scope == "all")
    assert (volume.key == first.key) is same, volume.key


def _office_days(first: datetime, days: int, *, per_bucket: int = 10, negative_every: int = 7) -> list[Sample]:
    """``per_bucket`` mentions every 15 min from 14:00 to 22:00 UTC, silent nights; one in
    ``negative_every`` negative (about 15 %)."""
    out: list[Sample] = []
    for d in range(days):
        start = first + timedelta(days=d)
        for q in range(32):
            for i in range(per_bucket):
                n = len(out)
                out.append(Sample("x", f"o{n}", start + q * timedelta(minutes=15) + i * timedelta(seconds=60),
                                  "SET SEG newsletter", n % negative_every == 0))
    return out


@pytest.mark.parametrize(
    ("burst", "spike"),
    [
        pytest.param(0, False, id="the-second-morning-as-usual"),
        pytest.param(14, False, id="a-busy-quarter-hour"),
        pytest.param(40, True, id="an-outage"),
    ],
)
def test_quiet_nights_are_no_usual_level_of_a_trailing_day(burst: int, spike: bool) -> None:
    """Two office days with silent nights: most of the trailing day's buckets are empty, so their
    median is 0. The usual level is that of the buckets that had mentions (10 per 15 min): the
    second morning is no spike, an outage on it is one, said against that level."""
    cfg = _cold_cfg()
    day1 = datetime(2026, 11, 17, 14, 0, tzinfo=UTC)
    samples = _office_days(day1, 1)
    t = day1 + timedelta(days=1)
    samples += [Sample("x", f"m{i}", t + i * timedelta(seconds=60), "SET SEG newsletter", False)
                for i in range(10)]
    samples += _burst(t + timedelta(seconds=5), burst)
    spikes = detect(bucketize(samples, cfg.bucket), cfg, t + timedelta(minutes=14), samples=samples)
    volume = [s for s in spikes if s.kind == "volume" and s.scope == "all"]
    assert bool(volume) is spike
    if spike:
        assert volume[0].baseline == 10.0
        assert "against a usual 10 per 15 min (the median 15 min with mentions in the 24 h before, 320 mentions in all;" in volume[0].summary
        assert "usual 0" not in volume[0].summary


@pytest.mark.parametrize(
    ("negative", "spike"),
    [
        pytest.param(4, False, id="4-of-10-is-chance"),
        pytest.param(5, False, id="5-of-10-is-chance"),
        pytest.param(8, True, id="8-of-10"),
        pytest.param(10, True, id="10-of-10"),
    ],
)
def test_the_negative_share_of_a_few_mentions_must_clear_the_jump_beyond_chance(negative: int, spike: bool) -> None:
    """Against a usual 14 % (trailing day), a bucket of 10 mentions: the share must reach the
    threshold (14 % + 25 points) at the low end of its Wilson interval (``negative_share_z`` 1),
    or a few unlucky mentions page the crisis channel."""
    cfg = _cold_cfg()
    day1 = datetime(2026, 11, 17, 14, 0, tzinfo=UTC)
    t = day1 + timedelta(days=1)
    samples = _office_days(day1, 1) + [
        Sample("x", f"n{i}", t + i * timedelta(seconds=60), "SET SEG claims", i < negative) for i in range(10)]
    spikes = detect(bucketize(samples, cfg.bucket), cfg, t + timedelta(minutes=14), samples=samples)
    assert bool([s for s in spikes if s.kind == "negative-share" and s.scope == "all"]) is spike
    lenient = cfg.model_copy(update={"negative_share_z": 0.0})  # the share as it is: 4 of 10 clears 39 %
    spikes = detect(bucketize(samples, cfg.bucket), lenient, t + timedelta(minutes=14), samples=samples)
    assert bool([s for s in spikes if s.kind == "negative-share" and s.scope == "all"]) is (negative >= 4)


@pytest.mark.parametrize(
    ("unread", "spike"),
    [pytest.param(0, True, id="8-of-10-read"), pytest.param(10, True, id="8-of-10-read-beside-10-unread"),
     pytest.param(30, True, id="8-of-10-read-beside-30-unread")],
)
def test_posts_nobody_read_are_outside_the_negative_share(unread: int, spike: bool) -> None:
    """8 of 10 English posts in a bucket are complaints; Spanish posts the model does not read
    arrive with them. They are neither negative nor "not negative": before, 8 of 40 read as a
    20 % share and the outage raised no negative-share spike (judge Y's outage, 2026-12-06)."""
    cfg = _cold_cfg()
    day1 = datetime(2026, 11, 17, 14, 0, tzinfo=UTC)
    t = day1 + timedelta(days=1)
    samples = _office_days(day1, 1) + [
        Sample("x", f"n{i}", t + i * timedelta(seconds=60), "SET SEG claims", i < 8) for i in range(10)]
    samples += [Sample("x", f"u{i}", t + i * timedelta(seconds=20), "SET SEG reclamos", read=False)
                for i in range(unread)]
    cells = bucketize(samples, cfg.bucket)
    assert cells["all"][bucket_start(t, cfg.bucket)] == Counts(10 + unread, 8, unread)
    spikes = [s for s in detect(cells, cfg, t + timedelta(minutes=14), samples=samples) if s.scope == "all"]
    # with 30 more posts the volume spikes too, and the share is told in its message (one event)
    shares = [s.observed if s.kind == "negative-share" else s.details.get("negative_share", {}).get("observed")
              for s in spikes]
    assert [x for x in shares if x is not None] == ([pytest.approx(0.8)] if spike else [])


def test_a_quiet_weekend_is_no_usual_0_the_week_before_is_the_baseline() -> None:
    """Monday morning after a weekend without mentions: the trailing day is empty, so the level is
    that of the 7 days before (buckets with mentions), said as such; with no mention in 7 days
    there is no baseline and no volume spike (issue 15: never "a usual 0")."""
    cfg = _cold_cfg()
    monday = datetime(2026, 11, 30, 14, 0, tzinfo=UTC)
    friday = [Sample("x", f"f{i}", monday - timedelta(days=3) + i * timedelta(minutes=15), "hello", False)
              for i in range(16)]  # 4 h of one mention per bucket on Friday afternoon
    burst = _burst(monday, 12, every=timedelta(minutes=1))
    spikes = detect(bucketize(friday + burst, cfg.bucket), cfg, monday + timedelta(minutes=14), samples=burst)
    (volume,) = [s for s in spikes if s.kind == "volume" and s.scope == "all"]
    assert volume.explanation()["baseline_source"] == "trailing 7 days"
    assert "against a usual 1 per 15 min (none in the 24 h before; the median 15 min with mentions in the 7 days before" in volume.summary, volume.summary
    assert "usual 0" not in volume.summary
    # nothing for a week before the burst: no baseline, no spike
    lonely = [Sample("x", "old", monday - timedelta(days=9), "hello", False), *burst]
    spikes = detect(bucketize(lonely, cfg.bucket), cfg, monday + timedelta(minutes=14), samples=burst)
    assert [s for s in spikes if s.kind == "volume"] == []


def test_a_level_reached_at_this_time_last_week_is_no_spike() -> None:
    """A weekly bulletin shared at the same time each Monday: with one week of history (too few
    for a seasonal baseline) the trailing days say "a burst", the week before says "as usual".
    Above ``volume_factor`` times last week's level it is a spike, as with a seasonal baseline."""
    cfg = _cold_cfg()
    monday = datetime(2026, 11, 30, 14, 0, tzinfo=UTC)
    days = [Sample("x", f"d{i}", monday - timedelta(days=8) + i * timedelta(hours=1), "hello", False)
            for i in range(8 * 24)]
    last_week = _burst(monday - timedelta(weeks=1), 15, every=timedelta(seconds=50))
    this_week = [Sample("x", f"n{i}", monday + i * timedelta(seconds=50), "bulletin", False) for i in range(15)]
    spikes = detect(bucketize(days + last_week + this_week, cfg.bucket), cfg, monday + timedelta(minutes=14),
                    samples=this_week)
    assert [s for s in spikes if s.kind == "volume"] == []
    louder = this_week + [Sample("x", f"m{i}", monday + i * timedelta(seconds=20), "outage", True) for i in range(40)]
    spikes = detect(bucketize(days + last_week + louder, cfg.bucket), cfg, monday + timedelta(minutes=14),
                    samples=louder)
    assert [s.kind for s in spikes if s.scope == "all"] == ["volume"]


def test_an_episode_goes_on_until_the_volume_is_back_at_its_baseline() -> None:
    """An outage that falls under the threshold but stays well above the usual level keeps its
    spike (no second alert when it rises again); back at the usual level, it ends."""
    cfg = _cold_cfg()
    t0 = datetime(2026, 12, 1, 16, 0, tzinfo=UTC)
    day = [Sample("x", f"q{i}", t0 - timedelta(hours=26) + i * timedelta(minutes=15), "hello", False)
           for i in range(104)]  # one mention per bucket, a day and more
    live = Stored("volume:all:live", "volume", "all", t0)
    later = t0 + timedelta(minutes=45)
    for per_bucket, goes_on in ((6, True), (1, False)):
        tail = [Sample("x", f"t{per_bucket}-{i}", later + i * timedelta(minutes=2), "portal still down", True)
                for i in range(per_bucket)]
        spikes = detect(bucketize(day + _burst(t0, 14) + tail, cfg.bucket), cfg, later + timedelta(minutes=14),
                        samples=tail, recent=[live])
        assert any(s.key == live.key for s in spikes) is goes_on, (per_bucket, [s.key for s in spikes])


def test_an_outage_after_a_quiet_spell_is_not_measured_against_its_own_first_bucket() -> None:
    """Judge T (2026-12-06): a quiet week (a mention or two a day), then 12 complaints per 15
    minutes for an hour. The trailing baseline took in the episode's own first bucket (usual
    [1, 14] -> median 7.5, "back to normal" under 15), so the spike ended at 15:31 while the
    outage went on and its posts alerted Marketing & Sales one by one. The trailing windows end
    where the episode started: it goes on while the volume stays up, and ends when it is back."""
    cfg = _cold_cfg()
    t0 = datetime(2026, 12, 14, 15, 0, tzinfo=UTC)
    quiet = [Sample("x", f"q{i}", t0 - timedelta(days=7) + i * timedelta(hours=30), "hello", False) for i in range(5)]
    live = Stored("volume:all:live", "volume", "all", t0)
    for minutes, per_bucket, goes_on in ((30, 12, True), (45, 12, True), (75, 1, False)):
        tail = [Sample("x", f"o{minutes}-{i}", t0 + timedelta(minutes=minutes) + i * timedelta(seconds=50),
                       "portal still down", True) for i in range(per_bucket)]
        spikes = detect(bucketize(quiet + _burst(t0, 14) + tail, cfg.bucket), cfg,
                        t0 + timedelta(minutes=minutes + 14), samples=tail, recent=[live])
        assert any(s.key == live.key for s in spikes) is goes_on, (minutes, [s.summary for s in spikes])


def test_an_outages_samples_are_its_complaints_and_its_time_is_also_the_organisations() -> None:
    """A mostly negative burst names negative posts first, even when a compliment in the same
    bucket was shared more; the summary gives the bucket's time in the organisation's zone too."""
    from zoneinfo import ZoneInfo

    cfg = _cold_cfg()
    t0 = datetime(2026, 12, 1, 16, 0, tzinfo=UTC)
    quiet = [Sample("x", f"q{i}", t0 - timedelta(hours=30) + i * timedelta(minutes=30), "hello", False)
             for i in range(60)]
    burst = [Sample("x", f"n{i}", t0 + i * timedelta(seconds=30), f"claims portal down again, note {'abcdefghijklm'[i]}", True,
                    engagement=i) for i in range(12)]
    burst.append(Sample("x", "kudos", t0 + timedelta(minutes=1), "best workshop all year", False, engagement=900))
    spikes = detect(bucketize(quiet + burst, cfg.bucket), cfg, t0 + timedelta(minutes=10), samples=burst,
                    local=ZoneInfo("America/Chicago"))
    volume = next(s for s in spikes if s.kind == "volume" and s.scope == "all")
    assert "kudos" not in [x["external_id"] for x in volume.samples]
    assert volume.samples[0]["external_id"] == "n11"
    assert "from 2026-12-01 10:00 CST (16:00 UTC) against" in volume.summary, volume.summary


@pytest.mark.parametrize(
    ("second_morning", "spike"),
    [
        pytest.param((17, 19, 18, 14), False, id="the-same-rush-again"),
        pytest.param((17, 19, 50, 14), True, id="an-outage-in-the-rush"),
    ],
)
def test_a_daily_rush_is_no_spike_on_its_second_morning(second_morning: tuple[int, ...], spike: bool) -> None:
    """Judge M (2026-12-05): a first day with one mention an hour and a morning rush (18, 21, 17,
    15 per 15 min); the next morning's rush, as big, was a spike "against a usual 1 per 15 min with
    mentions". The same time on a past day (give or take a bucket) is the day's rhythm: a spike
    needs twice it."""
    cfg = _cold_cfg()
    day1 = datetime(2026, 12, 14, 0, 0, tzinfo=UTC)
    samples = [Sample("x", f"q{h}", day1 + timedelta(hours=h, minutes=40), "SET SEG newsletter") for h in range(38)]
    for day, counts in ((0, (18, 21, 17, 15)), (1, second_morning)):
        for q, n in enumerate(counts):
            start = day1 + timedelta(days=day, hours=14, minutes=15 * q)
            samples += [Sample("x", f"r{day}-{q}-{i}", start + i * timedelta(seconds=20), "SET SEG newsletter")
                        for i in range(n)]
    now = day1 + timedelta(days=1, hours=14, minutes=59)
    found = [s for s in detect(bucketize(samples, cfg.bucket), cfg, now, samples=samples)
             if s.kind == "volume" and s.scope == "all"]
    assert bool(found) is spike, [s.summary for s in found]


@pytest.mark.parametrize(("sentiment", "praise", "words"), [
    ("positive", True, "a positive x post https://x.com/b/2 by b gains 900"),
    ("negative", False, "a negative x post https://x.com/b/2 by b gains 900"),
    ("", False, "x post https://x.com/b/2 by b gains 900"),
])
def test_a_velocity_spike_says_how_its_post_reads_and_praise_covers_nothing(
        sentiment: str, praise: bool, words: str) -> None:
    """Judge M (2026-12-05): a praised post spreading reached the crisis channel as "x post ...
    gains 6534 engagements per hour", mood unsaid. Now it says, and a spike of praise holds back
    no other alert (``spike_covers``); where it goes is ``policy.spikes.praise_receiver``."""
    from monitor.domain.suppression import spike_covers

    cfg = SpikeConfig()
    t0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    obs = [EngagementObservation("x", "2", t0, 0, t0 + timedelta(hours=1), 900, "x:2", "wow", "https://x.com/b/2", "b",
                                 sentiment=sentiment)]
    [spike] = [s for s in detect({}, cfg, t0 + timedelta(hours=1), engagement=obs) if s.kind == "velocity"]
    assert spike.summary.startswith(words)
    assert bool(spike.details.get("praise")) is praise
    assert spike_covers(spike.as_record(), {"group": "x:2", "source": "x"}) is not praise


# ---- a slow build: the last hour judged as a whole (policy.spikes.window) -------------------------

def test_windowed_sums_each_bucket_with_the_ones_before() -> None:
    b0 = datetime(2026, 11, 30, 16, 0, tzinfo=UTC)
    q = timedelta(minutes=15)
    cells = {b0: Counts(1, 1), b0 + q: Counts(2, 0), b0 + 3 * q: Counts(4, 4)}
    rolled = windowed(cells, 2, q)
    assert rolled == {b0: Counts(1, 1), b0 + q: Counts(3, 1), b0 + 2 * q: Counts(2, 0), b0 + 3 * q: Counts(4, 4),
                      b0 + 4 * q: Counts(4, 4)}


@pytest.mark.parametrize("window", [None, timedelta(hours=1)])
def test_a_slow_build_is_a_spike_of_the_hour_not_of_a_bucket(window: timedelta | None) -> None:
    """A quiet day of about one post per 15 min, then complaints at 1, 2, 3, 4 per 15 min: no
    bucket reaches 10, the hour holds 10 (all negative)."""
    cfg = _cold_cfg().model_copy(update={"window": window})
    day1 = datetime(2026, 11, 29, 14, 0, tzinfo=UTC)
    samples = [Sample("x", f"q{i}", day1 + i * timedelta(minutes=15), "SET SEG newsletter", False)
               for i in range(4 * 26)]
    t = day1 + timedelta(days=1, hours=3)
    for i, k in enumerate((1, 2, 3, 4)):
        samples += [Sample("x", f"o{i}{j}", t + i * timedelta(minutes=15) + j * timedelta(minutes=2),
                           "claims portal down again", True) for j in range(k)]
    now = t + timedelta(minutes=61)
    spikes = [s for s in detect(bucketize(samples, cfg.bucket), cfg, now, samples=samples) if s.scope == "all"]
    if window is None:
        assert spikes == []
    else:
        [spike] = spikes
        assert spike.details["window"] == "1 h" and "rising over the 1 h" in spike.summary
        assert spike.started_at == t
        # named by its end, never by a time still ahead (judge I, 2026-12-07: "the 1 h to 14:30" at 14:24)
        assert "in the 1 h to 2026-11-30 18:00 UTC" in spike.summary, spike.summary
        early = [s for s in detect(bucketize(samples, cfg.bucket), cfg, t + timedelta(minutes=58), samples=samples)
                 if s.scope == "all"]
        assert early and all("in the 1 h to 2026-11-30 17:58 UTC" in s.summary for s in early), early


def test_a_slow_outage_stays_one_live_episode_until_its_posts_stop() -> None:
    """Judge AP (2026-12-07): an API outage posted about every 4-8 minutes for two hours on a day of
    12 mentions was one spike of the hour at 13:44, declared over at 14:00 (its last 15 minutes held
    2 posts, "the usual level" being the median of the buckets that had any), and the nine posts that
    followed were alerted one by one. An episode under way goes on while its last bucket is above
    the day's usual rate, empty buckets counted; it ends when the posts stop."""
    cfg = SpikeConfig(bucket=timedelta(minutes=15), min_count=8, baseline_weeks=12, window=timedelta(hours=1))
    day = datetime(2026, 11, 11, 13, 0, tzinfo=UTC)
    samples = [Sample("x", f"q{i}", day + i * timedelta(hours=2), "Quillstack release notes", False) for i in range(12)]
    t = datetime(2026, 11, 12, 13, 7, tzinfo=UTC)
    minutes = [0, 4, 7, 11, 15, 19, 24, 30, 35, 41, 48, 55, 63, 71, 78, 86, 94, 105, 113, 121]
    samples += [Sample("x", f"o{i}", t + timedelta(minutes=m), "API down, 500s everywhere", True)
                for i, m in enumerate(minutes)]

    def live(now: datetime, recent: list[SpikeRecord]) -> list[Any]:
        seen = [x for x in samples if x.created_at <= now]
        return [sp for sp in detect(bucketize(seen, cfg.bucket), cfg, now, samples=seen, recent=recent)
                if sp.kind == "volume" and sp.scope == "all"]

    [first] = live(datetime(2026, 11, 12, 13, 44, tzinfo=UTC), [])
    record = SpikeRecord(first.key, "volume", "all", first.started_at)
    for minute in range(46, 136, 2):  # the spike job's ticks while the posts go on
        now = datetime(2026, 11, 12, 13, 0, tzinfo=UTC) + timedelta(minutes=minute)
        assert [sp.key for sp in live(now, [record])] == [first.key], now
    # the posts stopped at 15:08: over within the half hour after the last of them
    assert live(datetime(2026, 11, 12, 15, 40, tzinfo=UTC), [record]) == []


def test_the_window_must_be_whole_buckets() -> None:
    with pytest.raises(ValueError, match="multiple of the bucket"):
        SpikeConfig(bucket=timedelta(minutes=15), window=timedelta(minutes=20))
    with pytest.raises(ValueError, match="at least two"):
        SpikeConfig(bucket=timedelta(minutes=15), window=timedelta(minutes=15))


def test_a_windows_spike_starts_at_its_first_bucket_with_posts() -> None:
    """Judge H, 2026-12-06: an outage from 16:20 was reported "in the 1 h from 15:45" (two empty
    buckets before it); the episode starts at 16:15, said as "building since", in local time
    with the local date when it differs from UTC's."""
    from zoneinfo import ZoneInfo

    cfg = _cold_cfg().model_copy(update={"window": timedelta(hours=1)})
    day1 = datetime(2026, 11, 29, 14, 0, tzinfo=UTC)
    samples = [Sample("x", f"q{i}", day1 + i * timedelta(hours=1), "SET SEG newsletter", False) for i in range(26)]
    t = datetime(2026, 11, 30, 16, 20, tzinfo=UTC)
    samples += [Sample("x", f"o{j}", t + j * timedelta(minutes=2, seconds=12), "claims portal down", True)
                for j in range(10)]
    now = datetime(2026, 11, 30, 16, 42, 30, tzinfo=UTC)
    found = detect(bucketize(samples, cfg.bucket), cfg, now, samples=samples, local=ZoneInfo("America/Chicago"))
    [spike] = [s for s in found if s.scope == "all" and s.kind == "volume"]
    assert spike.started_at == datetime(2026, 11, 30, 16, 15, tzinfo=UTC)
    assert "building since 2026-11-30 10:15 CST (16:15 UTC)" in spike.summary
    late = detect(bucketize(samples, cfg.bucket), cfg, now, samples=samples, local=ZoneInfo("Asia/Tokyo"))
    assert "since 2026-12-01 01:15 JST (2026-11-30 16:15 UTC)" in next(s for s in late if s.scope == "all" and s.kind == "volume").summary


def test_a_windows_spike_does_not_start_at_a_quiet_posts_bucket() -> None:
    """Judge A (2026-12-07): an outage from 03:01 was "building since 02:45": that bucket held one
    ordinary post of a quiet night. A bucket at its usual level is no part of the build."""
    cfg = _cold_cfg().model_copy(update={"window": timedelta(hours=1)})
    day1 = datetime(2026, 11, 29, 14, 0, tzinfo=UTC)
    samples = [Sample("x", f"q{i}", day1 + i * timedelta(hours=1), "SET SEG newsletter", False) for i in range(26)]
    samples.append(Sample("x", "quiet", datetime(2026, 11, 30, 16, 5, tzinfo=UTC), "SET SEG newsletter", False))
    t = datetime(2026, 11, 30, 16, 20, tzinfo=UTC)
    samples += [Sample("x", f"o{j}", t + j * timedelta(minutes=2, seconds=12), "claims portal down", True)
                for j in range(10)]
    now = datetime(2026, 11, 30, 16, 42, 30, tzinfo=UTC)
    found = detect(bucketize(samples, cfg.bucket), cfg, now, samples=samples)
    [spike] = [s for s in found if s.scope == "all" and s.kind == "volume"]
    assert spike.started_at == datetime(2026, 11, 30, 16, 15, tzinfo=UTC)


@pytest.mark.parametrize(("this_monday", "spike"), [(25, False), (34, True)])  # last week: 11
def test_the_same_time_last_week_needs_the_volume_factor_to_be_a_spike(this_monday: int, spike: bool) -> None:
    """Judge I (2026-12-06): a second Monday morning (19 posts an hour after a first at 11, a quiet
    weekend before it) paged the crisis contact. With a week of history the same time last week
    is the seasonal baseline with too few weeks: a spike needs ``volume_factor`` times it, as it
    will with three weeks."""
    cfg = _cold_cfg()
    monday = datetime(2026, 11, 30, 14, 0, tzinfo=UTC)
    days = [Sample("x", f"d{i}", monday - timedelta(days=8) + i * timedelta(hours=1), "hello", False)
            for i in range(8 * 24)]
    last_week = [Sample("x", f"l{i}", monday - timedelta(weeks=1) + i * timedelta(seconds=80), "hello") for i in range(10)]
    this_week = [Sample("x", f"n{i}", monday + i * timedelta(seconds=25), "hello") for i in range(this_monday)]
    found = detect(bucketize(days + last_week + this_week, cfg.bucket), cfg, monday + timedelta(minutes=14),
                   samples=this_week)
    assert bool([s for s in found if s.kind == "volume" and s.scope == "all"]) is spike


@pytest.mark.parametrize(("negative", "holds"), [(2, False), (9, False), (10, True), (18, True)])
def test_a_volume_spike_of_mostly_ordinary_posts_holds_back_no_complaint(negative: int, holds: bool) -> None:
    """Judge I (2026-12-06): a Monday surge of mostly neutral posts (1 of 9 negative) held five
    unrelated complaints from Marketing & Sales. A volume spike whose posts are less than half
    negative still alerts, says so, and covers no routine alert (``spike_covers``)."""
    from monitor.domain.suppression import spike_covers

    cfg = _cold_cfg()
    t0 = datetime(2026, 12, 1, 16, 0, tzinfo=UTC)
    quiet = [Sample("x", f"q{i}", t0 - timedelta(hours=30) + i * timedelta(minutes=30), "hello", False)
             for i in range(60)]
    burst = [Sample("x", f"n{i}", t0 + i * timedelta(seconds=30), "claims portal down" if i < negative else
                    "board meeting today", i < negative) for i in range(20)]
    spikes = detect(bucketize(quiet + burst, cfg.bucket), cfg, t0 + timedelta(minutes=12), samples=burst)
    volume = next(s for s in spikes if s.kind == "volume" and s.scope == "all")
    assert spike_covers(volume.as_record(), {"source": "x", "group": "x:1"}) is holds
    assert ("routine alerts are not held back" in volume.summary) is not holds


def test_top_terms_skip_spanish_and_german_stop_words() -> None:
    """Judge Y (2026-12-06): an outage's top terms were "alguien" and "con"."""
    texts = ["¿Alguien más con la tarjeta de Acme rechazada?", "tarjeta rechazada con Acme hoy",
             "Die Karte von Acme ist gesperrt", "tarjeta rechazada otra vez"]
    assert sorted(t for t, _ in top_terms(texts, n=2, ignore=["Acme"])) == ["rechazada", "tarjeta"]
