"""Sentiment commands: ``scout classify`` and ``scout sentiment train|export-encoder|eval|export-corrections``.

:mod:`monitor.cli` adds :func:`classify_command` to the ``scout`` app and mounts :data:`sentiment_app`
as ``scout sentiment``.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Annotated, Any, TextIO

import typer

from monitor.config.sentiment import SentimentConfig
from monitor.errors import MonitorError
from monitor.sentiment.base import LABELS, Classification
from monitor.sentiment.data import layout_problem, read_tsv

DEFAULT_DATA_DIR = Path("../shared/data/semeval-tweets")
DEFAULT_IRONY_DIR = Path("../shared/data/tweeteval-irony")
DEFAULT_BRAND_FILE = Path(__file__).resolve().parent / "trainset" / "brand.tsv"
DEFAULT_DISCLOSURE_FILE = Path(__file__).resolve().parent / "trainset" / "disclosure.tsv"
DEFAULT_CONFIDENTIAL_FILE = Path(__file__).resolve().parent / "trainset" / "confidential.tsv"
DEFAULT_OUTPUT_DIR = Path(__file__).resolve().parent / "model"
CHUNK = 2048

ConfigOpt = Annotated[
    Path | None,
    typer.Option("--config", "-c", help="brand-scout YAML config (its sentiment section is used)"),
]
ModelOpt = Annotated[
    str | None,
    typer.Option("--model", "-m", help="builtin, lexicon, an ONNX model folder, or a Hugging Face id/folder"),
]
BatchOpt = Annotated[int | None, typer.Option("--batch-size", "-b", min=1, help="texts per model batch")]


def sentiment_config(config: Path | None, model: str | None, batch_size: int | None) -> SentimentConfig:
    """The sentiment settings from ``config`` (or the defaults), with command-line overrides."""
    if config is not None:
        from monitor.config import load_config

        cfg = load_config(config).sentiment
    else:
        cfg = SentimentConfig()
    updates: dict[str, Any] = {}
    if model is not None:
        updates["model"] = model
    if batch_size is not None:
        updates["batch_size"] = batch_size
    return SentimentConfig.model_validate(cfg.model_dump() | updates) if updates else cfg


def _fail(message: str, code: int = 1) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


def result_json(line: int, c: Classification) -> dict[str, Any]:
    """The JSON object ``scout classify`` prints for one classified line (``irony``/``ironic`` when the model has an irony head)."""
    return {
        "line": line,
        "label": c.label,
        "score": round(c.score, 6),
        "scores": {k: round(v, 6) for k, v in c.scores.items()},
        "uncertain": c.uncertain,
        "supported": c.supported,
        "model_id": c.model_id,
    } | ({"irony": round(c.irony, 6), "ironic": c.ironic} if c.irony is not None else {})


def _chunks(lines: Iterable[str], size: int) -> Iterator[list[str]]:
    chunk: list[str] = []
    for line in lines:
        chunk.append(line.rstrip("\r\n"))
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def classify_stream(classifier: Any, lines: Iterable[str], out: TextIO, chunk_size: int = CHUNK) -> int:
    """Classify one text per line, writing one JSON object per line in input order.

    Empty (or blank) lines give ``{"line": n, "error": "empty text"}``. Returns the line count.
    """
    n = 0
    for chunk in _chunks(lines, chunk_size):
        texts = [(n + i + 1, t) for i, t in enumerate(chunk) if t.strip()]
        results = iter(classifier.classify([t for _, t in texts]))
        by_line = {ln: next(results) for ln, _ in texts}
        for i, _text in enumerate(chunk):
            ln = n + i + 1
            obj = result_json(ln, by_line[ln]) if ln in by_line else {"line": ln, "error": "empty text"}
            out.write(json.dumps(obj, ensure_ascii=False) + "\n")
        out.flush()
        n += len(chunk)
    return n


def classify_command(
    model: ModelOpt = None,
    batch_size: BatchOpt = None,
    input: Annotated[Path | None, typer.Option("--input", "-i", help="file with one text per line")] = None,
    config: ConfigOpt = None,
) -> None:
    """Classify one text per line (stdin or --input); print one JSON object per line, in order."""
    from monitor.sentiment import build_classifier

    try:
        classifier = build_classifier(sentiment_config(config, model, batch_size))
        if input is not None:
            with open(input, encoding="utf-8") as fh:
                classify_stream(classifier, fh, sys.stdout)
        else:
            classify_stream(classifier, sys.stdin, sys.stdout)
    except (MonitorError, OSError) as exc:
        raise _fail(str(exc)) from exc


sentiment_app = typer.Typer(help="Sentiment model: train, evaluate, export corrections.", no_args_is_help=True)


@sentiment_app.command("train")
def train_command(
    data_dir: Annotated[Path, typer.Option(help="folder of labelled .tsv files")] = DEFAULT_DATA_DIR,
    output_dir: Annotated[Path, typer.Option(help="model folder to write")] = DEFAULT_OUTPUT_DIR,
    epochs: Annotated[int, typer.Option(min=1)] = 1,
    seed: Annotated[int, typer.Option()] = 13,
    max_examples: Annotated[int, typer.Option(min=0, help="training examples at most (0 = all)")] = 0,
    max_length: Annotated[int, typer.Option(min=8, max=512, help="tokens per text")] = 64,
    batch_size: Annotated[int, typer.Option(min=1)] = 32,
    lr: Annotated[float, typer.Option(help="peak learning rate")] = 8e-5,
    val_fraction: Annotated[float, typer.Option(min=0.01, max=0.5, help="validation share")] = 0.1,
    val_file: Annotated[Path | None, typer.Option(help="validation TSV instead of a split")] = None,
    threads: Annotated[int, typer.Option(min=1)] = 2,
    freeze_embeddings: Annotated[bool, typer.Option(help="keep the embedding layer fixed")] = False,
    class_weights: Annotated[bool, typer.Option(help="class-weighted loss (see --class-weight-power)")] = True,
    class_weight_power: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="weights (n / (k * n_class)) ** power; 1 = fully balanced")
    ] = 0.5,
    hold_out: Annotated[
        list[str] | None, typer.Option(help="file names in --data-dir never trained on (reported at the end)")
    ] = None,
    irony_dir: Annotated[
        Path | None, typer.Option(help="TweetEval irony folder (train.tsv, val.tsv); skipped when missing")
    ] = DEFAULT_IRONY_DIR,
    irony_weight: Annotated[float, typer.Option(min=0.0, help="weight of the irony loss")] = 0.5,
    brand_file: Annotated[
        Path | None, typer.Option(help="brand set kind<TAB>label<TAB>irony<TAB>text; skipped when missing")
    ] = DEFAULT_BRAND_FILE,
    brand_repeat: Annotated[int, typer.Option(min=1, help="times the brand set is repeated per epoch")] = 3,
    disclosure_file: Annotated[
        Path | None, typer.Option(help="disclosure set kind<TAB>0/1<TAB>text; skipped when missing")
    ] = DEFAULT_DISCLOSURE_FILE,
    confidential_file: Annotated[
        Path | None, typer.Option(help="split<TAB>0/1<TAB>text: 'fit' trained on, 'test' only reported")
    ] = DEFAULT_CONFIDENTIAL_FILE,
    disclosure_weight: Annotated[float, typer.Option(min=0.0, help="weight of the disclosure loss")] = 0.5,
    disclosure_repeat: Annotated[int, typer.Option(min=1, help="times the disclosure set is repeated")] = 3,
    checkpoint_dir: Annotated[
        Path | None, typer.Option(help="checkpoint folder (default: .<output-dir>-checkpoint beside it)")
    ] = None,
    checkpoint_minutes: Annotated[float, typer.Option(min=0.0, help="minutes between checkpoints")] = 5.0,
    resume: Annotated[bool, typer.Option(help="continue from the checkpoint when there is one")] = False,
    quantize: Annotated[bool, typer.Option(help="ship int8 if it costs <= 1 point")] = True,
    torch_out: Annotated[Path | None, typer.Option(help="also save the PyTorch weights here")] = None,
    log_every: Annotated[int, typer.Option(min=1, help="progress line every N steps")] = 50,
) -> None:
    """Fine-tune the packaged MiniLM-L6 on labelled tweets and write an ONNX model folder."""
    from monitor.sentiment.train import TrainSettings, train

    settings = TrainSettings(
        data_dir=data_dir, output_dir=output_dir, epochs=epochs, seed=seed,
        max_examples=max_examples or None, max_length=max_length, batch_size=batch_size, lr=lr,
        val_fraction=val_fraction, val_file=val_file, threads=threads, freeze_embeddings=freeze_embeddings,
        class_weights=class_weights, quantize=quantize, torch_out=torch_out, log_every=log_every,
        class_weight_power=class_weight_power,
        hold_out=["twitter-2016test-A.tsv"] if hold_out is None else [h for h in hold_out if h],
        irony_dir=irony_dir, irony_weight=irony_weight, brand_file=brand_file, brand_repeat=brand_repeat,
        disclosure_file=disclosure_file, confidential_file=confidential_file,
        disclosure_weight=disclosure_weight, disclosure_repeat=disclosure_repeat,
        checkpoint_dir=checkpoint_dir, checkpoint_minutes=checkpoint_minutes, resume=resume,
    )  # fmt: skip
    try:
        train(settings, log=typer.echo)
    except (MonitorError, OSError) as exc:
        raise _fail(str(exc)) from exc


@sentiment_app.command("export-encoder")
def export_encoder_command(
    output_dir: Annotated[Path, typer.Option(help="model folder to write encoder.onnx into")] = DEFAULT_OUTPUT_DIR,
) -> None:
    """Export the packaged all-MiniLM-L6-v2 sentence encoder to int8 ONNX (confidentiality signal)."""
    from monitor.sentiment.train import export_encoder

    try:
        export_encoder(output_dir, log=typer.echo)
    except (MonitorError, OSError) as exc:
        raise _fail(str(exc)) from exc


@sentiment_app.command("eval")
def eval_command(
    file: Annotated[Path, typer.Argument(help="id<TAB>label<TAB>text file", exists=True, dir_okay=False)],
    model: ModelOpt = None,
    batch_size: BatchOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the figures as JSON")] = False,
    config: ConfigOpt = None,
) -> None:
    """Macro-recall, macro-F1, accuracy, per-class precision/recall, confusion matrix and ECE on FILE."""
    from monitor.sentiment import build_classifier
    from monitor.sentiment.metrics import evaluate, expected_calibration_error

    ds = read_tsv([file])
    for path, number, why in ds.problems[:10]:
        typer.echo(f"{path}, line {number}: skipped: {why}", err=True)
    if len(ds.problems) > 10:
        typer.echo(f"... and {len(ds.problems) - 10} more skipped lines", err=True)
    wrong = layout_problem(ds)
    if wrong is not None or not ds.examples:
        raise _fail(f"{file}: {wrong or 'no labelled lines'}; the file must hold id<TAB>label<TAB>text lines "
                    f"(label one of {', '.join(LABELS)})", 2)
    try:
        classifier = build_classifier(sentiment_config(config, model, batch_size))
        results = classifier.classify([e.text for e in ds.examples])
    except MonitorError as exc:
        raise _fail(str(exc)) from exc
    gold = [e.label for e in ds.examples]
    report = evaluate(gold, [c.label for c in results])
    ece = expected_calibration_error(
        [c.score for c in results], [c.label == g for c, g in zip(results, gold, strict=True)]
    )
    ironic = sum(1 for c in results if c.ironic)
    if as_json:
        payload = report.to_dict() | {
            "model_id": classifier.model_id,
            "skipped_lines": ds.skipped_lines,
            "duplicates": ds.duplicates,
            "ece": ece,
            "mean_confidence": sum(c.score for c in results) / len(results),
            "irony_rule_applied": ironic,
        }
        typer.echo(json.dumps(payload, indent=2))
    else:
        typer.echo(f"model        {classifier.model_id}")
        if ds.skipped_lines or ds.duplicates:
            typer.echo(f"skipped      {ds.skipped_lines} unparseable lines, {ds.duplicates} duplicates")
        typer.echo(report.format_text())
        typer.echo("")
        typer.echo(f"calibration  ECE {ece:.4f} (15 bins; 0 = scores match accuracy), "
                   f"mean confidence {sum(c.score for c in results) / len(results):.4f}")  # fmt: skip
        typer.echo(f"irony rule   moved {ironic} positive texts to negative")


def tsv_field(text: str) -> str:
    """Text made safe for one TSV field: tabs and line breaks become spaces."""
    return " ".join(text.replace("\t", " ").split())


def export_corrections(database_url: str, *, since: str | None = None) -> list[tuple[str, str, str]]:
    """The latest correction of each corrected mention as ``(id, label, text)`` rows.

    ``id`` is ``source:external_id``; mentions without text are left out. ``since`` (ISO date
    or time) keeps corrections made at or after it.
    """
    from datetime import UTC, datetime

    from monitor.storage.db import make_engine
    from monitor.storage.read_models import latest_corrections
    from monitor.storage.store import Store

    cutoff = None
    if since is not None:
        cutoff = datetime.fromisoformat(since)
        if cutoff.tzinfo is None:
            cutoff = cutoff.replace(tzinfo=UTC)
    store = Store(make_engine(database_url))
    try:
        found = latest_corrections(store, cutoff)
    finally:
        store.engine.dispose()
    rows: list[tuple[str, str, str]] = []
    for corr, mention in found:
        text = tsv_field(mention.text or mention.title or "")
        if text:
            rows.append((tsv_field(f"{mention.source}:{mention.external_id}"), corr.label, text))
    return rows


@sentiment_app.command("export-corrections")
def export_corrections_command(
    out: Annotated[Path | None, typer.Option("--out", "-o", help="write here instead of stdout")] = None,
    database_url: Annotated[
        str | None, typer.Option("--database-url", help="SQLAlchemy URL (default: from --config)")
    ] = None,
    since: Annotated[str | None, typer.Option(help="only corrections at or after this ISO date/time")] = None,
    config: ConfigOpt = None,
) -> None:
    """Write spokesperson corrections as id<TAB>label<TAB>text, ready for ``sentiment train``."""
    url = database_url
    if url is None:
        if config is None:
            raise _fail("give --database-url or --config", 2)
        from monitor.config import load_config

        url = load_config(config).database_url()
    try:
        rows = export_corrections(url, since=since)
    except (MonitorError, ValueError) as exc:
        raise _fail(str(exc)) from exc
    except Exception as exc:
        raise _fail(f"cannot read corrections from the database: {exc}") from exc
    lines = "".join(f"{i}\t{label}\t{text}\n" for i, label, text in rows)
    if out is None:
        sys.stdout.write(lines)
    else:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(lines, encoding="utf-8")
        typer.echo(f"{len(rows)} corrections written to {out}", err=True)


__all__ = ["classify_command", "classify_stream", "export_corrections", "sentiment_app"]
