"""Eval figures on a fixed small sample, computed by hand."""

from __future__ import annotations

import pytest

from monitor.sentiment.metrics import evaluate

# gold / predicted, 10 texts:
#   negative: 3 gold -> predicted neg, neg, neu          (recall 2/3)
#   neutral:  4 gold -> predicted neu, neu, pos, neg     (recall 2/4)
#   positive: 3 gold -> predicted pos, pos, pos          (recall 3/3)
GOLD = ["negative"] * 3 + ["neutral"] * 4 + ["positive"] * 3
PRED = ["negative", "negative", "neutral", "neutral", "neutral", "positive", "negative",
        "positive", "positive", "positive"]  # fmt: skip


def test_figures_on_fixed_sample() -> None:
    r = evaluate(GOLD, PRED)
    assert r.n == 10
    assert r.accuracy == pytest.approx(7 / 10)
    assert r.macro_recall == pytest.approx((2 / 3 + 2 / 4 + 3 / 3) / 3)
    # precision: negative 2/3, neutral 2/3, positive 3/4
    neg, neu, pos = r.per_class["negative"], r.per_class["neutral"], r.per_class["positive"]
    assert (neg.precision, neu.precision, pos.precision) == pytest.approx((2 / 3, 2 / 3, 3 / 4))
    assert neg.f1 == pytest.approx(2 / 3)
    assert neu.f1 == pytest.approx(2 * (2 / 3) * 0.5 / (2 / 3 + 0.5))
    assert pos.f1 == pytest.approx(2 * 0.75 / 1.75)
    assert r.macro_f1 == pytest.approx((neg.f1 + neu.f1 + pos.f1) / 3)
    assert r.confusion == [[2, 1, 0], [1, 2, 1], [0, 0, 3]]
    assert (neg.support, neu.support, pos.support) == (3, 4, 3)


def test_text_and_json_forms() -> None:
    r = evaluate(GOLD, PRED)
    text = r.format_text()
    assert "macro-recall 0.7222" in text
    assert "confusion" in text
    d = r.to_dict()
    assert d["per_class"]["positive"]["recall"] == 1.0
    assert d["confusion"][1] == [1, 2, 1]


def test_missing_class_counts_as_zero() -> None:
    r = evaluate(["positive", "positive"], ["positive", "neutral"])
    assert r.per_class["negative"].recall == 0.0
    assert r.macro_recall == pytest.approx(0.5 / 3)


def test_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="gold labels"):
        evaluate(["positive"], [])
    with pytest.raises(ValueError, match="unknown"):
        evaluate(["happy"], ["positive"])
