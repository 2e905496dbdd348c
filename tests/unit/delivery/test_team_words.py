"""Teams cards and alert emails speak the organisation's words: a red item's withheld notice names
``organisation.legal_team`` (it said "Legal / Compliance" to every organisation), and a post in a
language the model does not cover says it was not read, as Slack does."""

from __future__ import annotations

from monitor.config.policy import ReceiverConfig
from monitor.delivery.notifiers.base import Outbound
from monitor.delivery.notifiers.email_alerts import render as render_email
from monitor.delivery.notifiers.teams import render_card

RED = {"item_id": 7, "light": "red", "priority": "urgent", "source": "x", "author": "kit", "reach": 90,
       "text": "Project Falcon pricing leaked", "url": "https://x.com/kit/status/7"}
SPANISH = {"item_id": 5, "light": "yellow", "priority": "normal", "source": "x", "author": "ana", "reach": 80,
           "text": "SET SEG perdió mi reclamo otra vez", "url": "https://x.com/ana/status/5", "sentiment": None,
           "language_not_read": "es"}
BROAD = ReceiverConfig(name="rider-comms", restricted=False)


def _msg(payload: dict[str, object]) -> Outbound:
    return Outbound(key="k1", receiver="rider-comms", kind="alert", payload=payload)


def test_a_withheld_red_text_names_the_organisations_legal_team() -> None:
    card = str(render_card(_msg(RED), BROAD, legal_team="Privacy Office"))
    assert "Falcon" not in card
    assert "Privacy Office see it in the restricted queue" in card and "Legal / Compliance" not in card
    mail = render_email(_msg(RED), BROAD, sender="s@example.org", to=["t@example.org"], prefix="[scout]",
                        legal_team="Privacy Office").get_content()
    assert "Falcon" not in mail
    assert "Privacy Office see it in the restricted queue" in mail and "Legal / Compliance" not in mail


def test_the_default_words_are_the_policys() -> None:
    assert "Legal / Compliance see it" in str(render_card(_msg(RED), BROAD))


def test_a_teams_card_says_an_uncovered_language_was_not_read() -> None:
    card = str(render_card(_msg(SPANISH), BROAD))
    assert "not read (language es is not covered by the model: a person reads it)" in card


def test_a_state_line_says_what_was_done_not_the_status_it_left() -> None:
    """Judge J (2026-12-06): Dana reopening an item her team had acknowledged read "Acknowledged by
    Dana Whitfield" in the channel: the line followed the status, not the action."""
    from monitor.delivery.slack_blocks import state_line

    assert state_line({"action": "reopen", "status": "acknowledged", "by": "Dana Whitfield"}) == (
        ":leftwards_arrow_with_hook: Reopened by Dana Whitfield (now acknowledged)")
    # brand-scout says why, and whose it is (judge K: "Reopened by brand-scout (now assigned)")
    assert state_line({"action": "reopen", "status": "assigned", "by": "brand-scout", "assignee": "marcus",
                       "assignee_name": "Marcus Ortega", "close_reason": "customer replied after our response"}) == (
        ":leftwards_arrow_with_hook: Reopened by brand-scout: customer replied after our response "
        "(now assigned, Marcus Ortega's)")
    assert state_line({"action": "claim", "status": "assigned", "by": "Ben"}) == ":raising_hand: Claimed by Ben"
    assert state_line({"action": "acknowledge", "status": "acknowledged", "by": "Ben"}) == ":eyes: Acknowledged by Ben"


def test_a_take_over_names_and_pings_the_colleague() -> None:
    """Judge W (2026-12-06): Marcus took over Priya's item and nothing told her."""
    from monitor.delivery.notifiers.log import render_line
    from monitor.delivery.slack_blocks import state_line

    state = {"action": "claim", "status": "acknowledged", "by": "Marcus Ortega", "item_id": 82,
             "taken_from": "Priya Raman", "taken_from_user": "U03CDEFGH"}
    assert state_line(state) == ":raising_hand: Claimed by Marcus Ortega, taking it over from Priya Raman <@U03CDEFGH>"
    line = render_line(Outbound(key="k", receiver="marketing-sales", kind="state", payload=state))
    assert line == "[marketing-sales] STATE: item #82: Claimed by Marcus Ortega, taking it over from Priya Raman"
    forged = {**state, "taken_from_user": "<!channel>"}  # only a user id pings
    assert state_line(forged) == ":raising_hand: Claimed by Marcus Ortega, taking it over from Priya Raman"
