"""Held-out brand posts: per-group counts, macro-recall and per-class precision/recall.

Runs the shipped (or given) model on ``bench/sentiment/data/brand_holdout.tsv``, a
project-written held-out set of 120 social posts (tweets, @-replies, Reddit, Hacker News and
Mastodon comments, headlines). It is never trained or tuned on; it only measures. A helper
session of this project wrote every post by hand, independently of the sample mentions and the
training data, on 2026-12-03 (before that day's retrain). About two thirds mention SET SEG
(also written @SETSEG, SETSEG, "Set Seg"); the rest mention other companies. Id ranges:

- h001-h025 sarcastic complaints (negative): praise wording around a bad experience;
- h026-h040 plain complaints (negative), some with intense but sincere words;
- h041-h050 critical-but-fair or mixed posts that lean negative (negative);
- h051-h070 sincere compliments and thanks (positive), understated ones and fixed problems;
- h071-h080 good news about bad things (positive): fewer injuries, backlog cleared;
- h081-h120 neutral: questions, announcements, factual news, job posts, events, statistics.

    python -m bench.sentiment.holdout_eval [MODEL_DIR]
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from monitor.sentiment import OnnxClassifier
from monitor.sentiment.base import LABELS
from monitor.sentiment.data import read_tsv
from monitor.sentiment.metrics import EvalReport, evaluate

DATA = Path(__file__).resolve().parent / "data" / "brand_holdout.tsv"
GROUPS: dict[str, range] = {
    "sarcastic complaints": range(1, 26),
    "plain complaints": range(26, 41),
    "critical, leaning negative": range(41, 51),
    "sincere compliments": range(51, 71),
    "good news about bad things": range(71, 81),
    "neutral": range(81, 121),
}


@dataclass(frozen=True)
class HoldoutFigures:
    """What one model reads on the held-out set: per group ``(name, predicted labels, right)``
    and the overall figures, and the model folder read."""

    groups: list[tuple[str, list[str], int]]
    report: EvalReport
    model_dir: Path


def figures(model_dir: str | None = None) -> HoldoutFigures:
    """Run the shipped model (or the one in ``model_dir``) on the held-out set."""
    clf = OnnxClassifier(model_dir)
    ds = read_tsv([DATA])
    got = clf.classify([e.text for e in ds.examples])
    by_id = {int(e.id[1:]): (e.label, c.label) for e, c in zip(ds.examples, got, strict=True)}
    groups: list[tuple[str, list[str], int]] = [
        (name, [str(by_id[i][1]) for i in ids], sum(1 for i in ids if by_id[i][0] == by_id[i][1]))
        for name, ids in GROUPS.items()
    ]
    report = evaluate([g for g, _ in by_id.values()], [p for _, p in by_id.values()])
    return HoldoutFigures(groups, report, clf.model_dir)


def main() -> None:
    f = figures(sys.argv[1] if len(sys.argv) > 1 else None)
    # the folder measured, so that a figure is never read as another model's (the shipped one unless given)
    sys.stdout.write(f"model folder {f.model_dir}\n")
    for name, predicted, right in f.groups:
        sys.stdout.write(
            f"{name:<28} {len(predicted):>3} posts: positive {predicted.count('positive'):>2}, "
            f"negative {predicted.count('negative'):>2}, neutral {predicted.count('neutral'):>2}; "
            f"right {right}/{len(predicted)}\n"
        )
    report = f.report
    n = sum(len(p) for _, p, _ in f.groups)
    sys.stdout.write(f"\n{n} posts, macro-recall {report.macro_recall:.4f}, accuracy {report.accuracy:.4f}\n")
    sys.stdout.write(f"{'class':<10} {'precision':>9} {'recall':>9} {'support':>8}\n")
    for label in LABELS:
        c = report.per_class[label]
        sys.stdout.write(f"{label:<10} {c.precision:>9.4f} {c.recall:>9.4f} {c.support:>8}\n")


if __name__ == "__main__":
    main()
