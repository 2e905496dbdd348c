"""Helpers shared by the classifier back ends: languages, uncertainty, softmax."""

from __future__ import annotations

import math
from collections.abc import Sequence

from monitor.sentiment.base import LABELS, Classification, Label


def primary_language(lang: str | None) -> str | None:
    """``en-US`` -> ``en``; None or empty -> None (unknown)."""
    if not lang or not lang.strip():
        return None
    return lang.strip().replace("_", "-").split("-")[0].lower()


def is_supported(lang: str | None, languages: Sequence[str]) -> bool:
    """True when the language is unknown or one the model covers."""
    primary = primary_language(lang)
    if primary is None:
        return True
    return primary in {p for p in (primary_language(x) for x in languages) if p}


def check_langs(texts: Sequence[str], langs: Sequence[str | None] | None) -> list[str | None]:
    """``langs`` as a list the length of ``texts`` (all unknown when None)."""
    if langs is None:
        return [None] * len(texts)
    if len(langs) != len(texts):
        raise ValueError(f"{len(texts)} texts but {len(langs)} languages")
    return list(langs)


def unsupported(model_id: str) -> Classification:
    """The result for a text in a language the model does not cover: marked, not guessed."""
    return Classification(
        label="neutral",
        score=0.0,
        scores=dict.fromkeys(LABELS, 0.0),
        model_id=model_id,
        uncertain=False,
        supported=False,
    )


def from_scores(scores: dict[str, float], model_id: str, uncertain_below: float) -> Classification:
    """Build a :class:`Classification` from per-class probabilities (keys in :data:`LABELS`)."""
    label: Label = max(LABELS, key=lambda name: scores.get(name, 0.0))
    score = float(scores.get(label, 0.0))
    return Classification(
        label=label,
        score=score,
        scores={name: float(scores.get(name, 0.0)) for name in LABELS},
        model_id=model_id,
        uncertain=score < uncertain_below,
        supported=True,
    )


def softmax(logits: Sequence[float]) -> list[float]:
    """Numerically stable softmax of one row."""
    top = max(logits)
    exps = [math.exp(x - top) for x in logits]
    total = sum(exps)
    return [e / total for e in exps]
