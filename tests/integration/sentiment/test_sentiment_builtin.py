"""The shipped ONNX model: real loading code, sensible labels, speed of loading, no network, no torch."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from monitor.sentiment import BUILTIN_MODEL_DIR, OnnxClassifier

OBVIOUS = {
    "I absolutely love the new app, great job!": "positive",
    "Worst customer service ever, I am so angry and disappointed.": "negative",
    "The store opens at 9am on Monday.": "neutral",
    "@acme thank you so much, you made my day :)": "positive",
    "@acme my order is 3 weeks late and nobody answers. Terrible.": "negative",
}


@pytest.fixture(scope="module")
def builtin() -> OnnxClassifier:
    return OnnxClassifier(max_length=128, batch_size=4).load()


def test_shipped_folder_is_complete_and_small() -> None:
    names = {p.name for p in BUILTIN_MODEL_DIR.iterdir()}
    assert {"model.onnx", "tokenizer.json", "config.json", "MODEL_CARD.md", "metrics.json"} <= names
    size = sum(p.stat().st_size for p in BUILTIN_MODEL_DIR.iterdir() if p.is_file())
    assert size <= 50 * 1024 * 1024
    config = json.loads((BUILTIN_MODEL_DIR / "config.json").read_text())
    assert sorted(config["labels"]) == ["negative", "neutral", "positive"]


def test_recorded_quality_meets_target() -> None:
    result = json.loads((BUILTIN_MODEL_DIR / "metrics.json").read_text())["result"]
    shipped = result["int8"] or result["fp32"]
    assert shipped["macro_recall"] >= 0.70
    if result["int8"]:
        assert result["fp32"]["macro_recall"] - result["int8"]["macro_recall"] <= 0.01


def test_loads_fast_without_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_network(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the builtin model must not touch the network")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    clf = OnnxClassifier()
    assert not clf.loaded
    start = time.perf_counter()
    clf.load()
    assert time.perf_counter() - start < 2.0
    assert clf.classify(["hello"])[0].supported


def test_obvious_texts(builtin: OnnxClassifier) -> None:
    out = builtin.classify(list(OBVIOUS))
    assert [c.label for c in out] == list(OBVIOUS.values())
    for c in out:
        assert sum(c.scores.values()) == pytest.approx(1.0, abs=1e-5)
        assert c.score == max(c.scores.values())
        assert c.model_id.startswith("brand-scout-minilm")


def test_bucketing_keeps_input_order(builtin: OnnxClassifier) -> None:
    texts = ["I love it", "This product broke after two days, what a waste of money. " * 3,
             "thank you, great support", "The store opens at 9am on Monday.",
             "the delivery was late again and nobody from support ever called back"]  # fmt: skip
    together = builtin.probabilities(texts)[0]
    alone = np.vstack([builtin.probabilities([t])[0] for t in texts])
    # Dynamic int8 quantizes activations with one range per batch, so a text's logits move a
    # little with its batch companions (up to 0.55 with the shipped model and batches of 4);
    # what a user sees must not: the order, the labels, and the scores within a few points.
    np.testing.assert_allclose(together, alone, atol=0.08)
    assert together.argmax(axis=1).tolist() == alone.argmax(axis=1).tolist() == [2, 0, 2, 1, 0]
    reversed_labels = [c.label for c in builtin.classify(texts[::-1])]
    assert reversed_labels[::-1] == [c.label for c in builtin.classify(texts)]


def test_long_posts_are_truncated(builtin: OnnxClassifier) -> None:
    short = OnnxClassifier(max_length=16).load()
    long_text = "great product " * 2000
    assert short.classify([long_text])[0].label == "positive"
    assert builtin.classify([long_text])[0].label == "positive"


def test_languages_and_empty_input(builtin: OnnxClassifier) -> None:
    out = builtin.classify(["I love it", "Ich liebe es"], langs=["en", "de"])
    assert out[0].supported and out[0].label == "positive"
    assert not out[1].supported and out[1].score == 0.0
    assert builtin.classify([]) == []


def test_runtime_imports_neither_torch_nor_transformers() -> None:
    code = (
        "import sys\n"
        "from monitor.config.sentiment import SentimentConfig\n"
        "from monitor.sentiment import build_classifier\n"
        "print(build_classifier(SentimentConfig()).classify(['great'])[0].label)\n"
        "print('torch' in sys.modules, 'transformers' in sys.modules)\n"
    )
    root = Path(__file__).resolve().parents[3]
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["positive", "False", "False"]
