"""The traffic light (POLICY P4), pure: a mention's text and metadata in, a light and its
reasons out."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from monitor.config.policy import LightConfig, Topic, WatchList

LIGHTS = ("green", "yellow", "red")

# Simple inflections: plural and possessive forms of a watched term still match
# ("Project Falcon's", "Falcons"), without matching inside other words ("Falconry").
_SUFFIX = r"(?:'s|’s|s|es|')?"


@lru_cache(maxsize=4096)
def term_pattern(term: str, case_sensitive: bool = False) -> re.Pattern[str]:
    """A word-boundary pattern for ``term`` that tolerates runs of whitespace/hyphens and
    simple inflections; ``#ProjectFalcon`` style hashtags match too."""
    words = [re.escape(w) for w in re.split(r"[\s\-_]+", term.strip()) if w]
    body = r"[\s\-_]*".join(words)
    flags = 0 if case_sensitive else re.IGNORECASE
    return re.compile(rf"(?<![\w]){body}{_SUFFIX}(?![\w])", flags)


def find_terms(text: str, terms: list[str], case_sensitive: bool = False) -> list[str]:
    """The watched ``terms`` that occur in ``text``."""
    return [t for t in terms if term_pattern(t, case_sensitive).search(text)]


@dataclass(frozen=True)
class Verdict:
    """A light and the reasons for it, in words a person understands."""

    light: str
    reasons: tuple[str, ...]
    watch_hits: tuple[str, ...] = ()


_QUESTION = re.compile(r"\?\s*($|\W)|\b(how do i|how can i|can anyone|does anyone|is there a way|who do i)\b", re.I)


def evaluate(text: str, *, sentiment: str | None, uncertain: bool, cfg: LightConfig,
             scout_category: str | None = None, model_red_score: float | None = None) -> Verdict:
    """Decide the light of one mention.

    Red: a watch-list term (confidential matters) or a model signal above the threshold.
    Yellow: criticism (negative sentiment, complaint terms, a scout's "criticism"), questions
    that need a decision. Green: everything else (compliments and neutral public mentions).
    """
    reasons: list[str] = []
    hits: list[str] = []
    for wl in cfg.watchlists:
        for term in find_terms(text, wl.terms, wl.case_sensitive):
            hits.append(term)
            reasons.append(f"matched the {wl.kind} watch-list term '{term}' ({wl.name})")
    if cfg.red_model_threshold is not None and model_red_score is not None and model_red_score >= cfg.red_model_threshold:
        reasons.append(f"confidentiality model score {model_red_score:.2f} >= {cfg.red_model_threshold:.2f}")
    if reasons:
        return Verdict("red", tuple(reasons), tuple(hits))
    y = cfg.yellow
    if y.negative_sentiment and sentiment == "negative":
        reasons.append("negative sentiment (criticism or complaint)" + (" — uncertain" if uncertain else ""))
    complaint = find_terms(text, y.complaint_terms)
    if complaint:
        reasons.append("complaint terms: " + ", ".join(f"'{t}'" for t in complaint))
    if y.questions and (_QUESTION.search(text) or find_terms(text, y.question_terms)):
        reasons.append("a question that may need an answer")
    if y.scout_criticism and scout_category in ("criticism", "question"):
        reasons.append(f"a scout forwarded it as {scout_category}")
    if reasons:
        return Verdict("yellow", tuple(reasons))
    if sentiment == "positive":
        return Verdict("green", ("compliment (positive sentiment)",))
    return Verdict("green", ("neutral public mention",))


def topic_of(text: str, topics: list[Topic]) -> str | None:
    """The first topic whose keyword occurs in ``text``."""
    for t in topics:
        if find_terms(text, t.keywords):
            return t.name
    return None


def watch_terms(watchlists: list[WatchList]) -> list[str]:
    """Every watched term (for redaction of red items in broad channels)."""
    return [t for wl in watchlists for t in wl.terms]
