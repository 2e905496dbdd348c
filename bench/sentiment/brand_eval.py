"""Brand challenge counts: sarcastic complaints read as positive, compliments kept positive.

Runs the shipped (or given) model on ``bench/sentiment/data/brand_challenge.tsv``, a
project-written held-out set (never trained or tuned on): c01-c20 sarcastic complaints about
SET SEG, c21-c28 sincere compliments, c29-c32 good news about bad things, c33-c38 neutral,
c39-c40 plain complaints.

    python -m bench.sentiment.brand_eval [MODEL_DIR]
"""

from __future__ import annotations

import sys
from pathlib import Path

from monitor.sentiment import OnnxClassifier
from monitor.sentiment.data import read_tsv

DATA = Path(__file__).resolve().parent / "data" / "brand_challenge.tsv"
GROUPS = {
    "sarcastic complaints": range(1, 21),
    "sincere compliments": range(21, 29),
    "good news about bad things": range(29, 33),
    "neutral": range(33, 39),
    "plain complaints": range(39, 41),
}


def main() -> None:
    clf = OnnxClassifier(sys.argv[1] if len(sys.argv) > 1 else None)
    ds = read_tsv([DATA])
    # the folder measured, so that a figure is never read as another model's (the shipped one unless given)
    sys.stdout.write(f"model folder {clf.model_dir}\n")
    got = clf.classify([e.text for e in ds.examples])
    by_id = {int(e.id[1:]): (e, c) for e, c in zip(ds.examples, got, strict=True)}
    for name, ids in GROUPS.items():
        labels = [by_id[i][1].label for i in ids]
        right = sum(1 for i in ids if by_id[i][1].label == by_id[i][0].label)
        ironic = sum(1 for i in ids if by_id[i][1].ironic)
        sys.stdout.write(
            f"{name:<28} {len(labels):>3} posts: positive {labels.count('positive'):>2}, "
            f"negative {labels.count('negative'):>2}, neutral {labels.count('neutral'):>2}; "
            f"right {right}/{len(labels)}; irony rule applied {ironic}\n"
        )


if __name__ == "__main__":
    main()
