"""An item's page lists why it is what it is now; reasons for a light it no longer has are
listed apart (judge T, 2026-12-06: an item overridden to red listed "green: compliment")."""

from __future__ import annotations

import pytest

from monitor.domain.light import reasons_now

GREEN = ["green: compliment (positive sentiment)", "sentiment positive (0.91)", "priority low: light 0 = 0",
         "to kudos via route.routes[3] (sentiment=\"positive\")"]


@pytest.mark.parametrize(("light", "light_reasons", "reasons", "now", "before"), [
    pytest.param("green", ["green: compliment (positive sentiment)"], GREEN, GREEN, [], id="unchanged"),
    pytest.param("red", ["red: overridden by Ben Ortiz (names a customer)", "green: compliment (positive sentiment)"],
                 GREEN, ["red: overridden by Ben Ortiz (names a customer)", *GREEN[1:]],
                 ["green: compliment (positive sentiment)"], id="overridden-to-red"),
    pytest.param("red", ["red: matched the codename watch-list term 'Project Falcon' (project-code-names)"],
                 ["red: matched the codename watch-list term 'Project Falcon' (project-code-names)",
                  "yellow: negative sentiment (criticism or complaint)", "priority urgent: light 50 = 50"],
                 ["red: matched the codename watch-list term 'Project Falcon' (project-code-names)",
                  "priority urgent: light 50 = 50"],
                 ["yellow: negative sentiment (criticism or complaint)"], id="a-red-member-joined"),
    # judge B: overridden to green, the page still gave the yellow route as a reason
    pytest.param("green", ["green: overridden by Anna Berg (a thank-you)", "yellow: complaint terms: 'refund'"],
                 ["yellow: complaint terms: 'refund'", "priority normal: was 62.7, light yellow -> green = 42.7",
                  'to marketing-sales via route.routes[3] (light="yellow")'],
                 ["green: overridden by Anna Berg (a thank-you)", "priority normal: was 62.7, light yellow -> green = 42.7"],
                 ["yellow: complaint terms: 'refund'", 'to marketing-sales via route.routes[3] (light="yellow")'],
                 id="overridden-to-green"),
])
def test_reasons_now(light: str, light_reasons: list[str], reasons: list[str], now: list[str],
                     before: list[str]) -> None:
    assert reasons_now(light, light_reasons, reasons) == (now, before)


def test_a_sentiment_correction_rewrites_the_lines_that_rest_on_the_old_reading() -> None:
    from monitor.queue.actions import corrected_reasons

    got = corrected_reasons(["yellow: negative sentiment (criticism or complaint)", "yellow: complaint terms: 'refund'",
                             "sentiment negative (0.85)", "priority high: light 20 + sentiment 15 = 62.7"],
                            "positive", "Ana Ruiz")
    assert got == [
        "yellow: negative sentiment (criticism or complaint) — as first read: Ana Ruiz corrected the sentiment to "
        "positive; override the light if no other reason holds",
        "yellow: complaint terms: 'refund'",
        "sentiment positive (corrected by Ana Ruiz; the model read: negative (0.85))",
        "priority high: light 20 + sentiment 15 = 62.7"]
    assert corrected_reasons(got, "positive", "Ana Ruiz") == got  # once
