"""Helpers shared by the classifier back ends: languages, uncertainty, softmax."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

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


def classify_supported(
    texts: Sequence[str],
    langs: Sequence[str | None] | None,
    languages: Sequence[str],
    model_id: str,
    run: Callable[[list[str]], list[Classification]],
) -> tuple[list[Classification], list[int]]:
    """The skeleton every back end's ``classify`` shares.

    Checks ``langs``, marks texts in languages outside ``languages`` as :func:`unsupported`, and
    calls ``run`` once with the other texts (never with an empty list), which must return one
    :class:`Classification` per text it was given. Returns the results in input order and the
    indices that were run (a back end that computes more per text, such as embeddings, places its
    rows by them).
    """
    lang_list = check_langs(texts, langs)
    keep = [i for i, lang in enumerate(lang_list) if is_supported(lang, languages)]
    results: list[Classification] = [unsupported(model_id)] * len(texts)
    if keep:
        got = run([texts[i] for i in keep])
        if len(got) != len(keep):
            raise ValueError(f"the back end returned {len(got)} results for {len(keep)} texts")
        for i, c in zip(keep, got, strict=True):
            results[i] = c
    return results, keep
