"""Sentiment benchmark: throughput, memory, load time and efficiency of the shipped model.

Run from the repository root::

    .venv/bin/python -m bench.sentiment.run            # or: python bench/sentiment/run.py

Each measurement runs in its own subprocess (so peak RSS and load time are those of a fresh
process, and PyTorch never shares memory with the ONNX runtime):

* ``onnx``: load time of the builtin model, texts/s on short social posts and on long posts
  (batched, length-bucketed, ``max_length`` 128), peak RSS of that process;
* ``pipeline``: the same architecture through plain ``transformers.pipeline``, one text at a
  time (the fine-tuned PyTorch weights when ``--torch-model`` is given, otherwise the packaged
  MiniLM-L6 with a 3-class head: same layers, same FLOPs);
* ``matmul``: the float32 matrix-multiply FLOP/s the same threads reach with numpy.

Each figure is the best of ``--repeats`` rounds (the machine may be shared); the ratio to the
pipeline compares rounds run alternately in one process, so both see the same load.

Efficiency = model FLOPs per text x texts/s / matmul FLOP/s. Prints the figures and writes JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "tests" / "unit" / "sentiment" / "data" / "sample.tsv"
DEFAULT_OUT = Path(__file__).resolve().parent / "result.json"
TARGETS = {"posts_per_s": 500.0, "ratio_vs_pipeline": 2.5, "peak_rss_mb": 1024.0, "load_s": 2.0}


def sample_texts() -> list[str]:
    """The project's own sample mentions (English, one per line of the sample TSV)."""
    texts = []
    for line in SAMPLE.read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) >= 3 and parts[2].strip():
            texts.append(parts[2].strip())
    return texts


def short_posts(n: int) -> list[str]:
    """``n`` short social posts (the sample mentions, repeated)."""
    base = sample_texts()
    return [base[i % len(base)] for i in range(n)]


def long_posts(n: int) -> list[str]:
    """``n`` long posts of about 250-400 words (eight sample mentions joined, like a blog post)."""
    base = sample_texts()
    return [" ".join(base[(i * 8 + k) % len(base)] for k in range(8)) * 2 for i in range(n)]


def bert_flops(seq_len: int, layers: int = 6, hidden: int = 384, inter: int = 1536) -> float:
    """Multiply-add FLOPs (2 per MAC) of a BERT encoder forward pass on one sequence.

    Per layer: Q, K, V and output projections 4·L·h², feed-forward 2·L·h·i, attention scores
    and weighted sum 2·L²·h; plus the pooler and the 3-class head.
    """
    per_layer = 4 * seq_len * hidden * hidden + 2 * seq_len * hidden * inter + 2 * seq_len * seq_len * hidden
    return 2.0 * (layers * per_layer + hidden * hidden + hidden * 3)


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def worker_onnx(args: argparse.Namespace) -> dict[str, Any]:
    """Load time, throughput on short and long posts, token lengths and peak RSS."""
    start = time.perf_counter()
    from monitor.sentiment import OnnxClassifier

    clf = OnnxClassifier(args.model_dir, batch_size=args.batch_size, max_length=args.max_length,
                         threads=args.threads).load()  # fmt: skip
    load_s = time.perf_counter() - start
    clf.classify(short_posts(64))  # warm-up
    out: dict[str, Any] = {"load_s": round(load_s, 3), "model_id": clf.model_id}
    from monitor.sentiment.text import normalize

    for name, texts in (("short", short_posts(args.n_short)), ("long", long_posts(args.n_long))):
        runs = []
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            clf.classify(texts)
            runs.append(len(texts) / (time.perf_counter() - t0))
        lengths = [len(e.ids) for e in clf._tokenizer.encode_batch([normalize(t) for t in texts])]
        out[name] = {
            "texts": len(texts),
            "texts_per_s": round(max(runs), 1),
            "median_texts_per_s": round(statistics.median(runs), 1),
            "runs_texts_per_s": [round(r, 1) for r in runs],
            "mean_tokens": round(statistics.mean(lengths), 1),
            "flops_per_text": statistics.mean(bert_flops(n) for n in lengths),
            "mean_words": round(statistics.mean(len(t.split()) for t in texts), 1),
        }
    out["peak_rss_mb"] = round(_rss_mb(), 1)
    return out


def worker_pipeline(args: argparse.Namespace) -> dict[str, Any]:
    """The same architecture through plain transformers.pipeline, one text at a time."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import torch
    from transformers import AutoModelForSequenceClassification, pipeline
    from transformers.utils import logging as hf_logging

    from monitor.sentiment.text import normalize
    from monitor.sentiment.train import packaged_base_model

    hf_logging.set_verbosity_error()  # type: ignore[no-untyped-call]
    hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
    torch.set_num_threads(args.threads)
    base = packaged_base_model()
    source = args.torch_model or str(base)
    model = AutoModelForSequenceClassification.from_pretrained(source, num_labels=3)
    pipe = pipeline("text-classification", model=model, tokenizer=str(base), device="cpu")
    texts = [normalize(t) for t in short_posts(args.n_pipeline)]
    from monitor.sentiment import OnnxClassifier

    onnx = OnnxClassifier(args.model_dir, batch_size=args.batch_size, max_length=args.max_length,
                          threads=args.threads).load()  # fmt: skip
    for t in texts[:10]:
        pipe(t, truncation=True, max_length=args.max_length)
    onnx.classify(texts)
    # Interleaved rounds: both see the same machine load; the best round of each is kept.
    runs: list[float] = []
    onnx_runs: list[float] = []
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        for t in texts:
            pipe(t, truncation=True, max_length=args.max_length)
        runs.append(len(texts) / (time.perf_counter() - t0))
        t0 = time.perf_counter()
        onnx.classify(texts)
        onnx_runs.append(len(texts) / (time.perf_counter() - t0))
    return {
        "weights": "fine-tuned (" + args.torch_model + ")"
        if args.torch_model
        else "packaged MiniLM-L6 + new head",
        "texts": len(texts),
        "texts_per_s": round(max(runs), 1),
        "median_texts_per_s": round(statistics.median(runs), 1),
        "runs_texts_per_s": [round(r, 1) for r in runs],
        "onnx_same_rounds_texts_per_s": round(max(onnx_runs), 1),
        "onnx_runs_texts_per_s": [round(r, 1) for r in onnx_runs],
        "peak_rss_mb": round(_rss_mb(), 1),
        "torch": torch.__version__,
    }


def worker_matmul(_args: argparse.Namespace) -> dict[str, Any]:
    """Best float32 matmul FLOP/s numpy reaches with the configured threads."""
    import numpy as np

    rng = np.random.default_rng(0)
    best = 0.0
    for n in (512, 1024, 2048):
        a = rng.standard_normal((n, n), dtype=np.float32)
        b = rng.standard_normal((n, n), dtype=np.float32)
        a @ b
        for _ in range(8):
            t0 = time.perf_counter()
            a @ b
            best = max(best, 2.0 * n**3 / (time.perf_counter() - t0))
    return {"flops_per_s": best, "gflops": round(best / 1e9, 1)}


WORKERS = {"onnx": worker_onnx, "pipeline": worker_pipeline, "matmul": worker_matmul}


def _spawn(name: str, argv: list[str], threads: int) -> dict[str, Any]:
    env = dict(os.environ)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = str(threads)
    env.setdefault("HF_HUB_OFFLINE", "1")
    cmd = [sys.executable, "-m", "bench.sentiment.run", "--worker", name, *argv]
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"benchmark worker {name} failed:\n{proc.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


SPEED_HEADING = "## Speed (bench/sentiment)"


def speed_section(r: dict[str, Any]) -> str:
    """The model card's speed section for a benchmark result."""
    o, pipe = r["onnx"], r["pipeline"]
    lines = [
        SPEED_HEADING,
        f"Measured by `python -m bench.sentiment.run` on {r['cpu']}, {r['threads']} threads, batch "
        f"{r['batch_size']}, max length {r['max_length']} ({r['measured_at']}). Best of "
        f"{r.get('repeats', 5)} rounds per figure: the cores were shared with other processes.",
        "",
        "| measure | value | target |",
        "| --- | --- | --- |",
        f"| load (fresh process: imports + session) | {o['load_s']:.2f} s | < 2 s |",
        f"| short posts ({o['short']['mean_tokens']} tokens on average) | {o['short']['texts_per_s']:.0f} texts/s "
        "| >= 500 |",
        f"| long posts ({o['long']['mean_words']} words, truncated to {r['max_length']} tokens) "
        f"| {o['long']['texts_per_s']:.0f} texts/s | |",
        f"| peak RSS of the ONNX process | {o['peak_rss_mb']:.0f} MB | < 1024 MB |",
    ]
    if pipe:
        lines.append(
            f"| plain `transformers.pipeline`, one text at a time | {pipe['texts_per_s']:.0f} texts/s; ONNX in "
            f"the same rounds {pipe['onnx_same_rounds_texts_per_s']:.0f} texts/s: ratio {r['ratio_vs_pipeline']}x "
            "| >= 2.5x |"
        )
    lines += [
        f"| float32 matmul, numpy, same threads | {r['matmul']['gflops']} GFLOP/s | |",
        f"| efficiency short / long (model FLOPs x texts/s / matmul FLOP/s) "
        f"| {r['efficiency']['short']:.1%} / {r['efficiency']['long']:.1%} | |",
        "",
        "Model FLOPs count 2 per multiply-add over the real (unpadded) tokens. Efficiency can exceed",
        "100%: the shipped model runs int8 matrix products, which do several times the multiply-adds",
        "per cycle of the float32 matmul used as the reference.",
        "",
    ]
    return "\n".join(lines) + "\n"


def update_card(card: Path, r: dict[str, Any]) -> None:
    """Replace (or insert before ``## Limits``) the speed section of a model card."""
    text = card.read_text(encoding="utf-8")
    section = speed_section(r)
    if SPEED_HEADING in text:
        start = text.index(SPEED_HEADING)
        end = text.find("\n## ", start + 1)
        text = text[:start] + section + (text[end + 1 :] if end != -1 else "")
    elif "## Limits" in text:
        i = text.index("## Limits")
        text = text[:i] + section + "\n" + text[i:]
    else:
        text = text.rstrip("\n") + "\n\n" + section
    card.write_text(text, encoding="utf-8")


def _cpu_name() -> str:
    from monitor.sentiment.train_setup import cpu_name  # late: workers time their own imports

    return cpu_name()


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    p = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    p.add_argument("--model-dir", default=None, help="ONNX model folder (default: the builtin model)")
    p.add_argument("--torch-model", default=None, help="PyTorch weights folder for the pipeline comparison")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--max-length", type=int, default=128)
    p.add_argument("--n-short", type=int, default=2000)
    p.add_argument("--n-long", type=int, default=200)
    p.add_argument("--n-pipeline", type=int, default=200)
    p.add_argument("--repeats", type=int, default=5, help="rounds per measure; the best is reported")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT)
    p.add_argument("--skip-pipeline", action="store_true", help="leave out the PyTorch comparison")
    p.add_argument(
        "--card", type=Path, default=None, help="also write the speed section of this MODEL_CARD.md"
    )
    p.add_argument("--worker", choices=sorted(WORKERS), help=argparse.SUPPRESS)
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Run every measurement, print a summary, write the JSON result and return it."""
    args = parse_args(argv)
    if args.worker:
        print(json.dumps(WORKERS[args.worker](args)))
        return {}
    passthrough = list(argv if argv is not None else sys.argv[1:])
    onnx = _spawn("onnx", passthrough, args.threads)
    matmul = _spawn("matmul", passthrough, args.threads)
    pipe = None if args.skip_pipeline else _spawn("pipeline", passthrough, args.threads)
    flops = matmul["flops_per_s"]
    result: dict[str, Any] = {
        "cpu": _cpu_name(),
        "cores_visible": os.cpu_count(),
        "threads": args.threads,
        "batch_size": args.batch_size,
        "max_length": args.max_length,
        "repeats": args.repeats,
        "load_average_1m": round(os.getloadavg()[0], 2),
        "onnx": onnx,
        "matmul": matmul,
        "pipeline": pipe,
        "efficiency": {
            name: round(onnx[name]["flops_per_text"] * onnx[name]["texts_per_s"] / flops, 3)
            for name in ("short", "long")
        },
        "ratio_vs_pipeline": (
            round(pipe["onnx_same_rounds_texts_per_s"] / pipe["texts_per_s"], 2) if pipe else None
        ),
        "targets": TARGETS,
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    s, lg = onnx["short"], onnx["long"]
    print(
        f"CPU {result['cpu']}, {args.threads} threads, batch {args.batch_size}, max length {args.max_length}"
    )
    print(
        f"load (fresh process, import + session):  {onnx['load_s']:.2f} s   (target < {TARGETS['load_s']} s)"
    )
    print(f"short posts ({s['mean_tokens']} tokens): {s['texts_per_s']:.0f} texts/s (target >= 500)")
    print(f"long posts ({lg['mean_words']} words, {lg['mean_tokens']} tokens after truncation): "
          f"{lg['texts_per_s']:.0f} texts/s")  # fmt: skip
    print(f"peak RSS (ONNX process): {onnx['peak_rss_mb']:.0f} MB (target < 1024 MB)")
    if pipe:
        print(f"plain transformers.pipeline, one text at a time ({pipe['weights']}): "
              f"{pipe['texts_per_s']:.0f} texts/s vs ONNX {pipe['onnx_same_rounds_texts_per_s']:.0f} texts/s in the same "
              f"rounds -> ratio {result['ratio_vs_pipeline']}x (target >= 2.5x)")  # fmt: skip
    print(f"matmul float32: {matmul['gflops']} GFLOP/s; model FLOPs/text short {s['flops_per_text'] / 1e9:.2f} G, "
          f"long {lg['flops_per_text'] / 1e9:.2f} G")  # fmt: skip
    print(f"efficiency (model FLOP/s / matmul FLOP/s): short {result['efficiency']['short']:.1%}, "
          f"long {result['efficiency']['long']:.1%}")  # fmt: skip
    if args.card is not None:
        update_card(args.card, result)
        print(f"speed section written to {args.card}")
    print(f"written to {args.out}")
    return result


if __name__ == "__main__":
    if __package__ in (None, ""):
        sys.path.insert(0, str(ROOT))
    main()
