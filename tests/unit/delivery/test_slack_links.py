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
