"""Run the pipeline benchmark and print a table; ``--json OUT`` writes every figure.

    .venv/bin/python -m bench.pipeline.run --quick --json artifacts/bench-pipeline-quick.json
    .venv/bin/python -m bench.pipeline.run --json artifacts/bench-pipeline.json      # full sizes

Every throughput and latency figure is shown next to the obvious approach (one commit and one
classifier call per mention) measured in the same run, because absolute numbers on a shared
2-core machine move with the load; the ratio is what to compare between runs.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.pipeline import core


@dataclass(frozen=True)
class Sizes:
    """How much work each measurement does."""

    e2e: int
    naive: int
    workers: int
    latency_rate: float
    latency_seconds: float
    stored: int
    page_requests: int


QUICK = Sizes(e2e=400, naive=80, workers=500, latency_rate=30, latency_seconds=3, stored=20_000, page_requests=20)
FULL = Sizes(e2e=10_000, naive=1_000, workers=10_000, latency_rate=50, latency_seconds=20, stored=1_000_000,
             page_requests=40)
PARTS = ("throughput", "workers", "latency", "stored")
TARGETS = {"overhead_rate": 2000.0, "model_share": 0.80, "two_worker_speedup": 1.7, "page_p95_ms": 100.0,
           "digest_s": 30.0}


def log(msg: str) -> None:
    """Progress on stderr, so stdout is only the table."""
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def bench_throughput(sizes: Sizes, dbs: list[str], workdir: Path, classifiers: list[str]) -> list[dict[str, Any]]:
    """End-to-end batched vs naive, per database and classifier, with the classifier's own rate."""
    out = []
    for clf_kind in classifiers:
        clf = core.make_classifier(clf_kind)
        texts = [m.text for m in core.gen_mentions(sizes.e2e, prefix="clf")]
        clf_batched = core.classifier_rate(clf, texts, batch=256)
        clf_single = core.classifier_rate(clf, texts[: sizes.naive], batch=1)
        for db in dbs:
            with core.database(db, workdir) as url:
                c = core.start_container(url, workdir, clf)
                empty = core.storage_bytes(url)["total"]
                log(f"e2e {db} {clf_kind}: batched {sizes.e2e}")
                b = core.run_batched(c, core.gen_mentions(sizes.e2e, prefix=f"b-{db}"))
                size = core.storage_bytes(url)["total"] - empty
                log(f"e2e {db} {clf_kind}: naive {sizes.naive}")
                n = core.run_naive(c, core.gen_mentions(sizes.naive, prefix=f"n-{db}"))
                log(f"e2e {db} {clf_kind}: diagnostic, counters off {sizes.e2e}")
                nc = core.run_batched(c, core.gen_mentions(sizes.e2e, prefix=f"nc-{db}"), counters=False)
                c.store.engine.dispose()
            clf_seconds = b.mentions / clf_batched
            overhead = b.mentions / max(b.seconds - clf_seconds, 1e-9)
            out.append({
                "db": db, "classifier": clf_kind, "batched": core.as_dict(b), "naive": core.as_dict(n),
                "diagnostic_counters_off": core.as_dict(nc), "counters_share_of_time": 1 - nc.seconds / b.seconds
                if nc.mentions == b.mentions else None,
                "speedup_vs_naive": b.rate / n.rate, "classifier_rate_batched": clf_batched,
                "classifier_rate_one_per_call": clf_single, "classifier_share_of_time": clf_seconds / b.seconds,
                "pipeline_rate_share_of_classifier": b.rate / clf_batched, "overhead_only_rate": overhead,
                "storage_bytes_added_by_batched": size, "storage_bytes_per_million_extrapolated":
                    size / b.mentions * 1_000_000,
            })
    return out


def bench_workers(sizes: Sizes, workdir: Path, clf_kind: str) -> dict[str, Any]:
    """One vs two worker processes draining the same number of stored mentions on PostgreSQL."""
    res = {}
    for workers in (1, 2):
        with core.database("postgresql", workdir) as url:
            log(f"workers: {workers} on {sizes.workers} stored mentions")
            t = core.run_workers(url, workdir, core.gen_mentions(sizes.workers, prefix=f"w{workers}"),
                                 workers=workers, clf_kind=clf_kind)
            res[str(workers)] = core.as_dict(t)
    return {"classifier": clf_kind, "runs": res, "speedup": res["2"]["rate"] / res["1"]["rate"],
            "cpus": os.cpu_count(), "loadavg_1m": os.getloadavg()[0]}


LAYOUTS = ((1, 2), (2, 1))  # (worker processes, model threads each) on this 2-CPU machine


def bench_model_layouts(sizes: Sizes, workdir: Path) -> dict[str, Any]:
    """PostgreSQL with the model, end to end, in each layout of :data:`LAYOUTS`, next to the
    model alone in the same layout; every pipeline run is also compared with the model's best
    layout (its highest throughput on this machine)."""
    texts = [m.text for m in core.gen_mentions(sizes.workers, prefix="clf")]
    alone: dict[str, float] = {}
    pipeline: dict[str, float] = {}
    for procs, threads in LAYOUTS:
        key = f"{procs}x{threads}"
        log(f"model alone, {procs} process(es) x {threads} thread(s)")
        alone[key] = core.classifier_rate_procs(texts, procs=procs, threads=threads)
        with core.database("postgresql", workdir) as url:
            log(f"pipeline with the model, {procs} worker(s) x {threads} thread(s), storing as it runs")
            t = core.run_workers(url, workdir, core.gen_mentions(sizes.workers, prefix=f"m{key}"), workers=procs,
                                 clf_kind="model", threads=threads, store_during=True)
        pipeline[key] = t.rate
    best = max(alone.values())
    return {"layouts": [
        {"layout": k, "workers": int(k.split("x")[0]), "threads": int(k.split("x")[1]), "pipeline_rate": pipeline[k],
         "model_alone_rate": alone[k], "share_of_same_layout": pipeline[k] / alone[k],
         "share_of_best_model_layout": pipeline[k] / best} for k in pipeline],
        "best_model_alone_rate": best, "cpus": os.cpu_count()}


def bench_latency(sizes: Sizes, dbs: list[str], workdir: Path) -> list[dict[str, Any]]:
    """Fetch-to-Slack-call latency at a steady load, batched vs naive, per database."""
    out = []
    clf = core.make_classifier("lexicon")
    for db in dbs:
        with core.database(db, workdir) as url:
            c = core.start_container(url, workdir, clf)
            for naive in (False, True):
                log(f"latency {db} {'naive' if naive else 'batched'} at {sizes.latency_rate}/s")
                lat = core.run_latency(c, rate=sizes.latency_rate, seconds=sizes.latency_seconds, naive=naive,
                                       prefix=f"lat-{db}-{naive}")
                out.append({"db": db, **core.as_dict(lat)})
            c.store.engine.dispose()
    return out


def bench_stored(sizes: Sizes, dbs: list[str], workdir: Path) -> list[dict[str, Any]]:
    """Seed N mentions, then the queue page (and dashboard) p95, the digest and the storage size."""
    out = []
    for db in dbs:
        with core.database(db, workdir) as url:
            log(f"seeding {sizes.stored} mentions on {db}")

            def progress(k: int, db: str = db) -> None:
                if k % 200_000 == 0:
                    log(f"  {db}: {k} seeded")

            seed = core.seed_bulk(url, workdir, sizes.stored, progress=progress)
            size = core.storage_bytes(url)
            log(f"pages on {db}")
            pages = core.time_pages(url, workdir, ["/queue", "/dashboard", "/healthz"], requests=sizes.page_requests)
            pages.append(core.time_dashboard_group_by(url, workdir, requests=sizes.page_requests))
            log(f"digest on {db}")
            digest = core.time_digest(url, workdir)
            out.append({"db": db, "seed": seed, "pages": core.as_dict(pages), "digest": digest,
                        "storage_bytes": size,
                        "storage_bytes_per_million_extrapolated": size["total"] / sizes.stored * 1_000_000})
    return out


def fmt(x: float, nd: int = 0) -> str:
    """A number for the table."""
    return "n/a" if x != x else f"{x:,.{nd}f}"


def table(r: dict[str, Any]) -> str:
    """The human summary of a result."""
    lines = [f"brand-scout pipeline benchmark ({r['mode']}), {r['started']}, {r['machine']}",
             f"load average at start {r['loadavg_start']:.1f} on {r['cpus']} CPUs; figures are noisy, "
             "compare the ratios", ""]
    lines.append("End-to-end (stored -> classified -> routed -> outbox -> fake Slack), mentions/s")
    lines.append(f"{'db':<11}{'classifier':<10}{'batched':>9}{'naive':>8}{'x naive':>8}{'clf alone':>10}"
                 f"{'pipe/clf':>9}{'overhead-only':>14}{'MB/1M':>8}")
    for t in r["throughput"]:
        lines.append(f"{t['db']:<11}{t['classifier']:<10}{fmt(t['batched']['rate']):>9}{fmt(t['naive']['rate']):>8}"
                     f"{fmt(t['speedup_vs_naive'], 1):>8}{fmt(t['classifier_rate_batched']):>10}"
                     f"{fmt(100 * t['pipeline_rate_share_of_classifier'], 1) + '%':>9}"
                     f"{fmt(t['overhead_only_rate']):>14}"
                     f"{fmt(t['storage_bytes_per_million_extrapolated'] / 1e6):>8}")
        if t.get("diagnostic_counters_off"):
            lines.append(f"{'':<21}diagnostic, metric counters off: {fmt(t['diagnostic_counters_off']['rate'])}/s")
    if r.get("workers"):
        w = r["workers"]
        lines += ["", f"PostgreSQL workers ({w['classifier']}): 1 -> {fmt(w['runs']['1']['rate'])}/s, "
                      f"2 -> {fmt(w['runs']['2']['rate'])}/s, speedup {w['speedup']:.2f}x "
                      f"(target >= {TARGETS['two_worker_speedup']}x)"]
    if r.get("model_layouts"):
        ml = r["model_layouts"]
        lines += ["", "PostgreSQL with the model, end to end (workers x model threads), mentions/s",
                  f"{'layout':<8}{'pipeline':>9}{'model alone':>12}{'pipe/alone':>11}{'pipe/best model':>16}"]
        for la in ml["layouts"]:
            lines.append(f"{la['layout']:<8}{fmt(la['pipeline_rate']):>9}{fmt(la['model_alone_rate']):>12}"
                         f"{fmt(100 * la['share_of_same_layout'], 1) + '%':>11}"
                         f"{fmt(100 * la['share_of_best_model_layout'], 1) + '%':>16}")
    lines += ["", "Fetch -> Slack call latency at a steady load (ms)",
              f"{'db':<11}{'approach':<9}{'rate/s':>7}{'alerts':>7}{'p50':>8}{'p99':>8}{'max':>8}{'behind':>7}"]
    for la in r["latency"]:
        lines.append(f"{la['db']:<11}{la['approach']:<9}{fmt(la['rate']):>7}{la['alerts']:>7}{fmt(la['p50_ms']):>8}"
                     f"{fmt(la['p99_ms']):>8}{fmt(la['max_ms']):>8}{la['backlog_at_end']:>7}")
    for s in r["stored"]:
        lines += ["", f"{s['db']}: {s['seed']['mentions']:,} stored mentions ({s['seed']['queue_items']:,} queue items), "
                      f"seeded at {fmt(s['seed']['rows_per_s'])} mentions/s, "
                      f"{fmt(s['storage_bytes_per_million_extrapolated'] / 1e6)} MB per million (extrapolated)"]
        for p in s["pages"]:
            lines.append(f"  GET {p['path']:<11} status {p['status']}  p50 {fmt(p['p50_ms'], 1)} ms  "
                         f"p95 {fmt(p['p95_ms'], 1)} ms  ({p['requests']} requests) {' '.join(p['notes'])}")
        d = s["digest"]
        lines.append(f"  digest: {fmt(d['seconds'], 2) + ' s' if d.get('available') else d.get('why')}")
    return "\n".join(lines)


def only_all(only: list[str]) -> bool:
    """True when every part runs."""
    return set(only) == set(PARTS)


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, run every measurement, print the table, write the JSON."""
    ap = argparse.ArgumentParser(prog="python -m bench.pipeline.run", description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="small sizes (< 2 minutes); 20k stored mentions")
    ap.add_argument("--json", type=Path, help="write the results here")
    ap.add_argument("--no-postgres", action="store_true", help="SQLite only")
    ap.add_argument("--only", nargs="+", choices=PARTS, default=list(PARTS), help="run only these parts")
    ap.add_argument("--stored", type=int, help="override the number of stored mentions for the page/digest part")
    ap.add_argument("--page-requests", type=int, help="override how many timed requests each page gets")
    args = ap.parse_args(argv)
    sizes = QUICK if args.quick else FULL
    if args.page_requests:
        sizes = replace(sizes, page_requests=args.page_requests)
    if args.stored:
        sizes = replace(sizes, stored=args.stored)
    workdir = core.scratch_dir()
    problem = None if args.no_postgres else core.pg_reachable()
    dbs = ["sqlite"] + ([] if args.no_postgres or problem else ["postgresql"])
    if problem:
        log(f"PostgreSQL skipped: {problem}")
    classifiers = ["lexicon"] + (["model"] if core.model_available() else [])
    if "model" not in classifiers:
        log("default model not in monitor/sentiment/model: lexicon only")
    r: dict[str, Any] = {
        "mode": ("quick" if args.quick else "full") + ("" if only_all(args.only) else f" (only {args.only})"), "sizes": sizes.__dict__, "targets": TARGETS,
        "started": datetime.now(UTC).isoformat(timespec="seconds"), "cpus": os.cpu_count(),
        "loadavg_start": os.getloadavg()[0], "machine": f"{platform.machine()} {platform.python_version()}",
        "command": "python -m bench.pipeline.run " + " ".join(argv if argv is not None else sys.argv[1:]),
        "model_available": "model" in classifiers, "postgres_skipped": problem,
    }
    t0 = time.perf_counter()
    only = set(args.only)
    r["throughput"] = bench_throughput(sizes, dbs, workdir, classifiers) if "throughput" in only else []
    r["workers"] = bench_workers(sizes, workdir, "lexicon") if "postgresql" in dbs and "workers" in only else None
    r["model_layouts"] = (bench_model_layouts(sizes, workdir)
                          if "postgresql" in dbs and "workers" in only and "model" in classifiers else None)
    r["latency"] = bench_latency(sizes, dbs, workdir) if "latency" in only else []
    r["stored"] = bench_stored(sizes, dbs, workdir) if "stored" in only else []
    r["seconds"] = time.perf_counter() - t0
    r["loadavg_end"] = os.getloadavg()[0]
    print(table(r))
    print(f"\n(total {r['seconds']:.0f} s; load average at end {r['loadavg_end']:.1f})")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(r, indent=2, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
