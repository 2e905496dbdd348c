"""The velocity estimate from a post's readings, as a table (issue: velocity): two readings at
least ``velocity_min_interval`` apart when the post was seen twice, else nothing at posting
time and the one reading; never below ``velocity_min_engagement``. And a red post's velocity
spike as a notice that names only its queue item (P5)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from monitor.config.policy import SpikeConfig
from monitor.domain.spikes import EngagementObservation, Reading, detect, post_velocity, velocity_readings

T0 = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)  # posted
CFG = SpikeConfig(velocity_per_hour=500, velocity_min_engagement=50, velocity_min_interval=timedelta(minutes=30))


def m(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


@pytest.mark.parametrize(
    ("previous", "latest", "first", "rate"),
    [
        # read once: from nothing at posting time
        pytest.param(None, (45, 1200), (0, 0), 1600.0, id="once-45min-old"),
        pytest.param(None, (10, 1200), (0, 0), 0.0, id="once-too-young"),
        pytest.param(None, (60, 40), (0, 0), 0.0, id="once-below-min-engagement"),
        # read twice, far enough apart: between the two readings
        pytest.param((5, 4), (50, 1204), (5, 4), 1600.0, id="twice-gains-1200-in-45min"),
        pytest.param((5, 60), (50, 90), (5, 60), 40.0, id="twice-gains-30-in-45min"),
        pytest.param((5, 4), (35, 40), (5, 4), 0.0, id="twice-below-min-engagement"),
        pytest.param((60, 3000), (120, 3100), (60, 3000), 100.0, id="twice-viral-then-stalled"),
        pytest.param((5, 900), (50, 850), (5, 900), 0.0, id="twice-engagement-fell"),
        # read twice, too close together: judged on its age instead
        pytest.param((40, 100), (50, 1000), (0, 0), 1200.0, id="twice-too-close-old-enough"),
        pytest.param((2, 3), (10, 1200), (0, 0), 0.0, id="twice-too-close-too-young"),
        pytest.param((20, 10), (50, 1510), (20, 10), 3000.0, id="twice-exactly-min-interval"),
    ],
)
def test_velocity_from_readings(previous: tuple[float, int] | None, latest: tuple[float, int],
                                first: tuple[float, int], rate: float) -> None:
    prev = Reading(m(previous[0]), previous[1]) if previous else None
    last = Reading(m(latest[0]), latest[1])
    assert velocity_readings(T0, last, prev, CFG) == (Reading(m(first[0]), first[1]), last)
    assert post_velocity(T0, last, prev, CFG) == pytest.approx(rate)


def _obs(first: tuple[float, int], last: tuple[float, int], **kw: object) -> EngagementObservation:
    return EngagementObservation("x", "777", m(first[0]), first[1], m(last[0]), last[1], **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("restricted", "item_id", "key", "named"),
    [
        pytest.param(False, None, "velocity:x:777", True, id="ordinary-post-named"),
        pytest.param(True, 12, "velocity:x:restricted:item-12", False, id="red-post-by-its-item"),
        pytest.param(True, None, None, False, id="red-post-without-item"),
    ],
)
def test_velocity_spike_of_a_red_post_is_a_notice(restricted: bool, item_id: int | None, key: str | None,
                                                  named: bool) -> None:
    text, url, author = "Leaked: Project Falcon ships in May", "https://x.com/leaker/status/777", "leaker"
    obs = _obs((5, 10), (50, 2010), text=text if not restricted else "", url=url if not restricted else "",
               author=author if not restricted else "", group="x:777" if not restricted else "",
               restricted=restricted, item_id=item_id)
    [spike] = detect({}, CFG, m(50), engagement=[obs])
    payload = str({"summary": spike.summary, **spike.explanation()})
    assert spike.kind == "velocity" and spike.observed == pytest.approx(2000 / 0.75)
    if key is not None:
        assert spike.key == key
    if named:
        assert url in spike.summary and " by leaker " in spike.summary and spike.samples
        return
    assert "restricted" in spike.summary and "details in the restricted queue" in spike.summary
    assert (f"item #{item_id}" in spike.summary) == (item_id is not None)
    assert spike.samples == () and spike.top_terms == () and spike.group is None
    assert spike.explanation()["restricted"] is True
    for secret in ("777", "leaker", "Falcon", "https://"):
        assert secret not in spike.summary, secret
    assert "Falcon" not in payload and "leaker" not in payload
