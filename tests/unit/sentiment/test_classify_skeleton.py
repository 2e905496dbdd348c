"""The one ``classify`` skeleton the three sentiment back ends share (monitor.sentiment._common)."""

from __future__ import annotations

import pytest

from monitor.sentiment._common import classify_supported, from_scores
from monitor.sentiment.base import Classification
from monitor.sentiment.lexicon import LexiconClassifier


def _fake_run(seen: list[list[str]]):  # type: ignore[no-untyped-def]
    def run(texts: list[str]) -> list[Classification]:
        seen.append(texts)
        return [from_scores({"positive": 0.9, "neutral": 0.05, "negative": 0.05}, "m", 0.5) for _ in texts]
    return run


def test_unsupported_languages_are_marked_and_the_rest_run_once_in_order() -> None:
    seen: list[list[str]] = []
    results, keep = classify_supported(["a", "b", "c"], ["en", "de", None], ("en",), "m", _fake_run(seen))
    assert seen == [["a", "c"]]
    assert keep == [0, 2]
    assert [r.supported for r in results] == [True, False, True]
    assert results[1].label == "neutral" and results[1].score == 0.0 and results[1].model_id == "m"
    assert results[0].label == "positive"


def test_nothing_supported_never_calls_the_back_end() -> None:
    seen: list[list[str]] = []
    results, keep = classify_supported(["a"], ["fr"], ("en",), "m", _fake_run(seen))
    assert seen == [] and keep == [] and not results[0].supported


def test_length_mismatches_are_errors() -> None:
    with pytest.raises(ValueError, match="2 texts but 1 languages"):
        classify_supported(["a", "b"], ["en"], ("en",), "m", _fake_run([]))
    with pytest.raises(ValueError, match="returned 0 results for 1 texts"):
        classify_supported(["a"], None, ("en",), "m", lambda texts: [])


def test_a_back_end_goes_through_the_skeleton() -> None:
    out = LexiconClassifier().classify(["I love it", "Ich liebe es"], ["en", "de"])
    assert out[0].label == "positive" and out[0].supported
    assert not out[1].supported
