"""The shipped default: a fine-tuned MiniLM-L6 run with ONNX Runtime and ``tokenizers``.

This module must not import torch or transformers: the default runtime works without them.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from monitor.errors import ClassifierError
from monitor.sentiment._common import check_langs, from_scores, is_supported, unsupported
from monitor.sentiment.base import LABELS, Classification
from monitor.sentiment.text import normalize

BUILTIN_MODEL_DIR = Path(__file__).resolve().parent / "model"
MODEL_FILE = "model.onnx"
TOKENIZER_FILE = "tokenizer.json"
CONFIG_FILE = "config.json"


@dataclass(frozen=True, slots=True)
class ModelInfo:
    """What ``config.json`` in a model folder says about the model."""

    model_id: str
    labels: tuple[str, ...]
    train_max_length: int
    preprocess: str
    languages: tuple[str, ...]

    @classmethod
    def read(cls, model_dir: Path) -> ModelInfo:
        """Read ``config.json``; ClassifierError when missing or malformed."""
        path = model_dir / CONFIG_FILE
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            labels = tuple(str(x) for x in raw["labels"])
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ClassifierError(f"cannot read the model config {path}: {exc}") from exc
        if sorted(labels) != sorted(LABELS):
            raise ClassifierError(f"model labels {labels} in {path} are not {LABELS}")
        return cls(
            model_id=str(raw.get("model_id", model_dir.name)),
            labels=labels,
            train_max_length=int(raw.get("max_length", 128)),
            preprocess=str(raw.get("preprocess", "")),
            languages=tuple(raw.get("languages", ["en"])),
        )


class OnnxClassifier:
    """Sentiment with an ONNX model folder (``model.onnx``, ``tokenizer.json``, ``config.json``).

    The constructor does no I/O; the model loads on first use or on :meth:`load`. Texts are
    normalised (handles, links), truncated to ``max_length`` tokens, sorted by length and run in
    batches of ``batch_size`` padded to the longest text of the batch (length bucketing), then
    returned in input order.
    """

    def __init__(
        self,
        model_dir: str | Path | None = None,
        *,
        batch_size: int = 64,
        max_length: int = 128,
        threads: int = 2,
        uncertain_below: float = 0.55,
        languages: Sequence[str] = ("en",),
        model_id: str | None = None,
    ) -> None:
        self.model_dir = Path(model_dir) if model_dir is not None else BUILTIN_MODEL_DIR
        self.batch_size = batch_size
        self.max_length = max_length
        self.threads = threads
        self.uncertain_below = uncertain_below
        self.languages = tuple(languages)
        self.model_id = model_id or f"onnx:{self.model_dir.name}"
        self._session: Any = None
        self._tokenizer: Any = None
        self._input_names: list[str] = []
        self._order: list[int] = []
        self._lock = threading.Lock()

    @property
    def loaded(self) -> bool:
        """Whether the model is in memory."""
        return self._session is not None

    def load(self) -> OnnxClassifier:
        """Load the tokenizer and the ONNX session now (idempotent); ClassifierError on failure."""
        with self._lock:
            if self._session is not None:
                return self
            model_path = self.model_dir / MODEL_FILE
            tok_path = self.model_dir / TOKENIZER_FILE
            for p in (model_path, tok_path):
                if not p.is_file():
                    raise ClassifierError(f"the sentiment model folder {self.model_dir} has no {p.name}")
            info = ModelInfo.read(self.model_dir)
            try:
                import onnxruntime as ort
                from tokenizers import Tokenizer
            except ImportError as exc:  # pragma: no cover - core dependencies
                raise ClassifierError(
                    f"onnxruntime and tokenizers are needed for the ONNX model: {exc}"
                ) from exc
            try:
                tokenizer = Tokenizer.from_file(str(tok_path))
                tokenizer.no_padding()
                tokenizer.enable_truncation(max_length=min(self.max_length, 512))
                opts = ort.SessionOptions()
                opts.intra_op_num_threads = self.threads
                opts.inter_op_num_threads = 1
                opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
                opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
                opts.log_severity_level = 3
                session = ort.InferenceSession(str(model_path), opts, providers=["CPUExecutionProvider"])
            except Exception as exc:
                raise ClassifierError(f"cannot load the ONNX sentiment model {model_path}: {exc}") from exc
            self._input_names = [i.name for i in session.get_inputs()]
            self._order = [info.labels.index(name) for name in LABELS]
            if self.model_id == f"onnx:{self.model_dir.name}":
                self.model_id = info.model_id
            self._tokenizer = tokenizer
            self._session = session
            return self

    def logits(self, texts: Sequence[str]) -> np.ndarray:
        """Raw logits (rows in input order, columns in :data:`LABELS` order)."""
        self.load()
        out = np.zeros((len(texts), len(LABELS)), dtype=np.float32)
        if not texts:
            return out
        try:
            encodings = self._tokenizer.encode_batch([normalize(t) for t in texts])
        except Exception as exc:
            raise ClassifierError(f"tokenizer failed: {exc}") from exc
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
        for start in range(0, len(order), self.batch_size):
            idx = order[start : start + self.batch_size]
            width = max(len(encodings[i].ids) for i in idx)
            ids = np.zeros((len(idx), width), dtype=np.int64)
            mask = np.zeros((len(idx), width), dtype=np.int64)
            for row, i in enumerate(idx):
                seq = encodings[i].ids
                ids[row, : len(seq)] = seq
                mask[row, : len(seq)] = 1
            feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
            try:
                (batch_logits,) = self._session.run(["logits"], {k: feeds[k] for k in self._input_names})
            except Exception as exc:
                raise ClassifierError(f"the ONNX sentiment model failed: {exc}") from exc
            out[idx] = np.asarray(batch_logits, dtype=np.float32)[:, self._order]
        return out

    def classify(
        self, texts: Sequence[str], langs: Sequence[str | None] | None = None
    ) -> list[Classification]:
        """One :class:`Classification` per text, in input order (see :class:`Classifier`)."""
        lang_list = check_langs(texts, langs)
        self.load()
        keep = [i for i, lang in enumerate(lang_list) if is_supported(lang, self.languages)]
        results: list[Classification] = [unsupported(self.model_id)] * len(texts)
        if keep:
            logits = self.logits([texts[i] for i in keep])
            shifted = logits - logits.max(axis=1, keepdims=True)
            probs = np.exp(shifted)
            probs /= probs.sum(axis=1, keepdims=True)
            for row, i in enumerate(keep):
                scores: dict[str, float] = {name: float(probs[row, j]) for j, name in enumerate(LABELS)}
                results[i] = from_scores(scores, self.model_id, self.uncertain_below)
        return results
