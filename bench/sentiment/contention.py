"""How the shipped model's speed depends on its thread count and on other work beside it.

    .venv/bin/python -m bench.sentiment.contention [--texts 2048] [--rounds 3]

For 1 and 2 ONNX threads: texts/s alone, texts/s while one busy Python thread runs in the same
process (what a worker's database work would be), and CPU seconds per text. Rounds alternate, the
best of each is printed. On the 2-core machine this was written on (2026-11-21): 1 thread 456
texts/s alone, 418 beside a busy thread (1.09x slower); 2 threads 704 alone, 324 beside it
(2.18x slower; 2.6x in an earlier check): the two ORT threads wait for each other whenever one
is descheduled, so beside other work one thread beats two. That is why the deploy files run
``workers x sentiment.threads = cores`` and why classifying the next batch in the background
(tried, reverted) gained nothing there.
"""

from __future__ import annotations

import argparse
import threading
import time
from collections.abc import Sequence

from bench.pipeline.core import gen_mentions
from monitor.sentiment.onnx_model import OnnxClassifier


def rate(clf: OnnxClassifier, texts: Sequence[str], *, busy: bool) -> tuple[float, float]:
    """(texts/s, CPU ms per text of this process) classifying ``texts`` in batches of 256."""
    stop = threading.Event()

    def spin() -> None:
        n = 0
        while not stop.is_set():
            n += 1

    th = threading.Thread(target=spin, daemon=True) if busy else None
    if th:
        th.start()
    c0, t0 = time.process_time(), time.perf_counter()
    for i in range(0, len(texts), 256):
        chunk = list(texts[i : i + 256])
        clf.classify(chunk, ["en"] * len(chunk))
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    stop.set()
    if th:
        th.join()
    return len(texts) / wall, cpu / len(texts) * 1000


def main(argv: list[str] | None = None) -> int:
    """Print texts/s per thread count, alone and beside a busy thread."""
    ap = argparse.ArgumentParser(prog="python -m bench.sentiment.contention", description=__doc__.split("\n")[0])
    ap.add_argument("--texts", type=int, default=2048)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args(argv)
    texts = [m.text for m in gen_mentions(args.texts, prefix="c")]
    models = {n: OnnxClassifier(threads=n) for n in (1, 2)}
    for clf in models.values():
        clf.load()
        clf.classify(texts[:64])
    best: dict[tuple[int, bool], float] = {}
    cpu: dict[int, float] = {}
    for _ in range(args.rounds):
        for n, clf in models.items():
            for busy in (False, True):
                r, ms = rate(clf, texts, busy=busy)
                best[n, busy] = max(best.get((n, busy), 0.0), r)
                if not busy:
                    cpu[n] = min(cpu.get(n, float("inf")), ms)
    print(f"{'threads':>7}{'alone/s':>10}{'busy/s':>9}{'slowdown':>10}{'CPU ms/text':>13}")
    for n in models:
        alone, busy_rate = best[n, False], best[n, True]
        print(f"{n:>7}{alone:>10.0f}{busy_rate:>9.0f}{alone / busy_rate:>9.2f}x{cpu[n]:>13.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
