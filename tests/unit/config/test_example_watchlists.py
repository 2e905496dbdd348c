"""The example's watch-lists catch credentials and secrecy phrases without catching ordinary posts
(judge Z, 2026-12-06: "user admin_ops pass Bluebell#2026", "shared account is svc_claims /
Winter2026!", a live Stripe key and a memo "staff were told not to discuss" came out green, while
"my login is slow ... password reset didn't help" matched "a login with its password")."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.config import load_config
from monitor.domain.light import find_terms, watch_matches

EXAMPLE = Path(__file__).resolve().parents[3] / "config" / "example.yaml"
CFG = load_config(EXAMPLE, env={})


def _hits(text: str) -> list[str]:
    return [label for wl in CFG.policy.light.watchlists for label, _ in watch_matches(text, wl)]


@pytest.mark.parametrize(("text", "label"), [
    ("admin login on a sticky note: user admin_ops pass Bluebell#2026", "a user name with its password"),
    ("VPN shared account is svc_claims / Winter2026!", "a user name with its password"),
    ("login: jsmith password: Hunter22!", "a password"),
    ("here is their key sk_live_4eC39HqLyjWDarjtT1zdp7dc lol", "a service's secret key"),
    ("found AKIAIOSFODNN7EXAMPLE in the repo", "a service's secret key"),
    ("the Lubbock office closes in March. Staff were told not to discuss it.", "staff were told not to discuss"),
    ("the new rates have not been announced yet but they are 12% lower", "not been announced yet"),
    ("Ms. Alvarez in HR has been out for chemo since October, her whole team knows", "a named person's medical details"),
    # judge M, 2026-12-07: yellow and green, the text to the whole Marketing & Sales channel
    ("SET SEG just emailed me my coworker Linda Pham's MRI results and her diagnosis by mistake.",
     "someone else's medical details sent around"),
    ("SET SEG adjuster cc'd the whole staff on Coach Daniels' surgery notes and his medical history.",
     "a named person's medical details sent around"),
    ("SET SEG mailed my neighbor's claim file to me, her name, diagnosis and claim number are all on it",
     "someone else's medical details sent around"),
    ("SET SEG sent me another teacher's medical records instead of mine", "someone else's medical details sent around"),
    # judge AA, 2026-12-07 (a hospital that copied these lists): a whiteboard's patients, a pastor's
    # overdose, a father's discharge papers mailed to the neighbour
    ("the ED whiteboard is visible from the waiting room. Mr. Garcia chest pain, Ms. Lee suicidal",
     "a named person's medical details"),
    ("Riverbend sent my dad's discharge papers to our neighbor. Now the neighbor knows about his HIV status.",
     "medical records sent to the wrong person"),
    ("They mailed my lab results to the wrong address again", "medical records sent to the wrong person"),
    ("Riverbend mailed me someone else's lab results. Some lady named Carol Denton has stage 3 something.",
     "someone else's medical details sent around"),
])
def test_a_leak_matches(text: str, label: str) -> None:
    assert label in _hits(text)


@pytest.mark.parametrize("text", [
    "my login is slow, 3 weeks of this, password reset didn't help",
    "my account is closed / frozen since March",
    "I pass 2 SET SEG offices on my way to work",
    "user reviews say the app is fine, pass 100 tests",
    "the login page says username / password incorrect, 3 times now",
    "reset my password twice this week, what is going on",
    "SET SEG sponsors the cancer walk this Saturday",
    # a named adjuster thanked for the author's own surgery claim (judge O, 2026-12-07: made red and urgent)
    "Huge thanks to Mrs. Delgado at SET SEG, who handled my claim after my rotator cuff surgery",
    # the author's own records, or someone else's case without their records in it
    "SET SEG emailed me my MRI results, finally",
    "SET SEG sent Dr. Smith's office my x-ray two weeks ago and still no decision",
    "My coworker's surgery claim was denied by SET SEG too",
    "SET SEG sent my coworker a denial letter for her surgery",
    "SET SEG sent a referral to Mayo Clinic's cancer program",
    "SET SEG emailed everyone a survey about mental health resources",
    "Sent SET SEG my test results three times. Still pending.",
    "SET SEG sent my claim file to my lawyer as I asked",
    "Sent my x-rays to the adjuster, still waiting",
    "Coach Daniels gave a great talk on heat stroke prevention",
    # a public figure's surgery in the news, or shared with their consent (judge AD, 2026-12-07: made red)
    "Per the Chronicle, Coach Daniels will miss the season after knee surgery",
    "Our Pastor Dan had knee surgery and is doing great. He asked us to share the good news!",
    "Claims handler at SET SEG here. If an adjuster ever emailed your claim file to the wrong address, call us",
])
def test_an_ordinary_post_does_not(text: str) -> None:
    assert _hits(text) == []


@pytest.mark.parametrize(
    ("text", "red"),
    [
        pytest.param("I'm not supposed to share this, but SET SEG is closing an office", True, id="insider"),
        # judge C, 2026-12-07: customers are told not to post their claim numbers
        pytest.param("I'm not supposed to share my claim number online so DM me @setseg_help", False, id="customer"),
        pytest.param("We were told not to discuss the Tyler closure with members", True, id="staff-told"),
        # judge H, 2026-12-07: a customer's adjuster told them so
        pytest.param("I was told not to discuss my claim with coworkers by my SET SEG adjuster. Is that normal??",
                     False, id="customer-told"),
    ],
)
def test_not_supposed_to_share_is_a_leak_only_of_this(text: str, red: bool) -> None:
    assert bool(_hits(text)) is red, _hits(text)


@pytest.mark.parametrize(("text", "press"), [
    ("Reporter here: would anyone at SET SEG speak on the record about claim delays?", True),
    ("Writing a story on teacher injuries, DMs open", True),
    ("Would SET SEG comment on the record about the outage?", True),
    # judge AG, 2026-12-07: an idiom is no press enquiry ("on the record" made it urgent)
    ("Congrats on the record, SET SEG team!", False),
    ("SET SEG set a new record for claims paid this year, on the record books", False),
])
def test_the_examples_press_terms_name_a_journalists_request_not_an_idiom(text: str, press: bool) -> None:
    assert bool(find_terms(text, list(CFG.policy.light.yellow.press_terms))) is press


@pytest.mark.parametrize("text", [
    "Retained counsel re: SET SEG's handling of my liability claim. Not saying more here but wow.",
    "If SET SEG doesn't pay my disability claim by Friday I'm going to the ombudsman and then a lawyer.",
    "Asked the state AG's consumer protection division to investigate SET SEG.",
])
def test_the_examples_legal_terms_name_a_customers_recourse(text: str) -> None:
    """Judge AI (2026-12-07): "Retained counsel ..." was recorded only, and Legal never heard of an
    ombudsman or the attorney general."""
    assert find_terms(text, list(CFG.policy.light.yellow.legal_terms), inflected=True)


def test_news_of_a_regulator_is_no_legal_threat() -> None:
    text = "The state insurance commissioner approved SET SEG's request for a 6% rate increase, per today's filing."
    assert not find_terms(text, list(CFG.policy.light.yellow.legal_terms), inflected=True)
