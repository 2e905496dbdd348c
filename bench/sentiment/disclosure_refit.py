"""Experiment: refit the disclosure head on the shipped encoder's frozen embeddings with longer posts.

``scout sentiment train`` trains the disclosure head with the polarity and irony heads in one pass
on short, one-sentence disclosures (``trainset/disclosure.tsv``); longer posts in which one
sentence discloses something among ordinary chatter read as ordinary (MODEL_CARD.md, "seen
wrong"). This bench keeps the encoder as it is and refits only the head (384 weights and a bias,
logistic regression, seconds on a CPU) on more varied posts, then compares the shipped head and
the refit one, each alone and averaged with the config head as the product does, on:

- ``bench/sentiment/data/disclosure_long_probe.tsv``: 10 long disclosures and 10 long ordinary
  posts written before any fit (evaluation only);
- ``confidential.tsv``'s held-out ``test`` split (15 + 15 short posts);
- the bundled sample's English mentions expected green or yellow (false reds).

The refit head is fitted on ``trainset/disclosure.tsv`` and ``trainset/disclosure_long.tsv`` (each
split 80/20 per kind with the training run's seed; the 20% are never fitted), ``confidential.tsv``'s
``fit`` split, and as ordinary posts every brand post, the built-in public examples and
``--tweets`` SemEval training tweets (``../shared/data``; the held-out test file is never read).
Disclosures are repeated so that both classes weigh the same. Nothing is written::

    python -m bench.sentiment.disclosure_refit --data ../shared/data/semeval-tweets
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from monitor.config import load_config
from monitor.sentiment.confidential import (
    L2,
    PUBLIC_EXAMPLES,
    TRAINSET,
    ConfidentialityScorer,
    read_trainset,
    train_head,
)
from monitor.sentiment.encoder import DisclosureHead, OnnxSentenceEncoder
from monitor.sentiment.onnx_model import BUILTIN_MODEL_DIR
from monitor.sentiment.train_setup import Aux, TrainSettings, disclosure_examples, read_brand

ROOT = Path(__file__).resolve().parents[2]
TRAINSET_DIR = ROOT / "monitor" / "sentiment" / "trainset"
PROBE = Path(__file__).resolve().parent / "data" / "disclosure_long_probe.tsv"
SAMPLE = ROOT / "monitor" / "sample" / "mentions.jsonl"
SETS = ("disclosure.tsv", "disclosure_long.tsv")


def _split(name: str, seed: int, with_confidential: bool) -> tuple[list[Aux], list[Aux], list[Aux]]:
    s = TrainSettings(data_dir=Path("."), output_dir=Path("."), seed=seed, disclosure_file=TRAINSET_DIR / name,
                      confidential_file=TRAINSET if with_confidential else None)
    return disclosure_examples(s, lambda _m: None)


def tweets(data_dir: Path | None, n: int, seed: int) -> list[str]:
    """``n`` tweets drawn with ``seed`` from the SemEval training files (never the held-out test)."""
    if data_dir is None or n <= 0:
        return []
    texts = []
    for path in sorted(data_dir.glob("*.tsv")):
        if path.name == "twitter-2016test-A.tsv":
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            parts = line.split("\t")
            if len(parts) >= 3 and parts[2].strip():
                texts.append(parts[2].strip())
    random.Random(seed).shuffle(texts)
    return texts[:n]


def fit(x: np.ndarray, y: np.ndarray, l2: float) -> np.ndarray:
    """Weights (last = bias) of the class-balanced head: each disclosure counts n_ordinary / n_disclosure
    times (by repetition of the rows in the Newton fit's averages)."""
    pos, neg = int(y.sum()), int(len(y) - y.sum())
    reps = max(1, round(neg / max(pos, 1)))
    xb = np.vstack([x, *([x[y == 1]] * (reps - 1))])
    yb = np.concatenate([y, np.ones(pos * (reps - 1))])
    return train_head(xb, yb, l2)


def rates(p: np.ndarray, y: np.ndarray, threshold: float) -> str:
    """``caught/positives, false/negatives`` at ``threshold``."""
    hit = p >= threshold
    return f"{int((hit & (y == 1)).sum())}/{int(y.sum())} caught, {int((hit & (y == 0)).sum())}/{int((y == 0).sum())} false"


def compare(enc: OnnxSentenceEncoder, w: np.ndarray, threshold: float) -> None:
    """The shipped head against the refit one (alone and averaged with the config head) on the
    probe, ``confidential.tsv``'s test split and the sample's non-red English mentions."""
    cfg = load_config(ROOT / "config" / "example.yaml", env={})
    probe = [line.split("\t", 1) for line in PROBE.read_text(encoding="utf-8").splitlines()
             if line.strip() and not line.startswith("#")]
    py, ptexts = np.asarray([int(f) for f, _ in probe]), [t for _, t in probe]
    test = [(t, f) for split, f, t in read_trainset() if split == "test"]
    ty, ttexts = np.asarray([f for _, f in test]), [t for t, _ in test]
    sample = [json.loads(line) for line in SAMPLE.read_text(encoding="utf-8").splitlines() if line.strip()]
    stexts = [d["text"] for d in sample if (d.get("lang") or "en") == "en" and d["expected"]["light"] != "red"]
    refit = DisclosureHead(w[:-1], float(w[-1]), 1.0)
    for name, head in (("shipped head", "auto"), ("refit head", refit)):
        for combine in ("head", "mean"):
            sc = ConfidentialityScorer(list(cfg.policy.light.confidential_categories), encoder=enc,
                                       disclosure_head=head, combine=combine).load()
            p, t, s = ([x.score for x in sc.score(texts)] for texts in (ptexts, ttexts, stexts))
            for th in (threshold, 0.8, 0.9, 0.95):
                say(f"{name}, {'alone' if combine == 'head' else 'mean with the config head'}, {th:.2f}: "
                    f"probe {rates(np.asarray(p), py, th)}; confidential test {rates(np.asarray(t), ty, th)}; "
                    f"sample: {int((np.asarray(s) >= th).sum())}/{len(stexts)} false reds")


def say(line: str) -> None:
    """One line of the report on stdout."""
    sys.stdout.write(line + "\n")


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", type=Path, default=BUILTIN_MODEL_DIR, help="model folder (default: the shipped one)")
    ap.add_argument("--data", type=Path, default=None, help="SemEval folder for ordinary tweets")
    ap.add_argument("--tweets", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--l2", type=float, default=L2)
    ap.add_argument("--threshold", type=float, default=0.7)
    a = ap.parse_args(argv)

    enc = OnnxSentenceEncoder(a.model / "model.onnx", a.model / "tokenizer.json")
    train: list[tuple[str, int]] = []
    val: dict[str, list[tuple[str, int]]] = {}
    test: list[tuple[str, int]] = []
    for k, name in enumerate(SETS):
        tr, va, te = _split(name, a.seed, with_confidential=k == 0)
        train += [(r.text, int(r.disclosure or 0)) for r in tr]
        val[name] = [(r.text, int(r.disclosure or 0)) for r in va]
        test += [(r.text, int(r.disclosure or 0)) for r in te]
    ordinary = [aux.text for _, aux in read_brand(TRAINSET_DIR / "brand.tsv")] + list(PUBLIC_EXAMPLES)
    ordinary += tweets(a.data, a.tweets, a.seed)
    train += [(t, 0) for t in ordinary]
    x = enc.encode([t for t, _ in train])
    y = np.asarray([f for _, f in train], dtype=np.float64)
    w = fit(x, y, a.l2)
    say(f"fitted on {len(train)} posts ({int(y.sum())} disclosures), l2 {a.l2}")

    def prob(texts: list[str]) -> np.ndarray:
        z = enc.encode(texts).astype(np.float64) @ w[:-1] + w[-1]
        out: np.ndarray = 1.0 / (1.0 + np.exp(-z))
        return out

    for name, rows in [*val.items(), ("confidential.tsv test", test)]:
        p = prob([t for t, _ in rows])
        say(f"head alone, {name} (held out): {rates(p, np.asarray([f for _, f in rows]), a.threshold)}")
    compare(enc, w, a.threshold)


if __name__ == "__main__":
    main()
