"""Held-out probe of the confidentiality signal (P4 red without a watch-list term).

``bench/sentiment/data/confidential_probe.tsv``: 40 disclosures of what SET SEG keeps
confidential (8 per category of ``config/example.yaml``: unreleased products and prices;
customer, partner and supplier dealings; code, algorithms and systems; internal documents and
plans; legal matters) and 40 public posts about SET SEG that must not be red (announced rate
changes, public board meetings, published audits, lawsuits from public court filings, press
releases, job posts, complaints, questions). A helper session of this project wrote them on
2026-12-03 from the category descriptions only, in varied voices (insiders, contractors, "my
cousin who works there", throwaway accounts, screenshots, questions that reveal the secret) and
lengths (about a quarter are long posts where the disclosure sits among ordinary chatter), with
no watch-list term, without reading the training data or the sample. Never trained or tuned on.

    python -m bench.sentiment.confidential_probe [--config config/example.yaml] [--show]

Prints disclosures made red and public posts made red per threshold for the scorer the product
builds from the config (``ConfidentialityScorer.from_config``), and with ``--show`` every post
with its score.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from monitor.config import load_config
from monitor.sentiment.confidential import ConfidentialityScorer, threshold_table
from monitor.sentiment.data import project_rows

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(__file__).resolve().parent / "data" / "confidential_probe.tsv"
THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.65, 0.7, 0.8, 0.9)


def figures(config: Path = ROOT / "config" / "example.yaml") -> list[dict[str, float]]:
    """Per threshold: disclosures made red (of 40) and public posts made red (of 40)."""
    rows = project_rows(DATA, 3, {1: ("disclosure", "public")})
    scorer = ConfidentialityScorer.from_config(load_config(config, env={}).policy.light)
    signals = scorer.score([t for _, _, t in rows])
    return threshold_table([s.score for s in signals], [int(y == "disclosure") for _, y, _ in rows], THRESHOLDS)


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--config", type=Path, default=ROOT / "config" / "example.yaml")
    ap.add_argument("--show", action="store_true", help="every post with its score")
    args = ap.parse_args(argv)
    for row in figures(args.config):
        print(f"threshold {row['threshold']:.2f}: disclosures red {int(row['reds_caught'])}/40, "
              f"public posts red {int(row['false_reds'])}/{int(row['public_posts'])}")
    if args.show:
        rows = project_rows(DATA, 3, {1: ("disclosure", "public")})
        scorer = ConfidentialityScorer.from_config(load_config(args.config, env={}).policy.light)
        for (pid, label, text), sig in zip(rows, scorer.score([t for _, _, t in rows]), strict=True):
            print(f"{pid} {label:10} {sig.score:.2f} {text[:100]}")


if __name__ == "__main__":
    main()
