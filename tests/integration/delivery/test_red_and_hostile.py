"""P4 for the new receivers: a red mention's text reaches a restricted receiver's webhook, Teams
card and PagerDuty incident, and a broad receiver only as a notice; hostile text (markup, @mentions,
links, control and bidi characters) arrives inert in each format."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from monitor.app.bootstrap import Container
from monitor.clock import FrozenClock
from monitor.config.policy import ReceiverConfig
from monitor.delivery.notifiers._content import card_markdown, plain, visible
from monitor.delivery.notifiers.base import Outbound
from monitor.delivery.notifiers.teams import render_card
from tests.fakes.pagerduty import FakePagerDuty
from tests.fakes.teams import FakeTeams
from tests.fakes.webhook import FakeWebhook
from tests.integration.delivery.conftest import HOSTILE, play

SECRET_WORDS = "Project Falcon"


def red(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for e in events if e["event"] == "alert" and e["data"]["light"] == "red"]


def card_json(card: dict[str, Any]) -> str:
    return json.dumps(card, ensure_ascii=False)


def test_red_text_only_to_the_restricted_receiver(containers: Callable[..., Container], clock: FrozenClock,
                                                  pd: FakePagerDuty, teams: FakeTeams, hook: FakeWebhook) -> None:
    c = containers()
    play(c, clock)
    assert all(n.status == "sent" for n in c.store.notifications())
    # webhook: restricted gets the text and the reasons; broad gets text null, text_withheld, no reasons
    (legal,) = red(hook.events("legal"))
    assert legal["restricted"] is True and SECRET_WORDS in legal["data"]["text"] and legal["data"]["reasons"]
    (broad,) = red(hook.events("broad"))
    assert broad["restricted"] is False
    assert broad["data"]["text"] is None and broad["data"]["text_withheld"] is True and broad["data"]["reasons"] == []
    assert SECRET_WORDS not in json.dumps(broad)
    # Teams: the restricted card shows the text; the broad card says it is withheld
    legal_cards = [card_json(cd) for cd in teams.cards("legal")]
    broad_red = [card_json(cd) for cd in teams.cards("broad") if "RED" in card_json(cd)]
    assert len(legal_cards) == 1 and SECRET_WORDS in legal_cards[0]
    assert len(broad_red) == 1 and SECRET_WORDS not in broad_red[0] and "Text withheld" in broad_red[0]
    # PagerDuty (restricted receiver): the text is in the incident's details
    (trigger,) = pd.triggers()
    assert trigger["payload"]["custom_details"]["text"].startswith("Heard SET SEG is building Project Falcon")


def test_notice_only_targets_never_carry_text(containers: Callable[..., Container], target_cfg: Any,
                                              receivers: list[dict[str, Any]], clock: FrozenClock,
                                              teams: FakeTeams, hook: FakeWebhook) -> None:
    legal = next(r for r in receivers if r["name"] == "legal-compliance")
    legal["teams"]["notice_only"] = True
    legal["webhook"]["notice_only"] = True
    c = containers(target_cfg(receivers_=receivers))
    play(c, clock)
    (event,) = red(hook.events("legal"))
    assert event["data"]["text"] is None and event["data"]["text_withheld"] is True
    assert all(SECRET_WORDS not in card_json(cd) for cd in teams.cards("legal"))


def test_the_red_rule_holds_even_for_a_payload_that_carries_text() -> None:
    """Defence in depth: a broad receiver never gets red text, whoever built the payload."""
    payload = {"light": "red", "text": "Project Falcon ships in May", "text_withheld": False,
               "reasons": ["red: Project Falcon"], "scout_note": "Falcon!", "item_url": "https://bs.example/queue/1"}
    broad = ReceiverConfig(name="marketing-sales")
    restricted = ReceiverConfig(name="legal", restricted=True, broad=False)
    assert visible(broad, payload) == {**payload, "text": None, "reasons": [], "scout_note": None,
                                       "text_withheld": True}
    assert visible(restricted, payload) == payload
    card = card_json(render_card(Outbound("k", "marketing-sales", "alert", payload), broad))
    assert "Falcon" not in card and "Text withheld" in card


FORBIDDEN_EVERYWHERE = ("\u202e", "\x07", "\x1b", "<at>", "</at>", "<script", "<!channel>", "http://evil",
                        "https://evil", "www.evil")


def test_hostile_text_is_inert_in_the_teams_card(containers: Callable[..., Container], clock: FrozenClock,
                                                 teams: FakeTeams) -> None:
    c = containers()
    play(c, clock)
    card = next(cd for cd in teams.cards("broad") if "YELLOW" in card_json(cd))
    everything = card_json(card)
    for bad in (*FORBIDDEN_EVERYWHERE, "**bold**", "[click me](", "`code`", "_it_"):
        assert bad not in everything, bad
    for word in ("@channel", "@here", "@everyone"):
        assert word not in everything, word
    texts = [b["text"] for b in card["body"] if b["type"] == "TextBlock"]
    body = next(t for t in texts if "claims portal" in t)
    assert "\\*\\*bold\\*\\*" in body and "\\[click me\\]" in body and "\u2039at\u203a" in body
    assert "\n\\- list item" in body and "\n1\\. numbered" in body  # no lists from the post
    author = next(f["value"] for b in card["body"] if b["type"] == "FactSet" for f in b["facts"]
                  if f["title"] == "Author")
    assert author.startswith("@bo\u2039at\u203ax\u2039/at\u203a") and "54,000 followers" in author
    facts = {f["title"]: f["value"] for b in card["body"] if b["type"] == "FactSet" for f in b["facts"]}
    assert facts["Light"] == "YELLOW" and facts["Priority"] and facts["Source"] == "x"
    assert facts["Respond by"].endswith(" MST")  # the organisation's time zone (America/Denver)
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.4"
    # the only link is ours: the "Open in queue" action
    assert [a["url"] for a in card["actions"]] == [f"http://127.0.0.1:8080/queue/{1}"]


def test_hostile_text_is_inert_in_pagerduty(containers: Callable[..., Container], target_cfg: Any,
                                            receivers: list[dict[str, Any]], clock: FrozenClock,
                                            pd: FakePagerDuty) -> None:
    broad = next(r for r in receivers if r["name"] == "marketing-sales")
    broad["pagerduty"] = {"routing_key_env": "PD_ROUTING_KEY", "api_base": pd.url, "timeout": "2s"}
    c = containers(target_cfg(receivers_=receivers))
    play(c, clock)
    event = next(e for e in pd.triggers() if "claims portal" in e["payload"]["summary"])
    everything = json.dumps(event, ensure_ascii=False)
    for bad in (*FORBIDDEN_EVERYWHERE, "@channel", "@here", "@everyone"):
        assert bad not in everything, bad
    summary = event["payload"]["summary"]
    assert "<" not in summary and ">" not in summary and "\n" not in summary
    assert len(summary) <= 1024
    # the broad receiver's incident for the red item carries no text
    red_event = next(e for e in pd.triggers() if e["payload"]["class"] == "red" and e["payload"]["group"] ==
                     "marketing-sales")
    assert SECRET_WORDS not in json.dumps(red_event) and red_event["payload"]["custom_details"]["text_withheld"]


def test_hostile_text_arrives_exact_but_inert_in_the_webhook(containers: Callable[..., Container],
                                                             clock: FrozenClock, hook: FakeWebhook) -> None:
    c = containers()
    play(c, clock)
    event = next(e for e in hook.events("broad") if e["data"]["light"] == "yellow")
    assert event["data"]["text"] == HOSTILE  # the post as read: a JSON string is inert, consumers escape it
    raw = next(body for headers, body in hook.raw if headers["idempotency-key"] == event["id"])
    assert raw.isascii()
    for bad in (b"<", b">", b"&", b"\x07", b"\x1b", b"\xe2\x80\xae"):
        assert bad not in raw, bad


def test_escapers() -> None:
    assert card_markdown("**x** [a](http://e.x) <at>y</at> @everyone") == \
        "\\*\\*x\\*\\* \\[a\\]\\(http\u200b://e.x\\) \u2039at\u203ay\u2039/at\u203a @\u200deveryone"
    assert card_markdown("- a\n+ b\n3. c\n  # d") == "\\- a\n\\+ b\n3\\. c\n  \\# d"
    assert plain("a\n<b>\x07 \u202e@here www.x.y", 200) == "a \u2039b\u203a @\u200dhere www\u200b.x.y"
    assert plain("x" * 50, 10) == "x" * 9 + "\u2026"


def test_spike_samples_carry_post_text_only_to_restricted_receivers(
        containers: Callable[..., Container], clock: FrozenClock, pd: FakePagerDuty, hook: FakeWebhook) -> None:
    """A spike's sample posts may be red and its top terms a codename: a receiver that is not
    restricted (crisis here) gets the links, not the text."""
    c = containers()
    spike = {"title": "Spike: 40 mentions on reddit", "summary": "40 mentions on reddit", "kind": "volume",
             "scope": "reddit", "baseline": 4.0, "observed": 40.0, "threshold": 12.0,
             "top_terms": [["falcon", 30]],
             "samples": [{"source": "reddit", "external_id": "t3_a", "url": "https://reddit.example/t3_a",
                          "text": "Heard SET SEG is building Project Falcon"}]}
    with c.store.session() as s:
        c.store.enqueue(s, key="spike:volume:reddit:1", receiver="crisis", kind="spike", payload=spike,
                        now=clock.now())
        c.store.enqueue(s, key="spike:volume:reddit:1:legal", receiver="legal-compliance", kind="spike",
                        payload=spike, now=clock.now())
    c.pipeline.deliver()
    crisis = next(e for e in pd.events if e["payload"]["group"] == "crisis")
    assert "Falcon" not in json.dumps(crisis) and "falcon" not in json.dumps(crisis)
    assert crisis["payload"]["custom_details"]["samples"] == [
        {"source": "reddit", "external_id": "t3_a", "url": "https://reddit.example/t3_a"}]
    (legal,) = [e for e in hook.events("legal") if e["event"] == "spike"]
    assert legal["data"]["samples"][0]["text"].endswith("Project Falcon") and legal["data"]["top_terms"]


def test_a_red_notice_with_its_link_withheld_names_no_author(target_cfg: Callable[..., Any]) -> None:
    """A broad receiver's red notice carries no link or author (``link_withheld``): the Teams card
    and the PagerDuty summary say the author is in the restricted queue, never "@" and nothing."""
    from monitor.delivery.notifiers._content import RESTRICTED_AUTHOR
    from monitor.delivery.notifiers.pagerduty import PagerDutyNotifier

    payload = {"item_id": 3, "light": "red", "priority": "urgent", "source": "x", "author": None, "reach": None,
               "url": "", "text": None, "text_withheld": True, "link_withheld": True, "reasons": [],
               "item_url": "https://bs.example/queue/3"}
    broad = ReceiverConfig(name="marketing-sales")
    card = card_json(render_card(Outbound("k", "marketing-sales", "alert", payload), broad))
    assert RESTRICTED_AUTHOR in card and "reach unknown" not in card
    body = PagerDutyNotifier(target_cfg()).event(Outbound("k", "crisis", "alert", payload, queue_item_id=3), "rk")
    assert body is not None and RESTRICTED_AUTHOR in body["payload"]["summary"] and "@ " not in body["payload"]["summary"]
