"""Hostile mention text through every output: Slack blocks, the digest email (HTML and text)
and the web pages. Script / HTML, Slack control sequences, spoofed links, zero-width and
right-to-left characters, invalid UTF-8 (decoded with errors="replace"), 100 kB and emoji-only
posts are stored as given and rendered inert."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from monitor.app.bootstrap import build
from monitor.clock import FrozenClock
from monitor.delivery import slack_blocks as sb
from monitor.digest import load_digest, render_digest
from tests.doubles import KeywordClassifier, RecordingNotifier

INVALID_UTF8 = b"SET SEG broken \xff\xfe \xc3\x28 refund \xed\xa0\x80".decode("utf-8", errors="replace")
HOSTILE = [
    "SET SEG refund now <script>alert('bs-xss')</script>", "SET SEG broken <img src=x onerror=bsxss()>",
    "SET SEG outage <!channel> <!here> <@U123> <#C0SECRET> @channel @everyone",
    "SET SEG refund <https://evil.example|https://bank.example/login> click",
    "SET SEG broken [bank](https://evil.example) https://evil.example@bank.example",
    "SET SEG\u200b\u200d\u2060 refund \u202eknab\u202c outage\u2066x\u2069", INVALID_UTF8,
    "SET SEG terrible " + "A" * 100_000, "😡😡😡" * 3, "🔥", "SET SEG ```code``` *bold* _it_ ~s~ \x07\x1b[31m",
]
RAW = ("<script>alert('bs-xss')</script>", "<img src=x onerror", "<!channel>", "<!here>", "<@U123>", "<#C0SECRET>",
       "<https://evil", "\u202e", "\x07", "\x1b")


def _slack_text(text: str, blocks: list[dict[str, Any]]) -> str:
    return text + "\n" + json.dumps(blocks, ensure_ascii=False)


def _payload(text: str) -> dict[str, Any]:
    return {"item_id": 7, "group": "x:1", "light": "yellow", "priority": "high", "source": "x", "external_id": "1",
            "url": "https://x.com/bo/status/1?a=|spoof>c<script>", "author": "<@U999> bo", "author_name": "<!channel>",
            "reach": 10, "text": text, "text_withheld": False, "sentiment": "negative", "sentiment_score": 0.9,
            "uncertain": False, "reasons": [text[:200]], "due_at": None, "item_url": "https://scout/queue/7",
            "scout": False, "mention_count": 1}


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.one_of(st.sampled_from(HOSTILE), st.text(max_size=500),
                 st.binary(max_size=200).map(lambda b: b.decode("utf-8", errors="replace"))))
def test_slack_blocks_are_inert(text: str) -> None:
    out = sb.render_alert(_payload(text))
    rendered = _slack_text(*out) if isinstance(out, tuple) else json.dumps(out, ensure_ascii=False)
    for bad in RAW:
        assert bad not in rendered, bad
    assert "|spoof>" not in rendered and "<script>" not in rendered  # the mention URL cannot relabel its link
    assert len(json.dumps(out, ensure_ascii=False)) < 60_000  # Slack's limits hold for a 100 kB post
    for kind in ("health", "spike", "escalation"):
        t, blocks = sb.render_generic(kind, {"title": text[:300], "summary": text})
        rendered = _slack_text(t, blocks)
        for bad in RAW:
            assert bad not in rendered, (kind, bad)


def test_digest_and_web_render_hostile_mentions_inert(make_config: Any, tmp_path: Path, clock: FrozenClock) -> None:
    feed = tmp_path / "hostile.jsonl"
    feed.write_text("\n".join(json.dumps({"source": "x", "external_id": str(i), "text": t, "author_handle": f"<b>u{i}",
                                          "author_reach": 1000 * (i + 1), "offset_s": i, "likes": 50 - i})
                              for i, t in enumerate(HOSTILE)) + "\n", encoding="utf-8")
    cfg = make_config(db=f"sqlite:///{tmp_path}/h.db", sources=[{"name": "feed", "type": "replay", "interval": "10s",
                                                                 "options": {"file": str(feed)}}],
                      digests=[{"recipients": ["dana@setseg.example"], "timezone": "UTC"}],
                      env={"BRAND_SCOUT_SESSION_SECRET": "s" * 40}, web={"auth": {"demo_login": True}})
    c = build(cfg, clock=clock, classifier=KeywordClassifier(), notifiers={"log": RecordingNotifier()})
    c.start()
    try:
        c.pipeline.poll("feed")
        clock.advance(timedelta(seconds=60))
        c.pipeline.poll("feed")
        c.pipeline.run_once()
        assert c.store.count_mentions() == len(HOSTILE)
        stored = {m.text for m in c.store.mentions_since(clock.now() - timedelta(days=1))}
        assert set(HOSTILE) == stored  # stored as given: escaping happens on output
        # email: the week after
        clock.advance(timedelta(days=7))
        dg = cfg.digests[0]
        d = load_digest(c, dg, "2026-W47")
        subject, text, html = render_digest(d, chart_src="data:image/png;base64,")
        for bad in ("<script>alert('bs-xss')</script>", "<img src=x onerror", "<b>u"):
            assert bad not in html, bad
        assert "\u202e" not in subject and "\n" not in subject
        assert "bs-xss" in html or "refund" in html or "terrible" in html  # hostile items did appear, escaped
        assert len(html) < 2_000_000 and len(text) < 1_000_000
        # web pages as a lead
        from fastapi.testclient import TestClient

        from monitor.web.app import create_app
        from tests.fixtures.web import csrf_of

        client = TestClient(create_app(c), base_url="http://testserver")
        page = client.get("/signin")
        r = client.post("/signin/demo", data={"person": "anna", "csrf_token": csrf_of(page.text)},
                        follow_redirects=False)
        assert r.status_code == 303, r.text
        urls = ["/queue?status=all"] + [f"/queue/{qi.id}" for qi, _m in c.store.queue_items(limit=100)]
        assert len(urls) > 3
        for url in urls:
            r = client.get(url)
            assert r.status_code == 200, (url, r.status_code)
            for bad in ("<script>alert('bs-xss')</script>", "<img src=x onerror", "<b>u", 'href="javascript:'):
                assert bad not in r.text, (url, bad)
    finally:
        c.store.engine.dispose()
