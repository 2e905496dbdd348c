"""A person's change of light or sentiment reprices the item (issue "judgement": any change of
light, sentiment or priority recomputes the priority, the due time and the reasons). Pure table."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.config import AppConfig, load_config
from monitor.domain.decide import repriced
from monitor.vocab import Light, Priority, Sentiment

EXAMPLE = Path(__file__).resolve().parents[3] / "config" / "example.yaml"


@pytest.fixture(scope="module")
def cfg() -> AppConfig:
    # example weights: light red 50 / yellow 20 / green 0, sentiment negative 15;
    # thresholds urgent 75, high 50, normal 25, low 0
    return load_config(EXAMPLE, env={})


@pytest.mark.parametrize(
    ("score", "priority", "light", "sentiment", "want", "want_score", "words"),
    [
        (53.7, "high", ("yellow", "red"), (None, None), "urgent", 83.7, "light yellow -> red +30.0"),
        (61.2, "high", ("red", "green"), (None, None), "low", 11.2, "light red -> green -50.0"),
        (30.0, "normal", ("yellow", "yellow"), ("negative", "positive"), "low", 15.0, "sentiment negative -> positive -15.0"),
        (40.0, "normal", ("yellow", "yellow"), ("positive", "negative"), "high", 55.0, "sentiment positive -> negative +15.0"),
        (40.0, "normal", ("yellow", "yellow"), ("neutral", "neutral"), "normal", 40.0, "was 40.0 = 40.0"),
        # urgent by the reach rule (below the urgent threshold): stays urgent while yellow or red ...
        (45.0, "urgent", ("yellow", "red"), (None, None), "urgent", 75.0, "light yellow -> red"),
        (45.0, "urgent", ("red", "yellow"), (None, None), "urgent", 15.0, "still meets the reach, velocity or scout rule"),
        # ... but not once a person made it green
        (45.0, "urgent", ("yellow", "green"), (None, None), "normal", 25.0, "light yellow -> green -20.0 = 25.0"),
        # a green item a person marks red is urgent like every red one (urgent_lights: [red]; judge A,
        # 2026-12-07: it came out "high", due in four business hours, where from yellow it was urgent)
        (10.0, "low", ("green", "red"), (None, None), "urgent", 60.0, "urgent: every red item is"),
    ],
)
def test_repriced(cfg: AppConfig, score: float, priority: Priority, light: tuple[Light, Light],
                  sentiment: tuple[Sentiment | None, Sentiment | None], want: Priority, want_score: float,
                  words: str) -> None:
    name, new, text = repriced(cfg, score=score, priority=priority, light=light, sentiment=sentiment)
    assert name == want
    assert new == pytest.approx(want_score)
    assert words in text
    assert text.startswith("priority ") and f"was {score:.1f}" in text


def test_an_unread_post_is_priced_like_a_complaint_until_a_person_reads_it(cfg: AppConfig) -> None:
    """Judge R (2026-12-05): a Spanish complaint scored 47.1 (normal, due the next day) where the
    same words in English score about 62 (high): "sentiment not read" added nothing. It now adds
    the highest sentiment weight; a person's reading then moves it by the difference."""
    from monitor.domain.decide import priority_of

    en = priority_of(cfg, light="yellow", sentiment="negative", reach=900, velocity_per_hour=0, source="x",
                     scout=False)
    es = priority_of(cfg, light="yellow", sentiment=None, reach=900, velocity_per_hour=0, source="x", scout=False,
                     unread=True)
    assert es[:2] == en[:2] and "sentiment (not read) 15.0" in es[2]
    _, new, text = repriced(cfg, score=es[1], priority=es[0], light=("yellow", "yellow"),
                            sentiment=(None, "positive"), unread_before=True)
    assert new == pytest.approx(es[1] - 15.0) and "sentiment not read -> positive -15.0" in text
    # read negative, it weighs the same: the line says what changed (judge AJ, 2026-12-07: "was 56.9 = 56.9")
    _, new, text = repriced(cfg, score=es[1], priority=es[0], light=("yellow", "yellow"),
                            sentiment=(None, "negative"), unread_before=True)
    assert new == pytest.approx(es[1]) and f"was {es[1]:.1f}, sentiment not read -> negative +0.0 = " in text
