"""The same complaint cross-posted on another platform is one item with one alert (judge W,
2026-12-06: two items, given to two spokespersons, so its author could get two replies). The same
words by someone else (on any platform) join it as a campaign (``by_campaign``, since 2026-12-06,
judge A) or, with that off, stay items of their own; a short text stays a post of its own."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

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


@pytest.mark.parametrize("campaigns", [True, False])
def test_a_cross_post_joins_the_first_posts_item(campaigns: bool) -> None:
    cfg = load_config(ROOT / "config" / "example.yaml", env={})
    cfg = cfg.model_copy(update={"policy": cfg.policy.model_copy(update={
        "grouping": cfg.policy.grouping.model_copy(update={"by_campaign": campaigns})})})
    stream = "\n".join([
        _post("x", "cp1", "16:00:00", LONG, "jlopez_teach"),
        _post("bluesky", "cp1b", "16:03:00", LONG, "jlopez-teach.bsky.social"),
        _post("x", "cp2", "16:10:00", LONG, "someone_else"),  # the same words by another person
        _post("mastodon", "cp3", "16:12:00", LONG, "another@mastodon.example"),
        # judge A, 2026-12-06: the Mastodon copy carried the tags its platform's search follows
        _post("mastodon", "cp1m", "16:05:00", f"{LONG} #setseg #txed", "jlopez_teach@mastodon.social"),
        _post("x", "s1", "17:00:00", "SET SEG is terrible", "a1"),
        _post("bluesky", "s2", "17:01:00", "SET SEG is terrible", "a2"),
    ])
    report = replay(cfg, parse_stream(stream), classifier=KeywordClassifier())
    m = {x["external_id"]: x for x in report.mentions}
    assert m["cp1"]["item_id"] == m["cp1b"]["item_id"] == m["cp1m"]["item_id"]
    assert m["cp1"]["alerted"] == ["marketing-sales"] and m["cp1b"]["alerted"] == m["cp1m"]["alerted"] == []
    if campaigns:  # one matter: cp2 and cp3 join cp1's item, no alert of their own
        assert m["cp2"]["item_id"] == m["cp3"]["item_id"] == m["cp1"]["item_id"]
        assert m["cp2"]["alerted"] == m["cp3"]["alerted"] == []
        assert len({m[e]["item_id"] for e in ("cp1", "s1", "s2")}) == 3
    else:
        assert len({m[e]["item_id"] for e in ("cp1", "cp2", "cp3", "s1", "s2")}) == 5


@pytest.mark.parametrize(("kind", "text", "key"), [
    ("post", f"  {LONG} ", LONG),
    ("post", f"{LONG} #setseg #txed https://t.co/x1 @setseg", LONG),  # a platform's tags at the end
    ("post", f"#setseg {LONG}", f"#setseg {LONG}"),  # only at the end: a leading tag is part of the text
    # a word of assent before copied words is no part of them (judge E: "This. " opened a new item)
    ("post", f"This. {LONG}", LONG),
    ("post", f"RT @bo: {LONG} #setseg", LONG),
    ("post", f"Same!! 👆 {LONG}", LONG),
    ("post", f"This is {LONG}", f"This is {LONG}"),  # a sentence that starts with "this" is the text
    ("post", "Yes. SET SEG is terrible", None),  # too short without the lead
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


def test_the_store_finds_cross_posts_by_their_core_on_both_databases(db_url: str, make_config: Any,
                                                                     clock: Any) -> None:
    """``routed_groups_by_text`` matches a text that starts with the key and whose core is the key
    (LIKE with %, _ and backslash taken literally), on SQLite and PostgreSQL."""
    from connectors.base import Mention
    from monitor.app.bootstrap import build
    from monitor.domain.decide import cross_post_core
    from tests.doubles import RecordingNotifier

    c = build(make_config(db=db_url), clock=clock, classifier=KeywordClassifier(), notifiers={"log": RecordingNotifier()})
    c.start()
    try:
        odd = "SET SEG raised 100% of_rates by 9_5 \\ percent for every district, terrible news today"
        posts = [Mention(source="x", external_id=str(i), url=f"https://x.example/{i}", text=t, created_at=clock.now(),
                         author_handle="amy") for i, t in enumerate([
                             f"{odd} #setseg", odd.replace("100%", "1000"), f"{LONG} https://t.co/abc"])]
        c.store.add_new_mentions("t", "x", posts, None, now=clock.now())
        c.pipeline.run_once()
        with c.store.session() as s:
            got = c.store.routed_groups_by_text(s, [odd, LONG, "nothing like it at all here now"],
                                                clock.now() - timedelta(hours=1), cross_post_core)
        assert sorted(got) == sorted([odd, LONG])
        assert [src for src, _, _ in got[odd]] == ["x"] and len(got[LONG]) == 1
    finally:
        c.store.engine.dispose()
