"""Links in Slack-formatted text (``/scout``, the message shortcut): Slack escapes ``&``, ``<`` and
``>`` as entities (judge T, 2026-12-06: a Facebook permalink was stored with ``&amp;``)."""

from __future__ import annotations

import pytest

from monitor.web.slack import first_link


@pytest.mark.parametrize(("text", "link"), [
    ("https://www.facebook.com/permalink.php?story_fbid=123&amp;id=456 they are angry",
     "https://www.facebook.com/permalink.php?story_fbid=123&id=456"),
    ("<https://www.facebook.com/permalink.php?story_fbid=123&amp;id=456|the post> look",
     "https://www.facebook.com/permalink.php?story_fbid=123&id=456"),
    ("see <https://x.com/a/status/1>.", "https://x.com/a/status/1"),
    ("no link here", None),
])
def test_first_link_unescapes_slack_entities(text: str, link: str | None) -> None:
    assert first_link(text) == link


def test_a_modal_error_is_cut_at_a_word() -> None:
    """Judge T (2026-12-06): a refusal under a modal field ended "... — pleas"."""
    from monitor.web.slack import FIELD_ERROR_MAX, field_error

    long = "Only designated spokespersons respond to mentions on behalf of the organisation: Marketing & Sales " \
           "will take it from here — please don't reply yourself."
    cut = field_error(long)
    assert len(cut) <= FIELD_ERROR_MAX and cut.endswith("\u2026") and not cut.endswith("pleas\u2026")
    assert long.startswith(cut[:-1])
    assert field_error("short") == "short"
