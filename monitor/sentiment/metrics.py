"""Classification figures used by training, ``scout sentiment eval`` and the benchmark.

Macro-recall (recall averaged over the three classes) is the official SemEval measure.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from monitor.sentiment.base import LABELS


@dataclass(frozen=True, slots=True)
class ClassFigures:
    """Precision, recall, F1 and support of one class."""

    precision: float
    recall: float
    f1: float
    support: int


@dataclass(frozen=True, slots=True)
class EvalReport:
    """Figures for predictions against gold labels.

    ``confusion[i][j]`` counts texts of gold class ``labels[i]`` predicted as ``labels[j]``.
    """

    macro_recall: float
    macro_f1: float
    accuracy: float
    n: int
    per_class: dict[str, ClassFigures] = field(default_factory=dict)
    confusion: list[list[int]] = field(default_factory=list)
    labels: tuple[str, ...] = LABELS

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return asdict(self)

    def format_text(self) -> str:
        """A human-readable table of the figures and the confusion matrix."""
        lines = [
            f"texts        {self.n}",
            f"macro-recall {self.macro_recall:.4f}",
            f"macro-F1     {self.macro_f1:.4f}",
            f"accuracy     {self.accuracy:.4f}",
            "",
            f"{'class':<10} {'precision':>9} {'recall':>9} {'f1':>9} {'support':>8}",
        ]
        for name in self.labels:
            c = self.per_class[name]
            lines.append(f"{name:<10} {c.precision:>9.4f} {c.recall:>9.4f} {c.f1:>9.4f} {c.support:>8}")
        lines += [
            "",
            "confusion (rows gold, columns predicted)",
            " " * 10 + "".join(f"{n:>10}" for n in self.labels),
        ]
        for name, row in zip(self.labels, self.confusion, strict=True):
            lines.append(f"{name:<10}" + "".join(f"{v:>10}" for v in row))
        return "\n".join(lines)


def evaluate(gold: Sequence[str], predicted: Sequence[str], labels: Sequence[str] = LABELS) -> EvalReport:
    """Compare ``predicted`` with ``gold`` (same length) over ``labels``.

    A class without gold examples has recall 0 and one never predicted has precision 0, as in
    the SemEval scorer; both still count in the macro averages.
    """
    if len(gold) != len(predicted):
        raise ValueError(f"{len(gold)} gold labels but {len(predicted)} predictions")
    index = {name: i for i, name in enumerate(labels)}
    k = len(labels)
    confusion = [[0] * k for _ in range(k)]
    for g, p in zip(gold, predicted, strict=True):
        if g not in index:
            raise ValueError(f"unknown gold label {g!r}")
        if p not in index:
            raise ValueError(f"unknown predicted label {p!r}")
        confusion[index[g]][index[p]] += 1
    per_class: dict[str, ClassFigures] = {}
    for i, name in enumerate(labels):
        tp = confusion[i][i]
        support = sum(confusion[i])
        predicted_n = sum(confusion[j][i] for j in range(k))
        precision = tp / predicted_n if predicted_n else 0.0
        recall = tp / support if support else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_class[name] = ClassFigures(precision, recall, f1, support)
    n = len(gold)
    correct = sum(confusion[i][i] for i in range(k))
    return EvalReport(
        macro_recall=sum(c.recall for c in per_class.values()) / k,
        macro_f1=sum(c.f1 for c in per_class.values()) / k,
        accuracy=correct / n if n else 0.0,
        n=n,
        per_class=per_class,
        confusion=confusion,
        labels=tuple(labels),
    )


def softmax_rows(logits: Sequence[Sequence[float]], temperature: float = 1.0) -> list[list[float]]:
    """Row-wise softmax of ``logits / temperature`` (numerically stable, pure Python)."""
    if temperature <= 0:
        raise ValueError(f"temperature must be positive, not {temperature}")
    out: list[list[float]] = []
    for row in logits:
        scaled = [x / temperature for x in row]
        top = max(scaled)
        exps = [math.exp(x - top) for x in scaled]
        total = sum(exps)
        out.append([e / total for e in exps])
    return out


def expected_calibration_error(confidences: Sequence[float], correct: Sequence[bool], bins: int = 15) -> float:
    """ECE: the mean gap |accuracy - confidence| over equal-width confidence bins, weighted by size.

    ``confidences`` are the probabilities of the predicted classes, ``correct`` whether each
    prediction was right. 0 means that "score 0.8" is right 80% of the time; an empty input gives 0.
    """
    if len(confidences) != len(correct):
        raise ValueError(f"{len(confidences)} confidences but {len(correct)} outcomes")
    n = len(confidences)
    if n == 0:
        return 0.0
    sums = [[0.0, 0.0, 0] for _ in range(bins)]  # confidence sum, correct count, size
    for conf, ok in zip(confidences, correct, strict=True):
        b = min(bins - 1, max(0, int(conf * bins)))
        sums[b][0] += conf
        sums[b][1] += 1.0 if ok else 0.0
        sums[b][2] += 1
    ece = 0.0
    for conf_sum, ok_sum, size in sums:
        if size:
            ece += abs(ok_sum / size - conf_sum / size) * size / n
    return ece


def nll(logits: Sequence[Sequence[float]], gold: Sequence[int], temperature: float = 1.0) -> float:
    """Mean negative log-likelihood of the gold class indices under ``softmax(logits / T)``."""
    total = 0.0
    for row, g in zip(logits, gold, strict=True):
        scaled = [x / temperature for x in row]
        top = max(scaled)
        log_z = top + math.log(sum(math.exp(x - top) for x in scaled))
        total += log_z - scaled[g]
    return total / max(1, len(gold))


def fit_temperature(logits: Sequence[Sequence[float]], gold: Sequence[int]) -> float:
    """The temperature T > 0 minimising the NLL of ``softmax(logits / T)`` (temperature scaling).

    Golden-section search on log T in [0.05, 20] (the NLL is unimodal in T for fixed logits),
    Guo et al. 2017. It never changes which class wins, only how sure the scores are.
    """
    if not gold:
        return 1.0
    lo, hi = math.log(0.05), math.log(20.0)
    phi = (math.sqrt(5) - 1) / 2
    a, b = hi - phi * (hi - lo), lo + phi * (hi - lo)
    fa, fb = nll(logits, gold, math.exp(a)), nll(logits, gold, math.exp(b))
    for _ in range(40):
        if fa < fb:
            hi, b, fb = b, a, fa
            a = hi - phi * (hi - lo)
            fa = nll(logits, gold, math.exp(a))
        else:
            lo, a, fa = a, b, fb
            b = lo + phi * (hi - lo)
            fb = nll(logits, gold, math.exp(b))
    return math.exp((lo + hi) / 2)
