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
])
def test_reasons_now(light: str, light_reasons: list[str], reasons: list[str], now: list[str],
                     before: list[str]) -> None:
    assert reasons_now(light, light_reasons, reasons) == (now, before)
