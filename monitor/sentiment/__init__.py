"""Sentiment of mentions: the shipped ONNX model, a VADER lexicon, or any Hugging Face model.

``build_classifier(cfg)`` picks the back end from ``SentimentConfig.model``:

* ``builtin``: the fine-tuned MiniLM-L6 in ``monitor/sentiment/model`` (ONNX Runtime, no torch);
* ``lexicon`` (or ``vader``): VADER;
* a folder holding ``model.onnx``: that ONNX model folder;
* anything else: a Hugging Face id or local folder through ``transformers.pipeline``
  (needs the ``[torch]`` extra).

Nothing heavy happens when a classifier is built; the model loads on first use or ``load()``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from monitor.sentiment.base import LABELS, Classification, Classifier, Label
from monitor.sentiment.lexicon import LexiconClassifier
from monitor.sentiment.onnx_model import BUILTIN_MODEL_DIR, OnnxClassifier
from monitor.sentiment.transformers_model import TransformersClassifier

if TYPE_CHECKING:
    from monitor.config.sentiment import SentimentConfig

__all__ = [
    "BUILTIN_MODEL_DIR",
    "LABELS",
    "Classification",
    "Classifier",
    "Label",
    "LexiconClassifier",
    "OnnxClassifier",
    "TransformersClassifier",
    "build_classifier",
]

LEXICON_NAMES = frozenset({"lexicon", "vader"})


def build_classifier(cfg: SentimentConfig) -> OnnxClassifier | LexiconClassifier | TransformersClassifier:
    """The classifier ``cfg`` asks for, not yet loaded (see the module docstring)."""
    name = cfg.model.strip()
    languages = tuple(cfg.languages)
    if name.lower() in LEXICON_NAMES:
        return LexiconClassifier(uncertain_below=cfg.uncertain_below, languages=languages)
    folder = BUILTIN_MODEL_DIR if name.lower() == "builtin" else Path(name).expanduser()
    if (folder / "model.onnx").is_file() or name.lower() == "builtin":
        return OnnxClassifier(
            folder,
            batch_size=cfg.batch_size,
            max_length=cfg.max_length,
            threads=cfg.threads,
            uncertain_below=cfg.uncertain_below,
            languages=languages,
        )
    return TransformersClassifier(
        name,
        batch_size=cfg.batch_size,
        max_length=cfg.max_length,
        threads=cfg.threads,
        uncertain_below=cfg.uncertain_below,
        languages=languages,
    )
