"""Measurements of the brand-scout pipeline, each next to the obvious approach in the same run.

The obvious approach is what a first version would do: one transaction (commit) and one
classifier call per mention. The measured approach is the real pipeline: ``add_new_mentions`` in
batches, ``Pipeline.process()`` classifying and routing a batch in one transaction, then
``Pipeline.deliver()``.

Every function here takes sizes as arguments so the smoke test (``tests/integration/bench``) can run them on
a handful of mentions.
"""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import random
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlmodel import SQLModel

from connectors.base import Mention
from monitor.app.bootstrap import Container, build
from monitor.config import AppConfig, validate_config
from monitor.delivery.notifiers.base import Outbound
from monitor.sentiment.base import Classifier

PAGE_USER = "anna@setseg.example"  # a lead in BENCH_CONFIG's roster
PG_ADMIN_URL = os.environ.get("BRAND_SCOUT_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
SOURCE = "bench"

# A mix close to what a brand sees: mostly neutral chatter, some praise, some complaints (yellow
# under the policy), a few leaks of a codename (red). Numbers make every text distinct.
TEMPLATES: tuple[tuple[float, str], ...] = (
    (0.50, "SET SEG annual meeting is on Thursday, agenda item {n} is the new claims app."),
    (0.20, "I love how fast SET SEG paid my claim, thanks! Great service, ticket {n}."),
    (0.22, "SET SEG claims portal is down again, outage number {n}, worst week, I want a refund."),
    (0.08, "Heard SET SEG is building Project Falcon for schools, insider note {n}."),
)

BENCH_CONFIG: dict[str, Any] = {
    "organisation": {"name": "SET SEG", "brand_terms": ["SET SEG", "setseg"],
                     "own_accounts": {"x": ["setseg"]}, "timezone": "America/Denver"},
    "sources": [{"name": SOURCE, "type": "replay", "interval": "10s", "options": {"file": "sample"}}],
    "policy": {
        "light": {
            "watchlists": [{"name": "codenames", "kind": "codename", "terms": ["Project Falcon"]}],
            "yellow": {"complaint_terms": ["refund", "outage"]},
        },
        "topics": [{"name": "claims", "keywords": ["claim", "claims"]}],
    },
    "receivers": [
        {"name": "marketing-sales", "slack": {"channel": "#marketing-sales"}},
        {"name": "legal-compliance", "restricted": True, "broad": False, "slack": {"channel": "#legal"}},
        {"name": "crisis", "slack": {"channel": "#crisis"}},
        {"name": "kudos", "queue": False, "slack": {"channel": "#kudos"}},
    ],
    "route": {
        "receiver": "marketing-sales",
        "routes": [
            {"receiver": "legal-compliance", "matchers": ['light="red"'], "continue": True},
            {"receiver": "marketing-sales", "matchers": ['light="red"']},
            {"receiver": "marketing-sales", "matchers": ['light="yellow"']},
            {"receiver": "kudos", "matchers": ['light="green"', 'sentiment="positive"']},
        ],
    },
    "spokespersons": [
        {"id": "anna", "name": "Anna Berg", "email": "anna@setseg.example", "topics": ["claims"],
         "roles": ["spokesperson", "lead"]},
    ],
}


# ---- helpers ---------------------------------------------------------------------------------
def model_available() -> bool:
    """True when the shipped ONNX model is in ``monitor/sentiment/model``."""
    from monitor.sentiment.onnx_model import BUILTIN_MODEL_DIR

    return (BUILTIN_MODEL_DIR / "model.onnx").is_file()


def make_classifier(kind: str, threads: int = 2) -> Classifier:
    """``lexicon`` (VADER) or ``model`` (the shipped ONNX model with ``threads`` CPU threads),
    loaded and warmed up."""
    from monitor.config import SentimentConfig
    from monitor.sentiment import build_classifier

    clf: Classifier = build_classifier(SentimentConfig(model="lexicon" if kind == "lexicon" else "builtin",
                                                       threads=threads))
    clf.classify(["SET SEG warm-up"], [None])
    return clf


def make_config(db_url: str, data_dir: Path, *, batch_size: int = 256) -> AppConfig:
    """The benchmark's compact configuration on ``db_url``."""
    data = json.loads(json.dumps(BENCH_CONFIG))
    data["data_dir"] = str(data_dir)
    data["storage"] = {"url": db_url, "url_env": None, "pool_size": 4}
    data["worker"] = {"batch_size": batch_size}
    data["sentiment"] = {"model": "lexicon"}
    # Pages are read as a signed-in lead through a trusted SSO proxy header (see time_pages).
    data["web"] = {"auth": {"mode": "proxy", "trusted_proxies": ["127.0.0.1/32"], "user_header": "X-Forwarded-Email"}}
    return validate_config(data, path="<bench>", env={})


def gen_mentions(n: int, *, prefix: str, seed: int = 7, now: datetime | None = None) -> list[Mention]:
    """``n`` distinct mentions following :data:`TEMPLATES` (deterministic for ``seed``)."""
    rng = random.Random(seed)
    now = now or datetime.now(UTC)
    weights = [w for w, _ in TEMPLATES]
    texts = [t for _, t in TEMPLATES]
    out = []
    for i in range(n):
        text = rng.choices(texts, weights)[0].format(n=i)
        ext = f"{prefix}-{i}"
        out.append(Mention(source="x", external_id=ext, url=f"https://x.example/u/status/{ext}", text=text,
                           created_at=now - timedelta(seconds=n - i), author_handle=f"user{rng.randrange(5000)}",
                           author_reach=int(rng.lognormvariate(5, 2)), lang="en", likes=rng.randrange(50)))
    return out


class TimingNotifier:
    """A fake Slack: records when each message arrived, keyed by the mention's external id."""

    name = "timing"

    def __init__(self) -> None:
        self.sent: list[tuple[float, Outbound]] = []

    def send(self, msg: Outbound) -> str | None:
        """Record the message and the monotonic time of the call."""
        self.sent.append((time.monotonic(), msg))
        return f"fake:{len(self.sent)}"

    def already_sent(self, msg: Outbound) -> str | None:  # noqa: ARG002
        """Never sent before (each run uses fresh keys)."""
        return None


def timing_notifier(c: Container) -> TimingNotifier:
    """The fake Slack of a container built by :func:`start_container`."""
    notifier = c.notifiers["log"]
    if not isinstance(notifier, TimingNotifier):
        raise TypeError(f"expected the benchmark's TimingNotifier, got {type(notifier).__name__}")
    return notifier


@contextmanager
def database(kind: str, workdir: Path) -> Iterator[str]:
    """A fresh empty database URL: a SQLite file in ``workdir``, or a scratch PostgreSQL database."""
    if kind == "sqlite":
        path = workdir / f"bench-{uuid.uuid4().hex[:8]}.db"
        yield f"sqlite:///{path}"
        for p in workdir.glob(path.name + "*"):
            p.unlink(missing_ok=True)
        return
    import psycopg

    admin = PG_ADMIN_URL.replace("postgresql+psycopg://", "postgresql://")
    name = f"bs_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def pg_reachable() -> str | None:
    """None when the benchmark's PostgreSQL answers, else why not."""
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL.replace("postgresql+psycopg://", "postgresql://"), connect_timeout=3):
            return None
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"


def start_container(db_url: str, workdir: Path, classifier: Classifier, notifier: Any = None,
                    batch_size: int = 256) -> Container:
    """A migrated container with ``classifier`` and a fake notifier standing in for Slack."""
    cfg = make_config(db_url, workdir / "data", batch_size=batch_size)
    c = build(cfg, classifier=classifier, notifiers={"log": notifier or TimingNotifier()})
    c.start()
    return c


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-quantile (0..1) by linear interpolation; NaN when empty."""
    if not values:
        return float("nan")
    s = sorted(values)
    k = (len(s) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


# ---- throughput --------------------------------------------------------------------------------
@dataclass
class Throughput:
    """One end-to-end run: mentions stored, classified, routed and delivered to the fake Slack."""

    approach: str
    mentions: int
    seconds: float
    alerts: int
    rate: float = 0.0

    def __post_init__(self) -> None:
        self.rate = self.mentions / self.seconds if self.seconds > 0 else float("inf")


def run_batched(c: Container, mentions: Sequence[Mention], *, batch: int = 256, counters: bool = True) -> Throughput:
    """The pipeline as built: store in batches, process batches, deliver the outbox.

    ``counters=False`` is a diagnostic only: the store's metric counters become no-ops for this
    run, to show how much of the time they cost (not a valid way to run the service).
    """
    notifier = timing_notifier(c)
    before = len(notifier.sent)
    patched = [name for name in ("incr", "incr_many") if hasattr(c.store, name)] if not counters else []
    for name in patched:
        setattr(c.store, name, lambda *_args, **_kwargs: None)
    try:
        t0 = time.perf_counter()
        p = c.pipeline
        now = c.clock.now()
        for i in range(0, len(mentions), batch):
            c.store.add_new_mentions(SOURCE, "replay", mentions[i : i + batch], f"cursor-{i}", now=now)
        while p.process(batch):
            pass
        while p.deliver(500):
            pass
        seconds = time.perf_counter() - t0
    finally:
        for name in patched:
            delattr(c.store, name)
    name = "batched" if counters else "batched, counters off (diagnostic)"
    return Throughput(name, len(mentions), seconds, len(notifier.sent) - before)


def run_naive(c: Container, mentions: Sequence[Mention]) -> Throughput:
    """The obvious approach: one commit and one classifier call per mention, deliver each at once."""
    notifier = timing_notifier(c)
    before = len(notifier.sent)
    t0 = time.perf_counter()
    p = c.pipeline
    for m in mentions:
        c.store.add_new_mentions(SOURCE, "replay", [m], f"cursor-{m.external_id}", now=c.clock.now())
        p.process(1)
        while p.deliver(1):
            pass
    return Throughput("naive", len(mentions), time.perf_counter() - t0, len(notifier.sent) - before)


def classifier_rate(clf: Classifier, texts: Sequence[str], *, batch: int) -> float:
    """Mentions per second of the classifier alone, in batches of ``batch`` (``1``: one call each)."""
    t0 = time.perf_counter()
    for i in range(0, len(texts), batch):
        chunk = list(texts[i : i + batch])
        clf.classify(chunk, ["en"] * len(chunk))
    return len(texts) / (time.perf_counter() - t0)


def _start_together(target: Any, args_each: Sequence[tuple[Any, ...]]) -> tuple[list[Any], Any, Any]:
    """Spawn one process per ``args_each`` item, each called as ``target(*args, ready, go, out)``;
    returns ``(processes, go, out)`` once every one has put its pid on ``ready``. Setting ``go``
    starts the timed part; each puts its result on ``out``."""
    ctx = mp.get_context("spawn")
    ready, out, go = ctx.Queue(), ctx.Queue(), ctx.Event()
    procs = [ctx.Process(target=target, args=(*args, ready, go, out)) for args in args_each]
    for pr in procs:
        pr.start()
    for _ in procs:
        ready.get(timeout=120)
    return procs, go, out


def _classifier_proc(texts: Sequence[str], threads: int, batch: int, ready: Any, go: Any, out: Any) -> None:
    clf = make_classifier("model", threads)
    ready.put(os.getpid())
    go.wait()
    classifier_rate(clf, texts, batch=batch)
    out.put(time.monotonic())


def classifier_rate_procs(texts: Sequence[str], *, procs: int, threads: int, batch: int = 256) -> float:
    """Mentions per second of the model alone in ``procs`` processes of ``threads`` threads each,
    sharing ``texts`` (the classifier's own throughput in the layout the workers use)."""
    ps, go, out = _start_together(_classifier_proc, [(list(texts[i::procs]), threads, batch) for i in range(procs)])
    t0 = time.monotonic()
    go.set()
    end = max(float(out.get(timeout=1800)) for _ in ps)
    for pr in ps:
        pr.join(timeout=60)
    return len(texts) / (end - t0)


# ---- two workers --------------------------------------------------------------------------------
def _worker(db_url: str, workdir: str, clf_kind: str, threads: int, stored_all: Any, ready: Any, go: Any,
            out: Any) -> None:
    """One worker process: its own container and engine; process and deliver until nothing is left
    (and, with ``stored_all``, until that event says no more mentions are coming)."""
    c = start_container(db_url, Path(workdir), make_classifier(clf_kind, threads))
    p = c.pipeline
    ready.put(os.getpid())
    go.wait()
    done = 0
    while True:
        final = stored_all is None or stored_all.is_set()  # read before the round: nothing can follow it
        n = p.process()
        d = p.deliver(500)
        done += n
        if n == 0 and d == 0:
            if final:
                break
            time.sleep(0.005)
    out.put((time.monotonic(), done))
    c.store.engine.dispose()


def run_workers(db_url: str, workdir: Path, mentions: Sequence[Mention], *, workers: int,
                clf_kind: str = "lexicon", threads: int = 2, store_during: bool = False) -> Throughput:
    """``workers`` processes (model: ``threads`` threads each) process and deliver ``mentions``;
    time from go to the last one done.

    Without ``store_during`` the mentions are stored before the clock starts (the workers' own
    scaling); with it, this process stores them in batches of 256 while the workers run, as the
    scheduler does (end to end: stored, classified, routed, delivered).
    """
    c = start_container(db_url, workdir, make_classifier("lexicon"))
    now = c.clock.now()
    if not store_during:
        for i in range(0, len(mentions), 1000):
            c.store.add_new_mentions(SOURCE, "replay", mentions[i : i + 1000], None, now=now)
    stored_all = mp.get_context("spawn").Event()
    procs, go, out = _start_together(
        _worker, [(db_url, str(workdir), clf_kind, threads, stored_all if store_during else None)] * workers)
    t0 = time.monotonic()
    go.set()
    if store_during:
        for i in range(0, len(mentions), 256):
            c.store.add_new_mentions(SOURCE, "replay", mentions[i : i + 256], f"cursor-{i}", now=now)
        stored_all.set()
    c.store.engine.dispose()
    results = [out.get(timeout=1800) for _ in procs]
    for pr in procs:
        pr.join(timeout=60)
    end = max(t for t, _ in results)
    processed = sum(n for _, n in results)
    if processed != len(mentions):
        raise RuntimeError(f"{workers} workers processed {processed} of {len(mentions)} mentions")
    return Throughput(f"{workers} worker(s)", processed, end - t0, 0)


# ---- latency at a steady load -----------------------------------------------------------------
@dataclass
class Latency:
    """Fetch-to-Slack-call latency of the alerts sent during a steady load."""

    approach: str
    rate: float
    seconds: float
    alerts: int
    p50_ms: float
    p99_ms: float
    max_ms: float
    backlog_at_end: int


def run_latency(c: Container, *, rate: float, seconds: float, naive: bool, prefix: str) -> Latency:
    """Mentions "arrive" at ``rate`` per second; a single loop stores, processes and delivers.

    The fetch time of a mention is when it arrived (when the connector would have returned it);
    the latency is from then to the fake Slack ``send`` call of its alert.
    """
    notifier = timing_notifier(c)
    notifier.sent.clear()
    mentions = gen_mentions(int(rate * seconds), prefix=prefix, seed=11)
    t0 = time.monotonic()
    arrival = {m.external_id: t0 + i / rate for i, m in enumerate(mentions)}
    p = c.pipeline
    i = 0
    while i < len(mentions):
        now_m = time.monotonic()
        j = i
        while j < len(mentions) and arrival[mentions[j].external_id] <= now_m:
            j += 1
        if j == i:
            time.sleep(min(0.005, max(0.0, arrival[mentions[i].external_id] - now_m)))
            continue
        batch, i = mentions[i:j], j
        if naive:
            for m in batch:
                c.store.add_new_mentions(SOURCE, "replay", [m], None, now=c.clock.now())
                p.process(1)
                while p.deliver(1):
                    pass
        else:
            c.store.add_new_mentions(SOURCE, "replay", batch, None, now=c.clock.now())
            while p.process():
                pass
            while p.deliver(500):
                pass
    backlog = max(0.0, time.monotonic() - (t0 + seconds))
    lat = [(t - arrival[str(msg.payload.get("external_id"))]) * 1000 for t, msg in notifier.sent
           if str(msg.payload.get("external_id")) in arrival]
    return Latency("naive" if naive else "batched", rate, seconds, len(lat), percentile(lat, 0.5),
                   percentile(lat, 0.99), max(lat) if lat else float("nan"), int(backlog * rate))


# ---- many stored mentions: pages, digest, storage ------------------------------------------------
def seed_bulk(db_url: str, workdir: Path, n: int, *, queue_every: int = 10, open_share: float = 0.3,
              chunk: int = 20000, progress: Callable[[int], None] | None = None) -> dict[str, Any]:
    """Insert ``n`` routed mentions with classifications and queue items directly (not via the pipeline).

    PostgreSQL uses ``COPY``; SQLite ``executemany`` in large transactions. Every ``queue_every``-th
    mention has a queue item (``open_share`` of them still open), which is what the queue page reads.
    """
    from monitor.storage.models import ClassificationRow, MentionRow, QueueItem, QueueItemMention
    from monitor.storage.store import DAILY_COUNT, day_labels, mention_row

    c = start_container(db_url, workdir, make_classifier("lexicon"))
    engine = c.store.engine
    rng = random.Random(3)
    try:
        _, week_start, week_end = digest_week()
    except ImportError:  # no digest module: spread over the last seven days
        week_end = datetime.now(UTC)
        week_start = week_end - timedelta(days=7)
    now = week_end
    span = (week_end - week_start).total_seconds() - 1
    labels = ("neutral", "positive", "negative")
    statuses_open = ("new", "assigned", "acknowledged")
    statuses_done = ("responded", "closed", "dismissed")
    names = [str(t.__tablename__) for t in (MentionRow, ClassificationRow, QueueItem, QueueItemMention)]
    tables = [SQLModel.metadata.tables[name] for name in names]
    cols = {t.name: [col.name for col in t.columns] for t in tables}
    json_cols = {(t.name, col.name) for t in tables for col in t.columns if type(col.type).__name__ == "JSON"}
    t0 = time.perf_counter()
    qid = 0
    daily: Counter[tuple[str, str]] = Counter()  # what the triage stage keeps as it classifies
    for start in range(0, n, chunk):
        rows: dict[str, list[dict[str, Any]]] = {name: [] for name in cols}
        for m in gen_mentions(min(chunk, n - start), prefix=f"bulk{start}", seed=start, now=now):
            mid = start + len(rows["mention"]) + 1
            created = week_start + timedelta(seconds=span * mid / max(n, 1))  # spread over the week
            r = mention_row(m, source_name=SOURCE, fetched_at=created)
            r.update(id=mid, created_at=created, state="routed", group_key=f"x:{m.external_id}", deleted_at=None)
            rows["mention"].append(r)
            label = rng.choice(labels)
            daily[DAILY_COUNT, day_labels(created, r["source"], label)] += 1
            rows["classification"].append({
                "id": mid, "mention_id": mid, "label": label, "score": 0.8, "scores": {label: 0.8}, "model_id": "bench",
                "uncertain": False, "supported": True, "corrected": False, "created_at": created})
            if mid % queue_every == 0:
                qid += 1
                is_open = rng.random() < open_share
                light = "red" if rng.random() < 0.1 else "yellow"
                rows["queue_item"].append({
                    "id": qid, "mention_id": mid, "group_key": r["group_key"], "light": light, "light_reasons": [f"{light}: bench"],
                    "light_overridden_by": None, "priority": rng.choice(("P1", "P2", "P3")),
                    "priority_score": rng.random() * 100, "receivers": ["marketing-sales"], "reasons": ["bench"],
                    "topic": "claims", "status": rng.choice(statuses_open if is_open else statuses_done), "assignee": None,
                    "scout_submitted": False, "mention_count": 1, "due_at": created + timedelta(hours=4),
                    "acknowledged_at": None, "responded_at": None, "closed_at": None, "response_url": None, "template_id": None,
                    "close_reason": None, "escalation_level": 0, "alert_state": {}, "created_at": created,
                    "updated_at": created})
                rows["queue_item_mention"].append({"queue_item_id": qid, "mention_id": mid})
        _bulk_write(engine, cols, json_cols, rows)
        if progress:
            progress(start + chunk)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            from sqlalchemy import text

            for table in ("mention", "classification", "queue_item"):
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                  f"(SELECT coalesce(max(id), 1) FROM {table}))"))
            conn.execute(text("ANALYZE"))
    with c.store.session() as s:
        c.store.incr_many(s, daily)
    seconds = time.perf_counter() - t0
    c.store.engine.dispose()
    return {"mentions": n, "queue_items": qid, "seconds": seconds, "rows_per_s": n / seconds}


def _bulk_write(engine: Any, cols: dict[str, list[str]], json_cols: set[tuple[str, str]],
                rows: dict[str, list[dict[str, Any]]]) -> None:
    order = ("mention", "classification", "queue_item", "queue_item_mention")
    if engine.dialect.name == "postgresql":
        raw = engine.raw_connection()
        try:
            cur = raw.cursor()
            for name in order:
                names = [c for c in cols[name] if rows[name] and c in rows[name][0]]
                with cur.copy(f"COPY {name} ({', '.join(names)}) FROM STDIN") as cp:
                    for r in rows[name]:
                        cp.write_row([json.dumps(r[c]) if (name, c) in json_cols else r[c] for c in names])
            raw.commit()
        finally:
            raw.close()
        return
    from sqlalchemy import MetaData, Table

    md = MetaData()
    with engine.begin() as conn:
        for name in order:
            if rows[name]:
                conn.execute(Table(name, md, autoload_with=conn).insert(), rows[name])


@dataclass
class PageTiming:
    """Response times of one page over repeated requests."""

    path: str
    status: int
    requests: int
    p50_ms: float
    p95_ms: float
    bytes: int = 0
    notes: list[str] = field(default_factory=list)


def time_pages(db_url: str, workdir: Path, paths: Sequence[str], *, requests: int = 40) -> list[PageTiming]:
    """p50/p95 of each page through FastAPI's TestClient (in process, no network), after 3 warm-ups."""
    from fastapi.testclient import TestClient

    from monitor.web.app import create_app

    c = start_container(db_url, workdir, make_classifier("lexicon"))
    out = []
    headers = {"X-Forwarded-Email": PAGE_USER}
    with TestClient(create_app(c), client=("127.0.0.1", 50000), headers=headers, follow_redirects=False) as client:
        for path in paths:
            r = client.get(path)
            if r.status_code != 200:
                out.append(PageTiming(path, r.status_code, 0, float("nan"), float("nan"),
                                      notes=[f"not measured: HTTP {r.status_code} {r.headers.get('location', '')}"]))
                continue
            if 'action="/signin' in r.text:
                raise RuntimeError(f"{path} served the sign-in page; the benchmark would time the wrong page")
            for _ in range(2):
                client.get(path)
            times = []
            for _ in range(requests):
                t0 = time.perf_counter()
                r = client.get(path)
                times.append((time.perf_counter() - t0) * 1000)
            out.append(PageTiming(path, r.status_code, requests, percentile(times, 0.5), percentile(times, 0.95),
                                  len(r.content)))
    c.store.engine.dispose()
    return out


def time_dashboard_group_by(db_url: str, workdir: Path, *, requests: int = 20, days: int = 14) -> PageTiming:
    """The obvious way to get the dashboard's daily figures, timed on the same data: one GROUP BY
    (day, source, label) over every mention of the window (what the page did before it read the
    daily counts the pipeline keeps)."""
    from sqlalchemy import func
    from sqlmodel import col, select

    from monitor.storage.models import ClassificationRow, MentionRow

    c = start_container(db_url, workdir, make_classifier("lexicon"))
    pg = c.store.dialect == "postgresql"
    day = (func.date(func.timezone("UTC", col(MentionRow.created_at))) if pg
           else func.date(col(MentionRow.created_at))).label("day")
    end = datetime.now(UTC)
    start = end - timedelta(days=days)
    q = (select(day, MentionRow.source, ClassificationRow.label, func.count())  # type: ignore[call-overload]
         .select_from(MentionRow)
         .join(ClassificationRow, col(ClassificationRow.mention_id) == MentionRow.id, isouter=True)
         .where(col(MentionRow.created_at) >= start, col(MentionRow.created_at) < end)
         .group_by(day, MentionRow.source, ClassificationRow.label))
    times = []
    rows = 0
    for i in range(requests + 2):
        t0 = time.perf_counter()
        with c.store.session() as s:
            rows = len(s.exec(q).all())
        if i >= 2:
            times.append((time.perf_counter() - t0) * 1000)
    c.store.engine.dispose()
    return PageTiming("dashboard GROUP BY (obvious)", 200, requests, percentile(times, 0.5), percentile(times, 0.95),
                      notes=[f"{rows} groups"])


def digest_week() -> tuple[str, datetime, datetime]:
    """The last full ISO week (UTC): its label, start and end; bulk-seeded mentions fall inside it."""
    from zoneinfo import ZoneInfo

    from monitor.digest import shift_week, week_bounds, week_label

    week = shift_week(week_label(datetime.now(UTC).date()), -1)
    start, end = week_bounds(week, ZoneInfo("UTC"))
    return week, start, end


def time_digest(db_url: str, workdir: Path) -> dict[str, Any]:
    """Time ``monitor.digest.load_digest`` (read the week's rows + ``build_digest``) over the seeded week."""
    try:
        from monitor.config.digest import DigestConfig
        from monitor.digest import load_digest
    except ImportError as exc:
        return {"available": False, "why": f"monitor.digest not importable: {exc}"}
    c = start_container(db_url, workdir, make_classifier("lexicon"))
    try:
        week, _, end = digest_week()
        t0 = time.perf_counter()
        d = load_digest(c, DigestConfig(recipients=["marketing@setseg.example"]), week, now=end + timedelta(hours=8))
        seconds = time.perf_counter() - t0
        return {"available": True, "seconds": seconds, "week": week, "digest_type": type(d).__name__}
    except Exception as exc:
        return {"available": False, "why": f"load_digest failed: {type(exc).__name__}: {exc}"}
    finally:
        c.store.engine.dispose()


def storage_bytes(db_url: str) -> dict[str, int]:
    """Bytes on disk: the SQLite file (plus WAL), or ``pg_total_relation_size`` of every table."""
    if db_url.startswith("sqlite:///"):
        import sqlite3

        path = Path(db_url.removeprefix("sqlite:///"))
        with sqlite3.connect(path) as conn:  # fold the WAL into the file first
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        total = sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))
        return {"total": total}
    import psycopg

    with psycopg.connect(db_url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        rows = conn.execute(
            "SELECT c.relname, pg_total_relation_size(c.oid) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'r' AND n.nspname = 'public'"
        ).fetchall()
    out = {str(name): int(size) for name, size in rows}
    out["total"] = sum(out.values())
    return out


def as_dict(obj: Any) -> Any:
    """Dataclasses (and lists of them) as JSON-ready values."""
    if isinstance(obj, list):
        return [as_dict(o) for o in obj]
    return asdict(obj) if hasattr(obj, "__dataclass_fields__") else obj


def scratch_dir() -> Path:
    """A temporary working folder for SQLite files and data dirs."""
    return Path(tempfile.mkdtemp(prefix="bench-pipeline-"))


__all__ = [
    "Latency", "PageTiming", "Throughput", "TimingNotifier", "as_dict", "classifier_rate", "database",
    "gen_mentions", "make_classifier", "make_config", "model_available", "percentile", "pg_reachable",
    "run_batched", "run_latency", "run_naive", "run_workers", "scratch_dir", "seed_bulk", "start_container",
    "storage_bytes", "time_digest", "time_pages", "timing_notifier",
]
