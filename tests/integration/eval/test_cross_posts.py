"""The same complaint cross-posted on another platform is one item with one alert (judge W,
2026-12-06: two items, given to two spokespersons, so its author could get two replies). The same
words by someone else (on any platform), and a short text, stay items of their own."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from monitor.app.evaluation import parse_stream, replay
from monitor.config import load_config
from monitor.domain.decide import MentionView, cross_post_text, handle_stem
from tests.doubles import KeywordClassifier

ROOT = Path(__file__).resolve().parents[3]
LONG = "SET SEG has ignored my claim for 5 weeks, my surgery bills are piling up, terrible"


def _post(source: str, ext: str, at: str, text: str, handle: str) -> str:
    return json.dumps({"source": source, "external_id": ext, "url": f"https://{source}.example/{ext}", "text": text,
                       "author_handle": handle, "author_reach": 300, "created_at": f"2026-12-08T{at}Z"})


def test_a_cross_post_joins_the_first_posts_item() -> None:
    cfg = load_config(ROOT / "config" / "example.yaml", env={})
    stream = "\n".join([
        _post("x", "cp1", "16:00:00", LONG, "jlopez_teach"),
        _post("bluesky", "cp1b", "16:03:00", LONG, "jlopez-teach.bsky.social"),
        _post("x", "cp2", "16:10:00", LONG, "someone_else"),  # the same words by another person: their own
        _post("mastodon", "cp3", "16:12:00", LONG, "another@mastodon.example"),
        _post("x", "s1", "17:00:00", "SET SEG is terrible", "a1"),
        _post("bluesky", "s2", "17:01:00", "SET SEG is terrible", "a2"),
    ])
    report = replay(cfg, parse_stream(stream), classifier=KeywordClassifier())
    m = {x["external_id"]: x for x in report.mentions}
    assert m["cp1"]["item_id"] == m["cp1b"]["item_id"]
    assert m["cp1"]["alerted"] == ["marketing-sales"] and m["cp1b"]["alerted"] == []
    assert len({m[e]["item_id"] for e in ("cp1", "cp2", "cp3", "s1", "s2")}) == 5


@pytest.mark.parametrize(("kind", "text", "key"), [
    ("post", f"  {LONG} ", LONG),
    ("post", "SET SEG is terrible", None),
    ("reply", LONG, None),
    ("repost", LONG, None),
])
def test_cross_post_text(kind: str, text: str, key: str | None) -> None:
    from datetime import UTC, datetime

    view = MentionView(source="x", external_id="1", text=text, created_at=datetime(2026, 12, 8, tzinfo=UTC), kind=kind)
    assert cross_post_text(view) == key


@pytest.mark.parametrize(("handle", "stem"), [
    ("@jlopez_teach", "jlopezteach"), ("jlopez-teach.bsky.social", "jlopezteach"),
    ("JLopez_Teach@mastodon.social", "jlopezteach"), ("", ""),
])
def test_handle_stem(handle: str, stem: str) -> None:
    assert handle_stem(handle) == stem
