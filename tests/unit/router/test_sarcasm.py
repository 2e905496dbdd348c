"""Praise around a bad experience is yellow, not a compliment (judge AE, 2026-12-07: 9 of 30 sarcastic
complaints about the example organisation were read positive and shared with the whole team's kudos
channel). Sarcasm is praise around a bad situation (Riloff et al., EMNLP 2013): the router reads the
situation's words beside a positive reading; a sincere compliment, good news about a bad thing and a
problem solved are left to their reading. Posts written for this test, not taken from any evaluation set."""

from __future__ import annotations

import pytest

from monitor.domain.decide import MentionView, Router, SentimentView
from monitor.domain.light import bad_situation
from tests.fixtures.router import NOW, make_config


@pytest.mark.parametrize(
    ("text", "said"),
    [
        pytest.param("Five stars to Acme for the hold music. It's all I've heard from them in a month.", "hold music",
                     id="hold-music"),
        pytest.param("So grateful to Acme for the free lesson in patience. Week 6, no check.", "Week 6, no",
                     id="week-n-no-check"),
        pytest.param("Congrats Acme on the record profits. Must be all the claims you didn't pay.", "didn't pay",
                     id="didnt-pay"),
        pytest.param("Fantastic news, Acme says my appeal is 'in review'. In review since August!",
                     "In review since August", id="in-review-since"),
        pytest.param("Thank you Acme for losing my file for the third time. Truly impressive.", "losing my file",
                     id="losing-my-file"),
        pytest.param("Love how Acme raised our premiums right before the holidays. Teachers love that",
                     "raised our premiums", id="raised-premiums"),
        pytest.param("Great job Acme, the portal logged me out mid-claim. 10/10", "logged me out", id="logged-out"),
        pytest.param("Shoutout to Acme: 3 adjusters, 3 different answers, 0 checks. #blessed", "different answers",
                     id="different-answers"),
        pytest.param("Acme is a joy, truly. 5 stars for the lobby, 0 stars for everything else", "0 stars",
                     id="zero-stars"),
        pytest.param("Best part of my day is Acme's portal going down again \U0001F643", "portal going down again",
                     id="down-again"),
        pytest.param("Amazing, Acme says slipping on a wet hallway doesn't count as an accident",
                     "doesn't count", id="doesnt-count"),
        # judge AH, 2026-12-07
        pytest.param("Five stars to Acme for teaching me patience. Day 40 waiting on my check.", "Day 40 waiting",
                     id="day-n-waiting"),
        pytest.param("Rate my Acme experience: portal 2/10, phone 1/10, premiums 11/10", "2/10", id="low-mark"),
        pytest.param("thanks Acme for the 'quick' refund!! only took a semester", "'quick'", id="scare-quoted-praise"),
        pytest.param("Lovely adjuster, great manners, but it's been 7 weeks and I still haven't been paid",
                     "still haven't", id="still-havent"),
        pytest.param("Claim approved, yay. The payout was $800 short and nobody can tell me why.", "payout was $800 short",
                     id="nobody-can-tell"),
        pytest.param("A heartfelt thank-you to Acme for teaching me to read the fine print", "fine print",
                     id="fine-print"),
        # judge AK, 2026-12-07 (read neutral, recorded only)
        pytest.param("pro tip: read the Acme 'simplified' policy booklet. 84 pages. simplified.", "'simplified'",
                     id="scare-quoted-simplified"),
        # judge AM, 2026-12-07 (a transit agency's riders)
        pytest.param("Thank you Acme for teaching me patience. Stood at Maple & 3rd so long the snowman got a bus "
                     "before I did", "Stood at Maple & 3rd so long the", id="so-long-that"),
        pytest.param("Driver on the 7 blew right past me at Elm St. Next one is 30 min. @Acme do better",
                     "blew right past me", id="blew-past-me"),
        pytest.param("Love the new Acme schedule. Please do better.", "do better", id="do-better"),
        pytest.param("Thanks Acme, the reimbursement check arrived, but it was $60 short of the receipts.",
                     "reimbursement check arrived, but it was $60 short",
                     id="money-short"),
    ],
)
def test_praise_around_a_bad_experience_names_it(text: str, said: str) -> None:
    assert bad_situation(text) == said


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("Huge thanks to Acme, my claim was paid in four days and the adjuster called to check on me",
                     id="paid-fast"),
        pytest.param("Staff sick days from injuries went down a lot after the Acme ergonomic review", id="went-down"),
        pytest.param("When our bus crashed the Acme team was on the phone with parents within the hour",
                     id="bus-crashed"),
        pytest.param("Glad to report our workers comp premiums went down after the Acme safety program",
                     id="premiums-down"),
        pytest.param("small thing, but the Acme rep actually followed up a week later to check on my knee",
                     id="a-week-later"),
        pytest.param("Props to Acme for sponsoring the science fair again. The kids had a blast.", id="again-sincere"),
        pytest.param("Had an issue with a duplicate bill last week. Called Acme, they fixed it the same day. Thanks!",
                     id="problem-solved"),
        pytest.param("Five stars for Acme claims. Clear, quick, and they explained everything.", id="five-stars"),
        # a trouble that is over (judge AH, 2026-12-07)
        pytest.param("The Acme portal used to crash all the time, but they clearly listened. Smooth now!",
                     id="used-to-crash"),
        pytest.param("Acme's hold times are no longer a thing, called today and got a person in a minute",
                     id="no-longer"),
        pytest.param("Rated Acme 10/10 on the survey, they earned it", id="ten-out-of-ten"),
        pytest.param("Waited so long for this new Acme line and it's finally open! Congrats", id="waited-so-long-for"),
        pytest.param("Raised $5,000 short of our goal, but Acme matched the rest!", id="short-of-a-goal"),
        pytest.param("Why the Acme claims model works, and what it taught us (thread 1/5)", id="thread-numbering"),
        pytest.param("Acme drivers who do better than the schedule deserve a raise", id="do-better-than"),
        pytest.param("Our Acme driver went right past the stop, turned around and came back for me. Thank you!",
                     id="went-past-the-stop"),
    ],
)
def test_a_sincere_compliment_has_no_bad_situation(text: str) -> None:
    assert bad_situation(text) is None


def _light(text: str, label: str, **policy_yellow: bool) -> tuple[str, list[str], list[str]]:
    cfg = make_config()
    if policy_yellow:
        policy = cfg.policy.model_dump(mode="json", by_alias=True)
        policy["light"]["yellow"].update(policy_yellow)
        cfg = make_config(policy=policy)
    d = Router(cfg).decide(MentionView("x", "1", text, NOW), SentimentView(label, 0.8), now=NOW)  # type: ignore[arg-type]
    return d.light, d.reasons, d.receivers


def test_a_sarcastic_post_read_positive_goes_to_a_person_not_to_the_compliments() -> None:
    light, reasons, receivers = _light("Love how Acme puts me on hold for 90 minutes. Stellar service.", "positive")
    assert light == "yellow"
    assert "yellow: read as praise, yet it tells of a bad experience ('on hold'): may be sarcasm, a person reads it" in reasons
    assert "kudos" not in receivers
    # a sincere compliment read positive stays one; the rule reads praise only, and can be turned off
    assert _light("Acme's nurse line called back within ten minutes. Lovely people.", "positive")[::2] == (
        "green", ["kudos"])
    # a bad experience told flatly is a complaint too, a mark of mockery alone is not (judge AH, 2026-12-07)
    light, reasons, receivers = _light("@acme my claim number is 4471, been 'processing' since spring break. no rush",
                                       "neutral")
    assert (light, receivers) == ("yellow", ["marketing-sales"])
    assert "yellow: a bad experience in its words (\u201cprocessing' since spring break\u201d): a person reads it" in reasons
    assert _light("Monday again \U0001F643 Acme webinar at 4", "neutral")[0] == "green"
    assert _light("Monday again \U0001F643 Acme webinar at 4", "positive")[0] == "yellow"
    assert _light("Love how Acme puts me on hold for 90 minutes.", "positive", praise_with_complaint=False)[0] == "green"


def test_sarcasm_is_weighed_as_a_complaint_and_a_colleagues_misreading_does_not_share_it() -> None:
    """Judge AJ (2026-12-07): sarcasm yellow by its words was "normal" while plain complaints were
    "high"; "... only lost my injury claim paperwork twice this year lol", forwarded by a colleague
    as a compliment and read negative, went to the whole team's kudos."""
    router = Router(make_config())
    text = "Acme is amazing, only lost my injury claim paperwork twice this year lol"
    sarcasm = router.decide(MentionView("x", "1", text, NOW), SentimentView("positive", 0.8), now=NOW)
    plain = router.decide(MentionView("x", "1", text, NOW), SentimentView("negative", 0.8), now=NOW)
    assert sarcasm.light == plain.light == "yellow" and sarcasm.priority_score == plain.priority_score
    forwarded = MentionView("x", "1", text, NOW, submitted_by="emp-7", scout_category="compliment")
    d = router.decide(forwarded, SentimentView("negative", 0.8), now=NOW)
    assert d.light == "yellow" and "kudos" not in d.receivers, d.reasons
    assert ("yellow: a scout forwarded it as a compliment, but it reads as a complaint (the model read it "
            "negative; 'lost my injury'): a person reads it") in d.reasons
    # the person's reading still wins where nothing tells of a bad experience
    kind = MentionView("x", "1", "Acme's nurse line called back in ten minutes, lovely people", NOW,
                       submitted_by="emp-7", scout_category="compliment")
    assert router.decide(kind, SentimentView("negative", 0.8), now=NOW).light == "green"
