"""The classifier port: texts in, one :class:`Classification` per text out, in order."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from monitor.vocab import SENTIMENTS, Sentiment

#: A sentiment label: the domain's :data:`monitor.vocab.Sentiment`.
Label = Sentiment
LABELS: tuple[Label, ...] = SENTIMENTS


@dataclass(frozen=True, slots=True)
class Classification:
    """The sentiment of one text.

    ``label`` is the most likely class and ``score`` its probability; ``scores`` holds all three.
    ``uncertain`` is set when ``score`` is below the configured band. ``supported`` is False for
    a language the model does not cover: then the label is ``neutral`` with score 0 and the
    mention is marked, not silently scored. ``irony`` is the model's probability that the text
    is ironic or sarcastic, where the model has an irony head (None otherwise); when it moved the
    label (praise-shaped complaint read as negative), ``ironic`` is True.
    """

    label: Label
    score: float
    scores: dict[str, float] = field(default_factory=dict)
    model_id: str = ""
    uncertain: bool = False
    supported: bool = True
    irony: float | None = None
    ironic: bool = False


class Classifier(Protocol):
    """Anything that tags texts with sentiment."""

    model_id: str

    def classify(self, texts: Sequence[str], langs: Sequence[str | None] | None = None) -> list[Classification]:
        """Return one :class:`Classification` per text, in input order.

        ``langs`` (same length, ``None`` = unknown) lets the classifier mark languages it does
        not cover. Raises ``ClassifierError`` when the model cannot run.
        """
        ...
