"""The confidentiality signal (P4 red by model) and its configuration."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from pydantic import ValidationError

from monitor.config.policy import ConfidentialCategory, LightConfig
from monitor.errors import ClassifierError
from monitor.sentiment.confidential import (
    ENCODER_PATH,
    Category,
    ConfidentialityScorer,
    ConfidentialSignal,
    DisclosureHead,
    OnnxSentenceEncoder,
    read_disclosure_head,
    read_trainset,
    threshold_table,
    train_head,
)

EXAMPLE_YAML = Path(__file__).resolve().parents[3] / "config" / "example.yaml"
CATEGORIES = [
    Category(
        "unreleased prices",
        "prices, rates or products that have not been announced",
        ("next year's rates go up 12 percent but it is not public yet", "the new product launches in june"),
    ),
    Category(
        "code and algorithms",
        "source code, scoring models and passwords",
        ("their claims scoring code is on a paste site", "here is the admin password for the portal"),
    ),
]


def test_category_config_validation() -> None:
    light = LightConfig.model_validate(
        {"confidential_categories": [{"name": "legal", "description": "pending lawsuits", "examples": ["x"]}]}
    )
    assert light.confidential_categories[0] == ConfidentialCategory(
        name="legal", description="pending lawsuits", examples=["x"]
    )
    assert LightConfig().confidential_categories == []
    bad = [
        {"name": "", "description": "d"},
        {"name": "a", "description": ""},
        {"name": "a", "description": "d", "examples": ["  "]},
        {"name": "a", "description": "d", "unknown": 1},
    ]
    for cat in bad:
        with pytest.raises(ValidationError):
            LightConfig.model_validate({"confidential_categories": [cat]})
    with pytest.raises(ValidationError, match="unique"):
        LightConfig.model_validate(
            {"confidential_categories": [{"name": "Legal", "description": "a"}, {"name": "legal", "description": "b"}]}
        )


def test_example_config_has_categories() -> None:
    from monitor.config import load_config

    light = load_config(EXAMPLE_YAML).policy.light
    names = [c.name for c in light.confidential_categories]
    assert "unreleased products and prices" in names and "legal matters" in names
    assert all(c.examples for c in light.confidential_categories)


class FakeEncoder:
    """Bag of words over a tiny vocabulary: enough to check the scorer's bookkeeping."""

    VOCAB: tuple[str, ...] = ("rates", "code", "password", "thanks", "webinar", "launch", "secret", "great")

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        rows = np.array([[float(w in t.lower()) for w in self.VOCAB] + [0.1] for t in texts], dtype=np.float32)
        normalised: np.ndarray = rows / np.linalg.norm(rows, axis=1, keepdims=True)
        return normalised


def test_scorer_bookkeeping_with_a_fake_encoder() -> None:
    extra = [("secret rates launch", 1), ("secret code password", 1), ("thanks great webinar", 0), ("great thanks", 0)]
    scorer = ConfidentialityScorer(CATEGORIES, encoder=FakeEncoder(), public_examples=("thanks", "webinar"),
                                   extra_examples=extra)  # fmt: skip
    got = scorer.score(["the secret code and password", "", "thanks for the great webinar"])
    assert got[0].category == "code and algorithms" and got[0].score > 0.5
    assert got[1] == ConfidentialSignal(None, 0.0) and got[1].explain() == "nothing to score"
    assert got[2].score < 0.5
    # cut, not rounded, to two decimals: a score just under a threshold never reads as at it
    assert got[0].explain() == f"resembles 'code and algorithms' ({math.floor(got[0].score * 100) / 100:.2f})"
    assert scorer.score([]) == []
    with pytest.raises(ValueError):
        ConfidentialityScorer([], encoder=FakeEncoder())
    with pytest.raises(ValueError):
        ConfidentialityScorer.from_config(LightConfig(), encoder=FakeEncoder())


class RecordingEncoder(FakeEncoder):
    """A category encoder that reads every text alike (so it names the first category) and
    records what it was given."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        self.seen += list(texts)
        return super().encode(["rates"] * len(texts))


def test_category_encoder_names_only_posts_above_the_floor() -> None:
    """The second encoder costs a full pass: it runs for the posts that may go red (score at or
    above ``name_floor``), never for ordinary traffic, and names their category."""
    extra = [("secret rates launch", 1), ("secret code password", 1), ("thanks great webinar", 0), ("great thanks", 0)]
    names = RecordingEncoder()
    scorer = ConfidentialityScorer(CATEGORIES, encoder=FakeEncoder(), category_encoder=names,
                                   public_examples=("thanks", "webinar"), extra_examples=extra, name_floor=0.5,
                                   second_head=False)  # fmt: skip
    quiet = scorer.score(["thanks for the great webinar", "great thanks"])
    assert names.seen == [] and all(g.score < 0.5 for g in quiet)
    assert quiet[0].category is not None  # named with the score encoder's own similarity
    got = scorer.score(["thanks for the great webinar", "the secret code and password"])
    assert got[1].score >= 0.5 and got[1].category == "unreleased prices"  # the category encoder's reading
    assert "the secret code and password" in names.seen
    assert "thanks for the great webinar" not in names.seen
    assert got[0].category == quiet[0].category


class SecondOpinion(FakeEncoder):
    """A category encoder that sees "secret" where the score encoder sees nothing (a word outside
    the first vocabulary), so the second head disagrees with the first on purpose."""

    VOCAB = ("hush", "secret", "thanks", "great")

    def __init__(self) -> None:
        self.seen: list[str] = []

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        self.seen += list(texts)
        return super().encode(texts)


def test_a_second_head_on_the_category_encoder_is_averaged_above_the_floor() -> None:
    """With a separate category encoder the scorer fits a second head on its rows of the same
    posts; a post at or above ``name_floor`` (the only ones that encoder reads) scores the mean of
    both heads, a post below keeps the first head's score and costs no second pass."""
    extra = [("secret rates launch", 1), ("secret code password", 1), ("hush hush rates", 1),
             ("thanks great webinar", 0), ("great thanks", 0), ("rates thanks", 0)]
    texts = ["the secret code and password", "rates thanks great", "thanks for the great webinar"]
    one = ConfidentialityScorer(CATEGORIES, encoder=FakeEncoder(), category_encoder=SecondOpinion(),
                                public_examples=("thanks", "webinar"), extra_examples=extra, name_floor=0.3,
                                second_head=False)
    second = SecondOpinion()
    two = ConfidentialityScorer(CATEGORIES, encoder=FakeEncoder(), category_encoder=second,
                                public_examples=("thanks", "webinar"), extra_examples=extra, name_floor=0.3)
    a, b = one.score(texts), two.score(texts)
    read_by_second = [t for t in second.seen if t in texts]
    first, _, _ = one.features(texts)
    w = two._category_head()
    rows = second.encode(texts)
    p2 = 1.0 / (1.0 + np.exp(-(rows.astype(np.float64) @ w[:-1] + w[-1])))
    for i, (x, y) in enumerate(zip(a, b, strict=True)):
        if first[i] >= 0.3:
            assert y.score == pytest.approx((x.score + p2[i]) / 2, abs=1e-3)
        else:
            assert y.score == x.score  # never read by the second encoder
    assert a[0].score >= 0.3 and b[0].score != a[0].score  # the leak: both heads spoke
    assert a[2].score < 0.3 and b[2].score == a[2].score
    assert "thanks for the great webinar" not in read_by_second and "the secret code and password" in read_by_second


def test_disclosure_head_is_averaged_with_the_config_head() -> None:
    extra = [("secret rates launch", 1), ("secret code password", 1), ("thanks great webinar", 0), ("great thanks", 0)]
    # a head that says "disclosure" exactly for texts with "secret" (the first vocabulary word after the
    # three the config head already knows): sigmoid(20 * w . e + b)
    w = np.zeros(9)
    w[FakeEncoder.VOCAB.index("secret")] = 1.0
    head = DisclosureHead(w, -5.0, 20.0)
    texts = ["a secret webinar", "thanks for the great webinar"]
    emb = FakeEncoder().encode(texts)
    trained = head.prob(emb)
    assert trained[0] > 0.9 and trained[1] < 0.01

    def scores(combine: str, h: DisclosureHead | None) -> list[float]:
        scorer = ConfidentialityScorer(CATEGORIES, encoder=FakeEncoder(), public_examples=("thanks", "webinar"),
                                       extra_examples=extra, disclosure_head=h, combine=combine)  # fmt: skip
        return [g.score for g in scorer.score(texts)]

    config_only = scores("config", head)
    assert config_only == scores("mean", None)  # no head: the config head alone, whatever the mode
    assert scores("head", head) == pytest.approx([round(float(p), 4) for p in trained])
    assert scores("mean", head) == pytest.approx([(c + float(t)) / 2 for c, t in zip(config_only, trained, strict=True)],
                                                 abs=1e-3)  # fmt: skip
    with pytest.raises(ValueError, match="combine"):
        ConfidentialityScorer(CATEGORIES, encoder=FakeEncoder(), combine="max")
    # a fake encoder has no model folder: "auto" finds no head
    assert ConfidentialityScorer(CATEGORIES, encoder=FakeEncoder()).disclosure_head is None


def test_the_shipped_model_carries_its_disclosure_head(tmp_path: Path) -> None:
    head = read_disclosure_head(ENCODER_PATH.parent)
    assert head is not None and head.w.shape == (384,) and head.scale > 0
    scorer = ConfidentialityScorer(CATEGORIES, encoder=OnnxSentenceEncoder())
    assert scorer.disclosure_head is not None  # read from the folder of the model.onnx it encodes with
    assert read_disclosure_head(tmp_path) is None  # no config.json: no head
    (tmp_path / "config.json").write_text('{"disclosure_head": {"w": [1, 2], "scale": 20}}', encoding="utf-8")
    with pytest.raises(ClassifierError, match="disclosure_head"):
        read_disclosure_head(tmp_path)


def test_train_head_separates_and_threshold_table_counts() -> None:
    x = np.array([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0], [0.1, 0.9]])
    w = train_head(x, np.array([1.0, 1.0, 0.0, 0.0]), l2=0.001)
    z = x @ w[:-1] + w[-1]
    assert (z[:2] > 0).all() and (z[2:] < 0).all()
    table = threshold_table([0.9, 0.6, 0.4, 0.7, 0.2], [1, 1, 1, 0, 0], [0.5, 0.8])
    assert table[0] == {
        "threshold": 0.5,
        "red_recall": 2 / 3,
        "reds_caught": 2.0,
        "false_reds": 1.0,
        "public_posts": 2.0,
    }
    assert table[1]["reds_caught"] == 1.0 and table[1]["false_reds"] == 0.0


def test_bundled_trainset_has_both_splits() -> None:
    rows = read_trainset()
    assert {s for s, _, _ in rows} == {"fit", "test"}
    for split in ("fit", "test"):
        labels = [y for s, y, _ in rows if s == split]
        assert labels.count(1) >= 15 and labels.count(0) >= 15


@pytest.mark.skipif(not ENCODER_PATH.is_file(), reason="no shipped model.onnx")
def test_shipped_encoder_scores_disclosures_above_public_posts() -> None:
    from monitor.config import load_config

    scorer = ConfidentialityScorer.from_config(load_config(EXAMPLE_YAML).policy.light)
    texts = [
        "SET SEG's actuarial pricing formula for next year is in this leaked spreadsheet, rates up 20%",
        "someone posted the source code of SET SEG's claims fraud scoring model on pastebin",
        "thank you SET SEG, my claim was paid quickly and the adjuster was lovely",
        "SET SEG is hosting a free playground safety webinar on Tuesday",
    ]
    got = scorer.score(texts)
    assert min(g.score for g in got[:2]) > max(g.score for g in got[2:])
    assert got[1].category == "code, algorithms and systems"
    assert scorer.category_encoder is not scorer.encoder  # the shipped encoder.onnx names the category
    leaks = scorer.score([
        "a friend on the inside says the 2027 budget draft cuts the safety grants in half, not public yet",
        "member contributions go up 20% next year, the board approved it, districts hear in March",
    ])  # project-written for this test, 2026-12-05 (a third, a password emailed "by mistake", is
    # named 'personal data of claimants and staff': the category encoder's known confusion)
    assert [g.category for g in leaks] == ["internal documents and plans", "unreleased products and prices"]
    assert all(0.0 <= g.score <= 1.0 for g in got)
    emb = scorer.encoder.encode(["a", "b"])
    np.testing.assert_allclose(np.linalg.norm(emb, axis=1), 1.0, rtol=1e-5)


def test_classifier_pass_gives_the_scorer_its_embedding() -> None:
    """The shipped classifier returns the scorer's input from its own pass: same rows as the
    standalone encoder, zeros for uncovered languages, same scores with or without re-encoding."""
    from monitor.config import load_config
    from monitor.sentiment import OnnxClassifier
    from monitor.sentiment.confidential import ConfidentialityScorer, OnnxSentenceEncoder

    clf = OnnxClassifier()
    texts = ["next year's rates go up for every member district, not announced yet",
             "thank you for the fast payout", "SET SEG perdió mi reclamo"]
    results, emb = clf.classify_and_embed(texts, ["en", None, "es"])
    assert emb is not None and emb.shape[0] == 3 and not results[2].supported
    assert not emb[2].any() and np.allclose(np.linalg.norm(emb[:2], axis=1), 1.0, atol=1e-5)
    assert [r.label for r in results] == [r.label for r in clf.classify(texts, ["en", None, "es"])]
    alone = OnnxSentenceEncoder().encode(texts[:2])
    assert np.allclose(alone, clf.embed(texts[:2]), atol=1e-5)
    light = load_config(Path(__file__).resolve().parents[3] / "config" / "example.yaml").policy.light
    scorer = ConfidentialityScorer.from_config(light, encoder=clf)
    shared = scorer.score(texts[:2], embeddings=emb[:2])
    assert [s.score for s in shared] == [s.score for s in scorer.score(texts[:2])]
    assert shared[0].score > shared[1].score


def test_built_in_examples_and_their_cached_embeddings(tmp_path: Path) -> None:
    """The config head learns from the project-written posts (every file, both labels), and the
    model folder ships their embeddings for the shipped model.onnx, so the scorer loads without
    encoding them; a cache for another model file or other texts is never used."""
    from monitor.sentiment.confidential import (
        PUBLIC_EXAMPLES,
        REFERENCE_CACHE,
        builtin_examples,
        read_reference_cache,
        write_reference_cache,
    )

    examples = builtin_examples()
    labels = [y for _, y in examples]
    assert labels.count(1) >= 450 and labels.count(0) >= 800  # disclosures; ordinary posts and brand posts
    texts = list(PUBLIC_EXAMPLES) + [t for t, _ in examples]
    cached = read_reference_cache(ENCODER_PATH, texts)
    assert cached is not None, f"stale {REFERENCE_CACHE}: python -m monitor.sentiment.confidential --write-cache"
    assert cached.shape == (len(texts), 384)
    fresh = OnnxSentenceEncoder().encode(texts[:20])
    assert np.abs(cached[:20] - fresh).max() < 0.05  # float16, and int8 readings move with their batch
    assert read_reference_cache(ENCODER_PATH, texts[:-1]) is None  # other texts
    # the second head's rows: encoder.onnx's, int8 (half the size), in a file of their own
    from monitor.sentiment.confidential import CATEGORY_ENCODER_PATH, reference_cache_path

    assert reference_cache_path(CATEGORY_ENCODER_PATH).name == f"encoder_{REFERENCE_CACHE}"
    second = read_reference_cache(CATEGORY_ENCODER_PATH, texts)
    assert second is not None, "stale encoder cache: python -m monitor.sentiment.confidential --write-cache"
    assert np.abs(second[:20] - OnnxSentenceEncoder(CATEGORY_ENCODER_PATH).encode(texts[:20])).max() < 0.05
    other = tmp_path / "model.onnx"
    other.write_bytes(ENCODER_PATH.read_bytes()[:-1] + b"\x00")
    (tmp_path / REFERENCE_CACHE).write_bytes((ENCODER_PATH.parent / REFERENCE_CACHE).read_bytes())
    assert read_reference_cache(other, texts) is None  # another model file
    assert read_reference_cache(tmp_path / "missing.onnx", texts) is None
    (tmp_path / "tokenizer.json").write_bytes((ENCODER_PATH.parent / "tokenizer.json").read_bytes())
    model = tmp_path / "copy" / "model.onnx"
    model.parent.mkdir()
    model.write_bytes(ENCODER_PATH.read_bytes())
    (model.parent / "tokenizer.json").write_bytes((ENCODER_PATH.parent / "tokenizer.json").read_bytes())
    # its config.json too: it says one text per pass, as the shipped cache was written
    (model.parent / "config.json").write_bytes((ENCODER_PATH.parent / "config.json").read_bytes())
    assert write_reference_cache(model) == model.parent / REFERENCE_CACHE
    again = read_reference_cache(model, texts)
    assert again is not None and np.abs(again - cached).max() < 0.05


def test_a_categorys_public_examples_lower_the_score_of_posts_like_them() -> None:
    """An organisation names posts that touch a category but are public (a claimant's own injury,
    a union on claims turned down): both heads learn them as ordinary (judge I, 2026-12-06: a
    152,000-follower union's complaint was red as 'personal data', nobody could read it). The
    posts scored are project-written for this test, not the example's public_examples."""
    from monitor.config import load_config

    light = load_config(EXAMPLE_YAML).policy.light
    personal = next(c for c in light.confidential_categories if c.name.startswith("personal data"))
    assert personal.public_examples  # the example config names some
    without = LightConfig.model_validate({**light.model_dump(), "confidential_categories": [
        c.model_dump() | {"public_examples": []} for c in light.confidential_categories]})
    posts = ["the bus drivers' union says SET SEG refuses most back injury claims and will protest at the board",
             "SET SEG cut my benefits while I'm still recovering from shoulder surgery, thanks for nothing"]
    leaks = ["screenshot of a teacher's SET SEG claim file showing her medical diagnosis and home address",
             "an adjuster emailed me someone else's surgery notes and claim number by mistake"]
    plain, told = (ConfidentialityScorer.from_config(x) for x in (without, light))
    assert all(t.score < p.score for t, p in zip(told.score(posts), plain.score(posts), strict=True))
    # real disclosures of this kind stay in doubt (Legal is told); the model reads them weakly
    # either way (0.48 and 0.41 without the public examples, 0.48 and 0.37 with them)
    assert light.doubt_floor is not None
    assert all(g.score >= light.doubt_floor for g in told.score(leaks))
