"""Lexicon classifier, language support, the uncertainty band and build_classifier."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.config.sentiment import SentimentConfig
from monitor.errors import ClassifierError
from monitor.sentiment import (
    BUILTIN_MODEL_DIR,
    LexiconClassifier,
    OnnxClassifier,
    TransformersClassifier,
    build_classifier,
)
from monitor.sentiment._common import is_supported
from monitor.sentiment.lexicon import compound_scores
from monitor.sentiment.transformers_model import map_label


def test_lexicon_labels_obvious_texts() -> None:
    clf = LexiconClassifier()
    out = clf.classify(
        ["I love this, wonderful service!", "This is terrible, I hate it.", "The office is on Main St."]
    )
    assert [c.label for c in out] == ["positive", "negative", "neutral"]
    for c in out:
        assert set(c.scores) == {"negative", "neutral", "positive"}
        assert sum(c.scores.values()) == pytest.approx(1.0)
        assert c.score == max(c.scores.values())
        assert c.model_id == "vader" and c.supported


def test_compound_scores_follow_vader_thresholds() -> None:
    assert max(compound_scores(0.06).items(), key=lambda kv: kv[1])[0] == "positive"
    assert max(compound_scores(-0.06).items(), key=lambda kv: kv[1])[0] == "negative"
    assert max(compound_scores(0.04).items(), key=lambda kv: kv[1])[0] == "neutral"
    assert compound_scores(0.9)["positive"] > compound_scores(0.3)["positive"]


def test_uncertainty_band() -> None:
    text = ["The office is on Main St."]  # compound 0: neutral with probability about 0.79
    assert not LexiconClassifier(uncertain_below=0.5).classify(text)[0].uncertain
    flagged = LexiconClassifier(uncertain_below=0.9).classify(text)[0]
    assert flagged.uncertain and flagged.label == "neutral" and flagged.score < 0.9


def test_unsupported_language_is_marked_not_scored() -> None:
    clf = LexiconClassifier(languages=("en",))
    out = clf.classify(
        ["I love it", "Das ist schrecklich", "I hate it", "bien"], langs=["en-US", "de", None, "ES"]
    )
    assert [c.supported for c in out] == [True, False, True, False]
    assert out[1].label == "neutral" and out[1].score == 0.0 and not out[1].uncertain
    assert out[0].label == "positive" and out[2].label == "negative"
    with pytest.raises(ValueError, match="languages"):
        clf.classify(["a", "b"], langs=["en"])


def test_is_supported() -> None:
    assert is_supported(None, ["en"]) and is_supported("", ["en"]) and is_supported("en_GB", ["en"])
    assert not is_supported("fr", ["en"]) and is_supported("fr", ["en", "fr-CA"])


def test_build_classifier_is_lazy_and_picks_backend(tmp_path: Path) -> None:
    builtin = build_classifier(SentimentConfig())
    assert isinstance(builtin, OnnxClassifier) and not builtin.loaded
    assert builtin.model_dir == BUILTIN_MODEL_DIR
    assert isinstance(build_classifier(SentimentConfig(model="lexicon")), LexiconClassifier)
    assert isinstance(build_classifier(SentimentConfig(model="VADER")), LexiconClassifier)
    (tmp_path / "model.onnx").write_bytes(b"")
    folder = build_classifier(SentimentConfig(model=str(tmp_path), threads=1, batch_size=8))
    assert isinstance(folder, OnnxClassifier) and folder.threads == 1 and folder.batch_size == 8
    hub = build_classifier(SentimentConfig(model="cardiffnlp/twitter-roberta-base-sentiment-latest"))
    assert isinstance(hub, TransformersClassifier)


def test_broken_onnx_folder_raises_classifier_error(tmp_path: Path) -> None:
    with pytest.raises(ClassifierError, match=r"no model\.onnx"):
        OnnxClassifier(tmp_path).load()
    (tmp_path / "model.onnx").write_bytes(b"not a model")
    (tmp_path / "tokenizer.json").write_text("{}")
    with pytest.raises(ClassifierError, match="config"):
        OnnxClassifier(tmp_path).load()


def test_map_label() -> None:
    assert map_label("NEG", 3) == "negative" and map_label("Neutral", 3) == "neutral"
    assert map_label("positive", 2) == "positive" and map_label("LABEL_2", 3) == "positive"
    with pytest.raises(ClassifierError):
        map_label("LABEL_1", 5)
