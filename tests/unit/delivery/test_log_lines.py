"""The alert log reads on its own for every kind of message (judge U, 2026-12-06: a state change
was raw JSON, Legal's notice of an override to red only its title, without the reason or post)."""

from __future__ import annotations

from typing import Any

from monitor.delivery.notifiers.base import Outbound
from monitor.delivery.notifiers.log import render_line


def _line(kind: str, receiver: str, payload: dict[str, Any]) -> str:
    return render_line(Outbound(key="k", receiver=receiver, kind=kind, payload=payload))


def test_a_state_change_is_a_sentence() -> None:
    assert _line("state", "marketing-sales", {"item_id": 13, "status": "acknowledged", "by": "Dana Whitfield"}) == (
        "[marketing-sales] STATE: item #13: Acknowledged by Dana Whitfield")
    line = _line("state", "marketing-sales", {"item_id": 13, "status": "responded", "by": "Dana Whitfield",
                                              "response_url": "https://x.example/r/1"})
    assert line == "[marketing-sales] STATE: item #13: Responded by Dana Whitfield: https://x.example/r/1"


def test_legals_override_notice_gives_the_reason_the_post_and_the_item() -> None:
    line = _line("escalation", "legal-compliance", {
        "title": "Item #42 was marked red by Jonas Keller", "summary": "light overridden yellow -> red: names a district",
        "samples": [{"source": "x", "url": "https://x.example/42", "text": "the deck"}],
        "item_url": "http://127.0.0.1:8080/queue/42"})
    assert line == ("[legal-compliance] ESCALATION: Item #42 was marked red by Jonas Keller | light overridden "
                    "yellow -> red: names a district | https://x.example/42 | http://127.0.0.1:8080/queue/42")


def test_a_spike_over_says_so_and_a_title_is_not_repeated() -> None:
    line = _line("spike", "crisis", {"title": "Spike (over): 11 mentions on all sources", "summary": "11 mentions on all sources",
                                     "held": "Over at 2026-12-14 16:15 UTC: back to the usual level; 48 mentions since 15:00 UTC."})
    assert line == ("[crisis] SPIKE: Spike (over): 11 mentions on all sources | Over at 2026-12-14 16:15 UTC: back to "
                    "the usual level; 48 mentions since 15:00 UTC.")


def test_a_later_member_reads_as_an_update_not_a_new_alert() -> None:
    """Judge U: "group updates look exactly like new alerts"."""
    payload = {"item_id": 41, "light": "yellow", "priority": "urgent", "source": "x", "author": "u2", "reach": 10,
               "text": "This. My SET SEG claim too", "item_url": "http://127.0.0.1:8080/queue/41"}
    line = _line("update", "marketing-sales", payload)
    assert line.startswith("[marketing-sales] YELLOW urgent (update: another post in this group) item #41 x @u2")
    assert "(update" not in _line("alert", "marketing-sales", payload)


def test_an_alert_says_by_when_who_holds_it_where_the_post_is_and_every_reason() -> None:
    """Judge M, 2026-12-07: a line gave no due time, no holder, no link to the post, and a legal
    threat read only "negative sentiment" (its first reason)."""
    payload = {"item_id": 29, "light": "yellow", "priority": "high", "source": "x", "author": "guy", "reach": 22400,
               "text": "I'm talking to a lawyer", "url": "https://x.com/guy/status/1",
               "item_url": "http://127.0.0.1:8080/queue/29", "due_at": "2026-12-15T20:32:00+00:00",
               "status": "assigned", "holder": "Dana Whitfield",
               "reasons": ["yellow: negative sentiment (criticism or complaint)",
                           "yellow: a legal threat: 'lawyer' (Legal / Compliance hear of it too)"]}
    line = render_line(Outbound(key="k", receiver="marketing-sales", kind="alert", payload=payload), "America/Chicago")
    assert line == ("[marketing-sales] YELLOW high item #29 x @guy (22400 followers): I'm talking to a lawyer | "
                    "yellow: negative sentiment (criticism or complaint); yellow: a legal threat: 'lawyer' "
                    "(Legal / Compliance hear of it too) | respond by Tue 15 Dec 14:32 CST | "
                    "Dana Whitfield's (assigned, not acknowledged yet) | post https://x.com/guy/status/1 | "
                    "http://127.0.0.1:8080/queue/29")
    # kudos has no queue: nothing to respond by; a red post's link stays in the restricted queue
    assert "respond by" not in render_line(Outbound(key="k", receiver="kudos", kind="alert",
                                                     payload={**payload, "queue": False}))
    assert "https://x.com" not in render_line(Outbound(key="k", receiver="marketing-sales", kind="alert",
                                                        payload={**payload, "link_withheld": True, "url": "https://x.com/guy/status/1"}))
