"""VADER lexicon classifier: a baseline and a fast stand-in for the pipeline benchmark."""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence
from typing import Any

from monitor.errors import ClassifierError
from monitor.sentiment._common import check_langs, classify_supported, from_scores
from monitor.sentiment.base import LABELS, Classification

# VADER's usual thresholds on the compound score: >= 0.05 positive, <= -0.05 negative.
_THRESHOLD = 0.05
_SHARPNESS = 20.0


def compound_scores(compound: float) -> dict[str, float]:
    """Turn VADER's compound score (-1..1) into three class probabilities.

    Logits ``k * (-c, 2t - |c|, c)`` with ``t = 0.05`` make the most likely class agree with
    VADER's standard thresholds, and the probability grow with ``|c|`` away from them.
    """
    c = max(-1.0, min(1.0, compound))
    logits = [-_SHARPNESS * c, _SHARPNESS * (2 * _THRESHOLD - abs(c)), _SHARPNESS * c]
    top = max(logits)
    exps = [math.exp(x - top) for x in logits]
    total = sum(exps)
    return {name: e / total for name, e in zip(LABELS, exps, strict=True)}


class LexiconClassifier:
    """VADER (``vaderSentiment``), English only; no model files, loads in milliseconds."""

    def __init__(self, *, uncertain_below: float = 0.55, languages: Sequence[str] = ("en",)) -> None:
        self.model_id = "vader"
        self.uncertain_below = uncertain_below
        self.languages = tuple(languages)
        self._analyzer: Any = None
        self._lock = threading.Lock()

    def load(self) -> LexiconClassifier:
        """Build the VADER analyser now (idempotent)."""
        with self._lock:
            if self._analyzer is None:
                try:
                    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer
                except ImportError as exc:  # pragma: no cover - core dependency
                    raise ClassifierError(f"vadersentiment is not installed: {exc}") from exc
                self._analyzer = SentimentIntensityAnalyzer()
        return self

    def classify(
        self, texts: Sequence[str], langs: Sequence[str | None] | None = None
    ) -> list[Classification]:
        """One :class:`Classification` per text, in input order."""
        check_langs(texts, langs)
        self.load()
        return classify_supported(texts, langs, self.languages, self.model_id, self._run)[0]

    def _run(self, texts: list[str]) -> list[Classification]:
        return [
            from_scores(compound_scores(float(self._analyzer.polarity_scores(t)["compound"])),
                        self.model_id, self.uncertain_below)
            for t in texts
        ]
