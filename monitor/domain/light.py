"""The traffic light (POLICY P4), pure: a mention's text and metadata in, a light and its
reasons out."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple
from urllib.parse import unquote_plus

from monitor.config.policy import LightConfig, ReplyTemplate, Topic, WatchList
from monitor.vocab import Light, Sentiment, as_light

# Simple inflections: plural and possessive forms of a watched term still match
# ("Project Falcon's", "Falcons"), without matching inside other words ("Falconry").
_SUFFIX = r"(?:'s|’s|s|es|')?"


@lru_cache(maxsize=4096)
def term_pattern(term: str, case_sensitive: bool = False, inflected: bool = False) -> re.Pattern[str]:
    """A word-boundary pattern for ``term`` that tolerates runs of whitespace/hyphens and
    simple inflections; ``#ProjectFalcon`` style hashtags match too. ``inflected``: each word
    also matches its regular verb and noun forms (:func:`word_forms`: "delayed" matches "delaying"
    and "delays", "cancel" matches "cancelling", "filing suit" matches "filed suit")."""
    parts = [w for w in re.split(r"[\s\-_]+", term.strip()) if w]
    words = [re.escape(w) for w in parts]
    flags = 0 if case_sensitive else re.IGNORECASE
    if inflected and parts:
        alts = ["(?:" + "|".join(re.escape(f) for f in sorted(word_forms(w), key=len, reverse=True)) + ")"
                for w in parts]
        body = r"[\s\-_]*".join(alts)
        return re.compile(rf"(?<![\w]){body}(?:'s|’s|')?(?![\w])", flags)
    body = r"[\s\-_]*".join(words)
    return re.compile(rf"(?<![\w]){body}{_SUFFIX}(?![\w])", flags)


_VOWELS = frozenset("aeiou")


def word_forms(word: str) -> frozenset[str]:
    """A word and its regular English inflections (plural and third person -s/-es, past -ed,
    present participle -ing, y -> ies/ied, a doubled final consonant), lower case: how a complaint
    word is written in posts ("delayed" -> delay, delays, delaying; "denied" -> deny, denies,
    denying; "cancel" -> cancels, canceling, cancelling). The past (-ed) only from a word written
    in it or in -ing ("refund" never matches "refunded"; "filing" matches "filed"). A word ending
    in -s stands for its forms without the bare stem ("news" never matches "new"). Not a word of
    letters, or under four letters: only itself."""
    w = word.lower()
    if not w.isalpha() or len(w) < 4:
        return frozenset({w})
    lemmas: set[str] = set()
    bare = True
    if w.endswith("ied") or w.endswith("ies"):
        lemmas.add(w[:-3] + "y")
        bare = not w.endswith("ies")
    elif w.endswith("ed") or w.endswith("ing"):
        base = w[:-2] if w.endswith("ed") else w[:-3]
        lemmas.add(base)
        if len(base) > 2 and (base[-1] in "cgsvz" or (base[-1] not in _VOWELS | set("wxy") and base[-2] in _VOWELS
                                                      and base[-3] not in _VOWELS)):
            lemmas.add(base + "e")  # overcharged -> overcharge, closed -> close (not wait -> "waite")
        if len(base) > 2 and base[-1] == base[-2] and base[-1] not in _VOWELS and base[-1] not in "sl":
            lemmas.add(base[:-1])  # scammed -> scam (not "bill" -> "bil", "pass" -> "pas")
    elif w.endswith("s") and not w.endswith("ss"):
        lemmas.add(w[:-1])
        if w.endswith("es"):
            lemmas.add(w[:-2])
        bare = False
    else:
        lemmas.add(w)
    forms = {w}
    # the past (-ed) only from a word written in it: "they refunded me fast" is good news where
    # "refund" is a complaint's word (judge L, 2026-12-07); "delayed" stands for "delaying" too
    past = w.endswith(("ed", "ing"))  # "filing suit" stands for "filed suit" too
    for lem in lemmas:
        if len(lem) < 3:
            continue
        if bare:
            forms.add(lem)
        stem = lem[:-1] if lem.endswith("e") else lem
        forms |= {lem + "s", lem + "es", stem + "ing", *([stem + "ed"] if past else [])}
        if lem.endswith("y") and lem[-2] not in _VOWELS:
            forms |= {lem[:-1] + "ies", *([lem[:-1] + "ied"] if past else [])}
        if len(lem) >= 3 and lem[-1] not in _VOWELS | set("wxy") and lem[-2] in _VOWELS and lem[-3] not in _VOWELS:
            forms |= {lem + lem[-1] + "ing", *([lem + lem[-1] + "ed"] if past else [])}  # cancelling, scammed
    return frozenset(forms)


#: a link in a post's text (its words are not the author's)
_LINK = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)


def find_terms(text: str, terms: list[str], case_sensitive: bool = False, inflected: bool = False) -> list[str]:
    """The watched ``terms`` that occur in ``text`` (``inflected``: see :func:`term_pattern`)."""
    return [t for t in terms if term_pattern(t, case_sensitive, inflected).search(text)]


def distinct_terms(text: str, terms: list[str], case_sensitive: bool = False, inflected: bool = False) -> list[str]:
    """:func:`find_terms`, less a term whose matches are the very words another term matched: of
    "delayed" and "delays" found in "more delays", the reason names "delays" once (judge B,
    2026-12-07: "complaint terms: 'delayed', 'delays'" for a post that said only "delays"); the
    term written as the text has it wins, else the first listed."""
    found: dict[frozenset[tuple[int, int]], str] = {}
    for t in terms:
        spans = frozenset(m.span() for m in term_pattern(t, case_sensitive, inflected).finditer(text))
        if not spans:
            continue
        kept = found.get(spans)
        if kept is None:
            found[spans] = t
        else:
            start, end = min(spans)
            if text[start:end].lower() == t.lower() and text[start:end].lower() != kept.lower():
                found[spans] = t
    order = {t: i for i, t in enumerate(terms)}
    return sorted(found.values(), key=order.__getitem__)


@lru_cache(maxsize=1024)
def _watch_regex(regex: str, case_sensitive: bool) -> re.Pattern[str]:
    return re.compile(regex, 0 if case_sensitive else re.IGNORECASE)


#: what may stand between the words of a watched term: spaces on one line, or hyphens and dashes,
#: underscores and plus signs with no space around them ("Project–Falcon", "q=Project+Falcon"), or a
#: dot with no space after it ("Project.Falcon"); never a sentence's end ("a science fair project.
#: Falcon Elementary ..."), a slash, a line break or a dash between spaces used as punctuation
#: ("sponsored the project - Falcon kids loved it") (judges T and V, 2026-12-07: each made ordinary
#: posts red)
_WATCH_GAP = r"(?:[ \t\u00a0\u202f]+|[\-_+\u2010-\u2015\u2212]+|\.(?=\S))?"
#: a CamelCase term's words written apart: joined as above without spaces ("Claim-Pilot",
#: "claim.pilot", "claimpilot"), or with spaces only as capitalised as the term ("Claim Pilot", never
#: "a claim pilot program")
_CAMEL_GAP = r"(?:[\-_+\u2010-\u2015\u2212]+|\.(?=\S))?"
#: a lower-case letter or digit followed by a capital: where "ClaimPilot" is two words
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
#: characters that show nothing: a zero-width space inside a term hides it from a plain search
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")


def _term_words(term: str) -> str:
    """A watched term's words, joined by :data:`_WATCH_GAP`; a CamelCase word's parts by
    :data:`_CAMEL_GAP`, or by spaces in the term's own capitals."""
    out = []
    for chunk in (w for w in re.split(r"[\s\-_]+", term.strip()) if w):
        parts = [p for p in _CAMEL.split(chunk) if p]
        if len(parts) == 1:
            out.append(re.escape(chunk))
            continue
        joined = _CAMEL_GAP.join(re.escape(p) for p in parts)
        spaced = r"[ \t\u00a0\u202f]+".join(re.escape(p) for p in parts)
        out.append(f"(?:{joined}|(?-i:{spaced}))")
    return _WATCH_GAP.join(out)


@lru_cache(maxsize=1024)
def _watch_term(term: str, case_sensitive: bool) -> re.Pattern[str]:
    """A watched term as written any of the ways people write a name: its words joined by spaces,
    hyphens, dashes, underscores, plus signs or a dot (not a sentence's end), a CamelCase term's
    words apart or together, with a plural or possessive ending; ``#ProjectFalcon`` matches."""
    # a short last word is often a prefix: "Lone Star Re" is not "Lone Star re-election" (judge V)
    last = re.split(r"[\s\-_]+", term.strip())[-1]
    # a file or branch name glues a term to what follows: "project_falcon_roadmap.pdf",
    # "OperationLonghorn2027", "ClaimPilotV2" (judge W, 2026-12-07); never inside a word ("Falconry")
    end = r"(?!(?-i:[a-z\u00e0-\u00ff]))" if not case_sensitive else r"(?![a-z\u00e0-\u00ff])"
    tail = end + (r"(?!-\w)" if len(last) <= 3 else "")
    return re.compile(rf"(?<![^\W\d_]){_term_words(term)}{_SUFFIX}{tail}", 0 if case_sensitive else re.IGNORECASE)


def _watch_texts(text: str) -> list[str]:
    """``text`` without invisible characters, and as it reads with its links' escapes undone
    ("?q=Project%20Falcon")."""
    text = _INVISIBLE.sub("", text)
    if "%" not in text:
        return [text]
    return [text, unquote_plus(text)]


def watch_matches(text: str, wl: WatchList) -> list[tuple[str, str]]:
    """What of watch-list ``wl`` occurs in ``text``: (label, reason) per term or pattern found. A
    pattern's label is its name ("a password"), never the text it matched. A term matches however
    its words are joined or split (:func:`_watch_term`; judge P, 2026-12-07: a scout's note naming
    "Project.Falcon", "Project–Falcon", "?q=Project%20Falcon" or "Claim Pilot" for "ClaimPilot"
    reached the whole team's channel), in the text and in its links with their escapes undone."""
    texts = _watch_texts(text)
    found = [(t, f"matched the {wl.kind} watch-list term '{t}' ({wl.name})")
             for t in wl.terms if any(_watch_term(t, wl.case_sensitive).search(x) for x in texts)]
    return found + [(p.name, f"matched the {wl.kind} watch-list pattern '{p.name}' ({wl.name})")
                    for p in wl.patterns if any(_watch_regex(p.regex, wl.case_sensitive).search(x) for x in texts)]


def on_watchlists(text: str, watchlists: Sequence[WatchList]) -> bool:
    """Whether any term or pattern of ``watchlists`` occurs in ``text`` (it is red)."""
    return any(watch_matches(text, wl) for wl in watchlists)


@dataclass(frozen=True)
class Verdict:
    """A light and the reasons for it, in words a person understands."""

    light: Light
    reasons: tuple[str, ...]
    watch_hits: tuple[str, ...] = ()
    #: a journalist's enquiry (``press_terms``): never held back as routine (P2: spokespersons
    #: answer the press, on the press's deadline)
    press: bool = False
    #: a legal threat (``legal_terms``): Legal / Compliance hear of it too
    legal: bool = False
    #: a scout's note names what is on a watch-list: the note is for the restricted receivers only
    secret_note: bool = False
    #: a complaint whatever the model read: praise or a flat tone around a bad experience (its
    #: priority weighs it as a complaint; judge AJ, 2026-12-07: such sarcasm was "normal", due in
    #: two days, while plain complaints were "high")
    complaint: bool = False


_QUESTION = re.compile(r"\?\s*($|\W)|\b(how do i|how can i|can anyone|does anyone|is there a way|who do i)\b", re.I)
# A request put to us without a question mark (judge AN, 2026-12-07: "SET SEG - need to know whether
# substitute teachers are covered ... Please advise.", "could you tell me which form my principal
# needs to sign" and "Who handles my open claim now, the old district's plan or the new one" were
# recorded only, nobody told)
_ASKS = re.compile(
    r"\b(how do i|how can i|can anyone|does anyone|is there a way|who do i)\b"
    r"|\b(need|needs|want|wants|wanted|trying|like) to (know|find out|understand|ask) "
    r"(if|whether|when|how|what|which|who|where|why)\b"
    r"|\b(could|can|would) (you|u|someone|somebody|anyone) (please |pls )?(tell|let|confirm|explain|clarify|advise|send|"
    r"point|help|post|publish|share|update)\b"
    r"|\b(please|pls|plz) (advise|confirm|clarify|explain|let (me|us) know|post|publish|share|send|update|release|respond|"
    r"reply|answer|get back|call|email|fix|add|tell)\b"
    # (judge AO, 2026-12-07) "Looking for the form to request reimbursement ...", "Requesting that SET SEG
    # clarify in writing whether ...", "would appreciate if someone could ...", "Our members deserve an
    # explanation from SET SEG", "SET SEG needs to publish the numbers"
    r"|\blooking for (the|a|an) (form|number|address|email|contact|link|way|person|page|policy|phone)\b"
    r"|\b(requesting|request|asking|urging) that\b|\brequesting (an?|the|a copy|copies|information|info|details)\b|\bclarify (in writing )?(whether|if|what|how|why|when|who)\b"
    r"|\b(would|'d) (really )?appreciate (it )?if\b"
    r"|\b(deserve|deserves|owe (us|me|them)|want|wants|need|needs|demand|demands) (an? )?(real |straight |clear )?"
    r"(explanation|answers?|apology|response|reply)\b"
    r"|\b(needs?|has|have|ought) to (publish|explain|disclose|release|post|share|clarify|answer|tell us|come clean)\b"
    r"|\bmake (it|this|that) make sense\b|\bsomeone (please )?explain\b|\b(can|could) (someone|anyone|you) explain\b"
    r"|\b(publish|release|post|share|disclose) (the|your|their|its) ([\w' -]{0,30} )?(numbers|figures|data|breakdown|"
    r"agenda|minutes|budget|report|rates|details|schedule|dates?)\b"
    r"|\blet (me|us) know (if|whether|when|how|what|which|who|where)\b"
    # a demand to be shown what we hold (judge AN: "I'd like to see the admin cost breakdown for SET SEG.
    # Members fund it, so we should know what share goes to overhead" went red at 0.58, hidden from the
    # team that answers it)
    r"|\b(like|love|want|need|ask) to see (the|a|an|their|your|its|some|any) [\w' -]{0,30}"
    r"(breakdown|numbers|data|figures|report|details|budget|costs?|contract|minutes|audit|policy)\b"
    r"|\b(we|members|taxpayers|the public|parents|i) (should|deserve to|have a right to|ought to) (know|see)\b"
    r"|\bwhy (won'?t|don'?t|doesn'?t|can'?t) (they|you|it|\w+) (publish|disclose|share|release|tell|post)\b", re.I)
# ... or as a question without its mark, by the words that open it ("When does open enrollment
# close this year"); "How we cut claim times in half" and "When it rains" open no question
_WH = (r"(when|where|why) (is|are|was|were|do|does|did|can|could|will|would|should|has|have)"
       r"|how (do|can|should) (i|we)|how (long|much|soon)|who (handles|decides|approves|pays|do|does|can|should|will)"
       r"|what (is|are|do|does|happens|should)|which \w+ (should|do|does|can|is|are|will)")
_ASKS_OPENING = re.compile(
    rf"^\W*((hi|hey|hello|dear|yo)\b\W*)?(@\w+\W*)*({_WH}|(is|are) there|(does|do|can|will|should|is|are) "
    r"(i|we|my|our|you|the) )\b", re.I)
# ... after the organisation's name only a question word opens one: "setseg how long does a claim take"
# asks, "SET SEG is the only one that answers email same day" does not
_WH_OPENING = re.compile(rf"^({_WH})\b", re.I)
# Sentences ending in a question mark (the mark kept), split after . ! ? and line breaks; a pause
# ("just... gone?") ends none (judge AG, 2026-12-07: "Anyone else's order just... gone?" was the
# one-word aside "gone?", and the complaint was recorded only)
_SENTENCE = re.compile(r"(?:[^.!?\n]|\.{2,}(?=[ \t]*\w))*\?+|[^.!?\n]+[.!\n]*")
# A question put to the readers rather than to the organisation: "Anyone going to ...?",
# "Has anybody applied ...?", "Any public data on ...?".
# "Any ETA on the portal fix?", "Any update?" ask the organisation for news of its own work (judge A,
# 2026-12-07: green, nobody answered), not the readers
_TO_COMMUNITY = re.compile(r"^\W*any\b(?!\s+(eta|updates?|news|word|timeline|estimate|progress|dates?|idea|plans?|chance)\b)"
                           r"|\b(any ?one|any ?body)\b", re.I)
# A question put to readers by its form ("Ask HN: ...", "Question thread: ...", "Poll: ...", "r/texas:
# ...", "Fellow school nurses, ...", "Teachers on here: ...", "What's everyone bringing ...", "Which
# podcast do you all recommend", "Who's running the 5K?"): theirs to answer even on one of our topics,
# unless it asks for what only we know or shares a trouble (below; judge AN, 2026-12-07: 12 of 15
# such questions went to the queue). A bare "which plan is best?" may be a buyer asking us: still a
# question
#: "who else is going / loves ...": company asked for, not a shared trouble ("who else is still waiting")
_WHO_ELSE_JOINS = r"who else (is |are |will be )?(going|attending|coming|joining|running|loves?|loving|enjoys?|enjoying|likes?)\b"
_TO_READERS = re.compile(
    r"^\W*(ask|tell)\s+(hn|reddit|r/\w+)\b|^\W*(question thread|forum thread|thread|poll|quick poll|survey)"
    r"( for [\w' -]{1,30})?\s*:|\b(do|does|did|have|has) any of (you|your)\b"
    r"|^\W*r/\w+\s*:|\bany ?(one|body) (here|on here|out there)\b"
    rf"|^\W*{_WHO_ELSE_JOINS}"
    # people called on by what they are ("Principals: does your district ...", "Coaches: how do you all
    # ...", judge AO, 2026-12-07), asked about their own place or for their opinion or a recommendation
    r"|^\W*(\w+ )?(teachers|principals|coaches|nurses|parents|folks|friends|colleagues|peers|admins|administrators|"
    r"superintendents|counselors|custodians|drivers|riders|devs|developers|engineers|hr folks|hr people|"
    r"risk managers|business managers|cfos|librarians|educators|everyone|all|tech writers|writers|designers|pms|"
    r"founders|sres|admins)( (using|on|who \w+|running|with) [\w' -]{1,40})?\s*[:,]"
    r"|\b(does|do|did|has|have|is|are) your (district|school|campus|employer|union|hospital|clinic|city|county|"
    r"office|team|crew|department|board)\b"
    r"|\bwhat (do |would )?(people|folks|you all|y'?all|you guys|everyone)( here| on here)? think\b"
    r"|\b(any )?(recommendations?|recs|suggestions?)\b(?! (for|from) (you|us)\b)"
    r"|^\W*(which|what|where) (restaurant|hotel|bar|place|spot|podcast|book|brand|shoe|app|tool|software)s?\b"
    r"|^\W*(fellow|other) [\w' -]{2,40}[,:]|^\W*question for (the |all )?(other|fellow|all)\b"
    r"|^[\w' -]{2,40} (on|in|out) (here|there)\s*[,:\u2013\u2014-]"
    r"|\b(what'?s|what is|how'?s|is) (everyone|everybody)\b|^\W*who('?s| is) (going|running|coming|attending|joining|bringing)\b"
    r"|\bhow many of (you|us)\b"
    r"|\b(do|does|did|would|will) (you all|y'?all|you guys|you folks|everyone|everybody)( else)?( also)? "
    r"(use|recommend|prefer|think|bring|like|love|go with|pick|choose|stock|wear)\b", re.I)
# ... what only we know ("anyone know if they cover ...", "how long does it take") or a shared
# trouble ("anyone else ...?", "who else ...?") is ours to answer whoever the question is put to;
# "how do you get custodians to ..." asks the readers how they do it
_OURS_TO_ANSWER = re.compile(r"\b(know|knows|tell (me|us)|explain|confirm|how (do|can|should) (i|we)|how (long|much|soon)|"
                             r"how does (it|this|that|the|my|our)|when|where|why|whether|if (they|it|my|our|this|that|i)|"
                             rf"is it true|any ?(one|body) else|(?!{_WHO_ELSE_JOINS})who else)\b", re.I)
# A rhetorical question in praise asks nobody anything ("Who does that anymore?", "How cool is
# that?"); read positive, it is an exclamation (a complaint's "why is this so hard?" still asks)
_PRAISE_QUESTION = re.compile(
    r"^\W*(who|what \w+|which \w+) (does|do|did) (that|this) (anymore|any more|these days|nowadays)\b"
    r"|^\W*who knew\b|^\W*remember when\b|^\W*why (can'?t|doesn'?t|don'?t|isn'?t|aren'?t) (every|all|more|other)\w*\b"
    r"|^\W*can we (just )?talk about how\b|^\W*is it just me\b", re.I)
# ... and forms that only praise, rhetorical unless the post reads negative (judge AO, 2026-12-07: "How
# great is it that SET SEG paid for my PT within a week?" was a question to us)
_PRAISE_ONLY_QUESTION = re.compile(
    r"^\W*how (cool|great|awesome|nice|amazing|lovely|sweet|good|neat|refreshing|kind) (is|was) (that|this|it)\b"
    r"|^\W*how (lucky|blessed|fortunate) (are|am|is|were|was) (we|i|our|my)\b"
    r"|^\W*can we (just )?talk about how (good|great|amazing|awesome|nice|kind|helpful|fast|quick)\b"
    r"|^\W*who else (loves?|is loving|enjoys?|is enjoying|adores?)\b"
    r"|^\W*what more (could|can|would) (you|i|we|anyone|one) (ask|want|wish) for\b"
    r"|^\W*what'?s not to (love|like)\b|^\W*(isn'?t|wasn'?t) (that|this|it) (great|nice|amazing|wonderful|awesome|"
    r"lovely|sweet|cool)\b|^\W*(have|has) (you|anyone|anybody) ever (seen|had|met) (a |an )?(better|nicer|kinder|"
    r"faster|friendlier)\b"
    r"|^\W*is there anything [\w' ]{0,40}can'?t (do|handle|fix)\b"
    r"|^\W*what would (i|we|my|our)\b[\w' ]{0,40} do without\b", re.I)
# a question quoted from someone else ("'Why did premiums rise?' board members asked"), or one the post
# goes on to answer ("What happens when a custodian gets hurt? Our new explainer walks through it")
_QUOTED_QUESTION = re.compile(r"^\W{0,2}['\"\u2018\u201c]|\s['\"\u2018\u201c][^'\"\u2018\u2019\u201c\u201d]{3,}\?+$")
_ANSWERED_HERE = re.compile(
    r"\b(explainer|our guide|new guide|this guide|thread below|here'?s (how|what|why|the answer)|we (explain|answer|break "
    r"(it )?down)|walks? (you |readers |through)|find out (in|here|how)|read more|answers? (it|that|this|inside|below)|"
    r"(board members|reporters?|trustees|members|parents|critics) asked)\b", re.I)


@lru_cache(maxsize=64)
def _calls(org_names: tuple[str, ...]) -> tuple[re.Pattern[str], re.Pattern[str]] | None:
    """The patterns of the organisation called on by name: someone of it ("anyone from SET SEG"), and
    its name opening a sentence, after a greeting or not ("hey setseg ..."); None without names."""
    names = "|".join(re.escape(n.strip().lstrip("@#")) for n in sorted(org_names, key=len, reverse=True) if n.strip())
    if not names:
        return None
    return (re.compile(rf"\bany ?(one|body) (from|at|with|over at|working (at|for)|who works (at|for)) (the )?@?({names})\b",
                       re.I),
            re.compile(rf"^\W*(?P<hi>(hi|hey|hello|dear|yo)\b\W*)?@?({names})\b\W*", re.I))


def _to_org(question: str, org_names: Sequence[str]) -> bool:
    """Whether ``question`` calls on someone of the organisation ("Anyone from SET SEG here?", "Does
    anyone at SET SEG read these?"): put to us, not to the readers."""
    calls = _calls(tuple(org_names))
    return calls is not None and calls[0].search(question) is not None


def asks_us(text: str, topic_terms: Sequence[str] = (), *, sentiment: str | None = None,
            org_names: Sequence[str] = ()) -> bool:
    """Whether ``text`` puts a question to the organisation: :func:`question_to_us` found one."""
    return question_to_us(text, topic_terms, sentiment=sentiment, org_names=org_names) is not None


def question_to_us(text: str, topic_terms: Sequence[str] = (), *, sentiment: str | None = None,
                   org_names: Sequence[str] = ()) -> str | None:
    """The first question ``text`` puts to the organisation (POLICY P4: questions that need a
    decision), or None.

    A question is a sentence that ends in a question mark, a request ("need to know whether ...",
    "could you tell me ...", "please post the agenda", "looking for the form to ...", "we deserve an
    explanation") or a sentence that opens as a question without its mark ("When does open enrollment
    close", "setseg how long does a claim take"). Any question counts except: a one-word aside
    ("honestly?"); a question quoted from someone else ("'Why did premiums rise?' board members asked")
    or one the post answers ("... Our new explainer walks through it"); a question to the community
    ("Anyone going to the regional meeting?") that names none of ``topic_terms`` (the organisation's
    topics: claims, billing, coverage ...) and calls on nobody of the organisation (``org_names``:
    "anyone from SET SEG here?" is put to us); a question put to readers by its form ("Ask HN: anyone
    built claims intake for pools like X?", "Fellow nurses, ...", "Principals: does your district
    ...", "which podcast do you all recommend?") that asks for nothing only we know, and its follow-ups;
    and a rhetorical question in praise: "How great is it that ...?" unless the post reads negative,
    "Who does that anymore?" only when it reads positive (``sentiment``). A community question about a
    topic ("anyone know if they cover student teachers?", "anyone else get a surprise invoice?") still
    counts: the answer is ours to give.
    """
    if _ANSWERED_HERE.search(text):
        return None
    readers = False  # a question before this one was put to the readers
    for q in _asking_sentences(text, org_names):
        if len(re.findall(r"\w+", q)) < 2 or _QUOTED_QUESTION.search(q):
            continue
        if (sentiment == "positive" and _PRAISE_QUESTION.search(q)) or (
                sentiment != "negative" and _PRAISE_ONLY_QUESTION.search(q)):
            continue
        if _to_org(q, org_names):
            return q
        ours = _OURS_TO_ANSWER.search(q) is not None
        if _TO_COMMUNITY.search(q) and not find_terms(q, list(topic_terms)):
            readers = readers or not ours
            continue
        if _TO_READERS.search(q) and not ours:
            readers = True
            continue
        # a follow-up goes to whom the first went (judge AM, 2026-12-07: "Anyone ridden the holiday
        # lights bus? Worth it with a 4 year old?" went to the queue), unless it names us or one of
        # our topics or asks what only we know ("Anyone going to the meetup? Also, when does Acme open
        # the new office?"); after a shared trouble ("Anyone else on hold for an hour?") it is ours
        if readers and not ours and not find_terms(q, list(topic_terms)) and not any(
                term_pattern(n).search(q) for n in org_names if n):
            continue
        return q
    return None


def _questions(text: str) -> list[str]:
    return [m.group(0).strip() for m in _SENTENCE.finditer(text) if m.group(0).rstrip().endswith("?")]


def _asking_sentences(text: str, org_names: Sequence[str] = ()) -> list[str]:
    """The sentences of ``text`` that ask, in order: those ending in a question mark, and those that ask
    without one (:data:`_ASKS`, :data:`_ASKS_OPENING`, after the organisation's name said as a greeting:
    "setseg how long does a claim usually take"); an exclamation asks nothing."""
    calls = _calls(tuple(org_names))
    called = calls[1] if calls is not None else None
    out = []
    for m in _SENTENCE.finditer(text):
        sentence = m.group(0).strip()
        named = called.match(sentence) if called is not None else None
        after_name = sentence[named.end():] if named is not None else sentence
        # after a greeting the name is a call ("hey setseg does my dental plan cover braces", judge AQ,
        # 2026-12-07); without one, "SET SEG does my paperwork" is a statement
        opening = (_ASKS_OPENING if named is not None and named.group("hi") else _WH_OPENING).search(after_name)
        if sentence.endswith("?") or (not sentence.endswith("!") and (
                _ASKS.search(sentence) or _ASKS_OPENING.search(sentence) or (named is not None and opening))):
            out.append(sentence)
    return out


#: what a customer says to close a conversation: thanks, it helped, it is sorted
_THANKS = re.compile(
    r"\b(thanks?|thank\s*you|thx|tysm|ty|cheers|appreciated?|grateful|gracias|danke|merci|grazie|obrigad[oa]|"
    r"helpful|helped|helps|perfect|great|awesome|amazing|wonderful|excellent|brilliant|lovely|fantastic|"
    r"sorted|resolved|fixed|works|working|got\s+it|all\s+good|no\s+worries|you\s+rock|legend|much\s+appreciated)\b"
    r"|[\U0001F64F\U0001F44D\u2764\U0001F499\U0001F49A\U0001F64C\U0001F60A\U0001F970\U0001F917]", re.I)
#: what turns a thanks into more than one: a question, a doubt, a contrast, a sarcasm marker
_NOT_ONLY_THANKS = re.compile(
    r"\?|\b(not|no|never|nothing|nobody|none|\w+n't|(?:do|does|did|is|are|was|were|ca|wo|could|would|should|has|have|had|ai)nt|cannot|still|but|however|though|although|yet|again|"
    r"only|even|if|sure|useless|worse|worst|wrong|ignor\w*|wait\w*|runaround|joke|another|already|third|"
    r"lol|lmao|smh|yeah\s+right)\b|/s\b"
    r"|[\U0001F644\U0001F643\U0001F612\U0001F611\U0001F624\U0001F621\U0001F92C\U0001F44E\U0001F480]", re.I)
_HANDLE_OR_LINK = re.compile(r"(?:@[\w.@-]+|https?://\S+)")


#: the words a plain thanks is made of, besides :data:`_THANKS`: "ty!! you guys rock", "Thank you so
#: much, that's really helpful", "All sorted now, have a nice day"
_THANKS_WORDS = frozenset({
    "a", "all", "and", "be", "been", "can", "for", "from", "good", "got", "great", "guys", "have", "help",
    "i", "it", "it's", "its", "just", "kind", "lot", "lots", "me", "much", "my", "nice", "now", "oh", "ok",
    "okay", "quick", "quickly", "really", "response", "reply", "so", "super", "team", "that", "that's",
    "the", "this", "to", "very", "was", "we", "were", "what", "wow", "you", "your", "you're", "day", "days",
    "everyone", "morning", "afternoon", "tonight", "today", "back", "fast", "getting", "came", "come", "through",
    "arrived", "received", "finally", "anymore", "sorting", "out", "on", "helping",
})
#: pleasantries that say no, and so are no doubt: "No worries, thanks!", "Not a problem anymore"
_NO_TROUBLE = re.compile(r"\b(no worries|no problem|not a problem( any ?more)?|no longer an issue)\b", re.I)
#: sarcasm's marks in a thanks: scare quotes around a word ("the 'help'"), a canned or automated reply
_SCARE = re.compile(r"(['\"\u2018\u201c])\w+(['\"\u2019\u201d])|\b(canned|copy.?paste\w*|automated|scripted|form letter|"
                    r"bot)\b", re.I)


#: a customer's bad experience, as a sarcastic post tells it beside its praise ("Love the hold music,
#: 90 minutes of it", "So grateful ... Week 6, no check", "5 stars for the hold music, 0 stars for
#: everything else"): sarcasm is praise around a bad situation (Riloff et al., "Sarcasm as contrast
#: between a positive sentiment and negative situation", EMNLP 2013). Judge AE, 2026-12-07: 9 of 30
#: sarcastic complaints went to the whole team's kudos channel, read positive. Written on the
#: project's own posts; words that also tell good news are left out ("went down", "crashed": "injuries
#: went down", "when our bus crashed the team was there within the hour")
_N = r"(\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|twelve|several|many)"
_NTH = r"(second|third|fourth|fifth|sixth|seventh|umpteenth|nth|\d+(st|nd|rd|th))"
_SINCE = (r"(spring break|christmas|thanksgiving|the holidays|(the )?(start|beginning) of (the )?(year|term|semester|"
          r"school year)|last (week|month|year)|january|february|march|april|may|june|july|august|september|october|"
          r"november|december|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec|spring|summer|fall|autumn|winter)")
_BAD_SITUATION = re.compile(
    # kept waiting
    r"\bon hold\b|\bhold (music|times?)\b|\b(call|line) (dropped|went dead|cut off)\b|\bhung up\b|\bvoicemail\b"
    rf"|\b{_N} (hours?|days?|weeks?|months?|years?) (on hold|of waiting|waiting|(later )?and (still )?(no|nothing|zero|0))\b"
    rf"|\b(waiting|waited|pending|in review|under review|on hold|processing|status)['\"\u2019\u201d]? (for |since )?({_N} (hours?|days?|weeks?|months?)|"
    rf"{_SINCE})\b"
    rf"|\b(week|month|day) {_N}\b[^.!?\n]{{0,20}}\b(no|still|nothing|zero|0)\b|\bfor the {_NTH} (time|week|month|day)\b"
    rf"|\b{_NTH} (week|month|time|call)\b"
    # nothing came
    r"|\b(no|zero|0) (checks?|payments?|replies|reply|answers?|responses?|call ?backs?|refunds?|money|word|updates?|stars?)\b"
    r"|\b(0|zero|one|1) stars?\b(?! (service|experience|team|hotel))|\bdifferent answers\b"
    r"|\bnever (called|answered|replied|paid|got back|heard)\b"
    # what went wrong
    r"|\b(lost|losing|misplaced|misplacing) (my|our|the) \w+|\b(denied|denying|rejected|rejecting|declined|declining|"
    r"cancell?ed|dropped) (my|our)\b"
    r"|\b(raised?|raising|hiked?|hiking|doubled|increased?|increasing|jacked up) (my|our) (premiums?|rates?|bills?|"
    r"deductibles?)\b|\bpremium (hike|increase)s?\b"
    r"|\b(portal|site|website|app|system|page|login|server|phones?|lines?)\W+(\w+ ){0,2}(crash(es|ed|ing)?|froze|freezes|"
    r"(is|was|went) down|down again|timed out|times out)\b"
    r"|\b(logged|kicked|locked) me out\b|\bcrashes (right |just )?(as|when)\b|\btimes out\b|\btimed out (after|on|again)\b"
    r"|\b(didn'?t|did not|won'?t|will not|refused to) (pay|cover|call|answer|reply|respond|help)\b"
    r"|\b(isn'?t|is not|aren'?t|not) covered\b|\b(doesn'?t|does not) (cover|include|count)\b"
    r"|\b(charged|billed) (me )?(twice|double)\b|\bovercharg\w*"
    r"|\b(lost|denied|down|crashed|rejected|changed|raised|late|missing|wrong|broken|delayed|out)( \w+){0,3}[.,!]* again\b"
    # (judge AH, 2026-12-07) still waiting, a day count, a long time it "only took", nobody who can say
    # why, a lesson paid for
    rf"|\b(day|week|month) \d+ (of )?(waiting|on hold|and counting)\b|\bwaiting on (my|our) \w+"
    r"|\bstill (haven'?t|hasn'?t|have not|has not|not|no|waiting)\b|\bhaven'?t been paid\b"
    rf"|\bonly (took|takes|taking) ({_N}|a whole) (semesters?|terms?|years?|months?|weeks?)\b"
    r"|\b(nobody|no one) (can|could|will|would) (tell|explain|answer)\b|\bthe hard way\b|\bfine print\b"
    # (judge AM, 2026-12-07, a transit agency's riders) passed by, kept so long, told to do better
    r"|\b(blew|drove|went|sped|flew) (right |straight )?(past|by) (me|us)\b|\b(stood|waited|sat|standing|waiting) "
    r"(\w+ |& ){0,5}so long (that|the|i|we|my|our|it|a)\b|\bdo better\b(?! than)"
    # money short of what is owed (judge AN, 2026-12-07: "the reimbursement check arrived, but it was $60
    # short of what the receipts added up to" was recorded only)
    r"|\b(check|cheque|payment|payout|reimbursement|refund|settlement|deposit|paid|paying)\b[^.!?\n]{0,40}"
    r"\$\d[\d,.]*\s?k? short\b|\bshort(ed)? (me|us) (by )?\$\d"
    # a low mark, and praise in scare quotes ("the 'quick' reimbursement")
    r"|(?<![\d/])(?<!thread )(?<!part )[0-3] ?/ ?10\b|(?<![\d/])(?<!thread )(?<!part )(?<!\U0001F9F5 )[01] ?/ ?5\b"
    r"|['\"\u2018\u201c](quick|fast|speedy|prompt|easy|simple|simplified|streamlined|improved|user-friendly|friendly|"
    r"helpful|great|excellent|amazing|customer (care|service)|priority|24/7|"
    r"support|help|service|care)['\"\u2019\u201d]"
    , re.I)
#: marks of mockery: beside praise, sarcasm; beside a flat reading, no bad experience by themselves
_MOCKERY = re.compile(
    r"#blessed\b|#not\b|(?<!\w)/s\b|\bsaid no one\b|\byeah,? right\b|\bwhat could (possibly )?go wrong\b|\bslow clap\b"
    r"|[\U0001F644\U0001F643\U0001F612\U0001F611]",
    re.I)


#: the start of the light reason of praise around a bad experience (the digest lists such a post
#: among the criticisms, never as a compliment)
SARCASM_REASON = "read as praise, yet it tells of a bad experience"
#: ... and of a bad experience told in a flat tone (read neutral)
FLAT_REASON = "a bad experience in its words"
#: ... and of a colleague's compliment that the model read negative and that tells of one
MISREAD_REASON = "a scout forwarded it as a compliment, but it reads as a complaint"


_OVER = re.compile(r"\b(used to|no longer|not anymore|no more|never again|last year)\b[^.!?]*$", re.I)
_SPARED = re.compile(r"\b(didn'?t|did not|don'?t|do not|doesn'?t|does not|without|never|no need to|not a single)\b"
                     r"( [\w']+){0,4} ?$", re.I)
_OVER_AFTER = re.compile(r"[^.!?]{0,25}\b(any ?more|no longer|in the past|last year)\b", re.I)


#: whom a case is brought against: "a lawsuit was filed Tuesday against a bus manufacturer"
_AGAINST = re.compile(r"\bagainst (?P<who>[^.!?\n,;:]{1,60})", re.I)
_FIRST_PERSON = re.compile(r"\b(i|i'?m|i'?ve|i'?ll|i'?d|me|my|mine|we|we'?re|we'?ve|we'?ll|our|ours|us)\b", re.I)


def case_of_another(text: str, term: str, org_names: Sequence[str]) -> bool:
    """Whether every sentence of ``text`` that says ``term`` (a complaint or legal term, in any of
    its forms) tells of a case against someone other than us, in nobody's first person: news, not a
    customer's threat (judge AN, 2026-12-07: "Class action filed against a national pharmacy benefits
    manager ..." was "a legal threat" and Legal were told; "A lawsuit was filed Tuesday against a
    bus manufacturer ..." a complaint). "I'm filing a complaint against the adjuster" and "a class
    action against SET SEG" stay ours."""
    pattern = term_pattern(term, inflected=True)
    names = [term_pattern(n) for n in org_names if n.strip()]
    said = False
    for m in _SENTENCE.finditer(text):
        sentence = m.group(0)
        if not pattern.search(sentence):
            continue
        said = True
        against = _AGAINST.search(sentence)
        if against is None or _FIRST_PERSON.search(sentence) or any(n.search(against.group("who")) for n in names):
            return False
    return said


def _cut(words: str, limit: int = 80) -> str:
    """``words`` cut to about ``limit`` characters at a word, with an ellipsis."""
    words = " ".join(words.split())
    return words if len(words) <= limit else words[:limit].rsplit(" ", 1)[0] + "…"


def _quoted(words: str) -> str:
    """``words`` in quote marks, curly where they hold a quote mark ("'quick'", "processing' since ...")."""
    return f"\u201c{words}\u201d" if "'" in words or '"' in words else f"'{words}'"


def bad_situation(text: str, *, mockery: bool = True) -> str | None:
    """The words of a customer's bad experience in ``text`` ("on hold", "Week 6, no", "didn't pay"),
    or with ``mockery`` a mark of mockery ("#blessed", 🙃), or None: beside praise they mark a
    sarcastic complaint (:data:`_BAD_SITUATION`, English). A trouble said to be over or not to have
    happened does not count ("used to crash", "didn't have to make a second call")."""
    found: list[re.Match[str]] = [*_BAD_SITUATION.finditer(text), *(_MOCKERY.finditer(text) if mockery else ())]
    for m in found:
        # a trouble that is over is no sarcasm (judge AH, 2026-12-07: "The portal used to crash all the
        # time, but SET SEG clearly listened")
        if _OVER.search(text[max(m.start() - 30, 0):m.end()]) or _OVER_AFTER.match(text, m.end()):
            continue
        # ... and one that did not happen ("I didn't have to make a second call", "no fine print")
        if _SPARED.search(text[max(m.start() - 30, 0):m.start()]):
            continue
        return m.group(0)
    return None


#: words that thank or praise us
_THANKS_US = re.compile(r"\b(thank(s| you)|thx|grateful|props|kudos|shout ?-?outs?|credit where|appreciated?|well done|"
                        r"great job|hats off|you (guys )?rock|recommend)\b", re.I)
#: the light reasons of a complaint in its words, whatever the reading
_COMPLAINED = ("yellow: complaint terms", "yellow: a legal threat", f"yellow: {SARCASM_REASON}", f"yellow: {FLAT_REASON}",
               "yellow: a scout forwarded it as criticism", f"yellow: {MISREAD_REASON}")


def thanks_us(text: str, light_reasons: list[str]) -> bool:
    """Whether a post thanks or praises us and tells of no trouble: no bad experience in its words
    (:func:`bad_situation`), no "for nothing", no complaint reason on its item."""
    return (_THANKS_US.search(text) is not None and bad_situation(text) is None
            and re.search(r"\bfor nothing\b", text, re.I) is None
            and not any(r.startswith(_COMPLAINED) for r in light_reasons))


#: what an insider says, not a customer: the model signal keeps its say over such a post (judge V,
#: 2026-12-07: "As a SET SEG employee ...", "we were told to shred the claims notes")
_INSIDER = re.compile(
    r"\b(i|we) (work|worked) (at|for|in)\b|\b(i'?m|i am|as) an? (\w+ ){0,3}(employee|insider|staffer|adjuster|manager)\b"
    r"|\bour (hr|finance|board|management|execs?|team|department|office|boss|manager)\b|\b(employee|staffer|insider) here\b|\bformer (\w+ ){0,2}(employee|adjuster|staffer|manager)\b|\b(we were|i was|they) told (us |me )?(to|not)\b|\btold us\b|\bkeep (it )?quiet\b|\bshred\w*"
    r"|\bhid(e|es|ing)\b|\bcover(ing|ed)? (it )?up\b|\bco-?workers?\b|\bcolleagues?\b|\b(internal(ly)?|insiders?|"
    r"quietly|secret(ly)?|off the record|not (yet )?(public|announced)|behind closed doors|leak(ed|ing)?|"
    r"whistle-?blow\w*|confidential)\b", re.I)
#: our lawyers: an insider's ("our attorney said not to mention the investigation"), unless the post
#: speaks as a customer (a business's "Our attorney is drafting a letter", judge AP, 2026-12-07)
_OUR_COUNSEL = re.compile(r"\bour (legal( team| department)?|lawyers?|attorneys?|counsel)\b", re.I)
#: a customer speaking of their own case to the organisation: "my claim", "my SET SEG payment", "you
#: can't keep ignoring this", "I'm talking to a lawyer" (judge W, 2026-12-07: only such a threat is
#: theirs); a business customer's "our contract", "wiped 3 months of our drafts", "We are talking to a
#: lawyer" (judge AP, 2026-12-07: two such threats went red, hidden from the team that answers)
_CUSTOMER = re.compile(
    r"\bmy (\w+ ){0,3}(claims?|payments?|checks?|cheques?|policy|premiums?|refunds?|case|benefits?|coverage|appeal|"
    r"account|surgery|injury|reimbursement|money|bills?|rates?|lawyers?|attorneys?)\b|\byou (can'?t|cannot|won'?t) "
    r"(keep|just)\b|\byou (keep|kept) (ignor|deny|denying|refus|stall|delay)\w*|\b(i'?m|i am|i'?ll|i will|i have|"
    r"i'?ve) (\w+ ){0,2}(su(e|ing)|talking|calling|contacting|hir(ed|ing)|getting|got|lawyered)\b", re.I)
#: ... and a business customer's (for a threat only: an insider says "our data" too)
_BUSINESS_CUSTOMER = re.compile(
    r"\b(i'?m|i am|i'?ll|i will|we'?re|we are|we'?ll|we will|we have|we'?ve) (\w+ ){0,2}(su(e|ing)|(talking to|consulting) (a|an|our) "
    r"(lawyer|attorney)|lawyered|tak(e|ing) legal action)\b|\bour (\w+ ){0,2}(contract|sla|subscription|invoices?|workspace|documents|docs|drafts|files|"
    r"claims?|refunds?|payments?|policy|premiums?|coverage)\b"
    r"|\b(wiped|lost|deleted|corrupted|erased) (\w+ ){0,4}our\b"
    r"|\byour (status page|billing|support|service|product|app|api|team|company|sales|account manager)\b", re.I)
#: the start of the reason line that says why a score at or above the red threshold is not red
SPARED = "not red by the confidentiality signal alone: "

#: a customer's threat is not red by the signal alone below this score; at or above it the post
#: reads too much like a disclosure to show a broad channel (judge V: an insider's 0.81)
THREAT_CEILING = 0.8


# Disclosure cues (policy.light.disclosure_cues): how a leak reads whatever it leaks. The
# confidentiality score reads *what* a post is about; these read *where it comes from* and whether
# it is public yet. Written from the policy's P4 ("when in doubt, leave it out") and the kinds of
# leak issue 16 lists, 2026-12-07: a relative's "came home saying the field office closes, not
# announced to anyone yet" scored 0.29, "Memo went around this morning ... haven't been told yet"
# 0.17, and both went to the whole Marketing & Sales channel with their text.
_NOT_PUBLIC = re.compile(
    r"\bnot (yet |even )?(been )?(public|announced|official|released)( yet)?\b(?! (that|if|whether))"
    r"|\bnever (been )?(made )?(public|announced|disclosed|published)\b"
    r"|\b(has|have|had)n'?t (yet )?(been )?(announced|told|made public|released|published|informed)\b"
    r"|\b(has|have|had) not (yet )?(been )?(announced|told|made public|released|published|informed)\b"
    # not doubt ("Nobody knows if it's real", judge AG, 2026-12-07: a recall rumour went red)
    r"|\b(nobody|no one|noone)\b[^.!?\n]{0,30}\b(told|informed|announced)\b(?! (me|us|if|whether|what|why|how|"
    r"when|where|who|for sure|yet if)\b)"
    # "nobody knows" is doubt ("Nobody at our district office knows", judge AO, 2026-12-07: a customer's
    # question went red); knowing kept to a few is not
    r"|\b(nobody|no one|noone) (outside|except|besides|but|beyond)\b[^.!?\n]{0,40}\bknows?\b"
    r"|\b(nobody|no one|noone) (else )?knows (yet|about (it|this|that) yet)\b"
    r"|\b(were|was|are|is|been) (never|not( yet)?) (been )?(told|informed)\b(?! (me|us)\b)"
    r"|\b(weren'?t|wasn'?t|aren'?t|isn'?t) (yet )?(been )?(told|informed)\b(?! (me|us)\b)"
    r"|\bnot in (any|the) (news|press)\b|\bbefore (it'?s|it is|they'?re|they are|it gets|they) (announced|public|made public|go public)\b"
    # an announcement still to come says what is told is not public yet (judge K, 2026-12-07: "Saw the
    # rate sheet on my manager's desk, before the press release next week" read as on the record)
    r"|\b(before|ahead of) (the |their |its |an? |any )?(official |public |formal )?(press release|announcement|launch)\b"
    r"|\b(public )?announcement (is )?(planned|scheduled|set|expected|due) (for|after|next|on|in)\b"
    r"|\bpress release (goes|comes|will go|will come) out\b|\b(is|are) about to announce\b"
    r"|\bwill be (published|announced|made public|released) (next|on|in|after|tomorrow)\b"
    r"|\bembargo(ed)?\b|\bcan'?t say (any ?more|more|much|anything)\b|\bcannot say (any ?more|more|much)\b"
    # what the papers leave out, and news that will reach people only later (judge AL, 2026-12-07:
    # "None of that is in the annual report", "Members will find out when the vote notice shows up")
    r"|\b(none|nothing|no mention|not a word) of (that|this|it)\b[^.!?\n]{0,20}\b(is |was |made it )?(in|into) (the|their|any) "
    r"(annual report|press release|news|filings?|statement|minutes|newsletter)\b"
    r"|\b(isn'?t|wasn'?t|is not|was not|never|not) (mentioned )?in (the|their|any) (annual report|press release|filings?|"
    r"statement|newsletter)\b|\byou won'?t (read|see|find|hear) (this|that|it|about (it|this|that)) in\b"
    r"|\b(members|customers|clients|staff|employees|everyone|people|the public|policyholders) (will|won'?t|are going to) "
    r"(find out|hear about it|hear|know|learn)\b"
    # a weakness nobody fixed yet (judge AI, 2026-12-07: "Reported in September, still open as of yesterday")
    r"|\b(unpatched|not (yet )?patched|zero-?day)\b|\breported\b[^.!?\n]{0,30}\bstill (open|unpatched|unfixed|live|there|not fixed)\b"
    # a paper being written, or shown only inside (judge L, 2026-12-07: "The press release is drafted
    # but won't go out until after the holidays" and "published internally on the intranet" read as
    # on the record)
    r"|\b(press release|statement|announcement|letter|notice)s? (is |are |was |were |has been |have been |being )(\w+ )?drafted\b"
    r"|\bdraft(ed)? (press release|statement|announcement)s?\b"
    r"|\b(won'?t|will not|doesn'?t|does not|isn'?t|is not|aren'?t|are not) (go|going|come|coming) out (until|till|before)\b"
    r"|\b(published|posted|shared|announced|circulated) internally\b|\bintranet\b"
    r"|\b(we|staff|employees|everyone) (were|are|have been|got) told not to (discuss|talk about|mention|share)\b"
    r"|\b(do not|don'?t|not to) (forward|share this)\b|\bnot for (distribution|sharing)\b|\binternal (only|use only)\b"
    r"|\bnot (supposed|meant|allowed) to (see|know|have seen|have this|hear)\b|\bunder (nda|wraps)\b|\boff the record\b"
    # someone who keeps it to themselves (judge AD, 2026-12-07: "she doesn't want anyone knowing")
    r"|\b(doesn'?t|does not|don'?t|do not|didn'?t) want (anyone|anybody|people|it) (to )?(know|knowing|known|out)\b"
    r"|\b(not supposed to|shouldn'?t|should not) (be )?(share|say|post|sharing|saying|posting) (this|that|it)\b|\bhush[- ]hush\b|\bthrowaway\b|\bkeep(ing)? (it |this )?(quiet|under wraps|secret)\b"
    # a secret told in confidence (judge AE, 2026-12-07: "Keep it under your hat 🤫" after an
    # unreleased product's price), and an inside screen shown ("showed me the adjuster dashboard")
    r"|\bunder your hat\b|\byou didn'?t hear (it|this) from me\b|\b(just )?between (you and me|us two|ourselves)\b"
    r"|\bmum'?s the word\b|\bdon'?t tell (anyone|anybody)\b|\U0001F92B"
    r"|\bshowed me (the |their |a |an |his |her )?(\w+ ){0,2}(dashboard|spreadsheet|database|screen|system|files|memo|deck)\b"
    # an inside page shown (judge AP, 2026-12-07: "Screenshot from our internal Quillstack roadmap board")
    r"|\b(screenshot|screen ?cap|screengrab|photo|pic|picture|copy) (of|from) (our|the|their|an?|this) internal\b"
    # a leak of papers, not of a roof or a pipe (an insurer's customers write of those every day), and a
    # settlement sealed by a court, not a sealed roof
    r"|\b(leak(ed|ing)?|sealed) (\w+ ){0,2}(memo|document|doc|docs|email|e-mail|deck|slides?|report|plan|draft|"
    r"screenshots?|recording|info|information|news|list|figures|numbers|data|settlement|agreement|court|records?|"
    r"filings?|case)s?\b|\b(was|were|got|been|is|are|being) (\w+ )?leaked\b|\bi'?m leaking\b|\bunder seal\b"
    r"|^\W*sealed\b|\bsealed[,.]", re.I)
#: second-hand, from an unnamed room: "overheard", "heard at the bar", "word is"
_HEARSAY = re.compile(r"\boverheard\b|\bheard (it |this )?(in|at) (the|a)\b|\bword is\b|\brumou?r (is|has it)\b", re.I)
#: someone close to an insider, who passes on what they said
_KIN = (r"((brother|sister|father|mother|son|daughter)[- ]in[- ]law|friends?|cousin|neighbou?r|husband|wife|partner|spouse|brother|sister|mom|mum|dad|mother|father|son|daughter|"
        r"buddy|pal|roommate|uncle|aunt|in-?laws?|girlfriend|boyfriend|source)")
#: printed or said in public already: the cues do not make red what the author says is public,
#: unless the post also says what is not
_ON_RECORD = re.compile(
    r"\bpress release\b|(?<!not )(?<!n't )\b(announced|announces)\b(?! (yet|to the exec|internally|to (the )?(staff|employees)))"
    r"|\bpublished\b|\bposted (minutes|online|on (their|the))\b|\breported (in|by)\b|\bper the\b|\baccording to (the |a )?(?-i:[A-Z])[\w.'-]*"
    r"|\bcourt (filings?|records?)\b|\bpublic (records?|meetings?|sessions?|filings?|hearings?|budgets?|agenda)\b"
    r"|\bopen session\b|\bin the news\b|\bama\b"
    # (judge AI, 2026-12-07: "the breach notification letter is up on the Maine AG site", "2025 annual
    # report (on their site)" went red)
    r"|\b(is|are|was|were|now) (up|posted|available|online) on (the|their|its|an?) (\w+ ){0,3}(site|website|page|portal)\b"
    r"|\(on (their|its|the) (web ?)?site\)|\bannual report\b"
    r"|\bnon-?public\b|\binside info\b", re.I)


#: the on-the-record words that name a publication, which count whatever the score
_PRINTED = re.compile(r"press release|published|confirms|confirmed|statement|blog post|public (record|hearing|meeting|"
                      r"session|filing|budget|agenda)|court (filing|record)|announce", re.I)

#: what a company says in public, in a headline's words: on the record for the signal's red (judge I,
#: 2026-12-07: "CRM giant confirms it agreed to acquire ..." 0.62, "... the CEO's blog post says the
#: cuts hit sales" 0.89), not for the cues ("my cousin at SET SEG confirms the layoffs" is a leak)
_SAID_IN_PUBLIC = re.compile(
    r"\bconfirms\b|\b(officially|publicly) confirmed\b|\bconfirmed (in|to) (a |the )?(statement|press|reporters|media)\b"
    r"|\b(said|says) in a statement\b|\bin a (press )?statement\b|\bstatement (\w+ ){0,2}(says|said)\b"
    r"|\bblog post\b|\bearnings call\b|\bpress conference\b",
    re.I)


#: what people who work for an organisation are, by trade (judge AA, 2026-12-07: a hospital's "Former
#: Riverbend nurse here", "Nurse at Riverbend here", "ER doc at Riverbend" were no insider's voice; the
#: list knew an insurer's trades only)
_ROLES = (r"(employee|staffer|staff member|adjuster|analyst|underwriter|manager|engineer|developer|accountant|"
          r"contractor|nurse|doctor|doc|physician|surgeon|resident|medic|paramedic|emt|pharmacist|tech|technician|"
          r"therapist|clerk|cashier|teller|agent|rep|representative|driver|supervisor|worker|associate|receptionist|"
          r"scheduler|coder|biller|administrator|exec|executive|director|insider|intern|handler|phlebotomist|aide|"
          r"scribe|guard|examiner|auditor|case manager|social worker|"
          # a warehouse's and a shop's (judge AG, 2026-12-07: "Night shift picker at Trailhead Outfitters here")
          r"picker|packer|loader|stocker|sorter|forklift (operator|driver)|warehouse (worker|associate)|shift lead|"
          r"team lead|store manager|barista|cook|housekeeper|custodian|janitor|mechanic|temp|call center (agent|rep|worker)|"
          # a bank's and a credit union's (judge AL, 2026-12-07: "Loan officer at Frontera CU.")
          r"loan officer|officer|banker|member service rep|compliance analyst|collector|loan processor|"
          # a transit agency's and a utility's (judge AM, 2026-12-07: "LST dispatcher here.")
          r"dispatcher|operator|bus operator|conductor|controller|inspector|planner|signal maintainer|lineman|"
          r"lineworker|electrician|foreman|crew member|station agent|"
          # a software company's (judge AP, 2026-12-07)
          r"customer success manager|account manager|account executive|solutions engineer|product manager|"
          r"support engineer|designer|sre|"
          # a university's (judge AQ, 2026-12-07: "Northgate registrar life: ...")
          r"registrar|professor|prof|lecturer|adjunct|dean|provost|admissions officer|academic advisor|"
          r"faculty member|ta|teaching assistant)")


@lru_cache(maxsize=64)
def _insider_source(org_names: tuple[str, ...]) -> re.Pattern[str]:
    """An insider's own voice or a relative's, of the organisation named by ``org_names`` ("I still
    work there", "my cousin in underwriting at SET SEG", "Memo went around"); not "the internal
    review", which a customer says of their own case ("the internal audit praised the claims team")."""
    # "H&P Health" is also written "H & P Health" and "H and P Health" (judge G, 2026-12-07)
    names = [r"[@#]?" + r"[\s_-]?".join(re.escape(w).replace(r"\&", r"\s*(?:&|and)\s*")
                                         for w in re.split(r"\s+", n.strip().lstrip("@#")))
             for n in org_names if n.strip().lstrip("@#")]
    org = "(" + "|".join([*names, r"(the |that )?(company|pool|firm|agency|place)"]) + r")\b"
    return re.compile(
        rf"\b(i|we) (still )?(work|worked)( \w+)? (at|for|in) (\w+ ){{0,2}}{org}|\bi (still )?work there\b"
        rf"|\b(employee|staffer|insider) here\b|\bmy (last|old|previous|former) job (at|with)\b"
        rf"|\b(former\s+|ex-\s*)({org}\W+)?(\w+ ){{0,2}}(employee|staffer|adjuster|analyst|underwriter|manager|"
        rf"engineer|developer|accountant|contractor)s?\b(?! (at|of|for) (a|an|another|other)\b)"
        # any trade of the organisation's own ("Former Riverbend nurse"; not "a former school nurse")
        rf"|\b(former\s+|ex-\s*){org}\W+(\w+ )?{_ROLES}s?\b"
        # a trade at the organisation in the first person, or said as a signature ("Riverbend nurse
        # here", "Nurse at Riverbend here", "ER doc at Riverbend.", "I'm a Riverbend ER nurse")
        rf"|\b{org}\W+(\w+ )?{_ROLES} here\b|\b{_ROLES} (at|for|in|with) (the )?{org}( [\w-]+){{0,2}} here\b"
        rf"|^\W*(\w+ )?{_ROLES} (at|for|in|with) (the )?{org}\s*[.:;,!-]"
        rf"|\b(i'?m|i am|i was|as) an? ({org}\W+)(\w+ ){{0,2}}{_ROLES}\b"
        rf"|\b(i'?m|i am|i was|as) an? (\w+ ){{0,2}}{_ROLES} (at|for|in|with) (the )?{org}"
        # on shift there ("Working triage at Riverbend tonight"), a source inside, "I work in IT there"
        rf"|(^\W*|\b(i'?m|i am|i was|been) )(work|working|on shift|on call)\b[^.!?\n]{{0,25}}\b(at|in|for) (the )?{org}"
        # a department as a signature ("SET SEG IT:", "Riverbend night shift:"), not one a customer starts
        # a complaint with ("SET SEG claims: 3 weeks and no answer")
        rf"|^\W*{org}('s)? (it|hr|night shift|day shift|nurse line|unit clerk|lab tech)\s*[:.]"
        rf"|\bfrom inside {org}|\b(claims|underwriting|billing|it|hr) (at|in) {org} here\b"
        rf"|\bsources? (inside|within|in|at|close to) {org}|\bi (still )?(work|worked) (in|on|for) (\w+ ){{0,2}}there\b"
        # (judge AD, 2026-12-07) "Great shift at Riverbend!", "Best coworkers at SET SEG", "Insider at SET
        # SEG:", "ICU nurse, Riverbend.", "my cousin who works in Riverbend's ER"
        rf"|\b(my|great|long|good|rough|double) shifts? (at|in) (the )?{org}"
        rf"|\b(my )?(co-?workers|colleagues|team ?mates) (at|in) {org}|\binsiders? (at|in) {org}"
        rf"|^\W*(\w+ )?{_ROLES}, (the )?{org}\s*[.:;,!-]"
        rf"|\b{_KIN} (who|that) (works?|worked) (at|for|in) (the )?{org}"
        # ... not one sent to the customers (judge I, 2026-12-07: "the price change email went out to
        # customers this morning" went red as an insider's)
        rf"|\b(memo|email|e-mail) (went|came) (around|out)\b(?! to (all |our |the |every )?(customers|clients|members|"
        rf"users|subscribers|everyone|everybody|the public|districts|account holders|policyholders))|\ball-?hands\b"
        rf"|\b(saw|seen|read|got|have) (a |the )?(copy of )?(the |a )?(draft|memo|deck|internal|rate sheet|price sheet|"
        rf"pricing sheet|org chart|layoff list)\b"
        rf"|\b{_KIN}\b[^.!?\n]{{0,40}}?\b(works?|worked|adjusts|is|was|'s|process(es)?|handles|reviews|runs|manages)\b"
        rf"[^.!?\n]{{0,30}}?\b(at|for|in|on|with) (the )?{org}"
        rf"|\b{_KIN} (at|in \w+ at|from|who works (at|for)|who adjusts for|who'?s at) {org}"
        # a department of it ("My buddy in LST safety says", judge AM, 2026-12-07), a board seat on it
        rf"|\bmy {_KIN} (in|on|inside|over at) (the )?{org}"
        rf"|\b(someone|somebody|a guy|a person|people|folks) (who|that) (works?|worked) (at|for|in) {org}"
        rf"|\bi (processed|wrote|built|signed|saw|approved|handled)\b[^.!?\n]{{0,40}}\bmyself\b"
        # (judge AE, 2026-12-07) work that reaches one's own desk ("saw it come through my queue today",
        # "I process SET SEG files"), a meeting sat in on ("Sat in on the SET SEG product review"), a
        # team of one's own ("Our team at SET SEG has been told ...")
        rf"|\b(came|comes|come|coming|went|go|goes|going) (through|across|over) my (queue|desk|inbox|worklist|screen)\b"
        rf"|\b(landed|crossed|was|is) on my desk\b"
        rf"|\bi (process|handle|review|adjust|audit|code|underwrite) (\w+ ){{0,2}}{org}('s)? (files|claims|cases|charts|records)\b"
        rf"|\bsat in (on )?(the |a |an |our |today'?s )?{org}('s)?\W+(\w+ ){{0,2}}(review|meeting|call|planning|board|briefing|"
        rf"session|presentation|offsite|town ?hall)"
        rf"|\b(our|my) (\w+ )?(team|department|dept|office|unit|group|division|floor|branch|squad) (at|in) {org}"
        # (judge AP, 2026-12-07, a software company) a trade said as a way of life ("CSM life: walked our
        # biggest account through the H1 roadmap deck"), a vendor's own accounts, its internal papers
        rf"|^\W*{org}\W+(\w+ )?({_ROLES}|csm|pm|sre|dev|swe|ae|sdr) life\b"
        rf"|\bour (biggest|largest|top|key|enterprise|main|best) (accounts?|customers?|clients?)\b"
        rf"|\b(our|my) internal {org}|\b{org}('s)? internal (roadmap|wiki|slack|docs?|board|deck|dashboard|tracker|memo|tools?|"
        rf"channel|repo)s?\b"
        # (judge AI, 2026-12-07) "at work today (SET SEG claims)", a vendor's "Did a pentest for ... SET SEG",
        # "Someone in SET SEG billing exported ..."
        rf"|\bat work (today |tonight |this week )?\(?{org}"
        rf"|\b(did|doing|ran|running|finished) an? (\w+ )?(pen ?test|penetration test|security (audit|review|assessment)|"
        rf"audit|assessment|review|engagement|contract|project|gig|migration)\b[^.!?\n]{{0,40}}\b(for|at|with)\b"
        rf"[^.!?\n]{{0,30}}{org}"
        # (judge AL, 2026-12-07) "Fun fact from a Frontera CU member service rep:", "I sit in the room taking minutes"
        rf"|\bfrom an? {org}('s)?\W+(\w+ ){{0,2}}{_ROLES}\b|\bi (sit|sat) in (the|those|these|on the) (room|meetings?|board "
        rf"meetings?)\b|\b(i|we) (take|took|taking) (the )?minutes\b|\btaking (the )?minutes\b"
        rf"|\b(someone|somebody|a guy|a person|people|folks|a co-?worker|a colleague) (in|at|from) {org}\W+(\w+ )?"
        rf"(billing|claims|it|hr|underwriting|finance|accounting|legal|marketing|sales|ops|operations|security)\b", re.I)


#: asking whether something is true or official: "is it true ...?", "confirm or deny", "a rumor"
_RUMOUR = re.compile(r"\b(is it true|is that true|is this true|confirm or deny|anything official|any truth (to|in)|"
                     r"rumou?rs?|people (keep |are )?saying)\b", re.I)


#: an outsider's guess, said as one (judge AI, 2026-12-07: "Anyone else think SET SEG is going to get
#: bought? ... Pure speculation on my part." went red at 0.63)
_GUESS = re.compile(r"\b(pure |just |wild |idle )?speculation\b|\bspeculating\b|\bjust (a )?guess(ing)?\b|\bmy guess is\b"
                    r"|\bi'?m (just )?guessing\b|\bno inside (info|information|knowledge)\b|\bcould be wrong\b", re.I)


def _rumour_question(text: str) -> bool:
    """Whether ``text`` asks whether a rumour is true (and has a question mark)."""
    return "?" in text and _RUMOUR.search(text) is not None


#: someone else, by name or by who they are: "Mr. Garcia", "Pastor Jim Wallace", "Tyler Moss", "the
#: mayor's son", "the patient in room 412"
_SOMEONE = re.compile(
    # "mr. phillips" in any case, with its dot; a title that is also a common noun ("the principal said")
    # only capitalised, with a capitalised name
    r"\b(?i:mr|mrs|ms|mx)\. ?[A-Za-z][a-z]+|\b(?:Mr|Mrs|Ms|Mx|Miss|Pastor|Father|Rev|Reverend|Coach|Mayor|Judge|"
    r"Senator|Councilwoman|Councilman|Officer|Principal|Sheriff|Superintendent)\.? [A-Z][a-z]+"
    r"|\b(?P<full>[A-Z][a-z]+ [A-Z][a-z]{2,})\b"
    r"|\b[A-Z]\.(?: ?[A-Z]\.)+|\b[A-Z]\. [A-Z][a-z]+|\bthe [A-Z][a-z]+s?'? (?:boy|girl|kid|baby|family)\b"
    r"|(?i:\b\w+(?: \w+)?(?:'s|s') (?:son|daughter|wife|husband|kid|child|baby|mother|mom|father|dad|brother|sister|"
    r"girlfriend|boyfriend)\b|\bthe (?:(?:state|county|city) )?(?:mayor|governor|senator|superintendent|principal|"
    r"city manager|police chief|sheriff|judge|coach|pastor|weatherman|news anchor|anchor|quarterback|qb|councilwoman|"
    r"councilman|commissioner|ceo|cfo|vice principal|band director|librarian)\b"
    r"|\b(?:patient|guy|lady|woman|man|kid|girl|boy) (?:named|called|who|in (?:(?:room|rm|bed) )?\d+|in the next bed)"
    # someone by what they are and where (judge AI, 2026-12-07: "a teacher from Round Rock", "a 7th
    # grader at a middle school in Lubbock")
    r"|\b(?:a|an|the|one) (?:\d+(?:st|nd|rd|th)[- ]grader|(?:\w+ )?(?:teacher|student|pupil|kid|child|boy|girl|teen|"
    r"member|nurse|coach|custodian|bus driver|principal|employee|staffer|adjuster|colleague|coworker|co-worker))"
    r" (?:at|in|from|of) (?:a |an |the |our )?\w+"
    r"|\b(?:room|rm|bed) \d+)")
#: capitalised words that make a name of a place, a unit or an event, not of a person ("Breast Cancer
#: Awareness 5K", "Stroke Center", "Saint Mary's", "Austin Marathon", "Our Neuro ICU"; judge AD,
#: 2026-12-07: each was taken for a person and its post made red)
_NOT_A_NAME = frozenset({
    "our", "the", "this", "that", "these", "those", "my", "your", "his", "her", "their", "we", "they", "and", "but",
    "so", "just", "also", "today", "tonight", "yesterday", "great", "best", "love", "thanks", "thank", "happy",
    "big", "new", "old", "good", "bad", "huge", "proud", "shoutout", "shout", "hello", "hi", "hey", "dear", "pray",
    "please", "congrats", "saint", "st", "center", "centre", "hospital", "health", "clinic", "unit", "ward",
    "awareness", "marathon", "walk", "run", "race", "cancer", "heart", "stroke", "county", "city", "high", "school",
    "university", "college", "foundation", "society", "association", "day", "week", "month", "department", "team",
    "board", "council", "street", "road", "avenue", "park", "valley", "rock", "round", "lake", "river", "north",
    "south", "east", "west", "central", "medical", "memorial", "regional", "children", "women", "national",
    "american", "state", "community", "care", "emergency", "urgent", "services", "service", "insurance", "group",
    "fund", "elementary", "middle", "academy", "district", "institute", "church", "library"
})
#: a person's health or private troubles, as a patient's chart or a police blotter would have them
_PRIVATE_MATTER = re.compile(
    r"\b(overdos\w*|OD'?d|suicid\w*|self-harm|psych(iatric)? (unit|ward|hold|floor|eval\w*)|psychiatric|detox\w*|rehab|"
    r"HIV|STDs?|pregnan\w*|miscarr\w*|abortion|cancer|chemo\w*|diagnos\w*|ICU|intensive care|admitted|chest pains?|"
    r"broken (wrist|arm|leg|hip|neck|back|jaw|nose|ribs?)|fractur\w*|drunk|intoxicated|withdrawal|dementia|seizures?|"
    r"stroke|heart attack|dialysis|MRI|x-?rays?|(test|lab|biopsy) results|biopsy|blood alcohol|medical (record|history|"
    r"file|chart)s?|discharge papers|DUI|arrested|lymphoma|leukemia|tumou?rs?|bipolar|schizophreni\w*|depression|"
    r"antidepressants?|opioids?|oxycodone|fentanyl|cocaine|tox screen|alcohol poisoning|behavioral health|ALS|"
    r"hysterectomy|positive (pregnancy|covid|hiv|drug) test|tested positive|kill (herself|himself|themselves)|"
    r"stillborn|hepatitis|addiction|suboxone|methadone|ptsd|meth|high on|restrain(ed)?|unconscious|infusion|"
    r"therapy notes|disability (claim|leave)|heart (condition|surgery)|nerve damage|bruises|custody|"
    # someone's money (judge AL, 2026-12-07: "Mrs. Delgado ... has like $380k sitting in a share
    # certificate"; "the city councilman's HELOC ... his debt-to-income is insane")
    r"debt-to-income|credit score|HELOC|mortgage|(loan|application) (was )?(denied|declined)|bankrupt\w*|foreclos\w*|"
    r"overdraw\w*|overdrafts?|in collections|garnish\w*|account balance|(his|her|their) balance|share certificate|"
    r"savings account|wire transfers?)\b"
    # money held or owed, not raised or given ("Dr. Kim raised $20k for the ward" is no one's account)
    r"|\b(has|had|have|keeps?|owes?|owed)( \w+){0,2} \$\d[\d,.]*\s?(k|m|million|thousand)?\b"
    r"|\$\d[\d,.]*\s?(k|m|million|thousand)? (sitting )?in (a |an |her |his |their )?(account|savings|checking|certificate|cd)\b",
    re.I)


def _someone(text: str, orgs: set[str]) -> list[re.Match[str]]:
    """The people ``text`` names or describes (:data:`_SOMEONE`), not the organisation's names nor
    a capitalised name of a place, unit or event (:data:`_NOT_A_NAME`)."""
    out = []
    for m in _SOMEONE.finditer(text):
        words = m.group(0).lower()
        if any(words in o or o in words for o in orgs):
            continue
        if m.group("full") and any(w.strip("'’s").lower() in _NOT_A_NAME or w.lower() in _NOT_A_NAME
                                   for w in m.group("full").split()):
            continue
        out.append(m)
    return out


#: how far apart a person and their matter may be told (a sentence or two of a short post)
_NEAR = 160


#: many people's personal data together (judge AI, 2026-12-07: "exported the full member list (names,
#: home addresses, dates of birth, school, salary band) to a personal Google Drive")
_PEOPLES_DATA = re.compile(
    r"\b(full |entire |whole |complete )?(member|customer|client|patient|employee|staff|student|teacher|policyholder)s?'? "
    r"(list|database|records|data|spreadsheet|file|roster)s?\b(?=[^.!?\n]{0,80}\b((home )?address(es)?|dates? of birth|"
    r"birth ?dates?|DOBs?|SSNs?|social security|salar(y|ies)|salary band|phone numbers|bank (details|accounts)|diagnos[ie]s)\b)",
    re.I)


def _private_of_another(text: str, org_names: Sequence[str]) -> str | None:
    """The words by which ``text`` tells someone else's health or private troubles ("the mayor's son
    ... psych unit", "Tyler Moss ... drunk with a broken wrist"): a person named or described and
    such a matter within :data:`_NEAR` characters (across "Mr." and "...", which end no sentence:
    judge AD, 2026-12-07); None otherwise. Names of the organisation are nobody."""
    if many := _PEOPLES_DATA.search(text):
        return many.group(0)
    orgs = {n.strip().lower() for n in org_names if n.strip()}
    people = _someone(text, orgs)
    for matter in _PRIVATE_MATTER.finditer(text):
        near = [m for m in people if abs(m.start() - matter.start()) <= _NEAR and
                # the matter is not a word of the name itself ("Stroke Center")
                not (m.start() <= matter.start() < m.end())]
        if near:
            who = min(near, key=lambda m: abs(m.start() - matter.start()))
            return f"{who.group(0)} ... {matter.group(0)}"
    return None


class Cue(NamedTuple):
    """A disclosure cue (:func:`disclosure_cue`): its strength (1 or 2), the words quoted, and
    whether it is hearsay alone ("overheard", "word is": no insider's voice, nothing said to be
    not public)."""

    strength: int
    why: str
    hearsay: bool = False
    #: how it is told, in a reason's words: "as an insider", "as not public yet", "second-hand"
    told: str = "as an insider"


def disclosure_cue(text: str, org_names: Sequence[str] = ()) -> Cue | None:
    """How strongly ``text`` reads as a leak by its voice, not its topic: ``(2, why)`` for an
    insider (or someone close to one) passing on what is not public yet ("husband works at SET SEG
    ... not announced yet", "Memo went around ... haven't been told yet"; what an insider merely
    says is one cue: "my cousin works at SET SEG and says it's the best boss she's had", judge D);
    ``(1, why)`` for one cue alone (an insider's voice, "not announced yet", "overheard": ``hearsay``
    set for the last); None for
    none, for a post that says it is on the record ("press release", "announced", "court records")
    without saying something is not public, and, for a single cue, for a customer speaking of their
    own case ("nobody told me my claim ..."). ``why`` quotes the words, as a reason line shows them.
    ``org_names``: the organisation's name and brand terms (an employee *of it*)."""
    bare = _LINK.sub(" ", _INVISIBLE.sub("", text))
    secret = _NOT_PUBLIC.search(bare)
    if secret is None and _ON_RECORD.search(bare):
        return None
    inside = _insider_source(tuple(org_names)).search(bare)
    if inside is not None and secret is not None:
        return Cue(2, f"'{inside.group(0)}', '{secret.group(0)}'", told="as an insider, of what is not public yet")
    # a patient's admission is never "not announced yet": an insider telling someone else's health
    # or troubles is a leak whatever else it says (judge AA, 2026-12-07: "Nurse at Riverbend here. We
    # had the mayor's son in the psych unit all weekend" scored 0.06 and went to nobody)
    said = inside if inside is not None else secret
    if said is not None and (private := _private_of_another(bare, org_names)) is not None:
        return Cue(2, f"'{said.group(0)}', '{private}'", told="as an insider, of someone else's private matters"
                   if inside is not None else "as not public, of someone else's private matters")
    if _CUSTOMER.search(bare):
        return None
    if one := inside or secret:
        return Cue(1, f"'{one.group(0)}'", told="as an insider" if inside else "as not public yet")
    heard = _HEARSAY.search(bare)
    return Cue(1, f"'{heard.group(0)}'", hearsay=True, told="second-hand") if heard is not None else None


def record_words(text: str) -> str | None:
    """The words by which ``text`` says it was printed or said in public ("press release",
    "announced", "per the Chronicle", "court records", "confirms"), when nothing in it says
    something is not public; None otherwise."""
    bare = _LINK.sub(" ", _INVISIBLE.sub("", text))
    if _NOT_PUBLIC.search(bare) is not None:
        return None
    found = _ON_RECORD.search(bare) or _SAID_IN_PUBLIC.search(bare)
    return found.group(0) if found is not None else None


def only_thanks(text: str, names: Sequence[str] = ()) -> bool:
    """Whether ``text`` only thanks (a customer closing a conversation after our answer: "Thanks!
    That's really helpful 🙏", "ty!! you guys rock", "Sorted now, much appreciated"): a word of
    thanks, nothing that asks, doubts, contrasts or mocks ("thanks, but ...", "thanks for nothing",
    "another", "already", "... 🙄"), at most two words besides thanks and pleasantries (judge T,
    2026-12-07: "Wow thanks, super helpful, a link to the FAQ I had already read" and "Thank you SO
    much for the third form letter this month" stayed answered). Meant to err towards False: a
    follow-up that is more than thanks is news to whoever answered ("Thanks for the link. Called it,
    it's disconnected."); at most 25 words. ``names``: the organisation's name and brand terms, which
    count as no word ("Got the call from your team, all resolved. Thanks SET SEG!")."""
    bare = _NO_TROUBLE.sub(" ", _INVISIBLE.sub("", _HANDLE_OR_LINK.sub(" ", text)))
    for name in names:  # "Thanks SET SEG!": the organisation's own name is no news (judge W)
        if name.strip():
            bare = re.sub(rf"\b{re.escape(name.strip())}\b", " ", bare, flags=re.I)
    bare = bare.strip()
    if not bare or not _THANKS.search(bare) or _NOT_ONLY_THANKS.search(bare) or _SCARE.search(bare):
        return False
    words = re.findall(r"[^\W\d_]+(?:'[^\W\d_]+)?", bare.lower())
    others = [w for w in words if w not in _THANKS_WORDS and not _THANKS.fullmatch(w)]
    return len(words) <= 25 and len(others) <= 2


def evaluate(
    text: str,
    *,
    sentiment: Sentiment | None,
    uncertain: bool,
    cfg: LightConfig,
    scout_category: str | None = None,
    model_red_score: float | None = None,
    model_red_reason: str | None = None,
    uncovered_language: str | None = None,
    topic_terms: Sequence[str] = (),
    unread_post: bool = False,
    impersonating: str | None = None,
    notes: Sequence[str] = (),
    published: bool = False,
    org_names: Sequence[str] = (),
) -> Verdict:
    """Decide the light of one mention.

    Red: a watch-list term (confidential matters) or a model signal at or above
    ``red_model_threshold`` (``model_red_score``, 0..1; ``model_red_reason`` says what the post
    resembles, e.g. "resembles 'unreleased prices' (0.78)"); watch-list reasons come first. With
    ``cfg.disclosure_cues``, a post that reads as a leak by its voice (:func:`disclosure_cue`) is
    red from ``doubt_floor``, or at any score with an insider's voice and a not-public cue. A
    question to us or about a rumour is red by neither the signal (under :data:`THREAT_CEILING`) nor
    hearsay, unless it speaks as an insider or says something is not public.
    Yellow: criticism (negative sentiment, complaint terms; neither for a post a scout forwarded
    as a compliment; a scout's "criticism"), a press enquiry (``press_terms``), questions
    that need a decision (:func:`asks_us`; ``topic_terms`` are the keywords of the
    organisation's topics), a scout's link whose post could not be read (``unread_post``) unless
    the scout called it a compliment (its text is the scout's note: the model signal does not make
    it red); a post by an account whose name poses as one of ours (``impersonating``: the
    handle, see :func:`impersonation`). Green: everything else (compliments and neutral public
    mentions). ``notes``: what the scouts who forwarded it wrote; a watch-list term or pattern in
    one leaves the light as the post makes it and sets ``secret_note`` (the note is confidential,
    not the post: :class:`monitor.domain.decide.Router` tells the restricted receivers).
    ``published``: an article of a news feed, printed already; the model signal alone does not
    make it red (a watch-list term still does), a high score asks Legal to look (``doubt_floor``).
    ``org_names``: the organisation's name and brand terms ("a SET SEG adjuster" is an insider).
    """
    reasons: list[str] = []
    hits: list[str] = []
    for wl in cfg.watchlists:
        for label, why in watch_matches(text, wl):
            hits.append(label)
            reasons.append(why)
    # judge H, 2026-12-07: "FYI she teaches at <a customer on the watch-list>, the district we're in
    # arbitration with" reached the whole Marketing & Sales channel as a yellow item's note. The
    # note is what is confidential, not the customer's public words (judge L: made red, the
    # complaint went unanswered): the note is withheld from those not cleared, Legal is told
    secret_note = any(note != text and on_watchlists(note, cfg.watchlists) for note in notes)
    # the model reads posts: a scout's note on a post nobody could read is the employee's account
    # of it, not a disclosure (judge M, 2026-12-06: "a rider posted ... that the tram was speeding
    # before the crash" resembled riders' personal data, 0.78, and the team answering the public saw
    # "text withheld"); watch-lists still make it red, and a high signal still asks Legal to look.
    # A newspaper's article is printed for everyone: hiding it from the team that answers the public
    # contains nothing (judge S, 2026-12-07: a 12% premium rise in the press scored 0.59, went red, and
    # the nine shares of its link, complaints among them, reached Marketing & Sales as "text withheld")
    # A customer threatening to sue is a public grievance the team must answer, not a disclosure:
    # the signal reads lawyers as 'legal matters' (judges P and R, 2026-12-07: "My lawyers will be in
    # touch, SET SEG. You can't keep ignoring this." 0.62 and "... I'm talking to a lawyer." 0.74 went
    # red, hidden from the spokespersons, the threat's reason gone). Read negative with a legal
    # threat, the signal alone does not make it red; an insider's calm "our lawyers file against
    # <a customer> next week" is not read negative and stays red, and watch-lists still make red
    # ... unless it reads as an insider's (judge T, 2026-12-07: "I work at SET SEG and I'm disgusted:
    # legal is quietly paying off the adjuster they fired so she won't testify. See you in court")
    # ... and only in a customer's own voice about their own case (judge W: "SET SEG employee here:
    # our attorney said not to mention the regulator's investigation" scored 0.79 and went yellow)
    insider = _INSIDER.search(text) is not None or any(
        re.search(rf"\b{re.escape(n)}\W+(\w+\W+)?(employee|staff|staffer|adjuster|insider|manager)s?\b", text, re.I)
        for n in org_names if n.strip())
    customer = _CUSTOMER.search(text) is not None or _BUSINESS_CUSTOMER.search(text) is not None
    insider = insider or (_OUR_COUNSEL.search(text) is not None and not customer)
    threat = (sentiment == "negative" and not insider and customer
              and (model_red_score is None or model_red_score < THREAT_CEILING)
              and bool(find_terms(_LINK.sub(" ", text), cfg.yellow.legal_terms, inflected=True)))
    # A customer asking us, or asking whether a rumour is true, claims to know nothing: the question
    # is theirs to be answered, not a disclosure (judge H, 2026-12-07: "There's a rumor SET SEG is
    # getting out of property coverage. Can anyone from SET SEG confirm or deny?" 0.64 and "when will
    # the renewal numbers be out?" 0.62 went red, hidden from the team; "overheard two teachers saying
    # SET SEG denied them too. Is this what they do now?" red by its "overheard"). Not when the post
    # speaks as an insider or says something is not public, nor at a score that reads like a
    # disclosure (THREAT_CEILING); a score from the doubt floor still asks Legal to look.
    scored = cfg.red_model_threshold is not None and model_red_score is not None
    cue = disclosure_cue(text, org_names) if scored and cfg.disclosure_cues else None
    # A post that says where it was printed ("Press release: ...", "announced", "per the Chronicle")
    # and neither speaks as an insider nor says anything is not public is not red by the signal
    # alone: the team that answers the public keeps its text, and Legal are asked to look (its score
    # is over the doubt floor). Judge I, 2026-12-07: "Press release: Lumora Cloud signs a multi-year
    # deal ..." 0.67 went red, hidden from Communications; judge K: a published rate table at 0.88.
    # From THREAT_CEILING only the words of a publication count: "per the board packet" at 0.85 may
    # be an insider's paper, a press release or a published table is not.
    printed = record_words(text) if scored and cfg.disclosure_cues and not insider and cue is None else None
    on_record = printed is not None and ((model_red_score or 0.0) < THREAT_CEILING or _PRINTED.search(printed) is not None)
    asking = (scored and not insider and (model_red_score or 0.0) < THREAT_CEILING
              and (cue is None or cue.hearsay)
              and (asks_us(text, topic_terms, org_names=org_names) or _rumour_question(text) or _GUESS.search(text) is not None))
    # ... and so does a customer telling of their own bad experience, read negative, with no voice of a
    # leak (judge AQ, 2026-12-07: "What it's like waiting 11 weeks on SET SEG for a claim decision"
    # resembled 'code, algorithms and systems' at 0.62 and was hidden from the team that answers it)
    suffered = (bad_situation(_LINK.sub(" ", text), mockery=False)
                if scored and not insider and cue is None and sentiment == "negative"
                and (model_red_score or 0.0) < THREAT_CEILING else None)
    if (
        cfg.red_model_threshold is not None
        and model_red_score is not None
        and model_red_score >= cfg.red_model_threshold
        and not unread_post
        and not published
        and not threat
        and not asking
        and suffered is None
        and not on_record
    ):
        why = model_red_reason or f"confidentiality model score {model_red_score:.2f}"
        # the voice too, where the cues heard one (judge K, 2026-12-07: "haven't been told", "my cousin
        # works in IT at SET SEG" were never named, only the score)
        voice = "" if cue is None else f"; told {cue.told} ({cue.why})"
        reasons.append(f"{why}, at or above the model threshold {cfg.red_model_threshold:.2f}{voice}")
    elif (
        cfg.disclosure_cues
        and cfg.red_model_threshold is not None
        and model_red_score is not None
        and not unread_post
        and not published
        and not threat
        and not asking
        and not reasons
    ):
        # the score reads what a post is about, the cue where it comes from: an insider's
        # second-hand "not announced yet" is red from the doubt floor on, or at any score with both
        why = model_red_reason or f"confidentiality model score {model_red_score:.2f}"
        if cue is not None and cue.strength == 2:
            # a score under the doubt floor says nothing: "resembles 'legal matters' (0.02)" read as
            # noise (judge C, 2026-12-07)
            low = cfg.doubt_floor is not None and model_red_score < cfg.doubt_floor
            what = "someone else's private matters" if "private" in cue.told else "what is not public yet"
            reasons.append(f"an insider's account of {what} ({cue.why})" + ("" if low else f"; {why}"))
        elif cue is not None and cfg.doubt_floor is not None and model_red_score >= cfg.doubt_floor:
            # in words Legal reads (judge D, 2026-12-07: "reads as a leak (...), at or above the doubt floor")
            # (judge L, 2026-12-07: "told as an insider or second-hand ('under seal')")
            reasons.append(f"{why}, told {cue.told} ({cue.why}): red from "
                           f"{cfg.doubt_floor:.2f} for such a post")
    if reasons:
        return Verdict("red", tuple(reasons), tuple(hits), secret_note=secret_note)
    # why a score at or above the threshold did not make it red, where the post's kind does not say
    # it (judge K, 2026-12-07: Legal read "this reads as a customer's legal threat" for a press
    # release and a regulator's published order)
    spared: tuple[str, ...] = ()
    if scored and (model_red_score or 0.0) >= (cfg.red_model_threshold or 0.0) and not threat and (
            asking or printed or suffered):
        spared = (SPARED + (f"it says it is on the record ('{printed}')" if printed
                            else "a question to us, about a rumour or a guess, from someone who claims to know "
                                 "nothing" if asking
                            else f"a customer's bad experience ({_quoted(suffered or '')}), with no voice of a leak"),)
    y = cfg.yellow
    # the words of the post, not of its links: a link's slug ("/claims-denied-...") is a headline's
    # words, not the author's (judge K, 2026-12-06: a compliment went yellow for "denied" in a news
    # link); watch-lists above read the links too (a code name in a leaked file's address)
    text = _LINK.sub(" ", text)
    # a post a scout read and forwarded as a compliment: the person's reading wins over the model's
    # negative one and over complaint words ("got my refund in two days, thank you!"); it still
    # reaches Marketing & Sales (every forward does), and a question or a language the model does
    # not cover is still yellow
    praised = scout_category == "compliment"
    # ... unless the model read it negative and it tells of a bad experience: a colleague read the
    # sarcasm as praise (judge AJ, 2026-12-07: "SET SEG is amazing, only lost my injury claim
    # paperwork twice this year lol", forwarded as a compliment, went to the whole team's kudos)
    misread = (bad_situation(text) if praised and sentiment == "negative" and y.praise_with_complaint else None)
    if misread is not None:
        praised = False
        reasons.append(f"{MISREAD_REASON} (the model read it negative; {_quoted(misread)}): a person reads it")
    if y.negative_sentiment and sentiment == "negative" and (y.uncertain_negative or not uncertain) and not praised:
        reasons.append("negative sentiment (criticism or complaint)" + (" — uncertain" if uncertain else ""))
    # praise around a bad experience is mostly sarcasm: the queue, where a person reads it, not the
    # whole team's kudos channel (a sincere compliment a spokesperson confirms still gets there)
    said = (bad_situation(text, mockery=sentiment == "positive")
            if y.praise_with_complaint and sentiment in ("positive", "neutral") and not praised else None)
    if said is not None and sentiment == "positive":
        reasons.append(f"{SARCASM_REASON} ({_quoted(said)}): may be sarcasm, a person reads it")
    elif said is not None:
        # a complaint told flatly (judge AH, 2026-12-07: "@SETSEG my claim number is 4471, been
        # 'processing' since spring break. no rush" read neutral and was only recorded)
        reasons.append(f"{FLAT_REASON} ({_quoted(said)}): a person reads it")
    # in any of its forms (2026-12-07: "still delaying my claim" missed the term "delayed")
    complaint = [] if praised else [t for t in distinct_terms(text, y.complaint_terms, inflected=True)
                                     if not case_of_another(text, t, org_names)]
    if complaint:
        reasons.append("complaint terms: " + ", ".join(f"'{t}'" for t in complaint))
    # a reporter collecting stories reads as neutral ("DMs open"), yet only a spokesperson answers
    # the press (P2), and the story may be about us whatever its tone
    press = find_terms(text, y.press_terms)
    if press:
        reasons.append("a press enquiry: " + ", ".join(f"'{t}'" for t in press) + " (a spokesperson decides)")
    # judge H, 2026-12-07: "our firm has sent a cease and desist ... they have 10 days" came out green,
    # recorded, and nobody was told; a threat of suit is Legal's business whatever its tone
    legal = [t for t in find_terms(text, y.legal_terms, inflected=True) if not case_of_another(text, t, org_names)]
    if legal:
        reasons.append("a legal threat: " + ", ".join(f"'{t}'" for t in legal) + " (Legal / Compliance hear of it too)")
    question_aside: tuple[str, ...] = ()
    if y.questions:
        # the words the reason quotes (judge AN, 2026-12-07: neither reason said which question it meant)
        asked = [q for q in (question_to_us(text, topic_terms, sentiment=sentiment, org_names=org_names),)
                 if q] or find_terms(text, y.question_terms)
        if asked:
            reasons.append(f"a question that may need an answer: {_quoted(_cut(asked[0]))}")
        elif rhetorical := [q for q in _questions(text) if (sentiment == "positive" and _PRAISE_QUESTION.search(q))
                            or (sentiment != "negative" and _PRAISE_ONLY_QUESTION.search(q))]:
            question_aside = (f"a rhetorical question in praise, not put to us: {_quoted(_cut(rhetorical[0]))}",)
        elif _QUESTION.search(text) is not None:
            first = _asking_sentences(text)
            whose = ("a question the post quotes or answers, not put to us"
                     if _ANSWERED_HERE.search(text) or (first and _QUOTED_QUESTION.search(first[0]))
                     else "a question to the community, not to us")
            question_aside = (whose + (f": {_quoted(_cut(first[0]))}" if first else ""),)
    if y.scout_criticism and scout_category in ("criticism", "question"):
        reasons.append(f"a scout forwarded it as {scout_category}")
    if uncovered_language is not None and not praised:
        # the model did not read it: a person must (when in doubt, do not file it as green); a
        # scout who forwarded it as a compliment read it (judge E: a Spanish compliment forwarded
        # as one never reached kudos)
        reasons.append(f"needs review: language {uncovered_language} is not covered by the sentiment model")
    if impersonating is not None:
        # judge Y, 2026-12-06: "@FronteraCU_Rewards: every member gets a $500 bonus, claim yours at
        # <a look-alike site>" was read as praise and posted to the whole staff's kudos channel
        reasons.append(f"needs review: @{impersonating} is named like one of our accounts but is not one "
                       "(an impersonator or a scam?)")
    if unread_post and not praised and not reasons:
        # nobody has seen the post behind a scout's link: the model read the note or the address
        # (judge B: a bare link became "green: neutral public mention")
        reasons.append("needs review: the post behind the link could not be read (an employee forwarded it)")
    if reasons:
        return Verdict("yellow", (*reasons, *spared), press=bool(press), legal=bool(legal), secret_note=secret_note,
                       complaint=said is not None)
    aside: tuple[str, ...] = (*question_aside, *spared)
    if praised:
        read = f"; the model read it {sentiment}" if sentiment and sentiment != "positive" else ""
        return Verdict("green", (f"compliment (a scout forwarded it as one{read})", *aside), secret_note=secret_note)
    if sentiment == "positive":
        return Verdict("green", ("compliment (positive sentiment)", *aside), secret_note=secret_note)
    return Verdict("green", ("neutral public mention", *aside), secret_note=secret_note)


#: what an account posing as the organisation adds to its name ("setseg_help", "FronteraCU_Rewards")
IMPERSONATION_SUFFIXES = frozenset({
    "support", "help", "helpdesk", "care", "cares", "service", "services", "customerservice", "official",
    "team", "rewards", "reward", "bonus", "promo", "promos", "giveaway", "giveaways", "refund", "refunds",
    "claims", "billing", "verify", "verification", "security", "secure", "soporte", "ayuda", "atencion",
    "oficial", "hq", "info", "desk", "assist", "assistance", "members", "member"})


def _handle_core(handle: str) -> str:
    h = handle.strip().lower().lstrip("@").split("@", 1)[0]
    h = h.removesuffix(".bsky.social")
    return re.sub(r"[^a-z0-9]", "", h)


def impersonation(handle: str, names: Iterable[str]) -> str | None:
    """``handle`` when it is named like the organisation's own accounts or brand (``names``: own
    handles and brand terms) plus an official-sounding word (:data:`IMPERSONATION_SUFFIXES`:
    "fronteracu_support", "SETSEG-Rewards", "help_setseg"), else None. The caller has already
    excluded the organisation's own accounts; a fan's or a watchdog's handle ("setsegwatch") is
    no such name."""
    core = _handle_core(handle)
    stems = {_handle_core(name.replace(" ", "")) for name in names}
    if not core or core in stems:
        return None  # named exactly like one of ours (ours on a platform not configured, maybe)
    for stem in stems:
        if len(stem) < 4:
            continue
        rest = core.removeprefix(stem) if core.startswith(stem) else core.removesuffix(stem) if core.endswith(stem) else None
        if rest and rest in IMPERSONATION_SUFFIXES:
            return handle.strip().lstrip("@")
    return None


def topic_of(text: str, topics: list[Topic]) -> str | None:
    """The first topic whose keyword occurs in ``text``."""
    for t in topics:
        if find_terms(text, t.keywords):
            return t.name
    return None


def reasons_now(light: str, light_reasons: Sequence[str], reasons: Sequence[str]) -> tuple[list[str], list[str]]:
    """An item's reasons as its page shows them: (the reasons that hold now, those superseded).

    Now: the reasons for ``light`` (``light_reasons`` first: an override's line leads), then the
    lines that are about no light (sentiment, priority, routing). Superseded: the reasons for
    another light (a "green: compliment" line of an item overridden or turned red), kept for
    the record but not listed as why the item is ``light``."""
    lights = ("green", "yellow", "red")
    now = [r for r in light_reasons if r.startswith(f"{light}:")]
    earlier = [r for r in light_reasons if not r.startswith(f"{light}:")]
    for r in reasons:
        if r in now or r in earlier:
            continue
        head = r.split(":", 1)[0]
        # a routing line of the light it had ("to marketing-sales via route.routes[3]
        # (light=\"yellow\")") is how it was routed then, not why it is what it is now
        routed_as = next((x for x in lights if f'light="{x}"' in r), None) if r.startswith("to ") else None
        stale = (head in lights and head != light) or (routed_as is not None and routed_as != light)
        (earlier if stale else now).append(r)
    return now, earlier


def watch_terms(watchlists: list[WatchList]) -> list[str]:
    """Every watched term (for redaction of red items in broad channels)."""
    return [t for wl in watchlists for t in wl.terms]


# ---- red handling and overrides (P2, P4) -----------------------------------------------------


def can_offer_template(light: Light) -> bool:
    """Whether a pre-approved public reply may be offered: never for red items (P4)."""
    return light in ("green", "yellow")


def templates_for(
    light: Light, sentiment: Sentiment | None, topic: str | None, templates: list[ReplyTemplate]
) -> list[ReplyTemplate]:
    """The reply templates a spokesperson may be offered for an item (none for red)."""
    if not can_offer_template(light):
        return []
    return [
        t
        for t in templates
        if (not t.for_sentiment or (sentiment or "neutral") in t.for_sentiment)
        and (not t.topics or (topic is not None and topic in t.topics))
    ]


def redact_for_broad(text: str, *, light: Light, restricted: bool, link: str = "", source: str = "") -> str:
    """The text a receiver may show for an item.

    A restricted receiver (Legal / Compliance) and non-red items get ``text`` unchanged. For a
    red item in any other (broad) channel only a notice remains: that a red item exists and
    where the restricted queue has it; neither the text nor the watch-list term that matched
    (a code name is itself confidential).
    """
    if light != "red" or restricted:
        return text
    where = f" on {source}" if source else ""
    tail = f": {link}" if link else ""
    return f"A red (confidential) mention{where} is waiting for Legal / Compliance in the restricted queue{tail}"


def redact_reasons(reasons: list[str], *, light: Light, restricted: bool) -> list[str]:
    """Decision reasons fit for a receiver: red reasons name watch-list terms or what a post
    resembles, so broad channels get one generic line instead of them."""
    if light != "red" or restricted:
        return list(reasons)
    red = [r for r in reasons if r.startswith("red:")]
    kept = [r for r in reasons if not r.startswith("red:")]
    if red and not any("watch-list" in r for r in red):
        return ["red: the confidentiality model flagged it (details in the restricted queue)", *kept]
    return ["red: matched a confidential watch-list (details in the restricted queue)", *kept]


@dataclass(frozen=True)
class LightOverride:
    """The outcome of a spokesperson's light override; the caller writes it to ``QueueItem``
    (``light``, ``light_reasons``, ``light_overridden_by``) and ``details`` to an ``AuditEvent``
    with ``action="override-light"``."""

    light: Light
    reasons: tuple[str, ...]
    overridden_by: str
    details: dict[str, str]


def override_light(current: str, new: str, *, by: str, reason: str, is_spokesperson: bool) -> LightOverride:
    """Validate and describe a light override (P4: only a spokesperson, always with a reason).

    ``current`` and ``new`` are plain strings (a stored item's light, a form field): ``new`` is
    checked here and becomes the override's :data:`~monitor.vocab.Light`.

    Raises:
        PermissionError: ``by`` is not a designated spokesperson.
        ValueError: unknown light, no reason given, or the light does not change.
    """
    if not is_spokesperson:
        raise PermissionError(f"{by} is not a designated spokesperson; only spokespersons override a light")
    light = as_light(new)  # ValueError: unknown light (one of green, yellow, red)
    if not reason.strip():
        raise ValueError("an override needs a reason")
    if light == current:
        raise ValueError(f"the light is already {current}")
    why = f"overridden from {current} to {light} by {by}: {reason.strip()}"
    return LightOverride(light, (why,), by, {"from": current, "to": light, "reason": reason.strip()})
