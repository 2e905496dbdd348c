"""A customer's follow-up that only thanks leaves the answered item answered (judge S, 2026-12-07:
"Thanks! That's really helpful" reopened it and climbed the ladder to the crisis contact); anything
more is news to whoever answered, so the test errs towards "more than thanks"."""

from __future__ import annotations

import pytest

from monitor.domain.light import only_thanks


@pytest.mark.parametrize(
    ("text", "thanks"),
    [
        pytest.param("@setseg@mastodon.social Thanks! That's really helpful 🙏", True, id="thanks-and-helpful"),
        pytest.param("Thank you so much!", True, id="thank-you"),
        pytest.param("🙏", True, id="folded-hands"),
        pytest.param("thx @setseg https://x.com/setseg/status/1", True, id="thx-handle-link"),
        pytest.param("Sorted now, much appreciated", True, id="sorted"),
        pytest.param("Gracias!", True, id="spanish"),
        pytest.param("Thanks, but I still have no answer", False, id="but-still"),
        pytest.param("Thanks for nothing", False, id="for-nothing"),
        pytest.param("Great, thanks 🙄", False, id="eye-roll"),
        pytest.param("Thanks! Which form do I need?", False, id="question"),
        pytest.param("Thanks for the link. Called it, it's disconnected.", False, id="second-sentence-news"),
        pytest.param("Called the number you gave me. It's disconnected.", False, id="no-thanks"),
        pytest.param("Thanks for the help, really appreciate being ignored for 3 weeks", False, id="ignored"),
        pytest.param("I DMed you yesterday", False, id="dm"),
        pytest.param("ok", False, id="ok-is-not-thanks"),
        pytest.param("", False, id="empty"),
        pytest.param("thanks " * 30, False, id="too-long"),
        # judge T, 2026-12-07: sarcasm read as thanks, and plain thanks read as more
        pytest.param("Wow thanks, super helpful, a link to the FAQ I had already read", False, id="faq-already"),
        pytest.param("Perfect, another form to fill in", False, id="another-form"),
        pytest.param("Thank you SO much for the third form letter this month", False, id="third-letter"),
        pytest.param("Great, another 'we're looking into it'. Thanks.", False, id="another-canned"),
        pytest.param("ty!! you guys rock", True, id="ty-rock"),
        pytest.param("Received the reimbursement this morning. Thank you!", True, id="received-thanks"),
        pytest.param("Cheers, that worked \U0001F44D", True, id="cheers-worked"),
        pytest.param("thanks but it dont work", False, id="dont"),
        # judge V, 2026-12-07
        pytest.param("Thank you so much, payment came through this afternoon!", True, id="payment-came"),
        pytest.param("No worries, thanks for the help!", True, id="no-worries"),
        pytest.param("Thanks! Not a problem anymore.", True, id="not-a-problem"),
        pytest.param("Wow thanks, a canned reply. Very helpful.", False, id="canned"),
        pytest.param("Thanks SO much for the 'help' \U0001F44F\U0001F44F", False, id="scare-quotes"),
    ],
)
def test_only_thanks(text: str, thanks: bool) -> None:
    assert only_thanks(text) is thanks


def test_the_organisations_name_is_no_word_of_news() -> None:
    """Judge W (2026-12-07): "Got the call from your team, all resolved. Thanks SET SEG!" reopened the item."""
    text = "Got the call from your team, all resolved. Thanks SET SEG!"
    assert only_thanks(text, ("SET SEG",)) and not only_thanks("Got the call, all resolved, SET SEG is slow", ("SET SEG",))

