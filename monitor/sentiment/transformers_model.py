"""Any Hugging Face sequence classifier (hub id or local folder) through ``transformers.pipeline``.

Needs the ``[torch]`` extra. Imports torch and transformers only when the model loads.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from monitor.errors import ClassifierError
from monitor.sentiment._common import check_langs, classify_supported, from_scores
from monitor.sentiment.base import LABELS, Classification, Label
from monitor.sentiment.text import normalize

_PREFIXES: dict[str, Label] = {"neg": "negative", "neu": "neutral", "pos": "positive"}


def map_label(name: str, n_labels: int) -> Label:
    """Map a model's label name to one of :data:`LABELS`.

    Accepts ``negative``/``NEG``/``Negative``…, and ``LABEL_0..2`` for three-class models
    (order negative, neutral, positive, as in the cardiffnlp Twitter models).
    """
    low = name.strip().lower()
    for prefix, label in _PREFIXES.items():
        if low.startswith(prefix):
            return label
    if low.startswith("label_") and n_labels == 3 and low[6:].isdigit() and int(low[6:]) < 3:
        return LABELS[int(low[6:])]
    raise ClassifierError(f"cannot map the model label {name!r} to one of {', '.join(LABELS)}")


class TransformersClassifier:
    """Sentiment with ``transformers.pipeline("text-classification")`` on CPU.

    The constructor does no I/O; :meth:`load` (or the first :meth:`classify`) loads the model.
    A hub id that is not in the local cache fails with a :class:`ClassifierError` that says so
    when the machine is offline.
    """

    def __init__(
        self,
        model: str | Path,
        *,
        batch_size: int = 32,
        max_length: int = 128,
        threads: int = 2,
        uncertain_below: float = 0.55,
        languages: Sequence[str] = ("en",),
    ) -> None:
        self.model = str(model)
        self.model_id = f"hf:{self.model}"
        self.batch_size = batch_size
        self.max_length = max_length
        self.threads = threads
        self.uncertain_below = uncertain_below
        self.languages = tuple(languages)
        self._pipe: Any = None
        self._labels: dict[str, Label] = {}
        self._lock = threading.Lock()

    def load(self) -> TransformersClassifier:
        """Load the pipeline now (idempotent); ClassifierError when it cannot be loaded."""
        with self._lock:
            if self._pipe is not None:
                return self
            try:
                import torch
                from transformers import pipeline
                from transformers.utils import logging as hf_logging
            except ImportError as exc:
                raise ClassifierError(
                    f"the model {self.model!r} needs PyTorch and transformers (pip install "
                    f"'brand-scout[torch]'); only 'builtin' and 'lexicon' run without them ({exc})"
                ) from exc
            hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
            torch.set_num_threads(self.threads)
            try:
                pipe = pipeline("text-classification", model=self.model, tokenizer=self.model, device="cpu")
            except Exception as exc:
                local = Path(self.model).is_dir()
                hint = (
                    "the folder does not hold a loadable model"
                    if local
                    else "it is neither a local folder nor in the Hugging Face cache; without internet "
                    "(or with HF_HUB_OFFLINE=1) a hub id only loads once it has been downloaded"
                )
                raise ClassifierError(
                    f"cannot load the sentiment model {self.model!r}: {hint} ({exc})"
                ) from exc
            id2label = getattr(pipe.model.config, "id2label", {}) or {}
            names = [str(v) for v in id2label.values()]
            self._labels = {n: map_label(n, len(names)) for n in names}
            self._pipe = pipe
            return self

    def classify(
        self, texts: Sequence[str], langs: Sequence[str | None] | None = None
    ) -> list[Classification]:
        """One :class:`Classification` per text, in input order."""
        check_langs(texts, langs)
        self.load()
        return classify_supported(texts, langs, self.languages, self.model_id, self._run)[0]

    def _run(self, texts: list[str]) -> list[Classification]:
        try:
            raw = self._pipe(
                [normalize(t) or " " for t in texts],
                batch_size=self.batch_size,
                truncation=True,
                max_length=self.max_length,
                top_k=None,
            )
        except Exception as exc:
            raise ClassifierError(f"the sentiment model {self.model!r} failed: {exc}") from exc
        out: list[Classification] = []
        for row in raw:
            items = row if isinstance(row, list) else [row]
            scores: dict[str, float] = dict.fromkeys(LABELS, 0.0)
            for item in items:
                scores[self._labels[str(item["label"])]] += float(item["score"])
            out.append(from_scores(scores, self.model_id, self.uncertain_below))
        return out
