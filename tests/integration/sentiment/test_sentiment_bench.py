"""The sentiment benchmark's arithmetic and a very short run (ONNX only)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def bench(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.syspath_prepend(str(ROOT))
    from bench.sentiment import run

    return run


def test_bert_flops(bench) -> None:  # type: ignore[no-untyped-def]
    # MiniLM-L6 on 32 tokens: 6 * (4*32*384^2 + 2*32*384*1536 + 2*32^2*384) MACs plus the head.
    macs = 6 * (4 * 32 * 384**2 + 2 * 32 * 384 * 1536 + 2 * 32**2 * 384) + 384 * 384 + 384 * 3
    assert bench.bert_flops(32) == pytest.approx(2 * macs)
    assert bench.bert_flops(128) > 4 * bench.bert_flops(32)


def test_short_run_writes_result_and_card(bench, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "result.json"
    card = tmp_path / "MODEL_CARD.md"
    card.write_text("# Card\n\n## Limits\n- English only.\n")
    args = ["--n-short", "64", "--n-long", "4", "--repeats", "1", "--skip-pipeline", "--out", str(out)]
    result = bench.main([*args, "--card", str(card)])
    saved = json.loads(out.read_text())
    assert saved["onnx"]["short"]["texts"] == 64 and saved["onnx"]["long"]["texts"] == 4
    assert saved["onnx"]["load_s"] > 0 and saved["onnx"]["peak_rss_mb"] > 0
    assert saved["matmul"]["flops_per_s"] > 0 and saved["efficiency"]["short"] > 0
    assert saved["ratio_vs_pipeline"] is None and result["pipeline"] is None
    text = card.read_text()
    assert text.index("## Speed (bench/sentiment)") < text.index("## Limits")
    bench.update_card(card, result)
    assert card.read_text().count("## Speed") == 1


def test_held_out_brand_set_with_the_shipped_model(monkeypatch: pytest.MonkeyPatch) -> None:
    """``bench/sentiment/data/brand_holdout.tsv`` (120 project-written brand posts, written before
    the retrains of 2026-12-03 and never trained or tuned on) read by the shipped model: the
    figures of MODEL_CARD.md, thresholds that only go up."""
    monkeypatch.syspath_prepend(str(ROOT))
    from bench.sentiment import holdout_eval

    rows = [line.split("\t") for line in holdout_eval.DATA.read_text(encoding="utf-8").splitlines()]
    assert [r[0] for r in rows] == [f"h{i:03d}" for i in range(1, 121)] and all(len(r) == 3 for r in rows)
    f = holdout_eval.figures()
    right = {name: r for name, _, r in f.groups}
    assert sum(len(p) for _, p, _ in f.groups) == 120
    assert f.report.macro_recall >= 0.83
    assert right["sarcastic complaints"] >= 16 and right["sincere compliments"] >= 17
    # neutral 35, not 36, since each post is read in its own pass (per_text, 2026-12-04): the
    # 36th was right only with the posts it happened to be batched with
    assert right["plain complaints"] >= 14 and right["neutral"] >= 35


def test_confidentiality_probe_with_the_shipped_scorer(monkeypatch: pytest.MonkeyPatch) -> None:
    """``bench/sentiment/data/confidential_probe.tsv`` (40 disclosures without a watch-list term in
    varied voices and lengths, 40 public posts about SET SEG; written 2026-12-03, never trained
    or tuned on) scored as the product scores them: the figures of MODEL_CARD.md at the example
    config's ``red_model_threshold`` (0.55 since 2026-12-06, with the second head on
    ``encoder.onnx``: 28 of 40 and 1 of 40; one head at 0.65: 26 and 1): floors that only go up
    (disclosures made red), ceilings that only go down (public posts made red)."""
    monkeypatch.syspath_prepend(str(ROOT))
    from bench.sentiment import confidential_probe
    from monitor.config import load_config

    rows = [line.split("\t") for line in confidential_probe.DATA.read_text(encoding="utf-8").splitlines()]
    assert [r[0] for r in rows] == [f"p{i:03d}" for i in range(1, 81)]
    assert sorted(r[1] for r in rows) == ["disclosure"] * 40 + ["public"] * 40
    assert load_config(ROOT / "config" / "example.yaml", env={}).policy.light.red_model_threshold == 0.55
    at = {row["threshold"]: row for row in confidential_probe.figures()}
    # 28 and 1 measured on an AMD EPYC (AVX2); a disclosure or a public post near the threshold may
    # round the other way on another CPU
    assert at[0.55]["reds_caught"] >= 26 and at[0.55]["false_reds"] <= 2
    assert at[0.8]["false_reds"] <= 0
    held = {row["threshold"]: row for row in confidential_probe.figures(data=confidential_probe.HELDOUT_1206)}
    # a reviewer's 80 posts of 2026-12-06 (eight kinds of disclosure, public posts on the same
    # topics): 21 of 40 and 0 of 40 at 0.55; one head at 0.65 made 14 and 1 red
    assert held[0.55]["reds_caught"] >= 19 and held[0.55]["false_reds"] <= 1


def test_held_out_brand_set_of_2026_12_04_with_the_shipped_model(monkeypatch: pytest.MonkeyPatch) -> None:
    """``bench/sentiment/data/brand_holdout_1204.tsv`` (200 posts about SET SEG written before that
    day's training run, never trained or tuned on) read by the shipped model: the figures of
    MODEL_CARD.md (run 7), floors that only go up."""
    monkeypatch.syspath_prepend(str(ROOT))
    from bench.sentiment import kinds_eval

    f = kinds_eval.figures()
    kinds = f["kinds"]
    assert isinstance(kinds, dict)
    assert {k: v["n"] for k, v in kinds.items()} == {"sarcastic": 40, "complaint": 40, "compliment": 40,
                                                      "good_news": 30, "neutral": 50}
    assert float(str(f["macro_recall"])) >= 0.85
    right = {k: int(v["right"]) for k, v in kinds.items()}
    assert right["sarcastic"] >= 32 and right["compliment"] >= 35 and right["good_news"] >= 25
    assert right["complaint"] >= 31 and right["neutral"] >= 43
