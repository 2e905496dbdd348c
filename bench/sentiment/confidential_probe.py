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

    python -m bench.sentiment.confidential_probe [--config config/example.yaml] [--show] [--heldout-1206]

``--heldout-1206`` scores ``bench/sentiment/data/confidential_heldout_1206.tsv`` instead (40
disclosures of eight kinds, 40 public posts on the same topics; a reviewer's, 2026-12-06; its
header says how it was used).

Prints disclosures made red and public posts made red per threshold for the scorer the product
builds from the config (``ConfidentialityScorer.from_config``), then what the light makes red with
the config as it is (the score at its threshold, and the disclosure cues), and with ``--show``
every post with its score.
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
HELDOUT_1206 = Path(__file__).resolve().parent / "data" / "confidential_heldout_1206.tsv"
THRESHOLDS = (0.3, 0.4, 0.5, 0.55, 0.6, 0.65, 0.7, 0.8, 0.9)


def _rows(data: Path) -> list[tuple[str, str]]:
    """(label, text) of the probe (id, label, text) or of the 2026-12-06 set (label, kind, text)."""
    if data == HELDOUT_1206:
        return [(y, t) for y, _, t in project_rows(data, 3, {0: ("disclosure", "public")})]
    return [(y, t) for _, y, t in project_rows(data, 3, {1: ("disclosure", "public")})]


def figures(config: Path = ROOT / "config" / "example.yaml", data: Path = DATA) -> list[dict[str, float]]:
    """Per threshold: disclosures made red (of 40) and public posts made red (of 40)."""
    rows = _rows(data)
    scorer = ConfidentialityScorer.from_config(load_config(config, env={}).policy.light)
    signals = scorer.score([t for _, t in rows])
    return threshold_table([s.score for s in signals], [int(y == "disclosure") for y, _ in rows], THRESHOLDS)


def with_cues(config: Path = ROOT / "config" / "example.yaml", data: Path = DATA) -> dict[str, int]:
    """Disclosures and public posts the light makes red with the config as it is: the score at
    ``red_model_threshold`` and, with ``disclosure_cues``, a post that speaks as an insider or says
    it is not public from ``doubt_floor`` (``monitor.domain.light.evaluate``, no sentiment read)."""
    from monitor.domain.light import evaluate

    cfg = load_config(config, env={})
    light = cfg.policy.light
    rows = _rows(data)
    signals = ConfidentialityScorer.from_config(light).score([t for _, t in rows])
    names = (cfg.organisation.name, *cfg.organisation.brand_terms)
    red = [evaluate(t, sentiment=None, uncertain=False, cfg=light, model_red_score=sig.score,
                    model_red_reason=sig.explain(), org_names=names).light == "red"
           for (_, t), sig in zip(rows, signals, strict=True)]
    return {"reds_caught": sum(r for r, (y, _) in zip(red, rows, strict=True) if y == "disclosure"),
            "false_reds": sum(r for r, (y, _) in zip(red, rows, strict=True) if y != "disclosure"),
            "disclosures": sum(y == "disclosure" for y, _ in rows), "public_posts": sum(y != "disclosure" for y, _ in rows)}


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--config", type=Path, default=ROOT / "config" / "example.yaml")
    ap.add_argument("--show", action="store_true", help="every post with its score")
    ap.add_argument("--heldout-1206", action="store_true", help="score confidential_heldout_1206.tsv instead")
    args = ap.parse_args(argv)
    data = HELDOUT_1206 if args.heldout_1206 else DATA
    for row in figures(args.config, data):
        print(f"threshold {row['threshold']:.2f}: disclosures red {int(row['reds_caught'])}/40, "
              f"public posts red {int(row['false_reds'])}/{int(row['public_posts'])}")
    cued = with_cues(args.config, data)
    print(f"the light with the config (threshold, disclosure cues from the doubt floor): disclosures red "
          f"{cued['reds_caught']}/{cued['disclosures']}, public posts red {cued['false_reds']}/{cued['public_posts']}")
    if args.show:
        rows = _rows(data)
        scorer = ConfidentialityScorer.from_config(load_config(args.config, env={}).policy.light)
        for n, ((label, text), sig) in enumerate(zip(rows, scorer.score([t for _, t in rows]), strict=True), 1):
            print(f"{n:03d} {label:10} {sig.score:.2f} {sig.category} | {text[:100]}")


if __name__ == "__main__":
    main()
