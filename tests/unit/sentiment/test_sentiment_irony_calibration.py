"""The irony rule of the ONNX back end, temperature scaling and the calibration error."""

from __future__ import annotations

import json
import math
import random
import shutil
from pathlib import Path

import numpy as np
import pytest

from monitor.errors import ClassifierError
from monitor.sentiment import BUILTIN_MODEL_DIR, OnnxClassifier
from monitor.sentiment.metrics import expected_calibration_error, fit_temperature, nll, softmax_rows
from monitor.sentiment.onnx_model import ModelInfo, combine_irony

NEG, NEU, POS = 0, 1, 2


def test_irony_moves_positive_mass_to_negative_when_ironic() -> None:
    probs = np.array([[0.02, 0.01, 0.97], [0.02, 0.01, 0.97], [0.10, 0.20, 0.70]], dtype=np.float32)
    irony = np.array([0.9, 0.2, 0.6], dtype=np.float32)
    out, moved = combine_irony(probs, irony, threshold=0.5)
    assert moved.tolist() == [True, False, True]
    # Row 0: 0.97 * 0.9 moves from positive to negative -> negative wins.
    assert out[0, NEG] == pytest.approx(0.02 + 0.97 * 0.9, abs=1e-6)
    assert out[0, POS] == pytest.approx(0.97 * 0.1, abs=1e-6)
    assert out[0].argmax() == NEG
    # Row 1: irony below the threshold: unchanged (a sincere compliment stays positive).
    np.testing.assert_allclose(out[1], probs[1])
    # Row 2: 0.7 * 0.6 = 0.42 moves: negative 0.52 > positive 0.28.
    assert out[2].argmax() == NEG
    np.testing.assert_allclose(out.sum(axis=1), 1.0, rtol=1e-6)


def test_irony_never_changes_neutral_or_negative_texts() -> None:
    probs = np.array([[0.7, 0.2, 0.1], [0.1, 0.6, 0.3]], dtype=np.float32)
    out, moved = combine_irony(probs, np.array([0.99, 0.99], dtype=np.float32), threshold=0.5)
    assert not moved.any()
    np.testing.assert_allclose(out, probs)


def test_expected_calibration_error_known_values() -> None:
    # Perfect calibration: in the 0.8 bin, 8 of 10 are right.
    assert expected_calibration_error([0.8] * 10, [True] * 8 + [False] * 2) == pytest.approx(0.0)
    # Overconfident: always 0.9 sure, right half the time -> gap 0.4.
    assert expected_calibration_error([0.9] * 4, [True, False, True, False]) == pytest.approx(0.4)
    # Two bins weighted by size: gaps 0.1 (n=2) and 0.5 (n=2) -> 0.3.
    ece = expected_calibration_error([0.9, 0.9, 0.5, 0.5], [True, True, False, False])
    assert ece == pytest.approx((0.1 * 2 + 0.5 * 2) / 4)
    assert expected_calibration_error([], []) == 0.0
    with pytest.raises(ValueError):
        expected_calibration_error([0.5], [])


def test_fit_temperature_recovers_overconfidence_and_lowers_ece() -> None:
    rng = random.Random(5)
    logits: list[list[float]] = []
    gold: list[int] = []
    for _ in range(3000):
        z = [rng.gauss(0, 1.5) for _ in range(3)]
        p = softmax_rows([z])[0]
        gold.append(rng.choices(range(3), weights=p)[0])
        logits.append([3.0 * v for v in z])  # a model 3x too sure of itself
    t = fit_temperature(logits, gold)
    assert 2.5 < t < 3.5
    assert nll(logits, gold, t) < nll(logits, gold, 1.0)

    def ece_at(temp: float) -> float:
        probs = softmax_rows(logits, temp)
        conf = [max(r) for r in probs]
        ok = [r.index(max(r)) == g for r, g in zip(probs, gold, strict=True)]
        return expected_calibration_error(conf, ok)

    assert ece_at(t) < ece_at(1.0) / 2
    # Scaling never changes the winning class.
    assert [r.index(max(r)) for r in softmax_rows(logits, t)] == [r.index(max(r)) for r in logits]
    with pytest.raises(ValueError):
        softmax_rows([[1.0, 2.0]], 0.0)
    assert math.isclose(fit_temperature([], []), 1.0)


def _copy_model(tmp_path: Path, **config: object) -> Path:
    folder = tmp_path / "m"
    shutil.copytree(BUILTIN_MODEL_DIR, folder, ignore=shutil.ignore_patterns("encoder.onnx"))
    raw = json.loads((folder / "config.json").read_text()) | config
    (folder / "config.json").write_text(json.dumps(raw))
    return folder


def test_model_info_reads_temperature_and_irony(tmp_path: Path) -> None:
    folder = _copy_model(tmp_path, temperature=1.7, irony={"output": "irony_logits", "threshold": 0.65})
    info = ModelInfo.read(folder)
    assert info.temperature == pytest.approx(1.7)
    assert info.irony_output == "irony_logits" and info.irony_threshold == pytest.approx(0.65)
    bad = _copy_model(tmp_path / "b", temperature=0)
    with pytest.raises(ClassifierError, match="temperature"):
        ModelInfo.read(bad)


def test_temperature_changes_scores_not_labels(tmp_path: Path) -> None:
    texts = ["the app keeps crashing, worst update ever", "thank you so much, great help", "the office opens at 9"]
    base = OnnxClassifier(_copy_model(tmp_path / "a", temperature=1.0, irony=None)).classify(texts)
    hot = OnnxClassifier(_copy_model(tmp_path / "b", temperature=4.0, irony=None)).classify(texts)
    assert [c.label for c in base] == [c.label for c in hot]
    assert all(h.score < b.score for h, b in zip(hot, base, strict=True))
    assert all(c.irony is None and not c.ironic for c in base)


def test_shipped_model_reports_irony_and_uses_the_rule() -> None:
    clf = OnnxClassifier()
    info = clf.info
    if info.irony_output is None:
        pytest.skip("the shipped model has no irony head")
    got = clf.classify(["Oh perfect, my claim got lost again. Fantastic service as always.", "the meeting is at 3"])
    assert all(c.irony is not None and 0.0 <= c.irony <= 1.0 for c in got)
    for c in got:
        assert sum(c.scores.values()) == pytest.approx(1.0, abs=1e-5)
        if c.ironic:
            assert c.label == "negative" and c.irony is not None and c.irony >= info.irony_threshold
