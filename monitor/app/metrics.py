"""/metrics through ``prometheus_client``: one custom collector over what every process shares in
the database (the ``metric_counter`` rows, the queue, the outbox, the sources' health).

Each scrape runs a handful of aggregate queries (:mod:`monitor.storage.metric_queries`) and
loads no table. Counters keep the labels their HELP text promises, with the configured sources,
receivers and scout channels present from the start (at 0). Histograms answer "how long":
fetch -> first alert per receiver, classification time per worker batch, time to acknowledge per
priority, and the age of what waits in the outbox (a gauge histogram of the pending rows now).
``deploy/grafana/brand-scout.json`` is a dashboard over these series.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from datetime import datetime

from prometheus_client import CONTENT_TYPE_PLAIN_0_0_4, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeHistogramMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector, CollectorRegistry

from monitor.app.container import Container
from monitor.storage import metric_queries as q
from monitor.storage.models import OPEN_STATUSES, QUEUE_STATUSES

PREFIX = "brand_scout_"

#: The shared counters: HELP text and the labels it promises.
COUNTERS: dict[str, tuple[str, tuple[str, ...]]] = {
    "mentions_fetched_total": ("Mentions returned by connectors, per source", ("source",)),
    "mentions_stored_total": ("New mentions stored, per source", ("source",)),
    "mentions_classified_total": ("Mentions classified", ()),
    "mentions_routed_total": ("Mention deliveries routed, per receiver", ("receiver",)),
    "notifications_sent_total": ("Notifications sent, per receiver", ("receiver",)),
    "notifications_failed_total": ("Notification attempts that failed, per receiver", ("receiver",)),
    "connector_errors_total": ("Failed fetches, per source", ("source",)),
    "scout_submissions_total": ("Mentions forwarded by employees, per channel", ("channel",)),
}
HELP = {name: text for name, (text, _) in COUNTERS.items()}
"""HELP text per counter (kept for callers of the first version of this module)."""

SCOUT_CHANNELS = ("web", "slack", "api")

#: Histograms: HELP text, label, bucket bounds (seconds).
FETCH_TO_ALERT = ("fetch_to_alert_seconds",
                  "Seconds from fetching a queue item's first mention to a receiver's first alert being sent, per receiver",
                  (5.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0, 7200.0, 21600.0, 86400.0))
CLASSIFICATION = (q.CLASSIFICATION_SECONDS, "Seconds the sentiment model took per worker batch",
                  q.CLASSIFICATION_BUCKETS)
TIME_TO_ACK = ("time_to_acknowledge_seconds", "Seconds from a queue item's creation to its acknowledgement, per priority",
               (60.0, 300.0, 900.0, 1800.0, 3600.0, 7200.0, 14400.0, 28800.0, 86400.0, 172800.0, 604800.0))
OUTBOX_AGE = ("outbox_age_seconds", "Age of the notifications waiting in the outbox now (pending), in seconds",
              (1.0, 5.0, 15.0, 60.0, 300.0, 900.0, 3600.0, 21600.0, 86400.0))

_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def parse_labels(text: str) -> dict[str, str]:
    """``source="x",receiver="y"`` (as ``metric_counter.labels`` holds them) as a dict."""
    return {k: v.replace('\\"', '"').replace("\\\\", "\\") for k, v in _LABEL.findall(text)}


def _buckets(b: q.Buckets) -> list[tuple[str, float]]:
    return [*((q.le(bound), count) for bound, count in zip(b.bounds, b.counts, strict=True)), ("+Inf", b.total)]


class StoreCollector(Collector):
    """Reads the shared state of every process at each scrape (``collect``)."""

    def __init__(self, container: Container) -> None:
        self.container = container
        cfg = container.cfg
        self.known: dict[str, tuple[str, ...]] = {
            "source": tuple(s.name for s in cfg.sources if s.enabled),
            "receiver": tuple(r.name for r in cfg.receivers),
            "channel": SCOUT_CHANNELS,
        }

    def collect(self) -> Iterator[Metric]:
        store = self.container.store
        rows = q.counters(store)
        yield from self._counters(rows)
        yield self._histogram(FETCH_TO_ALERT, "receiver", q.fetch_to_alert(store, FETCH_TO_ALERT[2]))
        yield self._recorded_histogram(CLASSIFICATION, rows)
        yield self._histogram(TIME_TO_ACK, "priority", q.time_to_acknowledge(store, TIME_TO_ACK[2]))
        yield from self._queue_and_outbox(self.container.clock.now())
        health = GaugeMetricFamily(f"{PREFIX}source_healthy", "1 when the source's last fetch succeeded", labels=["source"])
        for source, healthy in q.source_health(store):
            health.add_metric([source], 1.0 if healthy else 0.0)
        yield health

    def _counters(self, rows: Iterable[tuple[str, str, float]]) -> Iterator[Metric]:
        by_name: dict[str, dict[tuple[str, ...], float]] = {}
        extra: dict[str, list[tuple[dict[str, str], float]]] = {}
        for name, labels, value in rows:
            if name.endswith(("_bucket", "_sum", "_count")) and name.rsplit("_", 1)[0] == q.CLASSIFICATION_SECONDS:
                continue
            parsed = parse_labels(labels)
            if name in COUNTERS:
                names = COUNTERS[name][1]
                if set(parsed) != set(names):
                    continue  # not the labels this counter promises: never exported half-labelled
                by_name.setdefault(name, {})[tuple(parsed[n] for n in names)] = value
            else:
                extra.setdefault(name, []).append((parsed, value))
        for name, (text, names) in COUNTERS.items():
            family = CounterMetricFamily(PREFIX + name.removesuffix("_total"), text, labels=list(names))
            values = by_name.get(name, {})
            if len(names) == 1:  # the configured sources / receivers / channels are there from the start
                for known in self.known.get(names[0], ()):
                    values.setdefault((known,), 0.0)
            elif not names:
                values.setdefault((), 0.0)
            for key, value in sorted(values.items()):
                family.add_metric(list(key), value)
            yield family
        # rows added by other modules without an entry here: ``*_total`` is a counter, anything else
        # a value set in place (e.g. worker_failing_streak), a gauge
        for name, samples in sorted(extra.items()):
            counter = name.endswith("_total")
            base = PREFIX + name.removesuffix("_total")
            metric = Metric(base, name.replace("_", " "), "counter" if counter else "gauge")
            for sample_labels, value in samples:
                metric.add_sample(base + "_total" if counter else base, sample_labels, value)
            yield metric

    @staticmethod
    def _histogram(spec: tuple[str, str, tuple[float, ...]], label: str,
                   series: dict[str, q.Buckets]) -> HistogramMetricFamily:
        name, text, _ = spec
        family = HistogramMetricFamily(PREFIX + name, text, labels=[label])
        for value, b in sorted(series.items()):
            family.add_metric([value], _buckets(b), b.sum)
        return family

    @staticmethod
    def _recorded_histogram(spec: tuple[str, str, tuple[float, ...]],
                            rows: Iterable[tuple[str, str, float]]) -> HistogramMetricFamily:
        name, text, bounds = spec
        got = {(n, lb): v for n, lb, v in rows if n.startswith(name + "_")}
        counts = tuple(got.get((f"{name}_bucket", f'le="{q.le(b)}"'), 0.0) for b in bounds)
        total = got.get((f"{name}_count", ""), 0.0)
        family = HistogramMetricFamily(PREFIX + name, text)
        family.add_metric([], _buckets(q.Buckets(bounds, counts, total, got.get((f"{name}_sum", ""), 0.0))),
                          got.get((f"{name}_sum", ""), 0.0))
        return family

    def _queue_and_outbox(self, now: datetime) -> Iterator[Metric]:
        store = self.container.store
        counts = store.queue_counts()
        items = GaugeMetricFamily(f"{PREFIX}queue_items", "Queue items per status", labels=["status"])
        for st in QUEUE_STATUSES:
            items.add_metric([st], float(counts.get(st, 0)))
        yield items
        yield GaugeMetricFamily(f"{PREFIX}queue_open", "Queue items that still need a person",
                                value=float(sum(counts.get(s, 0) for s in OPEN_STATUSES)))
        age, oldest = q.outbox(store, now, OUTBOX_AGE[2])
        yield GaugeMetricFamily(f"{PREFIX}outbox_pending", "Notifications waiting to be delivered", value=age.total)
        by_status = q.outbox_counts(store)
        yield GaugeMetricFamily(f"{PREFIX}outbox_failed", "Notifications that gave up (status failed)",
                                value=float(by_status.get("failed", 0)))
        yield GaugeMetricFamily(f"{PREFIX}outbox_oldest_pending_age_seconds",
                                "Age of the oldest notification waiting in the outbox (0 when none)", value=oldest)
        hist = GaugeHistogramMetricFamily(PREFIX + OUTBOX_AGE[0], OUTBOX_AGE[1])
        hist.add_metric([], _buckets(age), age.sum)
        yield hist


def registry(container: Container) -> CollectorRegistry:
    """A registry holding the store collector of ``container`` (one per web app)."""
    reg = CollectorRegistry(auto_describe=False)
    reg.register(StoreCollector(container))
    return reg


def exposition(reg: CollectorRegistry) -> tuple[bytes, str]:
    """The body and content type of a scrape (text format 0.0.4)."""
    return generate_latest(reg), CONTENT_TYPE_PLAIN_0_0_4


def render(container: Container) -> str:
    """The text exposition of ``container``'s metrics (tests, the CLI)."""
    return exposition(registry(container))[0].decode("utf-8")


__all__ = ["COUNTERS", "HELP", "StoreCollector", "exposition",
           "parse_labels", "registry", "render"]
