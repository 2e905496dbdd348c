"""Table tests: the rules of POLICY.md (P1, P3, P4) as YAML cases, mention in, decision out.

Each case names the rule it checks. The rules are in ``tests/fixtures/router.py`` (``RULES_YAML``); the cases below
give a mention (and its sentiment) and the decision the router must reach.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import yaml

from monitor.config import AppConfig
from monitor.domain.decide import (
    Decision,
    MentionView,
    Router,
    SentimentView,
    check_policy,
    group_key,
    require_valid_policy,
)
from monitor.domain.light import (
    can_offer_template,
    override_light,
    redact_for_broad,
    redact_reasons,
    templates_for,
)
from monitor.domain.spikes import Spike
from monitor.errors import ConfigError
from monitor.vocab import Sentiment
from tests.fixtures.router import BASE, NOW, make_config

CASES_YAML = """
# ---- P4 red: watch-lists with word boundaries, case and simple inflections --------------------
- rule: P4 red, code name
  text: "Heard Project Falcon ships in March"
  expect: {light: red, receivers: [legal-compliance, marketing-sales], notice_only: [marketing-sales],
           reason: "watch-list term 'Project Falcon'"}
- rule: P4 red, possessive inflection
  text: "project falcon's budget leaked"
  expect: {light: red}
- rule: P4 red, plural inflection
  text: "the Bluebonnets are coming"
  expect: {light: red, reason: "'Bluebonnet'"}
- rule: P4 red, hyphen and hashtag forms
  text: "#ProjectFalcon and project-falcon"
  expect: {light: red}
- rule: P4 red, the words joined by a dot, an en dash, a plus or an escaped space (judge P)
  text: "about Project.Falcon, Project–Falcon, search?q=Project+Falcon and ?q=Pecos%20Valley%20ISD"
  expect: {light: red, reason: "'Pecos Valley ISD'"}
- rule: P4 red, case-insensitive by default
  text: "PROJECT FALCON!!"
  expect: {light: red}
- rule: P4 word boundary, no match inside another word
  text: "Falconry and bluebonnetfields are lovely"
  sentiment: {label: positive, score: 0.9}
  expect: {light: green, receivers: [kudos]}
- rule: P4 case-sensitive list matches exact case only
  text: "seg means segment"
  expect: {light: green}
- rule: P4 case-sensitive list, exact case
  text: "SEG numbers are out"
  expect: {light: red}
- rule: P4 red, customer name
  text: "Pecos Valley ISD signed with them"
  expect: {light: red, reason: "customer watch-list"}
- rule: P4 red, confidential phrase
  text: "slide says INTERNAL ONLY"
  sentiment: {label: positive, score: 0.8}
  expect: {light: red, template: false}
- rule: P4 red, a credentials pattern; the reason names the pattern, never the matched text
  text: "the Acme portal admin password: Hunter2026 lol"
  expect: {light: red, receivers: [legal-compliance, marketing-sales], notice_only: [marketing-sales],
           reason: "matched the credentials watch-list pattern 'a password' (credentials)", reasons_lack: "Hunter2026"}
- rule: P4 a password mentioned without one is no leak
  text: "Acme makes me change my password every month, password rules from 2005"
  sentiment: {label: negative, score: 0.8}
  expect: {light: yellow}
- rule: P4 red, a case-sensitive pattern with a case-blind part
  text: "Thanks Acme for covering Ms. Alvarez's surgery, her mri was clear"
  sentiment: {label: positive, score: 0.9}
  expect: {light: red, reason: "pattern 'a named person's medical details'"}
- rule: P4 ... and its case-sensitive part must match exactly
  text: "thanks Acme, ms. alvarez's mri was clear"
  sentiment: {label: positive, score: 0.9}
  expect: {light: green}
- rule: P4 red wins over a scout submission and positive sentiment
  text: "Loving Project Falcon"
  submitted_by: emp-1
  sentiment: {label: positive, score: 0.99}
  expect: {light: red, receivers: [legal-compliance, marketing-sales], notice_only: [marketing-sales]}

# ---- P4 yellow: criticism, complaints, questions -> Marketing & Sales -------------------------
- rule: P4 yellow, criticism
  text: "Acme support is terrible"
  sentiment: {label: negative, score: 0.9}
  expect: {light: yellow, receivers: [marketing-sales], reason: "negative sentiment", template: true}
- rule: P4 yellow, complaint term with neutral sentiment
  text: "Waiting for my refund from Acme"
  sentiment: {label: neutral, score: 0.7}
  expect: {light: yellow, receivers: [marketing-sales], reason: "complaint terms: 'refund'", topic: billing}
- rule: P2/P4 yellow, a press enquiry reads neutral but is for a spokesperson
  text: "Reporter at the Tribune. Collecting stories from Acme customers, DMs open."
  sentiment: {label: neutral, score: 0.9}
  expect: {light: yellow, receivers: [marketing-sales], reason: "a press enquiry: 'collecting stories'"}
- rule: P2 a press enquiry weighs on the priority (a journalist's deadline)
  text: "Reporter at the Tribune. Collecting stories from Acme customers, DMs open."
  author_reach: 5000
  sentiment: {label: neutral, score: 0.9}
  expect: {light: yellow, priority: urgent, reason: "press 25.0"}
- rule: P2/P4 yellow, a press enquiry even when it reads positive
  text: "Great news for Acme members per the report; Acme did not respond to a request for comment."
  sentiment: {label: positive, score: 0.9}
  expect: {light: yellow, receivers: [marketing-sales], reason: "a press enquiry: 'request for comment'"}
- rule: P4 yellow, question
  text: "How do I file a claim with Acme?"
  sentiment: {label: neutral, score: 0.8}
  expect: {light: yellow, receivers: [marketing-sales], reason: "question", topic: claims}
- rule: P4 yellow, question term
  text: "does anyone know the Acme phone number"
  expect: {light: yellow}
- rule: P4 yellow, a community question about one of our topics is ours to answer
  text: "anyone know if Acme pays the claim for substitutes?"
  sentiment: {label: neutral, score: 0.8}
  expect: {light: yellow, reason: "question", topic: claims}
- rule: P4 yellow, a question to us among community chatter
  text: "Anyone going to the Acme meetup? Also, when does Acme open the new office?"
  sentiment: {label: neutral, score: 0.8}
  expect: {light: yellow, reason: "question"}
- rule: P4 green, a question to the community, not to us
  text: "Anyone going to the Acme meetup in Lubbock next month? Trying to carpool."
  sentiment: {label: neutral, score: 0.8}
  expect: {light: green, reason: "a question to the community, not to us"}
- rule: P4 green, a question put to a forum's readers by its form, on one of our topics
  text: "Ask HN: Anyone built claims intake systems for public-sector insurance pools like Acme?"
  sentiment: {label: neutral, score: 0.9}
  expect: {light: green, reason: "a question to the community, not to us: 'Ask HN: Anyone built claims intake"}
- rule: P4 green, a question quoted from others asks nothing (judge AO, 2026-12-07)
  text: "'Why did premiums rise?' board members asked at Tuesday's meeting; Acme's actuary walked them through it."
  sentiment: {label: neutral, score: 0.9}
  expect: {light: green, reason: "a question the post quotes or answers, not put to us"}
- rule: P4 yellow, the reason quotes the question put to us (judge AN, 2026-12-07)
  text: "Thanks for the reminder, Acme. When does open enrollment for the dental add-on close this year"
  sentiment: {label: neutral, score: 0.9}
  expect: {light: yellow, reason: "a question that may need an answer: 'When does open enrollment for the dental add-on close this year'"}
- rule: P4 green, a question thread for the readers to vote in
  text: "Question thread: which risk pool has the best published data? My vote so far is Acme."
  sentiment: {label: neutral, score: 0.8}
  expect: {light: green}
- rule: P4 yellow, a forum's question asking for what only we know
  text: "Ask HN: does anyone know if Acme covers student teachers?"
  sentiment: {label: neutral, score: 0.9}
  expect: {light: yellow, reason: "question"}
- rule: P4 yellow, a forum's question sharing a trouble
  text: "Poll: anyone else still waiting on an Acme claim from the spring?"
  sentiment: {label: neutral, score: 0.8}
  expect: {light: yellow, reason: "question"}
- rule: P4 green, a rhetorical question in praise asks nobody anything
  text: "Got the nicest handwritten card from my Acme case manager. Who does that anymore?"
  sentiment: {label: positive, score: 0.8}
  expect: {light: green, receivers: [kudos], reason: "a rhetorical question in praise, not put to us"}
- rule: P4 yellow, the same words read neutral still ask
  text: "Acme wants the form by fax. Who does that anymore?"
  sentiment: {label: neutral, score: 0.6}
  expect: {light: yellow, reason: "question"}
- rule: P4 yellow, a buyer's "which is best" may be put to us
  text: "Which Acme plan is best for a district of 400 staff?"
  sentiment: {label: neutral, score: 0.8}
  expect: {light: yellow, reason: "question"}
- rule: P4 green, a sentence starting with Any is put to the readers
  text: "Comparing Acme with two others for our board. Any public data on loss ratios?"
  sentiment: {label: neutral, score: 0.8}
  expect: {light: green}
- rule: P4 green, a one-word aside is no question
  text: "filling out the Acme survey on near misses. honestly? too many to count"
  sentiment: {label: neutral, score: 0.8}
  expect: {light: green}
- rule: P4 yellow, uncertain negative still yellow
  text: "Acme, hmm"
  sentiment: {label: negative, score: 0.5, uncertain: true}
  expect: {light: yellow, reason: "uncertain"}

# ---- P4 yellow, high reach or fast spreading -> urgent ----------------------------------------
- rule: P4 high-reach negative is urgent (by the rule, the score alone says high)
  text: "Acme lost my paperwork"
  source: reddit
  author_reach: 25000
  sentiment: {label: negative, score: 0.9}
  expect: {light: yellow, priority: urgent, receivers: [marketing-sales], route: "route.routes[3].routes[0]",
           reason: "urgent: author reach 25000 >= 10000"}
- rule: P4 fast-spreading negative is urgent (by the rule, the score alone says high)
  text: "Acme lost my paperwork"
  source: reddit
  author_reach: 40
  likes: 300
  reposts: 100
  age_hours: 1
  sentiment: {label: negative, score: 0.9}
  expect: {light: yellow, priority: urgent, reason: "engagements/h"}
- rule: P4 low-reach negative is not urgent
  text: "Acme lost my paperwork"
  author_reach: 40
  sentiment: {label: negative, score: 0.9}
  expect: {light: yellow, priority: high, route: "route.routes[3]"}
- rule: P4 high reach alone does not make a compliment urgent
  text: "Acme is great"
  author_reach: 1000000
  sentiment: {label: positive, score: 0.9}
  expect: {light: green, priority: high, receivers: [kudos]}

# ---- P4 green: compliments -> kudos; neutral recorded ----------------------------------------
- rule: P4 green compliment goes to kudos
  text: "Thanks Acme, great service"
  sentiment: {label: positive, score: 0.95}
  expect: {light: green, receivers: [kudos], reason: "compliment", template: true}
- rule: P4 green neutral is recorded in the default queue
  text: "Acme posted its annual report"
  sentiment: {label: neutral, score: 0.9}
  expect: {light: green, receivers: [marketing-sales], route: "route", priority: low}
- rule: P4 no sentiment (not classified) is still routed
  text: "Acme posted its annual report"
  expect: {light: green, receivers: [marketing-sales]}
- rule: unsupported language goes to a person, not to green
  text: "Acme es malísimo"
  lang: es
  sentiment: {label: neutral, score: 0.0, supported: false}
  expect: {light: yellow, receivers: [marketing-sales], reason: "needs review: language es is not covered by the sentiment model", reasons_lack: "nobody on the roster"}
- rule: a language nobody on the roster reads says so (judge AF, 2026-12-07)
  text: "Acme est nul"
  lang: fr
  sentiment: {label: neutral, score: 0.0, supported: false}
  expect: {light: yellow, receivers: [marketing-sales], reason: "nobody on the roster reads 'fr' (spokespersons read en, es): a translation, or a colleague who reads it"}
- rule: P1 a scout's urgency raises the priority
  text: "Saw this about Acme"
  submitted_by: emp-7
  scout_urgency: high
  sentiment: {label: neutral, score: 0.8}
  expect: {light: green, reason: "scout urgency 25.0"}

# ---- P1 scout submissions -> Marketing & Sales (compliments also to kudos) -------------------
- rule: P1 scout submission goes to Marketing & Sales
  text: "Saw this about Acme"
  submitted_by: emp-7
  sentiment: {label: neutral, score: 0.8}
  expect: {light: green, receivers: [marketing-sales], reason: "scout 5.0"}
- rule: P1 scout compliment also reaches kudos (continue)
  text: "Acme helped my school so much"
  submitted_by: emp-7
  sentiment: {label: positive, score: 0.9}
  expect: {light: green, receivers: [marketing-sales, kudos]}
- rule: P1 a scout's link we could not read goes to a person (its text is the note or the address)
  source: web
  url: "https://www.facebook.com/groups/123/posts/456"
  text: "https://www.facebook.com/groups/123/posts/456"
  submitted_by: emp-7
  sentiment: {label: neutral, score: 0.7}
  expect: {light: yellow, receivers: [marketing-sales], reason: "needs review: the post behind the link could not be read"}
- rule: P1 ... unless the scout called it a compliment
  source: web
  text: "a parent thanked Acme in our district's Facebook group"
  submitted_by: emp-7
  scout_category: compliment
  sentiment: {label: positive, score: 0.9}
  expect: {light: green, receivers: [marketing-sales, kudos]}
- rule: P1 a scout's compliment in a language the model does not read is a compliment (a person read it)
  text: "Gracias a Acme por el taller de seguridad"
  lang: es
  submitted_by: emp-7
  scout_category: compliment
  sentiment: {label: neutral, score: 0.0, supported: false}
  expect: {light: green, receivers: [marketing-sales], reason: "compliment (a scout forwarded it as one"}
- rule: P1 scout marked criticism is yellow
  text: "Saw this about Acme"
  submitted_by: emp-7
  scout_category: criticism
  expect: {light: yellow, receivers: [marketing-sales], reason: "scout forwarded it as criticism"}
- rule: P1 a complaint word in a post a scout forwarded as a compliment is no complaint
  text: "Got my Acme refund in two days, thank you!"
  submitted_by: emp-7
  scout_category: compliment
  sentiment: {label: positive, score: 0.96}
  expect: {light: green, receivers: [marketing-sales, kudos]}
- rule: P4 the same post without a scout is yellow by the complaint word (sarcasm often reads positive)
  text: "Got my Acme refund in two days, thank you!"
  sentiment: {label: positive, score: 0.96}
  expect: {light: yellow, receivers: [marketing-sales], reason: "complaint terms: 'refund'"}
- rule: P1 a scout's compliment the model reads as negative is green (the person read it)
  text: "Praise for the nurse line!"
  submitted_by: emp-7
  scout_category: compliment
  sentiment: {label: negative, score: 0.92}
  expect: {light: green, receivers: [marketing-sales], reason: "compliment (a scout forwarded it as one; the model read it negative)"}
- rule: P1 a scout's compliment that asks us something is still yellow
  text: "Praise for the nurse line! How do I thank the nurse?"
  submitted_by: emp-7
  scout_category: compliment
  sentiment: {label: positive, score: 0.9}
  expect: {light: yellow, receivers: [marketing-sales], reason: "a question that may need an answer"}
"""

CASES: list[dict[str, Any]] = yaml.safe_load(CASES_YAML)


def mention(case: dict[str, Any]) -> tuple[MentionView, SentimentView | None]:
    age = timedelta(hours=case.get("age_hours", 2))
    m = MentionView(
        source=case.get("source", "x"),
        external_id=case.get("external_id", "1"),
        text=case["text"],
        created_at=NOW - age,
        url=case.get("url", "https://x.example/acme/status/1"),
        author_reach=case.get("author_reach", 100),
        lang=case.get("lang", "en"),
        likes=case.get("likes", 0),
        reposts=case.get("reposts", 0),
        submitted_by=case.get("submitted_by"),
        scout_category=case.get("scout_category"),
        scout_urgency=case.get("scout_urgency"),
    )
    s = case.get("sentiment")
    return m, (SentimentView(**s) if s else None)


@pytest.mark.parametrize("case", CASES, ids=[c["rule"] for c in CASES])
def test_policy_rule(router: Router, case: dict[str, Any]) -> None:
    m, s = mention(case)
    d = router.decide(m, s, now=NOW)
    exp = case["expect"]
    assert d.light == exp["light"]
    if "receivers" in exp:
        assert d.receivers == exp["receivers"]
    if "notice_only" in exp:
        assert d.notice_only == exp["notice_only"]
    if "priority" in exp:
        assert d.priority == exp["priority"]
    if "topic" in exp:
        assert d.topic == exp["topic"]
    if "template" in exp:
        assert d.can_offer_template is exp["template"]
    if "route" in exp:
        assert [mt.path for mt in d.matches] == [exp["route"]]
    if "reason" in exp:
        assert any(exp["reason"] in r for r in d.reasons), d.reasons
    if "reasons_lack" in exp:
        assert not any(exp["reasons_lack"] in r for r in d.reasons), d.reasons
    assert any(r.startswith("priority ") for r in d.reasons)  # the formula is always explained


# ---- P4: red never reaches a broad channel with its text, never gets a template ---------------


def red_decision(router: Router) -> tuple[MentionView, Decision]:
    m = MentionView("x", "9", "Project Falcon slides, internal only", NOW, url="https://x.example/9")
    return m, router.decide(m, SentimentView("negative", 0.9), now=NOW)


def test_red_text_only_to_restricted_receivers(cfg: AppConfig, router: Router) -> None:
    m, d = red_decision(router)
    by_name = {r.name: r for r in cfg.receivers}
    assert "legal-compliance" in d.receivers
    for name in d.receivers:
        shown = redact_for_broad(
            m.text,
            light=d.light,
            restricted=by_name[name].restricted,
            link="https://scout.example/queue/9",
            source=m.source,
        )
        reasons = redact_reasons(d.reasons, light=d.light, restricted=by_name[name].restricted)
        if by_name[name].restricted:
            assert shown == m.text
            assert name not in d.notice_only
        else:
            assert name in d.notice_only
            assert "Falcon" not in shown and "internal" not in shown
            assert "queue/9" in shown
            assert not any("Falcon" in r for r in reasons)
    assert d.can_offer_template is False
    assert templates_for(d.light, "negative", None, cfg.policy.templates) == []
    assert d.to_json()["notice_only"] == ["marketing-sales"]


def test_templates_and_can_offer(cfg: AppConfig) -> None:
    assert [can_offer_template(x) for x in ("green", "yellow", "red")] == [True, True, False]
    assert [t.id for t in templates_for("yellow", "negative", None, cfg.policy.templates)] == ["sorry"]
    assert [t.id for t in templates_for("green", "positive", "claims", cfg.policy.templates)] == ["thanks"]
    assert redact_for_broad("fine text", light="yellow", restricted=False) == "fine text"


@pytest.mark.parametrize(
    ("current", "new", "by", "reason", "spokes", "error"),
    [
        ("yellow", "green", "ana", "a joke, not a complaint", True, None),
        ("green", "red", "ana", "names a customer", True, None),
        ("yellow", "green", "eve", "why not", False, PermissionError),
        ("yellow", "green", "ana", "  ", True, ValueError),
        ("yellow", "blue", "ana", "x", True, ValueError),
        ("yellow", "yellow", "ana", "x", True, ValueError),
    ],
)
def test_override_light(
    current: str, new: str, by: str, reason: str, spokes: bool, error: type[Exception] | None
) -> None:
    if error is not None:
        with pytest.raises(error):
            override_light(current, new, by=by, reason=reason, is_spokesperson=spokes)
        return
    o = override_light(current, new, by=by, reason=reason, is_spokesperson=spokes)
    assert (o.light, o.overridden_by) == (new, by)
    assert o.details == {"from": current, "to": new, "reason": reason}
    assert by in o.reasons[0] and reason in o.reasons[0]


# ---- configuration of the rules ----------------------------------------------------------------


def test_uncertain_negative_can_be_switched_off() -> None:
    cfg = make_config(
        policy={
            **make_config().policy.model_dump(mode="json", by_alias=True),
            "light": {"yellow": {"uncertain_negative": False}},
        }
    )
    d = Router(cfg).decide(
        MentionView("x", "1", "Acme, hmm", NOW), SentimentView("negative", 0.5, uncertain=True), now=NOW
    )
    assert d.light == "green"


@pytest.mark.parametrize(("text", "legal", "complaint"), [
    # judge AN, 2026-12-07: news of a case against someone else is no customer's threat
    ("Class action filed against a national pharmacy benefits manager over prior-authorization delays.", [], []),
    ("A lawsuit was filed Tuesday against a bus manufacturer after a brake failure.", [], []),
    # ... a case against us, or in a customer's own voice, is
    ("Joining the class action against Acme. Enough.", ["class action"], []),
    ("I'm filing a complaint with the state against the adjuster, and a class action against a dozen others.",
     ["class action", "filing a complaint with"], []),
    ("Acme has a lawsuit coming: filing suit next week over the refund", ["filing suit"], ["refund", "lawsuit"]),
])
def test_a_case_against_someone_else_is_news(text: str, legal: list[str], complaint: list[str]) -> None:
    from monitor.domain.light import case_of_another, distinct_terms, find_terms

    legal_terms = ["class action", "filing suit", "filing a complaint with"]
    complaint_terms = ["refund", "lawsuit", "delays"]
    assert [t for t in find_terms(text, legal_terms, inflected=True) if not case_of_another(text, t, ("Acme",))] == legal
    assert [t for t in distinct_terms(text, complaint_terms, inflected=True)
            if not case_of_another(text, t, ("Acme",))] == complaint


@pytest.mark.parametrize(("text", "sentiment", "asked"), [
    # requests without a question mark are put to us (judge AN, 2026-12-07: recorded only, nobody told)
    ("Acme - need to know whether substitute teachers are covered under our plan. Please advise.", "neutral", True),
    ("Acme, could you tell me which form my principal needs to sign. Thanks", "neutral", True),
    ("Hi Acme, I changed districts mid-year. Who handles my open claim now, the old plan or the new one", "neutral", True),
    ("When does open enrollment for the dental add-on close this year", "neutral", True),
    ("Our business office wants to know when Acme will publish next year's rates. Any date yet?", "neutral", True),
    ("How we cut our claim times in half with Acme's help", "positive", False),
    ("Wondering how Acme compares with the big carriers on cost per claim. Anyone have numbers?", "neutral", False),
    ("When it rains it pours: two claims in one week, both paid by Acme.", "positive", False),
    # a demand to be shown what we hold is put to us; wishing for more of us is not
    ("I'd like to see the admin cost breakdown for Acme. Members fund it, so we should know.", "neutral", True),
    ("I'd like to see more companies like Acme, honestly.", "positive", False),
    # calling on someone of the organisation puts the question to us, whatever its first word
    ("Anyone from Acme here? I can't find the claim form.", "neutral", True),
    ("Does anyone at Acme actually test their website on a phone?", "neutral", True),
    # put to the readers by its form, asking for nothing only we know
    ("Which podcast do you all recommend for school safety people? I finished the Acme series.", "neutral", False),
    ("Poll: how many of you knew your district is in a risk pool like Acme?", "neutral", False),
    ("Teachers on here: what are the best shoes for standing all day? Saw an Acme flyer.", "neutral", False),
    ("Fellow school nurses, what first-aid kit brand do you stock?", "neutral", False),
    ("What's everyone bringing to the Acme booth potluck?", "neutral", False),
    ("Who's running the Acme 5K on Saturday? Need a pacing buddy.", "neutral", False),
    ("Ask HN: What do school districts use for workers' comp claims administration?", "neutral", False),
    # judge AO, 2026-12-07: requests in other forms, a demand, the name said as a greeting
    ("hi Acme can u tell me if my husband can be added to dental mid year", "neutral", True),
    ("acme how long does a claim usually take to get assigned an adjuster", "neutral", True),
    ("Acme is the only one that answers email same day. Consistently.", "positive", False),  # a statement
    ("Acme does the paperwork for us, which helps.", "neutral", False),
    ("Looking for the form to request mileage reimbursement. Searching the Acme website turns up nothing.",
     "neutral", True),
    ("Requesting that Acme clarify in writing whether bus drivers injured on field trips are covered.", "neutral", True),
    ("Our members deserve an explanation from Acme about why the pharmacy network changed.", "positive", True),
    ("Acme needs to publish the numbers: how much went to admin costs last year.", "neutral", True),
    ("Our renewal quote from Acme came in 11% higher with zero claims last year. Make it make sense.", "positive", True),
    ("Carpool to the Acme conference from Waco, anyone? And Acme, please post the agenda already.", "neutral", True),
    # ... readers called on by what they are, asked about their own place, for their opinion
    ("Principals: does your district let staff do the Acme ergonomic assessment on contract time?", "neutral", False),
    ("Coaches: how do you all document minor sideline injuries before they go on the Acme form?", "neutral", False),
    ("Does your district do anything extra for Acme safety week? Ours is doing a scavenger hunt.", "neutral", False),
    ("Genuinely curious what people here think: should risk pools like Acme publish their reserves?", "neutral",
     False),
    ("Which restaurant near the convention center for dinner after the Acme awards?", "positive", False),
    # ... a question quoted from others, or answered by the post itself
    ("'Why did premiums rise?' board members asked at Tuesday's meeting; Acme's actuary walked them through it.",
     "neutral", False),
    ("What happens when a custodian gets hurt on the job? Our new explainer walks through the Acme claim steps.",
     "neutral", False),
    # ... praise that only a rhetorical question can be, unless read negative
    ("How great is it that Acme paid for my PT within a week? Honestly did not expect that.", "neutral", False),
    ("How great is it that Acme lost my file again?", "negative", True),
    ("Is it just me or does everyone else also love the Acme stretch posters?", "positive", False),
    # judge AP, 2026-12-07: developers asked by what they are or where they are
    ("Fellow tech writers: has anyone migrated a big Confluence space into Acme?", "neutral", False),
    ("Poll for devs: Acme's TypeScript SDK or their REST API directly?", "neutral", False),
    ("Devs using Acme webhooks: do you verify signatures or trust the IP allowlist?", "neutral", False),
    ("Anyone here used Acme's API for programmatic doc generation?", "neutral", False),
    # judge AQ, 2026-12-07 (held out after the rules above)
    ("hey acme does my dental plan cover braces for my kid", "neutral", True),
    ("Acme does my paperwork for me, which helps.", "neutral", False),
    ("Acme - requesting an itemized breakdown of our contribution for FY26. Which address should our CFO email it to",
     "neutral", True),
    ("School nurses: how do you handle ice packs for recess injuries?", "neutral", False),
    ("Superintendents on here - would you recommend the Acme wellness program?", "neutral", False),
    ("Who else is attending the Acme safety webinar Thursday?", "neutral", False),
    ("Who else is still waiting on an Acme claim from March?", "neutral", True),
    ("Forum thread: what's your best tip for a first claim?", "neutral", False),
    ("Do any of your campuses use the Acme incident app?", "neutral", False),
    ("Teachers who had an Acme claim: did you get a call within a week?", "neutral", False),
    ("How lucky are we to have Acme's nurse line?", "neutral", False),
    ("Who else loves the new Acme wellness challenge?", "neutral", False),
    ("Board asks 'What is our exposure?' after the Acme report", "neutral", False),
    # a follow-up goes to whom the first question went (judge AM, 2026-12-07)
    ("Anyone ridden the Acme holiday lights bus? Worth it with a 4 year old?", "neutral", False),
    ("Question for fellow riders: is the Union Square park-and-ride full by 8am?", "neutral", False),
    ("Anyone going to the Acme meetup? Also, when does Acme open the new office?", "neutral", True),
    ("Anyone else on hold with Acme for an hour? Is the claims line even staffed?", "neutral", True),
    # ... unless it asks what only we know, or shares a trouble
    ("Fellow nurses, how long does Acme take to pay a claim?", "neutral", True),
    ("Poll: who else is still waiting on an Acme claim from the spring?", "neutral", True),
    # a rhetorical question in praise asks nothing; read otherwise, the same words still ask
    ("Claim approved in four days and the check came in the mail. How great is that? Thanks Acme", "positive", False),
    ("Who knew an insurance webinar could be fun? Acme's session had us all laughing.", "positive", False),
    ("A risk pool that sends a trainer to every campus. Why doesn't every state have an Acme?", "positive", False),
    ("Acme wants the form by fax. Who does that anymore?", "neutral", True),
])
def test_questions_put_to_us_and_to_the_readers(text: str, sentiment: str, asked: bool) -> None:
    from monitor.domain.light import asks_us

    assert asks_us(text, ["claim", "claims", "coverage", "rates"], sentiment=sentiment,
                   org_names=("Acme",)) is asked


def test_community_questions_need_us_only_about_the_listed_topics() -> None:
    light = copy.deepcopy(BASE["policy"]["light"])
    light["yellow"]["community_question_topics"] = ["billing"]
    cfg = make_config(policy={**BASE["policy"], "light": light})
    neutral = SentimentView("neutral", 0.8)

    def light_of(text: str) -> str:
        return Router(cfg).decide(MentionView("x", "1", text, NOW), neutral, now=NOW).light

    assert light_of("anyone know if Acme pays the claim for substitutes?") == "green"  # claims: not listed
    assert light_of("anyone else get a surprise invoice from Acme?") == "yellow"  # billing
    assert light_of("When will Acme pay the claim?") == "yellow"  # put to us: any topic, or none
    # news of the organisation's own work is asked of it, not of the readers (judge A, 2026-12-07)
    assert light_of("Any ETA on the Acme portal fix?") == "yellow"
    assert light_of("portal still down. Any update, Acme?") == "yellow"
    assert light_of("Any teachers going to the Acme regional meeting?") == "green"
    # a pause ends no question (judge AG, 2026-12-07)
    assert light_of("Anyone else's Acme invoice just... gone? Thinking of a chargeback.") == "yellow"
    assert light_of("Anyone else's Acme claim just... gone?") == "green"
    light["yellow"]["community_question_topics"] = ["nonsense"]
    with pytest.raises(
        ConfigError, match=r"policy\.light\.yellow\.community_question_topics: unknown topic 'nonsense'"
    ):
        make_config(policy={**BASE["policy"], "light": light})


def test_check_policy_flags_red_without_restricted_receiver_and_bad_matchers(cfg: AppConfig) -> None:
    assert check_policy(cfg) == []
    require_valid_policy(cfg)
    # the scout commands and the composition root call require_valid_policy after load_config,
    # so such a file is refused before anything starts (tests/unit/config/test_policy_checks.py)
    no_legal = make_config(
        route="""
receiver: marketing-sales
routes:
  - {receiver: crisis, matchers: ['light="red"']}
"""
    )
    assert any("no restricted receiver" in p for p in check_policy(no_legal))
    with pytest.raises(ConfigError, match="no restricted receiver"):
        require_valid_policy(no_legal)
    spikes = {"spikes": {"inhibit_matchers": ["light is red"]}}
    bad_inhibit = make_config(policy={**BASE["policy"], **spikes})
    with pytest.raises(ConfigError, match=r"policy\.spikes\.inhibit_matchers\[0\]") as info:
        require_valid_policy(bad_inhibit)
    assert info.value.problems[0][1] == "policy.spikes.inhibit_matchers[0]"
    typos = make_config(route="""
receiver: marketing-sales
routes:
  - {receiver: legal-compliance, matchers: ['light="red"']}
  - {receiver: kudos, matchers: ['light="green"', 'sentiment="postive"']}
  - {receiver: kudos, matchers: ['topic="claimz"', 'priority!="urgnet"']}
  - {receiver: crisis, matchers: ['light=~"red|yellow"', 'author_reach>=100000', 'sentiment!=""', 'topic="claims"']}
  - {receiver: crisis, matchers: ['topic=~"outage|claims"', 'light!~"gr.*n"', 'sentiment=~"pos.*x"']}
""")
    assert check_policy(typos) == [
        "route.routes[1].matchers[1]: 'sentiment=\"postive\"': 'postive' is not a value of sentiment "
        "('negative', 'neutral', 'positive')",
        "route.routes[2].matchers[0]: 'topic=\"claimz\"': 'claimz' is not a value of topic "
        + "(" + ", ".join(repr(t.name) for t in typos.policy.topics) + ")",
        "route.routes[2].matchers[1]: 'priority!=\"urgnet\"': 'urgnet' is not a value of priority "
        "('low', 'normal', 'high', 'urgent')",
        # a regex's plain-word alternatives are values too, and a regex must match one (judge V)
        "route.routes[4].matchers[0]: 'topic=~\"outage|claims\"': 'outage' is not a value of topic "
        + "(" + ", ".join(repr(t.name) for t in typos.policy.topics) + ")",
        "route.routes[4].matchers[2]: 'sentiment=~\"pos.*x\"': matches no value of sentiment "
        "('negative', 'neutral', 'positive')",
    ]


def test_unknown_receiver_is_rejected() -> None:
    with pytest.raises(Exception, match="unknown receiver 'nobody'"):
        make_config(route="{receiver: marketing-sales, routes: [{receiver: nobody, matchers: ['light=\"red\"']}]}")
    with pytest.raises(Exception, match=r"policy\.spikes\.praise_receiver: unknown receiver 'nobody'"):
        make_config(policy={**BASE["policy"], "spikes": {"praise_receiver": "nobody"}})


def test_a_receiver_key_left_out_names_its_default() -> None:
    """Judge G, 2026-12-06: an organisation whose receivers have other names than the example's
    was told "unknown receiver 'marketing-sales'", a name its file never wrote."""
    own = [{"name": "rider-comms", "broad": True}, {"name": "legal-privacy", "restricted": True},
           {"name": "ops-control", "queue": False}]
    with pytest.raises(Exception) as err:
        make_config(receivers=own, route={"receiver": "rider-comms"})
    text = str(err.value)
    assert ("policy.escalation.lead_receiver: unknown receiver 'marketing-sales' (known: ['legal-privacy', "
            "'ops-control', 'rider-comms']), the default, as this file does not set it: name one of your "
            "receivers") in text
    assert "notify.health_receiver: unknown receiver 'marketing-sales'" in text
    # a value the file wrote is not called a default
    with pytest.raises(Exception) as err:
        make_config(receivers=own, route={"receiver": "rider-comms"},
                    policy={**BASE["policy"], "escalation": {**BASE["policy"]["escalation"], "lead_receiver": "comms"}})
    assert "policy.escalation.lead_receiver: unknown receiver 'comms' (known: ['legal-privacy', 'ops-control', " \
        "'rider-comms'])\n" in str(err.value) + "\n"


# ---- grouping and spikes ----------------------------------------------------------------------


def test_grouping_same_url_across_sources_and_reposts() -> None:
    a = MentionView("x", "1", "look", NOW, links=("https://www.news.example/story?utm_source=x#top",))
    b = MentionView("reddit", "t3_z", "look", NOW, links=("http://news.example/story/",))
    rp = MentionView("x", "2", "RT", NOW, kind="repost", refers_to="1")
    reply = MentionView("reddit", "c1", "hm", NOW, kind="comment", thread_id="t3_z")
    assert group_key(a) == group_key(b) == "url:news.example/story"
    assert group_key(rp) == "x:1"
    assert group_key(reply) == "reddit:t3_z"
    assert group_key(MentionView("x", "5", "solo", NOW)) == "x:5"


@pytest.mark.parametrize(
    ("kind", "thread_id", "parent_id", "expected"),
    [
        pytest.param("reply", "r1", "p9", "mastodon:r1", id="thread-named-wins"),
        pytest.param("reply", None, "r1", "mastodon:r1", id="only-the-parent-named"),
        pytest.param("comment", None, "r1", "mastodon:r1", id="comment-to-its-parent"),
        pytest.param("post", None, "r1", "mastodon:m2", id="a-post-is-its-own-group"),
        pytest.param("reply", None, None, "mastodon:m2", id="nothing-named"),
    ],
)
def test_a_reply_joins_its_thread_or_parent(kind: str, thread_id: str | None, parent_id: str | None,
                                            expected: str) -> None:
    m = MentionView("mastodon", "m2", "@a that is because of it", NOW, kind=kind, thread_id=thread_id,
                    parent_id=parent_id)
    assert group_key(m) == expected


def _spike() -> Spike:
    t = datetime(2026, 11, 16, 15, tzinfo=UTC)
    return Spike(
        key="volume:all:t",
        kind="volume",
        scope="all",
        started_at=t,
        bucket_start=t,
        baseline=10,
        observed=90,
        threshold=30,
        summary="90 mentions against a usual 10",
    )


def test_spike_goes_to_crisis_unless_silenced(router: Router) -> None:
    from monitor.domain.suppression import SilenceSpec

    assert router.route_spike(_spike(), now=NOW) == ["crisis"]
    mute = SilenceSpec(['kind="spike"'], NOW - timedelta(hours=1), NOW + timedelta(hours=1), "dana", "launch day")
    assert router.route_spike(_spike(), silences=[mute], now=NOW) == []


def test_model_signal_reason_and_watch_lists_first() -> None:
    """P4 "watch-lists plus model signals": the signal comes in on the MentionView (triage computes
    it); the reason says what the post resembles and the threshold; watch-list reasons come first."""
    policy = make_config().policy.model_dump(mode="json", by_alias=True)
    policy["light"]["red_model_threshold"] = 0.55
    policy["light"]["confidential_categories"] = [{"name": "unreleased prices", "description": "rates not announced"}]
    router = Router(make_config(policy=policy))
    sent = SentimentView("neutral", 0.9)
    why = "resembles 'unreleased prices' (0.78)"
    d = router.decide(
        MentionView("x", "1", "rates go up 9% next year", NOW, red_score=0.78, red_reason=why), sent, now=NOW
    )
    assert d.light == "red"
    assert d.reasons[0] == "red: resembles 'unreleased prices' (0.78), at or above the model threshold 0.55"
    assert redact_reasons(d.reasons, light="red", restricted=False)[0].startswith("red: the confidentiality model")
    low = router.decide(
        MentionView("x", "2", "rates go up 9% next year", NOW, red_score=0.54, red_reason=why), sent, now=NOW
    )
    assert low.light != "red"
    both = router.decide(
        MentionView("x", "3", "Project Falcon rates go up", NOW, red_score=0.9, red_reason=why), sent, now=NOW
    )
    assert "watch-list term 'Project Falcon'" in both.reasons[0] and "resembles" in both.reasons[1]
    unscored = router.decide(MentionView("x", "4", "rates go up 9% next year", NOW), sent, now=NOW)
    assert unscored.light != "red"
    # a scout's note on a post nobody could read is their account of it, not a disclosure (judge M)
    note = router.decide(MentionView("web", "5", "a rider posted in a Facebook group that rates go up 9%", NOW,
                                     submitted_by="emp-7", red_score=0.78, red_reason=why), sent, now=NOW)
    assert note.light == "yellow" and "needs review: the post behind the link could not be read" in note.reasons[0]
    named = router.decide(MentionView("web", "6", "someone posted the Project Falcon rates", NOW,
                                      submitted_by="emp-7", red_score=0.78, red_reason=why), sent, now=NOW)
    assert named.light == "red" and "watch-list term 'Project Falcon'" in named.reasons[0]
    # a news feed's article is printed already: the signal alone does not hide it from the team that
    # answers the public (judge S); a watch-list term in it still makes it red
    press = router.decide(MentionView("rss", "7", "rates go up 9% next year, the paper reports", NOW, kind="article",
                                      red_score=0.78, red_reason=why), sent, now=NOW)
    assert press.light == "green" and not any(r.startswith("red:") for r in press.reasons)
    printed = router.decide(MentionView("rss", "8", "Project Falcon rates go up, the paper reports", NOW,
                                        kind="article", red_score=0.78, red_reason=why), sent, now=NOW)
    assert printed.light == "red" and "watch-list term 'Project Falcon'" in printed.reasons[0]
    assert all("model threshold" not in r for r in printed.reasons)
    # a customer's legal threat, read negative, is theirs to be answered: yellow, Legal told, though the
    # signal reads lawyers as 'legal matters' (judges P, R); read calmly it may be an insider's, red
    angry = SentimentView("negative", 0.9)
    threat = router.decide(MentionView("x", "10", "My lawyers will be in touch. You keep ignoring this.", NOW,
                                       red_score=0.74, red_reason=why), angry, now=NOW)
    assert threat.light == "yellow" and any("a legal threat: 'my lawyer'" in r for r in threat.reasons)
    assert "legal-compliance" in threat.receivers
    insider = router.decide(MentionView("x", "11", "my lawyer files against the district next week", NOW,
                                        red_score=0.74, red_reason=why), sent, now=NOW)
    assert insider.light == "red"
    # ... and an angry insider's is theirs to hide (judge T, 2026-12-07)
    angry_insider = router.decide(MentionView(
        "x", "12", "I work at SET SEG and I'm disgusted: legal is quietly paying off the adjuster so she "
        "won't testify. See you in court, my lawyer says", NOW, red_score=0.74, red_reason=why), angry, now=NOW)
    assert angry_insider.light == "red"
    for leak in ("As a SET SEG employee I'm disgusted: legal is settling the Harris case and told us to keep "
                 "quiet. I've hired a lawyer too", "lawyers are hiding a subpoena, we were told to shred the "
                 "notes. My lawyer will hear of it"):  # judge V, 2026-12-07
        assert router.decide(MentionView("x", "13", leak, NOW, red_score=0.7, red_reason=why), angry,
                             now=NOW).light == "red", leak
    # judge W, 2026-12-07: an insider's words without "I work at", and a threat with no customer's case
    for leak in ("Acme employee here: our attorney said not to mention the regulator's investigation, my lawyer agrees",
                 "A former Acme adjuster: we lowball every claim, my lawyer says",
                 "Acme's lawyers file against the district next week; the cease and desist letters are drafted"):
        assert router.decide(MentionView("x", "15", leak, NOW, red_score=0.7, red_reason=why), angry,
                             now=NOW).light == "red", leak
    for customer in ("If my Acme payment isn't in by Monday, my lawyer hears of it",
                     "My lawyers will be in touch, Acme. You can't keep ignoring this."):
        assert router.decide(MentionView("x", "16", customer, NOW, red_score=0.7, red_reason=why), angry,
                             now=NOW).light == "yellow", customer
    # a score that high reads too much like a disclosure to show a broad channel, threat or not
    assert router.decide(MentionView("x", "14", "My lawyers will be in touch. You keep ignoring this.", NOW,
                                     red_score=0.85, red_reason=why), angry, now=NOW).light == "red"
    # the same words posted on x by a person are still red by the signal
    posted = router.decide(MentionView("x", "9", "rates go up 9% next year, the paper reports", NOW,
                                       red_score=0.78, red_reason=why), sent, now=NOW)
    assert posted.light == "red"


def _decide_with_signal(text: str, score: float, category: str, sentiment: str, *,
                        builtin_legal_terms: bool = False) -> Any:
    """The decision on ``text`` with a confidentiality signal of ``score`` resembling ``category``,
    read ``sentiment``, at ``red_model_threshold`` 0.55."""
    policy = make_config().policy.model_dump(mode="json", by_alias=True)
    if builtin_legal_terms:
        policy["light"]["yellow"].pop("legal_terms")
    policy["light"]["red_model_threshold"] = 0.55
    policy["light"]["confidential_categories"] = [{"name": category, "description": category}]
    return Router(make_config(policy=policy)).decide(
        MentionView("x", "1", text, NOW, red_score=score, red_reason=f"resembles '{category}' ({score})"),
        SentimentView(sentiment, 0.9), now=NOW)


@pytest.mark.parametrize(("text", "light"), [
    # judge AQ, 2026-12-07: a customer's own bad experience is not red by the signal alone
    ("What it's like waiting 11 weeks on Acme for a claim decision", "yellow"),
    # ... an insider's is
    ("I work at Acme: we're waiting 11 weeks on purpose before any claim decision, management's orders", "red"),
])
def test_a_customers_bad_experience_is_not_red_by_the_signal_alone(text: str, light: str) -> None:
    d = _decide_with_signal(text, 0.62, "code", "negative")
    assert d.light == light, d.reasons
    if light == "yellow":
        assert any("a customer's bad experience ('waiting 11 weeks')" in r for r in d.reasons), d.reasons


@pytest.mark.parametrize(("text", "light"), [
    # a business customer's threat (judge AP, 2026-12-07: both went red at 0.73, hidden from the team)
    ("Acme's 'sync fix' wiped 3 months of our contract drafts and support keeps sending canned replies. "
     "Our attorney is drafting a letter this week.", "yellow"),
    ("Your status page promised 99.99%, our contract promises credits, your billing team says no. We are "
     "talking to a lawyer about the SLA breach, Acme.", "yellow"),
    ("My son's Acme tuition refund is three months late. We are consulting a lawyer about the tuition.", "yellow"),
    ("I will take legal action if Acme sends my disciplinary file to an employer again.", "yellow"),
    # ... while "our attorney" of an insider, with no customer's case, is theirs to hide
    ("Our attorney said not to mention the regulator's investigation to anyone, it's bad", "red"),
])
def test_a_business_customers_threat_is_theirs_to_be_answered(text: str, light: str) -> None:
    """... and a parent's or student's (judge AQ, 2026-12-07: "consulting a lawyer", "take legal action")."""
    # the built-in legal terms: "our attorney", "talking to a lawyer" ...
    d = _decide_with_signal(text, 0.73, "legal matters", "negative", builtin_legal_terms=True)
    assert d.light == light, d.reasons
    if light == "yellow":
        assert any(r.startswith("yellow: a legal threat") for r in d.reasons) and "legal-compliance" in d.receivers


@pytest.mark.parametrize(
    ("prev", "latest", "urgent"),
    [
        pytest.param(None, 1200, False, id="read-once-old-post-slow-on-average"),
        pytest.param(10, 1200, True, id="read-twice-gaining-fast"),
        pytest.param(1150, 1200, False, id="read-twice-gaining-little"),
    ],
)
def test_priority_velocity_uses_two_readings_of_a_post(prev: int | None, latest: int, urgent: bool) -> None:
    """The priority's velocity term takes the spike detector's estimate: between the post's two
    readings when it was seen twice (45 min apart here), else from nothing at posting time."""
    from monitor.domain.decide import Router

    created = NOW - timedelta(hours=10)
    seen = NOW - timedelta(minutes=1)
    m = MentionView("x", "1", "Acme lost my claim again", created, likes=latest, observed_at=seen,
                    prev_engagement=prev, prev_observed_at=None if prev is None else seen - timedelta(minutes=45))
    d = Router(make_config()).decide(m, SentimentView("negative", 0.9), now=NOW)
    assert (d.priority == "urgent") is urgent, d.reasons


@pytest.mark.parametrize(("text", "light"), [
    ("Acme handled my claim in three weeks, the adjuster was great https://news.example/acme-refund-outage-story",
     "green"),  # the link's words are a headline's, not the author's (judge K, 2026-12-06)
    ("Acme handled my claim in three weeks, the adjuster was great", "green"),
    ("Acme still owes me a refund https://news.example/story", "yellow"),  # the author's own words count
    ("read this https://paste.example/project-falcon-roadmap", "red"),  # watch-lists read links too
])
def test_complaint_terms_are_words_of_the_post_not_of_its_links(router: Router, text: str, light: str) -> None:
    d = router.decide(MentionView("x", "1", text, NOW), SentimentView("positive", 0.9), now=NOW)
    assert d.light == light, d.reasons


@pytest.mark.parametrize(("text", "term"), [
    ("Acme keeps refunding nothing, three months now", "refund"),
    ("Acme still refunds nothing, three months now", "refund"),
    ("I was overcharging myself by staying with Acme", "overcharged"),
    ("Acme overcharges every teacher in the district", "overcharged"),
])
def test_complaint_terms_match_in_any_of_their_forms(router: Router, text: str, term: str) -> None:
    """2026-12-07: "still delaying my claim" passed the example's complaint term "delayed" as
    neutral news, green; a complaint word is written in whatever form the author needs."""
    d = router.decide(MentionView("x", "1", text, NOW), SentimentView("neutral", 0.9), now=NOW)
    assert d.light == "yellow" and f"yellow: complaint terms: '{term}'" in d.reasons, d.reasons


@pytest.mark.parametrize(("text", "sentiment", "light"), [
    ("Acme still has not paid my claim, three weeks now", "negative", "yellow"),
    ("Thank you Acme, the adjuster was wonderful", "positive", "green"),
])
def test_a_watched_name_in_a_scouts_note_goes_to_legal_and_leaves_the_post_its_light(
        router: Router, text: str, sentiment: Sentiment, light: str) -> None:
    """Judges H and L (2026-12-07): a scout's note naming a customer on the watch-list went to the
    whole Marketing & Sales channel; made red for it, the customer's public complaint went
    unanswered. The post keeps its light; the restricted receivers are told; no reason names the term."""
    m = MentionView("x", "1", text, NOW, submitted_by="emp-7", scout_category="other",
                    scout_notes=("FYI she teaches at Pecos Valley ISD, we are in arbitration with them",))
    d = router.decide(m, SentimentView(sentiment, 0.9), now=NOW)
    assert d.light == light and "legal-compliance" in d.receivers, (d.light, d.receivers)
    assert any(r.startswith("a scout's note names something on a watch-list") for r in d.reasons)
    assert not any("Pecos" in r for r in d.reasons)


@pytest.mark.parametrize("text", [
    "Our firm has sent Acme a cease and desist regarding the logo. They have 10 days.",
    "Copying my lawyer on this. Acme, you will hear from us.",
    "We filed suit against Acme this morning, thanks for nothing",  # a form of "filing suit"
])
def test_a_legal_threat_is_yellow_whatever_its_tone_and_legal_is_told(router: Router, text: str) -> None:
    """Judge H (2026-12-07): "Our firm has sent SET SEG a cease and desist ... They have 10 days" came
    out green, recorded, nobody told. A legal threat is yellow and reaches the restricted receivers
    too, and no live spike holds it back."""
    from monitor.domain.suppression import must_be_seen

    d = router.decide(MentionView("x", "1", text, NOW), SentimentView("positive", 0.9), now=NOW)
    assert d.light == "yellow" and any(r.startswith("yellow: a legal threat: ") for r in d.reasons), d.reasons
    assert "legal-compliance" in d.receivers and "marketing-sales" in d.receivers, d.receivers
    assert "to legal-compliance: a legal threat reaches the restricted receivers too" in d.reasons
    assert d.labels["legal"] is True and must_be_seen(d.labels) == "a legal threat"


@pytest.mark.parametrize(("word", "has", "lacks"), [
    ("delayed", {"delay", "delays", "delaying", "delayed"}, {"delaye"}),
    ("denied", {"deny", "denies", "denying", "denied"}, set()),
    ("cancel", {"cancels", "cancelling", "canceling"}, {"cancelled"}),
    ("overcharged", {"overcharge", "overcharges", "overcharging", "overcharged"}, set()),
    ("scam", {"scams", "scamming"}, {"scammed"}),
    ("refund", {"refunds", "refunding"}, {"refunded"}),  # "they refunded me fast" is good news (judge L)
    ("still", {"still"}, set()),  # a word of four letters with no suffix: its own forms
    ("news", {"news"}, {"new"}),  # a word in -s never matches its bare stem
    ("waiting", {"wait", "waits", "waited"}, {"waite"}),
    ("503", {"503"}, {"503s"}),
])
def test_word_forms(word: str, has: set[str], lacks: set[str]) -> None:
    from monitor.domain.light import word_forms

    forms = word_forms(word)
    assert has <= forms and not lacks & forms, sorted(forms)


@pytest.mark.parametrize(("urgent_lights", "priority"), [([], "high"), (["red"], "urgent")])
def test_urgent_lights_put_every_red_item_on_the_wall_clock(urgent_lights: list[str], priority: str) -> None:
    """Judges A and B (2026-12-07): a leak by a small account, posted the evening before
    Thanksgiving, scored "high" (red 50 + reach 16 + source 5): due four business hours later,
    Monday noon, with no reminder to Legal all weekend. ``urgent_lights: [red]`` makes it urgent."""
    from monitor.domain.decide import Router

    base = make_config()
    prio = base.policy.priority.model_copy(update={"urgent_lights": urgent_lights})
    cfg = base.model_copy(update={"policy": base.policy.model_copy(update={"priority": prio})})
    m, s = mention({"text": "Project Falcon ships in March, heard it from a friend", "author_reach": 90,
                    "sentiment": {"label": "neutral", "score": 0.8}})
    d = Router(cfg).decide(m, s, now=NOW)
    assert (d.light, d.priority) == ("red", priority)
    assert any("urgent: every red item is" in r for r in d.reasons) is bool(urgent_lights)
    green = Router(cfg).decide(*mention({"text": "Acme posted its annual report", "author_reach": 90,
                                         "sentiment": {"label": "neutral", "score": 0.8}}), now=NOW)
    assert green.priority != "urgent"


def test_a_topic_route_above_the_red_ones_is_refused_and_red_still_reaches_legal() -> None:
    """Judge F (2026-12-07): a support queue routed by topic above the red routes caught red posts
    about billing; check-config said OK (its probe had no topic), and the leaks reached only the
    support queue, as notices. The check probes every topic; whatever the tree, a red mention
    reaches the restricted receivers (with a reason saying why)."""
    from monitor.domain.decide import Router

    first = make_config(route="""
receiver: marketing-sales
routes:
  - {receiver: crisis, matchers: ['topic="claims"']}
  - {receiver: legal-compliance, matchers: ['light="red"'], continue: true}
  - {receiver: marketing-sales, matchers: ['light="red"']}
""")
    problems = check_policy(first)
    assert problems and "topic claims" in problems[0] and "put the red routes first" in problems[0]
    m, s = mention({"text": "Project Falcon will pay every claim late, heard it internally",
                    "sentiment": {"label": "negative", "score": 0.9}})
    d = Router(first).decide(m, s, now=NOW)
    assert d.light == "red" and d.topic == "claims"
    assert d.receivers == ["crisis", "legal-compliance"] and d.notice_only == ["crisis"]
    assert any("red always reaches the restricted receivers" in r for r in d.reasons)


@pytest.mark.parametrize(
    ("text", "hit"),
    [
        ("the Claim Pilot rollout", True),
        ("Claim-Pilot", True),
        ("claimpilot", True),
        ("ClaimPilots are coming", True),
        ("claim.pilot", True),
        ("Claim\u200bPilot", True),  # a zero-width space hides nothing
        ("a claim pilot program", False),  # apart, only as capitalised as the code name
        ("Filed a claim. Pilot program starts", False),  # a sentence's end is no gap (judge T)
        ("Claim Pilotage", False),
        ("reclaim pilot", False),
    ],
)
def test_a_camel_case_watched_term_matches_its_words_apart(text: str, hit: bool) -> None:
    """A one-word code name written as its words (judge P, 2026-12-07: "Claim Pilot" and
    "Claim-Pilot" for "ClaimPilot" reached the whole team's channel)."""
    from monitor.config.policy import WatchList
    from monitor.domain.light import watch_matches

    wl = WatchList(name="code-names", kind="codename", terms=["ClaimPilot"])
    assert bool(watch_matches(text, wl)) is hit


@pytest.mark.parametrize(
    "text",
    [
        "my kid's science fair project. Falcon Elementary won",
        "after my shoulder operation. Longhorns game tonight",
        "the fix was internal. Only two schools noticed",
        "SET SEG is a good company. Confidential nurse line helped me",
        "our project/falcon mascot is cute",
        # judge V, 2026-12-07: a line break, a dash between spaces, a hyphenated word after a short last word
        "Our community project\nFalcon Elementary families helped",
        "internal\r\nonly kidding",
        "we sponsored the project - Falcon kids loved it",
        "the project \u2014 Falcon fans",
        "Lone Star re-election rally on Saturday",
    ],
)
def test_a_sentences_end_or_a_slash_never_joins_a_watched_terms_words(text: str) -> None:
    """Judge T (2026-12-07): with dots and slashes as gaps, two sentences made a code name and six
    ordinary posts went red, urgent, to Legal and up the ladder."""
    from monitor.config.policy import WatchList
    from monitor.domain.light import watch_matches

    wl = WatchList(name="w", kind="codename", terms=["Project Falcon", "Operation Longhorn", "internal only",
                                                     "company confidential", "Lone Star Re"])
    assert watch_matches(text, wl) == []


def test_reasons_name_the_organisations_own_teams() -> None:
    """Judge U (2026-12-07): a legal threat's reason read "(Legal / Compliance are told)" where the
    team is called "Jurídico" in the configuration."""
    from tests.fixtures.router import BASE

    org = {**BASE["organisation"], "legal_team": "Jurídico"}
    router = Router(make_config(organisation=org))
    d = router.decide(MentionView("x", "1", "Acme, my lawyer will hear about this", NOW),
                      SentimentView("negative", 0.9), now=NOW)
    assert any(r.endswith("(Jurídico hear of it too)") for r in d.reasons), d.reasons


_CUES_WHY = "resembles 'unreleased plans' (0.31)"


@pytest.mark.parametrize(
    ("text", "score", "light"),
    [
        # an insider, or someone close to one, passing on what is not public: red at any score
        pytest.param("husband's on the Acme IT team. they got hit with ransomware last week and paid. members weren't told",
                     0.1, "red", id="relative-on-the-team-weren't-told"),  # judge D, 2026-12-07
        pytest.param("husband works at ACME and came home saying the field office closes, not announced yet 😬",
                     0.1, "red", id="relative-and-not-announced"),
        pytest.param("Memo went around this morning: Acme closes the Lubbock office in Q3. They haven't been told yet.",
                     0.1, "red", id="memo-and-not-told"),
        pytest.param("throwaway because I still work there: Acme is not as stable as the newsletter says",
                     0.1, "red", id="insider-throwaway"),
        pytest.param("Someone who works at Acme told our district HR they'll tie premiums to wellness. Not public yet.",
                     0.21, "red", id="someone-who-works-there-not-public"),  # judge C, 2026-12-07
        pytest.param("Former Acme adjuster here: we were told to slow-walk claims over $50k. That was never made public.",
                     0.2, "red", id="former-adjuster-never-made-public"),  # judge F, 2026-12-07
        # an insider telling someone else's health: red at any score (judge AA, 2026-12-07)
        pytest.param("Acme adjuster here. Coach Miller from Lincoln High came through my desk today, his MRI is bad",
                     0.06, "red", id="insider-tells-someones-health"),
        # judge AE, 2026-12-07: a relative in law, work through one's own queue, a meeting sat in on and
        # a secret told in confidence, a team of one's own
        pytest.param("lol my brother-in-law at Acme showed me the adjuster dashboard at dinner. You can search "
                     "any member by name and see their whole claim history", 0.07, "red", id="in-law-showed-me"),
        pytest.param("Union rep Dave Kowalski has an open Acme disability claim for depression, saw it come through "
                     "my queue today.", 0.18, "red", id="through-my-queue"),
        pytest.param("I process Acme files all day. The claim for Jenna Morales at Lakeview Elementary was for a "
                     "pregnancy complication", 0.1, "red", id="i-process-files"),
        pytest.param("Sat in on the Acme product review today. The new add-on will be $9.99/mo and launches in "
                     "March. Keep it under your hat \U0001F92B", 0.13, "red", id="sat-in-under-your-hat"),
        pytest.param("Night shift picker at Acme here. Management switches our carrier in January, saw the rate sheet",
                     0.5, "red", id="picker-here-over-floor"),  # judge AG, 2026-12-07
        pytest.param("Our team at Acme has been told the merger is basically done, signing in April", 0.35, "red",
                     id="our-team-at-over-floor"),
        # judge AI, 2026-12-07: a temp's call center, a department's someone, a vendor's pentest, work today,
        # an aunt who processes claims, someone by what they are and where, many people's data
        pytest.param("temp at Acme call center here. new pet add-on launches in april, $9/mo. nobody outside knows yet",
                     0.25, "red", id="temp-call-center-nobody-outside-knows"),
        pytest.param("Someone in Acme billing exported the full member list (names, home addresses, dates of birth) "
                     "to a personal drive", 0.05, "red", id="someone-in-billing-member-list"),
        pytest.param("Did a pentest for a mid-size insurer (Acme). Their claims API leaks any member's record. "
                     "Reported in September, still open as of yesterday.", 0.21, "red", id="vendor-pentest-still-open"),
        pytest.param("at work today (Acme claims) processing one for a 7th grader at a middle school in Lubbock, "
                     "skull fracture from PE class", 0.37, "red", id="at-work-grader-fracture"),
        pytest.param("My aunt processes claims at Acme and told everyone about a teacher from Round Rock who filed "
                     "for miscarriage-related leave", 0.2, "red", id="aunt-processes-claims-teacher-from"),
        # judge AL, 2026-12-07 (a credit union): someone's money, a loan officer, what the papers leave out,
        # news people will hear later, minutes taken in the room, a vendor's assessment
        pytest.param("Fun fact from an Acme member service rep: Mrs. Delgado from the choir has like $380k sitting in a "
                     "share certificate", 0.08, "red", id="from-a-rep-someones-money"),
        pytest.param("Loan officer at Acme. Had to decline the city councilman's HELOC today, his debt-to-income is "
                     "insane", 0.23, "red", id="loan-officer-councilmans-heloc"),
        pytest.param("Former Acme compliance analyst. Their program got written up by the regulator. None of that is in "
                     "the annual report", 0.2, "red", id="none-of-that-in-the-annual-report"),
        pytest.param("Acme board is deep in merger talks. Members will find out when the vote notice shows up. Source: "
                     "I sit in the room taking minutes", 0.49, "red", id="members-will-find-out-i-sit-in-the-room"),
        pytest.param("Did a network assessment for Acme last year as a contractor. Routers still have telnet open. "
                     "Reported it, still open as far as I know", 0.13, "red", id="vendor-assessment-still-open"),
        pytest.param("Mrs. Delgado from our choir says Acme gave her a great rate on a $20k car loan", 0.1, "green",
                     id="a-customer-tells-of-a-friends-loan"),
        pytest.param("Nurse at Acme here. Dr. Kim raised $20k for the children's ward and keeps her work-life balance",
                     0.1, "green", id="insider-praises-a-colleagues-fundraising"),
        pytest.param("My adjuster showed me the claim screen and walked me through it, very helpful", 0.1, "green",
                     id="adjuster-showed-customer"),
        pytest.param("Acme came through for me, my claim went through my agent in a day", 0.1, "green",
                     id="came-through-for-me"),
        # one cue: red from the doubt floor on, not under it; what an insider says is one cue
        pytest.param("My cousin in underwriting at Acme says don't expect good news on renewals this spring",
                     0.31, "red", id="relative-at-org-says"),
        pytest.param("Friend who adjusts for Acme says a big change is coming to mold claims", 0.08, "green",
                     id="relative-says-under-floor"),
        pytest.param("my cousin works at Acme and says it's the best boss she's ever had. they let people leave at 5",
                     0.12, "green", id="relative-praises-employer"),  # judge D, 2026-12-07
        pytest.param("I shouldn't post this but the Acme claims bot auto-denies anything under 3 days lost time",
                     0.44, "red", id="shouldnt-post-this"),
        pytest.param("Acme stove recall is trending in the group chat lol. Nobody knows if it's real.", 0.35, "green",
                     id="nobody-knows-if"),  # judge AG, 2026-12-07: doubt is no secret
        pytest.param("Overheard at the reception: Acme offered one district a 12% discount to stay", 0.31, "red",
                     id="overheard-over-floor"),
        pytest.param("Overheard at the reception: Acme offered one district a 12% discount to stay", 0.29, "green",
                     id="overheard-under-floor"),
        pytest.param("Vendor call today: Acme moves claims intake to a new contractor. Nobody has told the districts.",
                     0.4, "red", id="nobody-told-the-districts"),
        # on the record, a customer's own case, or an employee saying nothing secret: the score alone decides
        pytest.param("Per the Chronicle, Acme will consolidate two field offices; the press release says no job losses",
                     0.5, "green", id="press-release"),
        pytest.param("Acme denied my claim. Nobody told me which box was missing on the form.", 0.4, "yellow",
                     id="customer-nobody-told-me"),
        pytest.param("My cousin works at Acme and loves it, good benefits. They're hiring adjusters!", 0.2, "green",
                     id="relative-proud-no-news"),
        pytest.param("Can someone from @acme tell me who handles vision claims now?", 0.4, "yellow",
                     id="asks-someone-from-us"),
        pytest.param("My wife works for a school district and swears by the Acme nurse line", 0.2, "green",
                     id="relative-works-elsewhere"),
        pytest.param("Former Acme adjuster here, AMA about workers' comp. Won't talk about anything non-public.",
                     0.45, "green", id="ama-on-record"),
        pytest.param("Great news: the internal audit at Acme praised the claims team, thanks to everyone there",
                     0.42, "green", id="the-internal-audit-praised"),
    ],
)
def test_disclosure_cues_read_where_a_post_comes_from(text: str, score: float, light: str) -> None:
    """Disclosure cues (2026-12-07, issue 16's leaks without a watch-list term): the score reads what
    a post is about, the cues its voice. An insider passing on what is not public is red whatever
    its score; one cue makes red from ``doubt_floor`` (0.3) on; on-the-record posts and a customer's
    own case are left to the score; ``disclosure_cues: false`` leaves everything to the score."""
    policy = make_config().policy.model_dump(mode="json", by_alias=True)
    policy["light"]["red_model_threshold"] = 0.55
    policy["light"]["confidential_categories"] = [{"name": "unreleased plans", "description": "plans not announced"}]
    sent = SentimentView("negative" if light == "yellow" else "neutral", 0.9)
    view = MentionView("x", "1", text, NOW, red_score=score, red_reason=_CUES_WHY)
    d = Router(make_config(policy=policy)).decide(view, sent, now=NOW)
    assert d.light == light, d.reasons
    if light == "red":
        assert "at or above the model threshold" not in d.reasons[0] and "'" in d.reasons[0], d.reasons
        # a score under the doubt floor says nothing and is not quoted (judge C: "(0.02)" read as noise)
        assert ("resembles" in d.reasons[0]) == (score >= 0.3), d.reasons
        assert redact_reasons(d.reasons, light="red", restricted=False)[0] != d.reasons[0]
    policy["light"]["disclosure_cues"] = False
    off = Router(make_config(policy=policy)).decide(view, sent, now=NOW)
    assert off.light != "red", off.reasons


@pytest.mark.parametrize(("text", "score"), [
    ("Acme's breach notification letter is up on the Maine AG site: 3,100 members affected, names and policy "
     "numbers", 0.73),
    ("Anyone else think Acme is going to get bought? CEO's on every panel. Pure speculation on my part.", 0.63),
    ("Acme's 2025 annual report (on their site) shows a $12M underwriting loss", 0.59),
])
def test_a_post_on_the_record_or_a_guess_is_not_red_by_the_signal_alone(text: str, score: float) -> None:
    """Judge AI (2026-12-07): a breach letter "up on the Maine AG site", an outsider's "pure speculation"
    and an annual report "(on their site)" went red at 0.59-0.73, hidden from the spokespersons."""
    policy = make_config().policy.model_dump(mode="json", by_alias=True)
    policy["light"]["red_model_threshold"] = 0.55
    policy["light"]["confidential_categories"] = [{"name": "unreleased plans", "description": "plans not announced"}]
    view = MentionView("x", "1", text, NOW, red_score=score, red_reason=_CUES_WHY)
    d = Router(make_config(policy=policy)).decide(view, SentimentView("neutral", 0.9), now=NOW)
    assert d.light != "red", d.reasons
    assert any("not red by the confidentiality signal alone" in r for r in d.reasons), d.reasons


@pytest.mark.parametrize(("text", "terms", "want"), [
    ("SET SEG, more delays on my claim", ["delayed", "delays"], ["delays"]),
    ("SET SEG delayed it again", ["delayed", "delays"], ["delayed"]),
    ("delayed once, and now more delays", ["delayed", "delays"], ["delayed", "delays"]),
    ("they keep delaying it", ["delayed", "delays"], ["delayed"]),
    ("refund denied", ["refund", "denied"], ["refund", "denied"]),
])
def test_a_complaint_word_is_named_once(text: str, terms: list[str], want: list[str]) -> None:
    """Judge B (2026-12-07): a post that said "delays" read "complaint terms: 'delayed', 'delays'"."""
    from monitor.domain.light import distinct_terms

    assert distinct_terms(text, terms, inflected=True) == want


@pytest.mark.parametrize("text", [
    "I work nights at Harbor & Pine. They told us the birthing center closes in March. Public hasn't been told yet.",
    "My cousin works at H & P Health: the clinic closes in May, not announced yet",
    "My cousin works at H and P Health: the clinic closes in May, not announced yet",
])
def test_an_insider_of_an_organisation_named_with_an_ampersand(text: str) -> None:
    """Judge G (2026-12-07), setting up a hospital group: "I work nights at Harbor & Pine" and "H & P
    Health" (the brand term is "H&P Health") were not read as an insider of the organisation."""
    from monitor.domain.light import disclosure_cue

    cue = disclosure_cue(text, ("Harbor & Pine Health Partners", "Harbor & Pine", "H&P Health"))
    assert cue is not None and cue[0] == 2, cue


RIVERBEND = ("Riverbend Health", "Riverbend", "RBH")


@pytest.mark.parametrize(("text", "strength"), [
    # an insider's voice in a hospital's trades (judge AA, 2026-12-07)
    ("Former Riverbend nurse here: they're shutting the sleep lab next year, staff haven't been told.", 2),
    ("I'm a Riverbend ER nurse. They're cutting 30 more nurse positions in January. Not announced yet.", 2),
    ("Source inside Riverbend: they're in merger talks with the big health system from Columbus. Not public.", 2),
    ("Riverbend's EHR got hit with ransomware last week and they're telling patients it's maintenance. I work in IT there.", 1),
    # ... telling someone else's health or troubles: a leak, whatever else it says
    ("Nurse at Riverbend here. We had the mayor's son in the psych unit all weekend. Not my business but wow.", 2),
    ("Riverbend employee here. We had the mayor's son in the psych unit all weekend.", 2),
    ("ER doc at Riverbend. The mayor's son came in last night, overdose, he's in ICU now.", 2),
    ("Working triage at Riverbend tonight and guess who came in drunk with a broken wrist, Tyler Moss lol", 2),
    ("My cousin is a nurse at Riverbend and she said Pastor Jim Wallace was brought into the ER after an overdose.", 2),
    # a patient's own story, a family's thanks, a customer's word about staff: no insider, no cue
    ("Diagnosed with breast cancer at Riverbend last month. Dr. Patel and the oncology nurses have been angels.", 0),
    ("My husband had a heart attack Saturday and the Riverbend cath lab team saved his life. Thank you.", 0),
    ("The nurse at Riverbend was so kind to my mom after her stroke", 0),
    ("Our new Riverbend billing rep is a former school nurse and it shows. She explained everything.", 0),
    # an insider's own words with no one else's troubles: one cue, left to the score
    ("I'm a Riverbend ER nurse and honestly the new triage system is great", 1),
    # judge AD, 2026-12-07: "Mr." and "..." end no sentence; a shift or coworkers there are an insider's;
    # someone who keeps it to themselves says it is not public
    ("Nurse at Riverbend here. Mr. Garcia was admitted drunk again last night", 2),
    ("Nurse at riverbend here. guess who came into the ER last night with an overdose... the mayor's son.", 2),
    ("Great shift at Riverbend! Love my team. Also, Judge Whitaker is up on 5 West detoxing", 2),
    ("Best coworkers at Riverbend. Also pray for Ms. Hale in accounting, she has ALS and hasn't told the team", 2),
    ("the riverbend nurses were amazing with my dad!! also fyi the lady in the next bed was the city manager and "
     "she's got stage 4 cancer, she doesn't want anyone knowing", 2),
    # ... while a capitalised name of an event, a unit or a place is nobody
    ("Nurse at Riverbend here. Walked in the Breast Cancer Awareness 5K today with my whole unit!", 1),
    ("Nurse at Riverbend here: we're hiring! Our Neuro ICU needs night nurses", 1),
    ("ER doc at Riverbend. Reminder: overdose deaths in the county are up 20% this year, get naloxone", 1),
    # a customer speaking of staff, or starting a complaint with a department, is no insider
    ("the night shift at Riverbend took great care of Mr. Jones in room 4 after his stroke, thank you", 0),
    ("Riverbend billing: 3 weeks and no answer about my dad's MRI bill", 0),
])
def test_an_insider_of_a_hospital_and_someone_elses_troubles(text: str, strength: int) -> None:
    """Judge AA (2026-12-07), a hospital's communications lead: the insider cues knew an insurer's
    trades only ("Former Riverbend underwriter here" was an insider, "Former Riverbend nurse here"
    not), and a patient's admission is never "not announced yet": "Nurse at Riverbend here. We had
    the mayor's son in the psych unit all weekend" scored 0.06 and went to nobody. An insider telling
    someone else's health or troubles is a strong cue (red at any score)."""
    from monitor.domain.light import disclosure_cue

    cue = disclosure_cue(text, RIVERBEND)
    assert (cue.strength if cue is not None else 0) == strength, cue


@pytest.mark.parametrize(("text", "strength"), [
    # judge AM, 2026-12-07, a transit agency: a dispatcher's signature and a friend in a department
    ("LST dispatcher here. The driver who hit the cyclist on Route 7 had two write-ups. They're keeping it quiet.", 2),
    ("Dispatcher at LST here. The driver who hit the cyclist had two write-ups. It hasn't been announced.", 2),
    ("My buddy in LST safety says the derailment was a cracked rail they'd flagged in September.", 1),
    ("Bus operator at Lakeshore Transit here. Management offered us 2% and we want 5.5%.", 1),
    # judge AP, 2026-12-07, a software company: one's team there, a trade as a way of life, a vendor's
    # accounts, a screenshot of its internal board
    ("can't say much yet but the thing my team at LST has been heads-down on since March ships in January 🤫", 2),
    ("CSM life: walked our biggest account through the H1 roadmap deck today", 1),
    ("Screenshot from our internal LST roadmap board (sorry, couldn't resist)", 2),
    # a trade as a way of life speaks from inside only after the organisation's name (judge AQ, 2026-12-07)
    ("LST dispatcher life: the driver who hit the cyclist had two write-ups, keeping it quiet", 2),
    ("Teacher life: LST was late again and I missed first period", 0),
    # a rider speaking of staff is no insider
    ("The LST dispatcher on the radio was so calm during the storm, thank you", 0),
    ("My friend in Lakeshore traffic this morning said the 12 bus was late again", 0),
])
def test_an_insider_of_a_transit_agency(text: str, strength: int) -> None:
    from monitor.domain.light import disclosure_cue

    cue = disclosure_cue(text, ("Lakeshore Transit", "LST"))
    assert (cue.strength if cue else 0) == strength, cue


@pytest.mark.parametrize(("text", "cued"), [
    ("Acme denied our roof leak claim, water everywhere", False),  # an insurer's customers write of leaks
    ("we sealed the gym roof before winter, no leaks this year, thanks Acme", False),
    ("Leaked Acme memo about reinsurance: they drop two carriers", True),
    ("the settlement terms were leaked to the press before the vote", True),
    ("Acme paid the district $1.8M to make the roof dispute go away. Sealed, of course", True),
])
def test_a_leak_of_papers_not_of_a_roof(text: str, cued: bool) -> None:
    """2026-12-07: "leak" and "sealed" as disclosure cues would have read a denied roof-leak claim,
    the bread and butter of an insurer's complaints, as a leak."""
    from monitor.domain.light import disclosure_cue

    assert (disclosure_cue(text, ("Acme",)) is not None) is cued


@pytest.mark.parametrize(("text", "score", "light"), [
    # judge H, 2026-12-07: customers asking about rumours and dates were hidden from the team as red
    # (calling on "anyone from Acme", the question is put to us: a spokesperson answers the rumour)
    ("There's a rumor Acme is getting out of property coverage. Can anyone from Acme confirm or deny?", 0.64, "yellow"),
    ("Acme told our business manager the renewal numbers aren't final yet. When will they be out?", 0.62, "yellow"),
    # judge AO, 2026-12-07: "nobody knows" is a customer's doubt, not a secret; knowing kept to a few is one
    ("Is it true Acme is dropping vision coverage for retirees next year? Nobody at our district office knows.",
     0.39, "yellow"),
    ("Acme is dropping vision coverage for retirees next year. Nobody outside the board knows yet.", 0.39, "red"),
    # judge AN, 2026-12-07: a member's demand for the figures was red at 0.58, hidden from the team
    ("I'd like to see the admin cost breakdown for Acme. Members fund it, so we should know what share goes "
     "to overhead.", 0.58, "yellow"),
    ("People keep saying Acme's CEO is leaving. Anyone know anything official?", 0.61, "green"),
    ("overheard two teachers saying Acme denied them too. Is this just what they do now?", 0.41, "yellow"),
    # ... but a question from inside, or one that says what is not public, or reads like a disclosure, is red
    ("My cousin works at Acme: the Tyler office closes in March, not announced yet. Is that legal?", 0.4, "red"),
    ("Is it true Acme is closing the Tyler office? My friend at Acme says so", 0.6, "red"),
    ("Acme will cut 40 jobs in Tyler next month per the board packet. Is it true?", 0.85, "red"),
    ("Acme rates go up 9% next year for every district", 0.62, "red"),  # no question: the score decides
])
def test_a_question_is_not_red_by_the_signal_alone(text: str, score: float, light: str) -> None:
    """A customer asking us, or asking whether a rumour is true, claims to know nothing: not red by
    the confidentiality signal alone under THREAT_CEILING (0.8), nor by hearsay; an insider's question
    or one saying what is not public still is. Legal is still asked to look (the doubt floor)."""
    d = _decide_with_signal(text, score, "unreleased plans", "neutral")
    assert d.light == light, d.reasons


@pytest.mark.parametrize(("text", "score", "light"), [
    # judge I, 2026-12-07: public news about the organisation went red by the signal alone
    ("Press release: Acme signs a multi-year deal with Northwind for its whole sales team", 0.67, "green"),
    ("CRM giant confirms it agreed to acquire Acme for $1.2B, deal expected to close in Q3", 0.62, "green"),
    ("Acme lays off 15% of staff; the CEO's blog post says the cuts hit sales and support", 0.7, "green"),
    ("the price change email went out to customers this morning, Acme Business goes up $2", 0.36, "green"),
    # judge K, 2026-12-07: a published table at 0.88, a public hearing at 0.64
    ("Acme's 2027 rate table is published on its website: 4.1% for workers' comp, 6% for property", 0.88, "green"),
    ("Acme's CFO said at the public hearing that reserves cover two bad hail seasons", 0.64, "green"),
    ("Acme lays off 15% of staff; the CEO's blog post says the cuts hit sales and support", 0.85, "green"),
    # ... but not a weaker "per the" over THREAT_CEILING, nor with a not-public cue or an insider's voice
    ("Acme will cut 40 jobs in Tyler next month per the board packet", 0.85, "red"),
    ("Saw the rate sheet on my manager's desk: Acme +14% for property, before the press release next week", 0.79,
     "red"),
    ("Before the official announcement next Tuesday: Acme is adding mental-health coverage for staff", 0.31, "red"),
    ("Just sat through Acme's all-hands. Big changes to claims intake coming. Can't say more", 0.298, "red"),
    ("Press release for the Northwind deal is drafted but not announced yet: 3 years, $4M", 0.6, "red"),
    ("I work at Acme: the press release about the Northwind deal goes out Monday, $4M over 3 years", 0.6, "red"),
    ("My cousin at Acme confirms the layoffs: 15% of sales, Friday", 0.6, "red"),
    ("Email went out to staff today: Acme closes the Dublin office in May", 0.4, "red"),
    ("Acme is about to sign Northwind for $4M, saw the pricing sheet", 0.62, "red"),
])
def test_a_post_that_says_it_is_on_the_record_is_not_red_by_the_signal_alone(text: str, score: float,
                                                                            light: str) -> None:
    """A post that says where it was printed (a press release, "confirms", a blog post, "announced")
    and neither speaks as an insider nor says anything is not public is not red by the score alone
    under THREAT_CEILING; Legal are asked to look from the doubt floor, and the team keeps its text."""
    policy = make_config().policy.model_dump(mode="json", by_alias=True)
    policy["light"]["red_model_threshold"] = 0.55
    policy["light"]["confidential_categories"] = [{"name": "unreleased plans", "description": "plans not announced"}]
    view = MentionView("x", "1", text, NOW, red_score=score, red_reason=_CUES_WHY)
    d = Router(make_config(policy=policy)).decide(view, SentimentView("neutral", 0.9), now=NOW)
    assert d.light == light, d.reasons


def test_a_post_spared_from_red_says_why_and_legals_notice_repeats_it() -> None:
    """Judge K (2026-12-07): Legal read "this reads as a customer's legal threat" for a company's
    confirmation and a regulator's published order, kept from red because they were on the record."""
    from datetime import UTC, datetime

    from monitor.storage.models import MentionRow
    from monitor.triage.process import _not_red_by_signal

    policy = make_config().policy.model_dump(mode="json", by_alias=True)
    policy["light"]["red_model_threshold"] = 0.55
    policy["light"]["confidential_categories"] = [{"name": "unreleased plans", "description": "plans not announced"}]
    view = MentionView("x", "1", "Acme confirms it will close the Lubbock field office in May", NOW, red_score=0.7,
                       red_reason=_CUES_WHY)
    d = Router(make_config(policy=policy)).decide(view, SentimentView("neutral", 0.9), now=NOW)
    assert d.light == "green"
    line = "not red by the confidentiality signal alone: it says it is on the record ('confirms')"
    assert any(line in r for r in d.reasons), d.reasons
    row = MentionRow(source="x", external_id="1", url="u", text=view.text, kind="post",
                     created_at=datetime(2026, 12, 7, tzinfo=UTC), fetched_at=datetime(2026, 12, 7, tzinfo=UTC))
    assert _not_red_by_signal(row, d.reasons) == ("it says it is on the record ('confirms'): "
                                                  "the signal alone does not make it red")
    assert "legal threat" not in _not_red_by_signal(row, ["green: neutral public mention"])
    assert "legal threat" in _not_red_by_signal(row, ["yellow: a legal threat: 'lawyer'"])


def test_a_red_by_the_score_names_the_voice_the_cues_heard() -> None:
    """Judge K (2026-12-07): "haven't been told" and "my cousin works in IT at ..." were in red posts
    whose reason gave only the score."""
    policy = make_config().policy.model_dump(mode="json", by_alias=True)
    policy["light"]["red_model_threshold"] = 0.55
    policy["light"]["confidential_categories"] = [{"name": "unreleased plans", "description": "plans not announced"}]
    router = Router(make_config(policy=policy))
    view = MentionView("x", "1", "Acme closes the Lubbock office in May. The adjusters haven't been told yet.", NOW,
                       red_score=0.7, red_reason="resembles 'unreleased plans' (0.70)")
    d = router.decide(view, SentimentView("neutral", 0.9), now=NOW)
    assert d.reasons[0] == ("red: resembles 'unreleased plans' (0.70), at or above the model threshold 0.55; "
                            "told as not public yet ('haven't been told')"), d.reasons
    plain = router.decide(MentionView("x", "2", "Acme closes the Lubbock office in May, 20 adjusters", NOW,
                                      red_score=0.7, red_reason="resembles 'unreleased plans' (0.70)"),
                          SentimentView("neutral", 0.9), now=NOW)
    assert plain.reasons[0] == "red: resembles 'unreleased plans' (0.70), at or above the model threshold 0.55"


@pytest.mark.parametrize(("text", "record"), [
    # judge L, 2026-12-07: "According to m" (any letter, the quote cut mid-word), a drafted press release
    ("According to my manager, Acme drops its reinsurer in March", None),
    ("According to the Chronicle, Acme closes the Lubbock office", "According to the Chronicle"),
    ("The press release is drafted but won't go out until after the holidays: a 9% rate hike", None),
    ("The new org chart was published internally on the intranet today", None),
    ("The leaked rumour was false. Acme's statement this morning says no layoffs", "statement this morning says"),
])
def test_the_words_of_the_record(text: str, record: str | None) -> None:
    from monitor.domain.light import record_words

    assert record_words(text) == record


def test_a_scouts_urgency_is_said_in_the_forms_words() -> None:
    """Judge AB (2026-12-07): Sam chose "Urgent: it is spreading or serious" and the item's priority
    line read "urgent: the scout marked it 'high'", the stored value."""
    from monitor.domain.decide import priority_of

    _name, _score, text = priority_of(make_config(), light="yellow", sentiment="neutral", reach=10,
                                      velocity_per_hour=0.0, source="x", scout=True, scout_urgency="high")
    assert "the scout marked it urgent (spreading or serious)" in text and "'high'" not in text, text
