"""Confidentiality signal for the red light (P4): how much a post resembles a confidential category.

The organisation describes what it keeps confidential as categories in its config
(``policy.light.confidential_categories``: name, description, a few example phrasings). Each
post is embedded with the shipped sentiment model's encoder: ``model.onnx`` has a second output,
``embedding``, the mean-pooled token states of the fine-tuned MiniLM-L6 (onnxruntime +
tokenizers only, no torch): it separated disclosures from public posts better than the plain
``all-MiniLM-L6-v2`` sentence encoder (MODEL_CARD.md has both measurements). Which category a
post resembles (for the reason line) is decided by cosine similarity with every category's
description and examples, embedded with the plain ``all-MiniLM-L6-v2`` sentence encoder
(``model/encoder.onnx``, int8, 23 MB, written by ``scout sentiment export-encoder`` and shipped
since 2026-12-05): it named the right category for 14 of 15 held-out disclosures, the fine-tuned
embedding for 7 (and 12 of 15 against 4 of 15 on a reviewer's held-out set). It runs only for the
posts scoring at least :data:`NAME_FLOOR` (the others are not red, so nobody reads their
reason line; they are named with ``model.onnx``'s embedding), so it costs nothing on ordinary
traffic and loads on the first such post. For those posts it also gives a second opinion: a
second head fitted on its embeddings of the same training posts, averaged with the first
(``second_head``; since 2026-12-06, MODEL_CARD.md: it reads "I know something I should not say"
where the polarity-tuned embedding sees a complaint). Below :data:`NAME_FLOOR` the score is the
first head's alone.
The first head is a small logistic-regression head on the embedding (384 weights + bias,
L2-regularised, :data:`L2`, fitted when the scorer loads) trained with the categories'
descriptions and examples as disclosures, a built-in set of ordinary public posts (complaints,
praise, announcements, questions: :data:`PUBLIC_EXAMPLES`), and the project-written posts of
:func:`builtin_examples` (disclosures in varied voices and lengths and ordinary posts about the
same things; brand posts as ordinary; ``trainset/confidential.tsv``'s ``test`` split is held out).
Their embeddings for the shipped model are cached in the model folder
(:data:`REFERENCE_CACHE`, fingerprinted with the model file and the texts), so loading costs
milliseconds. The model's own **disclosure head** (trained with the sentiment heads,
:class:`DisclosureHead`, weights in ``config.json``) can be averaged in (``combine="mean"``) but
is not by default: it learned one phrasing of disclosures.
It is a probability-like number in 0..1 to compare with ``policy.light.red_model_threshold``
(``monitor.domain.light.evaluate`` makes a mention red when ``model_red_score >=
red_model_threshold``); MODEL_CARD.md gives the recall / false-red table per threshold.

Wiring: ``monitor.app.bootstrap.default_scorer_factory`` builds the scorer on the first batch
(with the shipped classifier as its encoder), ``monitor.triage.process.Triage`` scores each batch
once, taking the embeddings from the classifier's own pass (``OnnxClassifier.classify_and_embed``),
and passes ``MentionView.red_score`` / ``red_reason`` to the router. Standalone use::

    from monitor.sentiment.confidential import ConfidentialityScorer

    light = cfg.policy.light
    if light.confidential_categories:                              # else: no model signal
        scorer = ConfidentialityScorer.from_config(light)         # build once, reuse
        signals = scorer.score([m.text for m in mentions])        # list[ConfidentialSignal]
        for m, sig in zip(mentions, signals, strict=True):
            model_red_score = sig.score    # float 0..1, compare with light.red_model_threshold
            reason = sig.explain()         # "resembles 'unreleased products and prices' (0.78)"
            # also: sig.category (str | None), sig.similarity, sig.matched (closest reference)

``config/example.yaml`` sets ``red_model_threshold: 0.55`` (MODEL_CARD.md, "Confidentiality
signal": 28 of the 40 held-out disclosures of ``bench/sentiment/data/confidential_probe.tsv`` and
1 of its 40 public posts, 21 of 40 and 0 of 40 of ``confidential_heldout_1206.tsv``; 0 of the 297
English sample mentions expected green or yellow made red), so measure on your own mentions.

``from_config`` raises ``ValueError`` when the config has no categories (check
``light.confidential_categories`` first). Building is cheap; the encoder loads on first
``score`` (about 0.3 s) or on ``load()``; ``score`` is thread-safe and runs about as fast as the
sentiment model (one MiniLM-L6 pass per text). A text with nothing to score (empty) gets
score 0 and category None. Everything runs offline.

The encoder and the disclosure head live in :mod:`monitor.sentiment.encoder` (re-exported here).
"""

from __future__ import annotations

import hashlib
import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from monitor.sentiment.data import project_rows
from monitor.sentiment.encoder import (
    CATEGORY_ENCODER_PATH,
    ENCODER_PATH,
    TOKENIZER_PATH,
    DisclosureHead,
    OnnxSentenceEncoder,
    TextEncoder,
    read_disclosure_head,
)

TRAINSET_DIR = Path(__file__).resolve().parent / "trainset"
TRAINSET = TRAINSET_DIR / "confidential.tsv"

#: regularisation of the config head: 5-fold cross-validation over the built-in examples and the
#: example config's categories (1e-4 had the best AUC and log-loss of 1e-4 .. 3e-3; MODEL_CARD.md)
L2 = 0.0001

#: score from which the category encoder (when separate) names a post's category: below any
#: ``red_model_threshold`` worth setting, so every red post is named by it
NAME_FLOOR = 0.3
#: how many times each of a category's ``public_examples`` counts in the heads' fit
PUBLIC_WEIGHT = 5

#: embeddings of the built-in examples for the shipped model, so that loading the scorer does not
#: encode a thousand posts (written by ``python -m monitor.sentiment.confidential --write-cache``;
#: used only while its fingerprint, the model file and the texts, matches)
REFERENCE_CACHE = "reference_embeddings.npz"

# Ordinary public posts (no organisation named): what a post that is NOT a disclosure looks like.
PUBLIC_EXAMPLES: tuple[str, ...] = (
    "they denied my claim and I am so frustrated",
    "thank you for the fast payout, great service",
    "the online portal is down again and I can't log in",
    "our premium went up again this year",
    "been on hold for an hour, terrible customer service",
    "the company announced its new board chair in a press release",
    "they are hosting a free webinar on safety next week",
    "does my policy cover this injury? who do I call?",
    "what are your office hours during the holidays",
    "congratulations to the grant winners announced today",
    "the adjuster was kind and explained everything",
    "they published their annual report and rates on the website",
    "see you at the conference booth this weekend",
    "the company is hiring, apply on the careers page",
    "our district renewed its coverage at the board meeting",
    "great tips in this month's newsletter",
    "my claim finally got approved after weeks of waiting",
    "they charged me a late fee by mistake",
)


def builtin_examples() -> list[tuple[str, int]]:
    """The project-written posts the config head learns from besides the organisation's
    categories, as ``(text, 1 = disclosure / 0 = ordinary)``: the ``fit`` split of
    ``trainset/confidential.tsv``; ``trainset/disclosure.tsv`` (short disclosures of six kinds and
    ordinary posts about the same things), ``disclosure_long.tsv`` (long posts, the disclosure among
    chatter) and ``disclosure_styles.tsv`` (varied voices: insiders, relatives, throwaways,
    screenshots, questions that reveal); and every brand post of ``brand.tsv`` and public post of
    ``public_posts.tsv`` (complaints, praise and news in free form: hard negatives) as ordinary."""
    out = [(t, y) for split, y, t in read_trainset() if split == "fit"]
    for name in ("disclosure.tsv", "disclosure_long.tsv"):
        out += [(t, int(y)) for _, y, t in project_rows(TRAINSET_DIR / name, 3, {1: ("0", "1")})]
    out += [(t, int(y)) for y, t in project_rows(TRAINSET_DIR / "disclosure_styles.tsv", 2, {0: ("0", "1")})]
    out += [(t, 0) for *_, t in project_rows(TRAINSET_DIR / "brand.tsv", 4)]
    out += [(t, 0) for *_, t in project_rows(TRAINSET_DIR / "public_posts.tsv", 4)]
    return out


class CategoryLike(Protocol):
    """What a category needs: ``ConfidentialCategory`` from the policy config satisfies it."""

    @property
    def name(self) -> str: ...

    @property
    def description(self) -> str: ...

    @property
    def examples(self) -> Sequence[str]: ...

    @property
    def public_examples(self) -> Sequence[str]: ...


@dataclass(frozen=True, slots=True)
class Category:
    """A confidential category outside the config (tests, scripts)."""

    name: str
    description: str
    examples: tuple[str, ...] = ()
    public_examples: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ConfidentialSignal:
    """The confidentiality signal of one text.

    ``score`` (0..1) is the calibrated chance that the text discloses something confidential;
    ``category`` is the most similar category's name (None for an empty text), ``similarity``
    the raw cosine to its closest description or example, and ``matched`` that reference text.
    """

    category: str | None
    score: float
    similarity: float = 0.0
    matched: str | None = None

    def explain(self) -> str:
        """A reason line, e.g. ``resembles 'unreleased prices' (0.78)``. The score is cut, not
        rounded, to two decimals: 0.549 under a threshold of 0.55 reads 0.54, never "(0.55), under
        the red threshold 0.55" (judge E, 2026-12-06)."""
        if self.category is None:
            return "nothing to score"
        return f"resembles '{self.category}' ({math.floor(self.score * 100) / 100:.2f})"


class ConfidentialityScorer:
    """Scores texts against confidential categories (module docstring: use, rule, calibration)."""

    def __init__(
        self,
        categories: Sequence[CategoryLike],
        *,
        encoder: TextEncoder | None = None,
        category_encoder: TextEncoder | None = None,
        public_examples: Sequence[str] = PUBLIC_EXAMPLES,
        extra_examples: Sequence[tuple[str, int]] | None = None,
        l2: float = L2,
        disclosure_head: DisclosureHead | str | None = "auto",
        combine: str = "config",
        name_floor: float = NAME_FLOOR,
        second_head: bool = True,
    ) -> None:
        """``encoder`` feeds the score head (default: ``model.onnx``'s ``embedding``);
        ``category_encoder`` names the category (default: ``encoder.onnx`` when shipped, else
        ``encoder``). ``extra_examples`` ((text, 1 = disclosure / 0 = ordinary) pairs) default to
        :func:`builtin_examples`; ``()`` trains on the config alone.
        ``disclosure_head``: the sentiment model's trained head (``"auto"``: read from the
        encoder's model folder when it has one); the score is ``combine`` (``config`` | ``mean`` |
        ``head``) of the config-fitted head's probability and the trained head's. The default,
        ``config``, leaves the trained head out: it learned one phrasing of disclosures and made 3 of
        the 40 disclosures of ``bench/sentiment/data/confidential_probe.tsv`` red (MODEL_CARD.md).
        ``name_floor``: a post scoring below it is named with ``encoder``'s similarity even when a
        separate ``category_encoder`` is there (its reason line is not shown: it is not red).
        ``second_head``: with a separate ``category_encoder``, a second head is fitted on its
        embeddings of the same posts, and a post at or above ``name_floor`` (the only posts that
        encoder reads) scores the mean of both heads' probabilities; below, the first head's alone."""
        if not categories:
            raise ValueError("a confidentiality scorer needs at least one category")
        self.categories = list(categories)
        self.encoder: TextEncoder = encoder if encoder is not None else OnnxSentenceEncoder()
        if category_encoder is None:
            default_cat = encoder is None and CATEGORY_ENCODER_PATH.is_file()
            category_encoder = OnnxSentenceEncoder(CATEGORY_ENCODER_PATH) if default_cat else self.encoder
        self.category_encoder: TextEncoder = category_encoder
        self.public_examples = tuple(public_examples)
        self.extra_examples = (
            tuple(extra_examples)
            if extra_examples is not None
            else tuple(builtin_examples())
        )
        self.l2 = l2
        if disclosure_head == "auto":
            disclosure_head = _head_of(self.encoder)
        if isinstance(disclosure_head, str):
            raise ValueError(f"disclosure_head: {disclosure_head!r} is neither 'auto' nor a head")
        if combine not in ("mean", "head", "config"):
            raise ValueError(f"combine: {combine!r} is not mean, head or config")
        self.disclosure_head: DisclosureHead | None = disclosure_head
        self.combine = combine
        self._head: np.ndarray | None = None
        self._refs: list[tuple[int, str]] = []
        for k, c in enumerate(self.categories):
            self._refs.append((k, f"{c.name}: {c.description}" if c.description else c.name))
            self._refs += [(k, e) for e in c.examples]
        # posts the organisation says are public though they touch a category (a claimant's own
        # injury): ordinary posts for both heads, embedded at load like the references
        self._public_refs = [e for c in self.categories for e in getattr(c, "public_examples", ())]
        self._ref_emb: np.ndarray | None = None
        self._cat_ref_emb: np.ndarray | None = None
        self.name_floor = name_floor
        self.second_head = second_head
        self._cat_head: np.ndarray | None = None
        self._lock = threading.Lock()

    @classmethod
    def from_config(cls, light: Any, **kwargs: Any) -> ConfidentialityScorer:
        """Build from ``LightConfig`` (its ``confidential_categories``); ValueError when it has none."""
        return cls(list(light.confidential_categories), **kwargs)

    def load(self) -> ConfidentialityScorer:
        """Embed the references and fit the head now (idempotent)."""
        with self._lock:
            if self._ref_emb is None:
                ref_texts = [t for _, t in self._refs]
                ref_emb = self.encoder.encode(ref_texts)
                texts = list(self.public_examples) + [t for t, _ in self.extra_examples]
                labels = [0] * len(self.public_examples) + [y for _, y in self.extra_examples]
                x = np.vstack([ref_emb, self._examples(texts)]) if texts else ref_emb
                y = np.asarray([1] * len(ref_emb) + labels, dtype=np.float64)
                x, y = self._with_public(x, y, self.encoder)
                self._head = train_head(x, y, self.l2)
                self._ref_emb = ref_emb
        return self

    def _category_refs(self) -> np.ndarray:
        """The references embedded with the category encoder, on first need: a scorer whose
        posts all stay below :attr:`name_floor` never loads that encoder."""
        with self._lock:
            if self._cat_ref_emb is None:
                self._cat_ref_emb = np.asarray(self.category_encoder.encode([t for _, t in self._refs]))
            return self._cat_ref_emb

    def _category_head(self) -> np.ndarray:
        """The second head (:attr:`second_head`), fitted on the category encoder's rows of the
        same posts as the first, on first need."""
        refs = self._category_refs()
        with self._lock:
            if self._cat_head is None:
                texts = list(self.public_examples) + [t for t, _ in self.extra_examples]
                labels = [0] * len(self.public_examples) + [y for _, y in self.extra_examples]
                x = np.vstack([refs, self._examples(texts, self.category_encoder)]) if texts else refs
                y = np.asarray([1] * len(refs) + labels, dtype=np.float64)
                x, y = self._with_public(x, y, self.category_encoder)
                self._cat_head = train_head(x, y, self.l2)
            return self._cat_head

    def _with_public(self, x: np.ndarray, y: np.ndarray, encoder: TextEncoder) -> tuple[np.ndarray, np.ndarray]:
        """``x``, ``y`` with the categories' ``public_examples`` as ordinary posts, each counted
        :data:`PUBLIC_WEIGHT` times: a few lines among thousands of built-in posts would not move
        the head, and they are the organisation's own word on what is public."""
        if not self._public_refs:
            return x, y
        pub = np.repeat(np.asarray(encoder.encode(self._public_refs)), PUBLIC_WEIGHT, axis=0)
        return np.vstack([x, pub]), np.concatenate([y, np.zeros(len(pub))])

    def _examples(self, texts: list[str], encoder: TextEncoder | None = None) -> np.ndarray:
        """``encoder``'s (default: the score encoder's) rows for the built-in examples: from the
        model folder's cache when it was written for this model file and these texts, else
        encoded now (seconds)."""
        encoder = self.encoder if encoder is None else encoder
        model_path = _encoder_file(encoder)
        if model_path is not None:
            cached = read_reference_cache(model_path, texts)
            if cached is not None:
                return cached
        return np.asarray(encoder.encode(texts))

    def features(
        self, texts: Sequence[str], embeddings: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(head probability, index of the closest reference, its cosine) per text.

        ``embeddings``: the rows ``self.encoder.encode(texts)`` would give, when the caller already
        has them (the sentiment classifier's pass gives them when it is the encoder)."""
        self.load()
        assert self._ref_emb is not None and self._head is not None
        emb = self.encoder.encode(list(texts)) if embeddings is None else embeddings
        z = emb.astype(np.float64) @ self._head[:-1] + self._head[-1]
        prob = 1.0 / (1.0 + np.exp(-z))
        if self.disclosure_head is not None and self.combine != "config":
            trained = self.disclosure_head.prob(emb)
            prob = trained if self.combine == "head" else (trained + prob) / 2
        sims = emb @ self._ref_emb.T
        best_ref = sims.argmax(axis=1)
        best_sim = sims[np.arange(len(texts)), best_ref]
        named = [i for i in range(len(texts)) if prob[i] >= self.name_floor]
        if self.category_encoder is not self.encoder and named:
            # a second encoder pass costs as much as the sentiment pass: spend it only on the
            # posts whose reason line someone may read (near or above the red threshold)
            cat_emb = np.asarray(self.category_encoder.encode([texts[i] for i in named]))
            cat_sims = cat_emb @ self._category_refs().T
            best_ref[named] = cat_sims.argmax(axis=1)
            best_sim[named] = cat_sims.max(axis=1)
            if self.second_head:
                # a second opinion from an encoder not tuned for polarity: it reads "I know
                # something I should not say" where the first sees a complaint (MODEL_CARD.md)
                w = self._category_head()
                second = 1.0 / (1.0 + np.exp(-(cat_emb.astype(np.float64) @ w[:-1] + w[-1])))
                prob[named] = (prob[named] + second) / 2
        return prob, best_ref, best_sim

    def score(self, texts: Sequence[str], *, embeddings: np.ndarray | None = None) -> list[ConfidentialSignal]:
        """One :class:`ConfidentialSignal` per text, input order.

        ``embeddings`` (optional, one row per text): the encoder's L2-normalised output for the
        texts, computed elsewhere in the same pass (see :meth:`features`); no second encoding."""
        if not texts:
            return []
        if embeddings is not None and len(embeddings) != len(texts):
            raise ValueError(f"{len(embeddings)} embeddings for {len(texts)} texts")
        keep = [i for i, t in enumerate(texts) if t.strip()]
        out = [ConfidentialSignal(None, 0.0)] * len(texts)
        if not keep:
            return out
        prob, best_ref, sim = self.features(
            [texts[i] for i in keep], None if embeddings is None else embeddings[keep]
        )
        for row, i in enumerate(keep):
            k, ref = self._refs[int(best_ref[row])]
            out[i] = ConfidentialSignal(
                self.categories[k].name, round(float(prob[row]), 4), round(float(sim[row]), 4), ref
            )
        return out


def _encoder_file(encoder: TextEncoder) -> Path | None:
    """The ONNX file ``encoder`` runs, when it is an :class:`OnnxSentenceEncoder` or a classifier."""
    model_dir = getattr(encoder, "model_dir", None)  # OnnxClassifier
    if model_dir is not None:
        return Path(model_dir) / "model.onnx"
    path = getattr(encoder, "model_path", None)
    return Path(path) if path is not None else None


def _model_path(encoder: TextEncoder) -> Path | None:
    """The ``model.onnx`` whose ``embedding`` output ``encoder`` gives, when it is one."""
    path = _encoder_file(encoder)
    return path if path is not None and path.name == "model.onnx" else None


def _head_of(encoder: TextEncoder) -> DisclosureHead | None:
    """The disclosure head shipped in the model folder ``encoder`` reads its embedding from."""
    path = _model_path(encoder)
    return read_disclosure_head(path.parent) if path is not None else None


def _fingerprint(model_path: Path, texts: Sequence[str]) -> str:
    digest = hashlib.sha256(model_path.read_bytes())
    digest.update("\x00".join(texts).encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def reference_cache_path(model_path: Path) -> Path:
    """Where the built-in examples' rows for ``model_path`` are cached: :data:`REFERENCE_CACHE`
    for a ``model.onnx``, ``<stem>_``:data:`REFERENCE_CACHE` for another file (``encoder.onnx``)."""
    name = REFERENCE_CACHE if model_path.name == "model.onnx" else f"{model_path.stem}_{REFERENCE_CACHE}"
    return model_path.parent / name


def read_reference_cache(model_path: Path, texts: Sequence[str]) -> np.ndarray | None:
    """The cached rows for ``texts`` next to ``model_path`` (:func:`reference_cache_path`), or
    None when there is no cache or it was written for another model file or other texts."""
    cache = reference_cache_path(model_path)
    if not cache.is_file() or not model_path.is_file():
        return None
    with np.load(cache) as data:
        if str(data["fingerprint"]) != _fingerprint(model_path, texts) or len(data["x"]) != len(texts):
            return None
        x = np.asarray(data["x"], dtype=np.float32)
        return x / float(data["scale"]) if "scale" in data else x


def write_reference_cache(model_path: Path = ENCODER_PATH, *, int8: bool = False) -> Path:
    """Encode the built-in examples (:data:`PUBLIC_EXAMPLES` and :func:`builtin_examples`) with
    ``model_path`` and write them next to it (:func:`reference_cache_path`), as float16 or, with
    ``int8``, as int8 times 127 (half the size; the rows are unit vectors, and the head fitted on
    them is the same to three decimals); returns the file written."""
    texts = list(PUBLIC_EXAMPLES) + [t for t, _ in builtin_examples()]
    x = OnnxSentenceEncoder(model_path, model_path.parent / "tokenizer.json").encode(texts)
    out = reference_cache_path(model_path)
    fingerprint = np.array(_fingerprint(model_path, texts))
    with out.open("wb") as f:
        if int8:
            np.savez_compressed(f, x=np.round(np.clip(x, -1.0, 1.0) * 127).astype(np.int8), scale=np.array(127.0),
                                fingerprint=fingerprint)
        else:
            np.savez_compressed(f, x=x.astype(np.float16), fingerprint=fingerprint)
    return out


def read_trainset(path: Path = TRAINSET) -> list[tuple[str, int, str]]:
    """Rows ``(split, label 0/1, text)`` of the project-written confidentiality set."""
    return [(split, int(label), text) for split, label, text in project_rows(path, 3, {1: ("0", "1")})]


def train_head(x: np.ndarray, y: np.ndarray, l2: float = L2) -> np.ndarray:
    """Weights (last = bias) of an L2-regularised logistic regression, fitted by Newton's method."""
    x1 = np.hstack([x.astype(np.float64), np.ones((len(x), 1))])
    w = np.zeros(x1.shape[1])
    reg = l2 * np.eye(x1.shape[1])
    reg[-1, -1] = 0.0
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-(x1 @ w)))
        grad = x1.T @ (p - y) / len(y) + reg @ w
        hess = (x1.T * (p * (1 - p))) @ x1 / len(y) + reg + 1e-9 * np.eye(x1.shape[1])
        step = np.linalg.solve(hess, grad)
        w -= step
        if float(np.abs(step).max()) < 1e-9:
            break
    return w


def threshold_table(
    scores: Sequence[float], labels: Sequence[int], thresholds: Sequence[float]
) -> list[dict[str, float]]:
    """Red recall on disclosures and false reds on public posts, per threshold."""
    pos = [s for s, y in zip(scores, labels, strict=True) if y == 1]
    neg = [s for s, y in zip(scores, labels, strict=True) if y == 0]
    return [
        {
            "threshold": t,
            "red_recall": sum(s >= t for s in pos) / max(1, len(pos)),
            "reds_caught": float(sum(s >= t for s in pos)),
            "false_reds": float(sum(s >= t for s in neg)),
            "public_posts": float(len(neg)),
        }
        for t in thresholds
    ]


def report(
    config: Path,
    encoder: TextEncoder,
    *,
    category_encoder: TextEncoder | None = None,
    thresholds: Sequence[float] = (),
) -> dict[str, Any]:
    """Tabulate the ``fit`` split (trained on: optimistic) and the held-out ``test`` split."""
    from monitor.config import load_config

    light = load_config(config).policy.light
    rows = read_trainset()
    scorer = ConfidentialityScorer.from_config(light, encoder=encoder, category_encoder=category_encoder)
    fit_rows = [(t, y) for s, y, t in rows if s == "fit"]
    test_rows = [(t, y) for s, y, t in rows if s == "test"]
    grid = list(thresholds) or [round(0.05 * k, 2) for k in range(1, 20)]
    out: dict[str, Any] = {"l2": scorer.l2}
    for name, part in (("fit", fit_rows), ("test", test_rows)):
        sigs = scorer.score([t for t, _ in part])
        labels = [y for _, y in part]
        pos = [g.similarity for g, y in zip(sigs, labels, strict=True) if y == 1]
        neg = [g.similarity for g, y in zip(sigs, labels, strict=True) if y == 0]
        out[name] = {
            "table": threshold_table([g.score for g in sigs], labels, grid),
            "mean_similarity_disclosures": round(float(np.mean(pos)), 4),
            "mean_similarity_public": round(float(np.mean(neg)), 4),
            "signals": [(round(g.score, 3), g.category, y, t) for g, (t, y) in zip(sigs, part, strict=True)],
        }
    return out


def main(argv: Sequence[str] | None = None) -> None:
    """``python -m monitor.sentiment.confidential [--encoder sentiment|base] [--model-dir DIR]``.

    ``sentiment`` (default) uses ``model.onnx``'s ``embedding`` output; ``base`` uses
    ``encoder.onnx`` (write it first with ``scout sentiment export-encoder --output-dir DIR``).
    """
    import argparse
    import json
    import sys

    def say(line: str = "") -> None:
        sys.stdout.write(line + "\n")

    ap = argparse.ArgumentParser(description=main.__doc__)
    ap.add_argument("--config", type=Path, default=Path("config/example.yaml"))
    ap.add_argument("--encoder", choices=["base", "sentiment"], default="sentiment")
    ap.add_argument("--model-dir", type=Path, default=ENCODER_PATH.parent)
    ap.add_argument("--verbose", action="store_true", help="print every scored post")
    ap.add_argument("--write-cache", action="store_true",
                    help=f"write {REFERENCE_CACHE} for the model folder's model.onnx (after a retrain), "
                         "and its encoder.onnx's, and stop")
    args = ap.parse_args(argv)
    if args.write_cache:
        say(f"written {write_reference_cache(args.model_dir / 'model.onnx')}")
        if (args.model_dir / "encoder.onnx").is_file():
            say(f"written {write_reference_cache(args.model_dir / 'encoder.onnx', int8=True)}")
        return
    model = args.model_dir / ("encoder.onnx" if args.encoder == "base" else "model.onnx")
    enc = OnnxSentenceEncoder(model, args.model_dir / "tokenizer.json")
    cat_path = args.model_dir / "encoder.onnx"
    cat = OnnxSentenceEncoder(cat_path, args.model_dir / "tokenizer.json") if cat_path.is_file() else enc
    rep = report(args.config, enc, category_encoder=cat)
    say(f"score encoder {model}; category encoder {cat_path if cat is not enc else model}; head L2 {rep['l2']}")
    for name in ("fit", "test"):
        part = rep[name]
        say(f"\n{name}: mean best-category cosine: disclosures {part['mean_similarity_disclosures']}, "
              f"public {part['mean_similarity_public']}")  # fmt: skip
        say("threshold  red recall  caught  false reds")
        for r in part["table"]:
            say(f"{r['threshold']:>9.2f}  {r['red_recall']:>10.2f}  {int(r['reds_caught']):>6}  "
                  f"{int(r['false_reds']):>4}/{int(r['public_posts'])}")  # fmt: skip
        if args.verbose:
            for s in part["signals"]:
                say(json.dumps(s))


__all__ = ["CATEGORY_ENCODER_PATH", "ENCODER_PATH", "L2", "PUBLIC_EXAMPLES", "REFERENCE_CACHE", "TOKENIZER_PATH",
           "TRAINSET", "Category", "CategoryLike", "ConfidentialSignal", "ConfidentialityScorer", "DisclosureHead",
           "OnnxSentenceEncoder", "TextEncoder", "builtin_examples", "main", "read_disclosure_head",
           "read_reference_cache", "read_trainset", "reference_cache_path", "report", "threshold_table", "train_head", "write_reference_cache"]


if __name__ == "__main__":
    main()
