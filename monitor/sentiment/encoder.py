"""The embeddings the confidentiality scorer (:mod:`monitor.sentiment.confidential`) reads: the
sentence encoder over an int8 ONNX MiniLM-L6 (the sentiment ``model.onnx``'s ``embedding``
output, or ``encoder.onnx``) and the sentiment model's trained disclosure head.
:mod:`monitor.sentiment.confidential` re-exports these names.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from monitor.errors import ClassifierError
from monitor.sentiment.text import normalize

ENCODER_PATH = Path(__file__).resolve().parent / "model" / "model.onnx"  # its "embedding" output
CATEGORY_ENCODER_PATH = Path(__file__).resolve().parent / "model" / "encoder.onnx"
TOKENIZER_PATH = Path(__file__).resolve().parent / "model" / "tokenizer.json"


@dataclass(frozen=True, slots=True)
class DisclosureHead:
    """The sentiment model's trained disclosure head (``config.json`` ``disclosure_head``):
    P(disclosure) = sigmoid(scale * w . e + b) on the L2-normalised ``embedding`` e.

    Trained with the polarity and irony heads in one pass (``scout sentiment train``) on the
    project-written disclosure set (``trainset/disclosure.tsv``), ``confidential.tsv``'s ``fit``
    split, and every polarity tweet and brand post as an ordinary post."""

    w: np.ndarray
    b: float
    scale: float

    def prob(self, emb: np.ndarray) -> np.ndarray:
        """P(disclosure) per row of L2-normalised embeddings."""
        z = self.scale * (emb.astype(np.float64) @ self.w) + self.b
        p: np.ndarray = 1.0 / (1.0 + np.exp(-z))
        return p


def read_disclosure_head(model_dir: Path) -> DisclosureHead | None:
    """The disclosure head of the model folder ``model_dir``, or None when it has none."""
    import json

    try:
        raw = json.loads((model_dir / "config.json").read_text(encoding="utf-8")).get("disclosure_head")
    except (OSError, ValueError):
        return None
    if not raw:
        return None
    try:
        return DisclosureHead(np.asarray(raw["w"], dtype=np.float64), float(raw["b"]), float(raw["scale"]))
    except (KeyError, TypeError, ValueError) as exc:
        raise ClassifierError(f"bad disclosure_head in {model_dir / 'config.json'}: {exc}") from exc


class TextEncoder(Protocol):
    """Texts in, L2-normalised embeddings out (rows in input order)."""

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


def _per_text(folder: Path) -> bool:
    """Whether the model folder's ``config.json`` asks for one text per pass (``per_text``: a
    dynamically quantized graph, whose activations are scaled per pass; see
    ``monitor.sentiment.onnx_model``). False without a readable config."""
    try:
        return bool(json.loads((folder / "config.json").read_text(encoding="utf-8")).get("per_text", False))
    except (OSError, ValueError, AttributeError):
        return False


class OnnxSentenceEncoder:
    """An int8 ONNX mean-pooled MiniLM-L6 encoder, L2-normalised output.

    ``output`` names the graph output holding the mean-pooled states: ``embedding`` both for
    the sentiment ``model.onnx`` (the default) and for ``encoder.onnx`` written by
    ``scout sentiment export-encoder`` (the plain all-MiniLM-L6-v2 sentence encoder).
    """

    def __init__(
        self,
        model_path: str | Path = ENCODER_PATH,
        tokenizer_path: str | Path = TOKENIZER_PATH,
        *,
        threads: int = 2,
        max_length: int = 128,
        batch_size: int = 64,
        output: str = "embedding",
    ) -> None:
        self.model_path = Path(model_path)
        self.tokenizer_path = Path(tokenizer_path)
        self.threads = threads
        self.max_length = max_length
        self.batch_size = batch_size
        self.output = output
        self._session: Any = None
        self._tokenizer: Any = None
        self._inputs: list[str] = []
        self._lock = threading.Lock()
        self._per_text = False

    def load(self) -> OnnxSentenceEncoder:
        """Load the tokenizer and the ONNX session (idempotent); ClassifierError on failure."""
        with self._lock:
            if self._session is not None:
                return self
            for p in (self.model_path, self.tokenizer_path):
                if not p.is_file():
                    raise ClassifierError(
                        f"the sentence encoder needs {p} (the sentiment model folder, or "
                        "`scout sentiment export-encoder` for encoder.onnx)"
                    )
            try:
                import onnxruntime as ort
                from tokenizers import Tokenizer

                tokenizer = Tokenizer.from_file(str(self.tokenizer_path))
                tokenizer.no_padding()
                tokenizer.enable_truncation(max_length=self.max_length)
                opts = ort.SessionOptions()
                opts.intra_op_num_threads = self.threads
                opts.inter_op_num_threads = 1
                opts.log_severity_level = 3
                session = ort.InferenceSession(str(self.model_path), opts, providers=["CPUExecutionProvider"])
            except Exception as exc:
                raise ClassifierError(f"cannot load the sentence encoder {self.model_path}: {exc}") from exc
            self._inputs = [i.name for i in session.get_inputs()]
            self._tokenizer = tokenizer
            self._session = session
            self._per_text = _per_text(self.model_path.parent)
            return self

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """L2-normalised embeddings, one row per text, input order."""
        self.load()
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        enc = self._tokenizer.encode_batch([normalize(t) for t in texts])
        order = sorted(range(len(texts)), key=lambda i: len(enc[i].ids))
        out: np.ndarray | None = None
        step = 1 if self._per_text else self.batch_size  # as the classifier: no batch changes a row
        for start in range(0, len(order), step):
            idx = order[start : start + step]
            width = max(len(enc[i].ids) for i in idx)
            ids = np.zeros((len(idx), width), dtype=np.int64)
            mask = np.zeros((len(idx), width), dtype=np.int64)
            for row, i in enumerate(idx):
                ids[row, : len(enc[i].ids)] = enc[i].ids
                mask[row, : len(enc[i].ids)] = 1
            feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
            try:
                (emb,) = self._session.run([self.output], {k: feeds[k] for k in self._inputs})
            except Exception as exc:
                raise ClassifierError(f"the sentence encoder failed: {exc}") from exc
            emb = np.asarray(emb, dtype=np.float32)
            if out is None:
                out = np.zeros((len(texts), emb.shape[1]), dtype=np.float32)
            out[idx] = emb
        assert out is not None
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        normalised: np.ndarray = out / np.maximum(norms, 1e-9)
        return normalised
