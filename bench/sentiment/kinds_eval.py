"""Per-kind counts of a held-out brand set written as ``kind<TAB>label<TAB>text``.

Default: ``bench/sentiment/data/brand_holdout_1204.tsv`` (200 posts about SET SEG written on
2026-12-04 before that day's training run, never trained or tuned on: 40 sarcastic complaints,
40 plain complaints, 40 sincere compliments, 30 good news about bad things, 50 neutral). Prints,
per kind, how many posts the model reads as their label and what it read instead, then the
macro-recall over the three labels.

    python -m bench.sentiment.kinds_eval [--file FILE] [MODEL_DIR]
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter, defaultdict
from pathlib import Path

from monitor.sentiment import OnnxClassifier
from monitor.sentiment.base import LABELS
from monitor.sentiment.data import project_rows

DATA = Path(__file__).resolve().parent / "data" / "brand_holdout_1204.tsv"


def figures(path: Path = DATA, model_dir: Path | None = None) -> dict[str, object]:
    """``{"kinds": {kind: {"label", "right", "n", "read"}}, "macro_recall"}`` for the set at ``path``."""
    rows = project_rows(path, 3, {1: LABELS})
    clf = OnnxClassifier(model_dir, max_length=128)
    out = clf.classify([text for _, _, text in rows])
    kinds: dict[str, dict[str, object]] = {}
    read: dict[str, Counter[str]] = defaultdict(Counter)
    per_label: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for (kind, label, _), c in zip(rows, out, strict=True):
        read[kind][c.label] += 1
        per_label[label][0] += c.label == label
        per_label[label][1] += 1
        kinds.setdefault(kind, {"label": label})
    for kind, info in kinds.items():
        counts = read[kind]
        info.update(right=counts[str(info["label"])], n=sum(counts.values()), read=dict(counts))
    recalls = [right / n for right, n in per_label.values() if n]
    return {"kinds": kinds, "macro_recall": round(sum(recalls) / len(recalls), 4)}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--file", type=Path, default=DATA)
    ap.add_argument("model_dir", type=Path, nargs="?", default=None)
    args = ap.parse_args(argv)
    fig = figures(args.file, args.model_dir)
    kinds = fig["kinds"]
    assert isinstance(kinds, dict)
    for kind, info in kinds.items():
        sys.stdout.write(f"{kind:22} {info['label']:8} right {info['right']}/{info['n']}  read {info['read']}\n")
    sys.stdout.write(f"macro-recall {fig['macro_recall']}\n")


if __name__ == "__main__":
    main()
