"""Fakes at the ports, typed like production code (no patching)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from monitor.delivery.notifiers.base import Outbound, RecordingNotifier
from monitor.sentiment.base import Classification

_POS = re.compile(r"\b(love|great|thanks|thank you|awesome|excellent|kudos|fantastic|helpful)\b", re.I)
_NEG = re.compile(r"\b(hate|broken|terrible|awful|worst|down|outage|refund|angry|scam|denied)\b", re.I)


class KeywordClassifier:
    """A deterministic classifier for pipeline tests: keyword lists, fixed scores."""

    model_id = "test-keywords"

    def __init__(self) -> None:
        self.calls: list[int] = []

    def classify(self, texts: Sequence[str], langs: Sequence[str | None] | None = None) -> list[Classification]:
        self.calls.append(len(texts))
        out = []
        for i, t in enumerate(texts):
            lang = (langs[i] if langs else None) or "en"
            if not lang.lower().startswith("en"):  # like the shipped model: English only, marked
                out.append(Classification("neutral", 0.0, dict.fromkeys(("negative", "neutral", "positive"), 0.0),
                                          self.model_id, supported=False))
                continue
            if _NEG.search(t):
                label, score = "negative", 0.9
            elif _POS.search(t):
                label, score = "positive", 0.9
            else:
                label, score = "neutral", 0.8
            scores = {k: (score if k == label else (1 - score) / 2) for k in ("negative", "neutral", "positive")}
            out.append(Classification(label, score, scores, self.model_id))  # type: ignore[arg-type]
        return out


class CrashingNotifier(RecordingNotifier):
    """Delivers, then raises as if the process died before recording the delivery."""

    def __init__(self) -> None:
        super().__init__()
        self.crash_next = True

    def send(self, msg: Outbound) -> str | None:
        ref = super().send(msg)
        if self.crash_next:
            self.crash_next = False
            raise KeyboardInterrupt("simulated crash after the send")
        return ref


__all__ = ["CrashingNotifier", "KeywordClassifier", "RecordingNotifier"]
