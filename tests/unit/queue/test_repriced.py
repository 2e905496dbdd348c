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
