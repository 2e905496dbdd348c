"""The shipped default: a fine-tuned MiniLM-L6 run with ONNX Runtime and ``tokenizers``.

This module must not import torch or transformers: the default runtime works without them.

Besides the polarity ``logits`` a model folder may declare, in ``config.json``:

* ``temperature`` (default 1): logits are divided by it before the softmax (temperature
  scaling fitted on the validation split by ``scout sentiment train``), so that a score of 0.7
  is right about 70% of the time and ``uncertain_below`` means what it says;
* ``irony``: ``{"output": "irony_logits", "threshold": t}``, a second head giving the
  probability ``p`` that the text is ironic. **Irony rule** (:func:`combine_irony`): when the
  polarity is positive and ``p >= t``, the share ``p`` of the positive probability moves to
  negative (``neg += pos * p``, ``pos -= pos * p``); the result is ``ironic=True``. Praise-shaped
  complaints ("Great, they lost my paperwork again. Love it.") thus come out negative, while a
  sincere compliment (low ``p``) is left alone. Neutral and negative texts are never changed.
* ``per_text`` (default false): run each text in its own pass. A dynamically quantized graph
  scales its activations once per pass (per tensor), so in a batch a post's reading depends on
  the posts beside it: with the shipped model 4% of the sample's texts changed label between
  their batch and alone, a probability by up to 0.82. One text per pass reads each post the
  same in any company, at about 0.6 times the throughput.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from monitor.errors import ClassifierError
from monitor.sentiment._common import check_langs, classify_supported, from_scores
from monitor.sentiment.base import LABELS, Classification
from monitor.sentiment.text import normalize

BUILTIN_MODEL_DIR = Path(__file__).resolve().parent / "model"
MODEL_FILE = "model.onnx"
TOKENIZER_FILE = "tokenizer.json"
CONFIG_FILE = "config.json"
EMBEDDING_OUTPUT = "embedding"  # mean-pooled token states (the confidentiality signal's input)


@dataclass(frozen=True, slots=True)
class ModelInfo:
    """What ``config.json`` in a model folder says about the model."""

    model_id: str
    labels: tuple[str, ...]
    train_max_length: int
    preprocess: str
    languages: tuple[str, ...]
    temperature: float = 1.0
    irony_output: str | None = None
    irony_threshold: float = 0.5
    per_text: bool = False

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
        irony = raw.get("irony") or {}
        try:
            temperature = float(raw.get("temperature", 1.0))
            irony_threshold = float(irony.get("threshold", 0.5))
        except (TypeError, ValueError, AttributeError) as exc:
            raise ClassifierError(f"bad temperature or irony settings in {path}: {exc}") from exc
        if temperature <= 0:
            raise ClassifierError(f"temperature in {path} must be positive, not {temperature}")
        return cls(
            model_id=str(raw.get("model_id", model_dir.name)),
            labels=labels,
            train_max_length=int(raw.get("max_length", 128)),
            preprocess=str(raw.get("preprocess", "")),
            languages=tuple(raw.get("languages", ["en"])),
            temperature=temperature,
            irony_output=str(irony["output"]) if irony.get("output") else None,
            irony_threshold=irony_threshold,
            per_text=bool(raw.get("per_text", False)),
        )


def combine_irony(probs: np.ndarray, irony: np.ndarray, threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """Apply the irony rule (module docstring) to rows of probabilities in :data:`LABELS` order.

    Returns (new probabilities, mask of the rows changed). Rows sum to 1 before and after.
    """
    neg, pos = LABELS.index("negative"), LABELS.index("positive")
    out = probs.astype(np.float32, copy=True)
    moved = (out.argmax(axis=1) == pos) & (irony >= threshold)
    shift = out[:, pos] * irony * moved
    out[:, neg] += shift
    out[:, pos] -= shift
    return out, moved


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
        self._output_names: list[str] = []
        self._order: list[int] = []
        self._info: ModelInfo | None = None
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
                raise ClassifierError(f"onnxruntime and tokenizers are needed for the ONNX model: {exc}") from exc
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
            self._output_names = [o.name for o in session.get_outputs()]
            self._order = [info.labels.index(name) for name in LABELS]
            if self.model_id == f"onnx:{self.model_dir.name}":
                self.model_id = info.model_id
            self._info = info
            self._tokenizer = tokenizer
            self._session = session
            return self

    @property
    def info(self) -> ModelInfo:
        """The model's ``config.json`` (loads the model)."""
        self.load()
        assert self._info is not None
        return self._info

    def logits(self, texts: Sequence[str]) -> np.ndarray:
        """Raw logits (rows in input order, columns in :data:`LABELS` order)."""
        return self.outputs(texts)[0]

    @property
    def has_embedding(self) -> bool:
        """Whether the graph has an ``embedding`` output (mean-pooled states; loads the model)."""
        self.load()
        return EMBEDDING_OUTPUT in self._output_names

    def outputs(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray | None]:
        """(polarity logits in :data:`LABELS` order, irony probabilities or None), input order."""
        logits, irony, _ = self._run(texts, embedding=False)
        return logits, irony

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """L2-normalised ``embedding`` rows, input order (a ``TextEncoder`` for the confidentiality
        scorer, so that it needs no second session of the same model)."""
        emb = self._run(texts, embedding=True)[2]
        assert emb is not None
        return emb

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Same as :meth:`embed` (the ``TextEncoder`` protocol of ``monitor.sentiment.confidential``)."""
        return self.embed(texts)

    def _run(
        self, texts: Sequence[str], *, embedding: bool
    ) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
        """Logits, irony probabilities (or None) and, with ``embedding``, the L2-normalised
        ``embedding`` rows: all from one pass of the graph, input order."""
        self.load()
        info = self.info
        if embedding and EMBEDDING_OUTPUT not in self._output_names:
            raise ClassifierError(f"the sentiment model {self.model_dir} has no {EMBEDDING_OUTPUT!r} output")
        out = np.zeros((len(texts), len(LABELS)), dtype=np.float32)
        irony = np.zeros(len(texts), dtype=np.float32) if info.irony_output else None
        emb: np.ndarray | None = None
        names = ["logits", info.irony_output] if info.irony_output else ["logits"]
        if embedding:
            names.append(EMBEDDING_OUTPUT)
        if not texts:
            return out, irony, np.zeros((0, 0), dtype=np.float32) if embedding else None
        try:
            encodings = self._tokenizer.encode_batch([normalize(t) for t in texts])
        except Exception as exc:
            raise ClassifierError(f"tokenizer failed: {exc}") from exc
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
        step = 1 if info.per_text else self.batch_size  # a text's reading never depends on its batch
        for start in range(0, len(order), step):
            idx = order[start : start + step]
            width = max(len(encodings[i].ids) for i in idx)
            ids = np.zeros((len(idx), width), dtype=np.int64)
            mask = np.zeros((len(idx), width), dtype=np.int64)
            for row, i in enumerate(idx):
                seq = encodings[i].ids
                ids[row, : len(seq)] = seq
                mask[row, : len(seq)] = 1
            feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
            try:
                results = self._session.run(names, {k: feeds[k] for k in self._input_names})
            except Exception as exc:
                raise ClassifierError(f"the ONNX sentiment model failed: {exc}") from exc
            out[idx] = np.asarray(results[0], dtype=np.float32)[:, self._order]
            if irony is not None:
                il = np.asarray(results[1], dtype=np.float32)
                irony[idx] = 1.0 / (1.0 + np.exp(il[:, 0] - il[:, 1]))
            if embedding:
                e = np.asarray(results[-1], dtype=np.float32)
                if emb is None:
                    emb = np.zeros((len(texts), e.shape[1]), dtype=np.float32)
                emb[idx] = e
        if emb is not None:
            emb = emb / np.maximum(np.linalg.norm(emb, axis=1, keepdims=True), 1e-9)
        return out, irony, emb

    def probabilities(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
        """(final probabilities after temperature and irony rule, irony or None, rows the rule moved)."""
        logits, irony = self.outputs(texts)
        return self._final(logits, irony)

    def _final(self, logits: np.ndarray, irony: np.ndarray | None) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
        scaled = logits / self.info.temperature
        shifted = scaled - scaled.max(axis=1, keepdims=True)
        probs = np.exp(shifted)
        probs /= probs.sum(axis=1, keepdims=True)
        moved = np.zeros(len(logits), dtype=bool)
        if irony is not None:
            probs, moved = combine_irony(probs, irony, self.info.irony_threshold)
        return probs, irony, moved

    def classify(self, texts: Sequence[str], langs: Sequence[str | None] | None = None) -> list[Classification]:
        """One :class:`Classification` per text, in input order (see :class:`Classifier`)."""
        return self.classify_and_embed(texts, langs, embedding=False)[0]

    def classify_and_embed(
        self, texts: Sequence[str], langs: Sequence[str | None] | None = None, *, embedding: bool = True
    ) -> tuple[list[Classification], np.ndarray | None]:
        """:meth:`classify` and, from the same pass, the L2-normalised ``embedding`` of each text
        (rows of texts in a language the model does not cover are zeros); None without ``embedding``."""
        check_langs(texts, langs)
        self.load()
        embedded: list[np.ndarray] = []

        def run(kept: list[str]) -> list[Classification]:
            logits, irony_raw, emb = self._run(kept, embedding=embedding)
            probs, irony, moved = self._final(logits, irony_raw)
            if emb is not None:
                embedded.append(emb)
            out: list[Classification] = []
            for row in range(len(kept)):
                scores: dict[str, float] = {name: float(probs[row, j]) for j, name in enumerate(LABELS)}
                c = from_scores(scores, self.model_id, self.uncertain_below)
                if irony is not None:
                    c = replace(c, irony=float(irony[row]), ironic=bool(moved[row]))
                out.append(c)
            return out

        results, keep = classify_supported(texts, langs, self.languages, self.model_id, run)
        if not embedding:
            return results, None
        if not embedded:
            return results, np.zeros((len(texts), 0), dtype=np.float32)
        emb_all = np.zeros((len(texts), embedded[0].shape[1]), dtype=np.float32)
        emb_all[keep] = embedded[0]
        return results, emb_all
