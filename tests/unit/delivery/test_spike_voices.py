"""A spike's sample post by a large account says who wrote it, in Slack and in email (judge S,
2026-12-06: the regulator's post in a breach was not among the samples; now it takes a slot, and the
reader must see that it is the regulator's)."""

from __future__ import annotations

import json

from monitor.delivery.notifiers._content import voice
from monitor.delivery.slack_blocks import render_generic

PAYLOAD = {"title": "Spike: 120 mentions", "summary": "120 mentions on all sources",
           "samples": [{"source": "x", "external_id": "c1", "url": "https://x.example/c1", "text": "portal down"},
                       {"source": "x", "external_id": "tdi", "url": "https://x.example/tdi",
                        "text": "We are reviewing the incident", "author": "TexasTDI", "reach": 140000}]}


def test_a_sample_by_a_large_account_names_it_with_its_followers() -> None:
    _, blocks = render_generic("spike", PAYLOAD)
    text = json.dumps(blocks)
    assert "*@TexasTDI (140,000 followers):* We are reviewing the incident" in text
    assert "\\u2022 portal down" in text  # a sample without an author reads as before


def test_voice() -> None:
    assert voice({"author": "u", "reach": 12000}) == "@u (12,000 followers)"
    assert voice({"author": "u"}) == "@u"
    assert voice({"text": "x"}) == ""


def test_a_spikes_title_is_its_first_clause() -> None:
    """Judge I (2026-12-07): the bold title was the whole explanation, and the body repeated it."""
    from monitor.triage.jobs import spike_headline, spike_title

    summary = ("11 mentions on all sources in the 15 min from 2026-12-08 09:30 CST (15:30 UTC) against a usual 1 per "
               "15 min (the median 15 min with mentions in the 24 h before, 2 mentions in all; threshold 10); from x "
               "11; 11 of 11 negative, 0 positive; top terms: portal, down")
    assert spike_headline(summary) == "11 mentions on all sources in the 15 min from 2026-12-08 09:30 CST (15:30 UTC)"
    assert spike_title({"summary": summary}) == f"Spike: {spike_headline(summary)}"
    velocity = "a negative x post https://x.example/p by angryparent (2,500 followers) gains 2688 engagements per hour"
    assert spike_headline(velocity) == velocity
    assert len(spike_headline("word " * 100)) == 160
