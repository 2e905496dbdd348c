"""A post in a language the model does not cover was not read: its alert says so instead of
"Sentiment: neutral (0% confident)" (judge O, 2026-12-05)."""

from __future__ import annotations

from monitor.delivery.slack_blocks import render_alert

SPANISH = {"item_id": 5, "light": "yellow", "priority": "normal", "source": "x", "author": "ana", "reach": 80,
           "text": "SET SEG perdió mi reclamo otra vez", "url": "https://x.com/ana/status/5", "sentiment": None,
           "sentiment_score": None, "language_not_read": "es"}


def test_an_uncovered_language_is_shown_as_not_read() -> None:
    _, blocks = render_alert(SPANISH)
    shown = str(blocks)
    assert "*Sentiment:* not read (language es is not covered by the model: a person reads it)" in shown
    assert "confident" not in shown


def test_a_read_post_shows_its_sentiment_and_confidence() -> None:
    _, blocks = render_alert({**SPANISH, "language_not_read": None, "sentiment": "negative", "sentiment_score": 0.91})
    assert "*Sentiment:* negative (91% confident)" in str(blocks)
