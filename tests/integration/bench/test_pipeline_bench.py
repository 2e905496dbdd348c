"""The pipeline benchmark's core functions on a tiny size, so the benchmark cannot rot."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.pipeline import core, run
from monitor.sentiment.base import Classifier


@pytest.fixture(scope="module")
def lexicon() -> Classifier:
    return core.make_classifier("lexicon")


def test_batched_naive_latency_storage_on_sqlite(tmp_path: Path, lexicon: Classifier) -> None:
    with core.database("sqlite", tmp_path) as url:
        c = core.start_container(url, tmp_path, lexicon)
        b = core.run_batched(c, core.gen_mentions(30, prefix="b"), batch=8)
        n = core.run_naive(c, core.gen_mentions(5, prefix="n"))
        assert (b.mentions, n.mentions) == (30, 5) and b.rate > 0 and n.rate > 0
        assert b.alerts > 0  # the mix has yellow, red and kudos mentions
        assert c.store.count_mentions(state="new") == 0
        lat = core.run_latency(c, rate=20, seconds=0.5, naive=False, prefix="lat")
        assert lat.alerts > 0 and lat.p50_ms >= 0
        assert core.storage_bytes(url)["total"] > 0
        c.store.engine.dispose()
    assert core.classifier_rate(lexicon, ["SET SEG is great"] * 4, batch=2) > 0


def test_seed_pages_digest_on_sqlite(tmp_path: Path) -> None:
    with core.database("sqlite", tmp_path) as url:
        seed = core.seed_bulk(url, tmp_path, 50, chunk=20)
        assert seed["queue_items"] == 5
        pages = {p.path: p for p in core.time_pages(url, tmp_path, ["/queue", "/healthz"], requests=2)}
        assert pages["/queue"].status == 200 and pages["/queue"].p95_ms > 0
        assert pages["/queue"].bytes > 2000  # the queue itself, not the sign-in page
        assert "available" in core.time_digest(url, tmp_path)


def test_table_renders_from_a_result() -> None:
    r = {"mode": "quick", "started": "now", "machine": "m", "loadavg_start": 1.0, "cpus": 2,
         "throughput": [{"db": "sqlite", "classifier": "lexicon", "batched": {"rate": 100.0}, "naive": {"rate": 10.0},
                         "speedup_vs_naive": 10.0, "classifier_rate_batched": 1000.0,
                         "pipeline_rate_share_of_classifier": 0.1, "overhead_only_rate": 111.0,
                         "storage_bytes_per_million_extrapolated": 4e9}],
         "workers": None, "latency": [], "stored": []}
    assert "10.0" in run.table(r)


def test_percentile() -> None:
    assert core.percentile([1, 2, 3, 4, 5], 0.5) == 3
    assert core.percentile([], 0.5) != core.percentile([], 0.5)  # NaN


def test_counters_off_diagnostic_restores_the_store(tmp_path: Path, lexicon: Classifier) -> None:
    with core.database("sqlite", tmp_path) as url:
        c = core.start_container(url, tmp_path, lexicon)
        t = core.run_batched(c, core.gen_mentions(10, prefix="d"), counters=False)
        assert t.mentions == 10 and "diagnostic" in t.approach
        assert "incr" not in vars(c.store) and "incr_many" not in vars(c.store)  # the real methods are back
        c.store.engine.dispose()


@pytest.mark.postgres
@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_two_workers_store_as_they_run(db_url: str, tmp_path: Path) -> None:
    """The end-to-end worker layout run: mentions stored while two worker processes drain them."""
    t = core.run_workers(db_url, tmp_path, core.gen_mentions(40, prefix="w"), workers=2, store_during=True)
    assert t.mentions == 40 and t.rate > 0


@pytest.mark.skipif(not core.model_available(), reason="the shipped model is not in monitor/sentiment/model")
def test_model_alone_in_two_processes() -> None:
    texts = [m.text for m in core.gen_mentions(16, prefix="c")]
    assert core.classifier_rate_procs(texts, procs=2, threads=1, batch=8) > 0


def test_table_renders_model_layouts() -> None:
    r = {"mode": "quick", "started": "now", "machine": "m", "loadavg_start": 1.0, "cpus": 2, "throughput": [],
         "workers": None, "latency": [], "stored": [],
         "model_layouts": {"best_model_alone_rate": 800.0, "cpus": 2, "layouts": [
             {"layout": "2x1", "workers": 2, "threads": 1, "pipeline_rate": 720.0, "model_alone_rate": 800.0,
              "share_of_same_layout": 0.9, "share_of_best_model_layout": 0.9}]}}
    out = run.table(r)
    assert "2x1" in out and "90.0%" in out


@pytest.mark.skipif(not core.model_available(), reason="the shipped model is not in monitor/sentiment/model")
def test_contention_bench_measures_alone_and_busy() -> None:
    from bench.sentiment.contention import rate
    from monitor.sentiment.onnx_model import OnnxClassifier

    clf = OnnxClassifier(threads=1)
    texts = [m.text for m in core.gen_mentions(8, prefix="t")]
    for busy in (False, True):
        per_s, cpu_ms = rate(clf, texts, busy=busy)
        assert per_s > 0 and cpu_ms > 0
