"""Reply templates by the post's language (judge Y, 2026-12-06: a Spanish complaint template was
offered on English complaints and never on Spanish ones, whose sentiment the model did not read):
a template with ``languages`` answers posts in those languages; a post the model did not read is
offered its language's templates whatever their ``for_sentiment``."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

from monitor.config import load_config
from monitor.queue.actions import actor_for
from monitor.storage.models import MentionRow, QueueItem
from monitor.web.pages import templates_for

EXAMPLE = Path(__file__).resolve().parents[3] / "config" / "example.yaml"
AT = datetime(2026, 12, 2, 17, 0, tzinfo=UTC)


def _offered(lang: str | None, sentiment: str | None, *, read: bool = True, light_reasons: list[str] | None = None,
             corrected: bool = False, text: str = "...") -> list[str]:
    cfg = load_config(EXAMPLE, env={})
    item = QueueItem(id=1, mention_id=1, group_key="x:1", light="yellow", priority="normal", status="new",
                     created_at=AT, updated_at=AT, light_reasons=light_reasons or [])
    post = MentionRow(id=1, source="x", external_id="1", url="https://x.com/a/status/1", text=text, lang=lang,
                      author_handle="ana", created_at=AT, fetched_at=AT)
    actor = actor_for(cfg, email="dana.whitfield@setseg.example")
    return [t["id"] for t in templates_for(SimpleNamespace(cfg=cfg), item, post, sentiment, actor,  # type: ignore[arg-type]
                                           read=read, corrected=corrected)]


def test_an_english_complaint_gets_the_english_templates() -> None:
    assert _offered("en", "negative") == ["complaint-dm"]


def test_a_spanish_post_the_model_did_not_read_gets_the_spanish_one() -> None:
    assert _offered("es", "neutral", read=False) == ["complaint-dm-es"]


def test_a_post_of_unknown_language_gets_every_template_of_its_sentiment() -> None:
    assert _offered(None, "negative") == ["complaint-dm", "complaint-dm-es"]


def test_praise_around_a_bad_experience_is_offered_no_thanks() -> None:
    """Judge AE (2026-12-07): a sarcastic complaint read positive was offered "Thank you for the kind
    words"; unless a person corrected the reading to positive, it gets the complaint's templates."""
    why = ["yellow: read as praise, yet it tells of a bad experience ('on hold'): may be sarcasm, a person reads it"]
    assert "thanks" in _offered("en", "positive")
    assert _offered("en", "positive", light_reasons=why) == _offered("en", "negative")
    assert _offered("en", "positive", light_reasons=why, corrected=True) == _offered("en", "positive")


def test_a_post_read_negative_that_thanks_us_is_offered_the_thanks_too() -> None:
    """Judges AJ, AK, AL (2026-12-07): compliments the model read negative ("Big props to SET SEG ...
    No fuss, no fight.") were offered only "sorry for the trouble". Where a post thanks or praises us
    and tells of no trouble, the thanks are offered beside the complaint's replies."""
    why = ["yellow: negative sentiment (criticism or complaint)"]
    props = "Big props to SET SEG, my claim was paid in 4 days. No fuss, no fight."
    assert _offered("en", "negative", light_reasons=why, text=props) == ["complaint-dm", "thanks"]
    # not where it tells of trouble, says "for nothing", or its item is yellow for complaint words
    assert "thanks" not in _offered("en", "negative", light_reasons=why, text="Thanks SET SEG, on hold for an hour")
    assert "thanks" not in _offered("en", "negative", light_reasons=why, text="Thanks for nothing, SET SEG")
    assert "thanks" not in _offered("en", "negative", text=props,
                                    light_reasons=[*why, "yellow: complaint terms: 'denied'"])
    # a person who corrected the reading to negative has read it
    assert "thanks" not in _offered("en", "negative", light_reasons=why, text=props, corrected=True)
