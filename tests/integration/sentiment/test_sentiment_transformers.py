"""Any Hugging Face model through transformers.pipeline (needs the [torch] extra)."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.errors import ClassifierError
from monitor.sentiment import TransformersClassifier

pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

VOCAB = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "good", "bad", "service", "the", "is", "great"]


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A random 2-layer DistilBERT with three labels, saved as a local folder (under 1 s)."""
    d = tmp_path_factory.mktemp("tiny-hf")
    labels = {0: "NEG", 1: "NEU", 2: "POS"}
    cfg = transformers.DistilBertConfig(
        vocab_size=len(VOCAB), dim=32, n_layers=2, n_heads=2, hidden_dim=64, num_labels=3,
        id2label=labels, label2id={v: k for k, v in labels.items()}, max_position_embeddings=64,
    )  # fmt: skip
    transformers.DistilBertForSequenceClassification(cfg).save_pretrained(d)
    (d / "vocab.txt").write_text("\n".join(VOCAB))
    transformers.DistilBertTokenizerFast(vocab_file=str(d / "vocab.txt")).save_pretrained(d)
    return d


def test_local_folder_runs_through_pipeline(tiny_model: Path) -> None:
    clf = TransformersClassifier(tiny_model, batch_size=2, max_length=16, threads=1)
    texts = ["the service is good", "bad " * 200, "great", "the"]
    out = clf.classify(texts, langs=["en", None, "en", "fr"])
    assert len(out) == 4
    for c in out[:3]:
        assert c.supported and set(c.scores) == {"negative", "neutral", "positive"}
        assert sum(c.scores.values()) == pytest.approx(1.0, abs=1e-5)
        assert c.model_id == f"hf:{tiny_model}"
    assert not out[3].supported
    alone = clf.classify(["great"])[0]
    assert alone.scores == pytest.approx(out[2].scores, abs=1e-5)


def test_unknown_hub_id_offline_is_a_clear_error() -> None:
    clf = TransformersClassifier("brand-scout-test/no-such-model")
    with pytest.raises(ClassifierError, match="Hugging Face cache"):
        clf.load()
