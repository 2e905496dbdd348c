"""Pure rendering and escaping, and the request URLs inside the real web app."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from slack_sdk.signature import SignatureVerifier

from monitor.app.container import Container
from monitor.clock import FrozenClock
from monitor.delivery import slack_blocks as sb
from tests.integration.slack.conftest import SECRET


@pytest.mark.parametrize("raw, bad", [
    ("<!channel> hi", "<!channel>"), ("<!here|here>", "<!here"), ("<@U123ABC>", "<@U"), ("<#C999|general>", "<#C"),
    ("<https://evil.example|bank>", "<https://evil"), ("@channel @Here @EVERYONE", "@channel"),
    ("```unclosed", "```"), ("a\u202eb\x00c\x1bd", "\u202e"),
])
def test_escape_makes_text_inert(raw: str, bad: str) -> None:
    out = sb.escape(raw)
    assert bad.lower() not in out.lower()
    assert "\x00" not in out and "\x1b" not in out


def test_escape_follows_slack_rules_and_keeps_text_readable() -> None:
    assert sb.escape("a & b < c > d") == "a &amp; b &lt; c &gt; d"
    assert sb.escape("@here") == "@\u200dhere"
    assert sb.escape("line1\r\nline2\tx") == "line1\nline2 x"


def test_links_only_for_http_and_cannot_break_out() -> None:
    assert sb.link("javascript:alert(1)", "x") == "x"
    assert sb.link("https://a.example/?q=1|2>3", "l|a<b") == "<https://a.example/?q=1%7C2%3E3|l¦a&lt;b>"


def test_red_notice_without_text_and_reasons() -> None:
    payload = {"item_id": 3, "light": "red", "priority": "high", "text": None, "text_withheld": True,
               "reasons": [], "item_url": "https://bs.example/queue/3", "author": "leaky", "reach": 10}
    text, blocks = sb.render_alert(payload)
    body = json.dumps(blocks)
    assert "restricted queue" in body and "Why you see this" not in body and "withheld" in text
    assert "only those cleared for red items open" in body  # said before the click (judge W)
    assert [e["action_id"] for e in blocks[-1]["elements"]] == ["bs_open"]
    # notice_only channels never see text, even for yellow items
    _, blocks = sb.render_alert({**payload, "light": "yellow", "text": "secret-ish", "text_withheld": False},
                                notice_only=True)
    assert "secret-ish" not in json.dumps(blocks)


def test_restate_blocks_without_the_payload() -> None:
    payload = {"item_id": 5, "light": "yellow", "priority": "normal", "text": "t", "reasons": ["yellow: x"],
               "item_url": "https://bs.example/queue/5"}
    _, blocks = sb.render_alert(payload)
    new = sb.restate_blocks(blocks, {"item_id": 5, "status": "closed", "by": "Anna", "close_reason": "done"})
    body = json.dumps(new)
    assert "Closed by Anna" in body and "bs_claim" not in body and "https://bs.example/queue/5" in body


def test_request_urls_are_registered_in_the_web_app(containers: Callable[..., Container], clock: FrozenClock,
                                                    tmp_path: Path) -> None:
    from monitor.web.app import create_app

    c = containers()
    with TestClient(create_app(c)) as client:
        body = b"command=%2Fscout&text=nothing&user_id=U1"
        ts = str(int(clock.now().timestamp()))
        sig = SignatureVerifier(SECRET).generate_signature(timestamp=ts, body=body) or ""
        headers = {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": sig,
                   "Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"}
        r = client.post("/slack/commands", content=body, headers=headers)
        assert r.status_code == 200 and "Usage" in r.json()["text"]
        assert client.post("/slack/actions", content=b"payload=%7B%7D", headers={**headers, "X-Slack-Signature": "v0=0"}
                           ).status_code == 401


def test_unread_link_shows_the_scouts_note_as_a_note_not_a_post() -> None:
    payload = {"item_id": 7, "light": "yellow", "priority": "high", "source": "web", "url": "https://blog.example/p",
               "author": "", "reach": 0, "text": "district blog says the portal is confusing", "scout": True,
               "scout_name": "Eve Employee", "scout_urgency": "high", "scout_note": "district blog says the portal is confusing",
               "text_is_scout_note": True, "item_url": "http://q/7"}
    fallback, blocks = sb.render_alert(payload)
    body = json.dumps(blocks)
    assert "Note from Eve Employee (scout)" in body and "could not be read from its source" in body
    assert "urgency: urgent" in body
    assert "Reach" not in body and "0 followers" not in body
    assert "note from Eve Employee" in fallback


def test_a_spike_message_names_its_top_posts_with_links() -> None:
    payload = {"title": "Volume spike on all sources", "summary": "31 mentions in the 15 min from 16:00",
               "samples": [{"source": "x", "external_id": "1", "url": "https://x.com/a/status/1",
                            "text": "SET SEG portal down again"},
                           {"source": "reddit", "external_id": "2", "url": "https://reddit.com/r/x/2"},
                           {"source": "rss", "external_id": "3", "url": "javascript:alert(1)", "text": "news"}]}
    _, blocks = sb.render_generic("spike", payload)
    text = json.dumps(blocks, ensure_ascii=False)
    assert "SET SEG portal down again · <https://x.com/a/status/1|x post>" in text
    assert "• <https://reddit.com/r/x/2|reddit post>" in text  # a sample shown without its text keeps its link
    assert "javascript:" not in text and "• news · rss post" in text
