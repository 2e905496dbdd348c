"""Property tests: every mention gets exactly one light and at least one receiver (P4)."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.config import AppConfig
from monitor.domain.decide import MentionView, Router, SentimentView
from monitor.vocab import LIGHTS
from tests.fixtures.router import NOW

WORDS = [
    "Acme",
    "Project Falcon",
    "falcons",
    "refund",
    "great",
    "thanks",
    "how do I",
    "?",
    "internal only",
    "SEG",
    "seg",
    "claim",
    "invoice",
    "Pecos Valley ISD",
    "ok",
    "#ProjectFalcon",
    "bluebonnet",
    "!",
]

sentiments = st.none() | st.builds(
    SentimentView,
    label=st.sampled_from(["negative", "neutral", "positive"]),
    score=st.floats(0, 1),
    uncertain=st.booleans(),
    supported=st.booleans(),
)

mentions = st.builds(
    MentionView,
    source=st.sampled_from(["x", "reddit", "hn", "rss", "mastodon"]),
    external_id=st.text("abc123", min_size=1, max_size=6),
    text=st.lists(st.sampled_from(WORDS) | st.text(max_size=12), max_size=8).map(" ".join),
    created_at=st.integers(0, 72 * 60).map(lambda m: NOW - timedelta(minutes=m)),
    author_reach=st.integers(0, 10**8),
    lang=st.sampled_from([None, "en", "es", "de"]),
    likes=st.integers(0, 10**6),
    reposts=st.integers(0, 10**5),
    kind=st.sampled_from(["post", "repost", "quote", "comment"]),
    refers_to=st.none() | st.just("orig"),
    thread_id=st.none() | st.just("thread"),
    links=st.lists(st.sampled_from(["https://news.example/a?utm_source=x", "mailto:x@y", ""]), max_size=2).map(tuple),
    submitted_by=st.none() | st.just("emp-1"),
    scout_category=st.none() | st.sampled_from(["compliment", "criticism", "question", "other"]),
)


@settings(max_examples=300, deadline=None)
@given(m=mentions, s=sentiments)
def test_one_light_and_at_least_one_receiver(
    router: Router, cfg: AppConfig, m: MentionView, s: SentimentView | None
) -> None:
    d = router.decide(m, s, now=NOW)
    assert d.light in LIGHTS
    assert d.receivers and len(set(d.receivers)) == len(d.receivers)
    known = {r.name for r in cfg.receivers}
    assert set(d.receivers) <= known
    assert d.priority in ("urgent", "high", "normal", "low")
    assert d.group
    restricted = {r.name for r in cfg.receivers if r.restricted}
    if d.light == "red":
        # P4: a red item reaches Legal / Compliance; every other receiver gets a notice only.
        assert restricted & set(d.receivers)
        assert set(d.notice_only) == set(d.receivers) - restricted
        assert d.can_offer_template is False
    else:
        assert d.notice_only == []
    assert router.decide(m, s, now=NOW) == d  # pure: same inputs, same decision
