"""``scout route`` (a dry run of the router on JSON lines) and ``scout rules backtest``.

Both commands only read: nothing is sent and nothing is stored.
"""

from __future__ import annotations

import bisect
import json
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Annotated, Any

import typer
from sqlmodel import col, select

from monitor.clock import SystemClock, utc
from monitor.config import AppConfig, load_config, parse_duration
from monitor.domain.decide import MentionView, Router, SentimentView
from monitor.domain.spikes import Sample, Spike, SpikeRecord, bucket_start, bucketize, detect
from monitor.domain.suppression import suppress
from monitor.errors import MonitorError

ConfigOpt = Annotated[str, typer.Option("--config", "-c", envvar="BRAND_SCOUT_CONFIG", help="YAML configuration file")]
NowOpt = Annotated[str | None, typer.Option("--now", help="evaluate as of this ISO time (default: the current time)")]
_SENTIMENTS = ("negative", "neutral", "positive")


def register(app: typer.Typer) -> None:
    """Add ``route`` and the ``rules`` group (``rules backtest``) to the ``scout`` app."""
    app.command("route")(route)
    rules = typer.Typer(help="Try the routing rules on stored mentions before switching them on.", no_args_is_help=True)
    rules.command("backtest")(backtest)
    app.add_typer(rules, name="rules")


def _load(path: str) -> AppConfig:
    try:
        return load_config(path)
    except MonitorError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None


def _now(value: str | None) -> datetime:
    if value is None:
        return SystemClock().now()
    try:
        return utc(datetime.fromisoformat(value))
    except ValueError:
        typer.echo(f"error: --now {value!r} is not an ISO time", err=True)
        raise typer.Exit(2) from None


# ---- scout route ------------------------------------------------------------------------------


class LineError(ValueError):
    """A JSON line that cannot be routed."""


def _int(obj: dict[str, Any], key: str) -> int:
    value = obj.get(key, 0)
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise LineError(f"{key} must be a non-negative number")
    return int(value)


def _str(obj: dict[str, Any], key: str, *, required: bool = False) -> str:
    value = obj.get(key)
    if value is None or value == "":
        if required:
            raise LineError(f"missing field {key!r}")
        return ""
    if not isinstance(value, str | int):
        raise LineError(f"{key} must be a string")
    return str(value)


def parse_line(line: str) -> tuple[MentionView, SentimentView | None]:
    """A mention (and its sentiment, when given) from one JSON line as stored.

    Fields: ``source``, ``external_id``, ``text``, ``created_at`` (ISO; required), ``url``,
    ``author``, ``author_followers``, ``lang``, ``likes``, ``reposts``, ``replies``, ``quotes``,
    ``kind``, ``thread_id``, ``refers_to``, ``links``, ``submitted_by``, ``scout_category`` and
    ``sentiment`` (``{"label": ..., "score": ...}``).

    Raises:
        LineError: the line is not a JSON object or a field is missing or malformed.
    """
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        raise LineError(f"not JSON: {exc.msg} at column {exc.colno}") from None
    if not isinstance(obj, dict):
        raise LineError("expected a JSON object")
    raw_created = _str(obj, "created_at", required=True)
    try:
        created = utc(datetime.fromisoformat(raw_created.replace("Z", "+00:00")))
    except ValueError:
        raise LineError(f"created_at {raw_created!r} is not an ISO time") from None
    links = obj.get("links") or []
    if not isinstance(links, list) or not all(isinstance(x, str) for x in links):
        raise LineError("links must be a list of strings")
    m = MentionView(
        source=_str(obj, "source", required=True),
        external_id=_str(obj, "external_id", required=True),
        text=_str(obj, "text"),
        created_at=created,
        url=_str(obj, "url"),
        author_handle=_str(obj, "author"),
        author_reach=_int(obj, "author_followers"),
        lang=_str(obj, "lang") or None,
        likes=_int(obj, "likes"),
        reposts=_int(obj, "reposts"),
        replies=_int(obj, "replies"),
        quotes=_int(obj, "quotes"),
        kind=_str(obj, "kind") or "post",
        thread_id=_str(obj, "thread_id") or None,
        refers_to=_str(obj, "refers_to") or None,
        links=tuple(links),
        submitted_by=_str(obj, "submitted_by") or None,
        scout_category=_str(obj, "scout_category") or None,
    )
    raw = obj.get("sentiment")
    if raw is None:
        return m, None
    if not isinstance(raw, dict) or raw.get("label") not in _SENTIMENTS:
        raise LineError('sentiment must be {"label": negative|neutral|positive, "score": 0..1}')
    score = raw.get("score", 1.0)
    if isinstance(score, bool) or not isinstance(score, int | float) or not 0 <= score <= 1:
        raise LineError("sentiment.score must be a number from 0 to 1")
    return m, SentimentView(str(raw["label"]), float(score), bool(raw.get("uncertain", False)))


def _classify(cfg: AppConfig, views: list[MentionView]) -> list[SentimentView]:
    """Sentiment for mentions that came without one (the configured model, else VADER)."""
    if not views:
        return []
    texts, langs = [v.text for v in views], [v.lang for v in views]
    try:
        from monitor.sentiment import build_classifier

        results = build_classifier(cfg.sentiment).classify(texts, langs)
    except (ImportError, MonitorError) as exc:
        from monitor.sentiment.lexicon import LexiconClassifier

        typer.echo(f"warning: sentiment model unavailable ({exc}); using the VADER lexicon", err=True)
        results = LexiconClassifier(
            uncertain_below=cfg.sentiment.uncertain_below, languages=cfg.sentiment.languages
        ).classify(texts, langs)
    return [SentimentView(c.label, c.score, c.uncertain, c.supported) for c in results]


def route(
    config: ConfigOpt,
    explain: Annotated[bool, typer.Option("--explain", help="add the labels and the matched route paths")] = False,
    now: NowOpt = None,
) -> None:
    """Route JSON-line mentions from stdin and print one decision per line (a dry run)."""
    cfg = _load(config)
    router = Router(cfg)
    at = _now(now)
    parsed: list[tuple[MentionView, SentimentView | None] | LineError] = []
    numbers: list[int] = []
    for number, line in enumerate(sys.stdin, start=1):
        if not line.strip():
            continue
        numbers.append(number)
        try:
            parsed.append(parse_line(line))
        except LineError as exc:
            parsed.append(exc)
    todo = [p[0] for p in parsed if not isinstance(p, LineError) and p[1] is None]
    scored = iter(_classify(cfg, todo))
    bad = 0
    for number, item in zip(numbers, parsed, strict=True):
        if isinstance(item, LineError):
            bad += 1
            typer.echo(json.dumps({"line": number, "error": str(item)}))
            continue
        m, s = item
        d = router.decide(m, s if s is not None else next(scored), now=at)
        typer.echo(json.dumps(d.explain_json() if explain else d.to_json(), ensure_ascii=False, default=str))
    if bad:
        raise typer.Exit(1)


# ---- scout rules backtest ---------------------------------------------------------------------


@dataclass
class DayTally:
    """What the rules would have done on one day."""

    alerts: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    held: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    spikes: list[str] = field(default_factory=list)
    mentions: int = 0


def replay(
    cfg: AppConfig,
    rows: list[tuple[MentionView, SentimentView | None, datetime]],
    *,
    since: datetime,
    until: datetime,
) -> dict[str, DayTally]:
    """Replay mentions (view, sentiment, time it was routed) through the rules, day by day (UTC).

    Alerts are counted per route (``path -> receiver``) after the group's repeat interval and
    inhibition by the spikes the detector would have raised; ``held`` counts what those held back.
    Mentions before ``since`` only feed the spike baseline. Pure apart from the router's config.
    """
    router = Router(cfg)
    sp = cfg.policy.spikes
    days: dict[str, DayTally] = defaultdict(DayTally)
    samples = sorted(
        (
            Sample(
                m.source, m.external_id, m.created_at, m.text, bool(s and s.label == "negative"), m.url, m.engagement
            )
            for m, s, _ in rows
        ),
        key=lambda x: x.created_at,
    )
    times = [x.created_at for x in samples]
    counts = bucketize(samples, sp.bucket)
    first_seen: dict[str, Spike] = {}
    live: list[SpikeRecord] = []
    t = bucket_start(since, sp.bucket)
    while sp.enabled and t < until:
        lo = bisect.bisect_left(times, t - sp.bucket)
        hi = bisect.bisect_left(times, t + sp.bucket)
        for spike in detect(counts, sp, t, samples=samples[lo:hi], recent=live):
            if spike.key not in first_seen:
                first_seen[spike.key] = spike
                live.append(spike.as_record())
                days[t.date().isoformat()].spikes.append(spike.key)
        t += sp.bucket
    last_alert: dict[tuple[str, str], datetime] = {}
    for m, s, at in sorted(rows, key=lambda r: r[2]):
        if at < since or at >= until:
            continue
        day = days[at.date().isoformat()]
        day.mentions += 1
        d = router.decide(m, s, now=at)
        for mt in d.matches:
            name = f"{mt.path} -> {mt.receiver}"
            held = suppress(
                d.labels,
                now=at,
                last_alert_at=last_alert.get((d.group, mt.receiver)),
                repeat_interval=mt.opts.repeat_interval,
                spikes=live,
                inhibit_matchers=sp.inhibit_matchers,
                spike_cooldown=sp.cooldown,
            )
            if held is None:
                day.alerts[name] += 1
                last_alert[(d.group, mt.receiver)] = at
            else:
                day.held[f"{name} ({held.kind})"] += 1
    return dict(sorted(days.items()))


def _stored_rows(cfg: AppConfig, start: datetime) -> list[tuple[MentionView, SentimentView | None, datetime]]:
    from monitor.storage.db import make_engine
    from monitor.storage.models import ClassificationRow, MentionRow, ScoutSubmission
    from monitor.storage.store import Store

    store = Store(make_engine(cfg.database_url()))
    with store.session() as s:
        q = (
            select(MentionRow, ClassificationRow)
            .join(ClassificationRow, col(ClassificationRow.mention_id) == col(MentionRow.id), isouter=True)
            .where(col(MentionRow.created_at) >= start, col(MentionRow.deleted_at).is_(None))
            .order_by(col(MentionRow.created_at), col(MentionRow.id))
        )
        pairs = list(s.exec(q).all())
        subs: dict[int, ScoutSubmission] = {}
        for sub in s.exec(select(ScoutSubmission).where(col(ScoutSubmission.mention_id).is_not(None))).all():
            if sub.mention_id is not None:
                subs.setdefault(sub.mention_id, sub)
    out: list[tuple[MentionView, SentimentView | None, datetime]] = []
    for row, cl in pairs:
        found = subs.get(row.id or -1)
        m = MentionView(
            source=row.source,
            external_id=row.external_id,
            text=row.text,
            created_at=utc(row.created_at),
            url=row.url,
            author_handle=row.author_handle,
            author_reach=row.author_reach,
            lang=row.lang,
            likes=row.likes,
            reposts=row.reposts,
            replies=row.replies,
            quotes=row.quotes,
            kind=row.kind,
            thread_id=row.thread_id,
            refers_to=row.refers_to,
            links=tuple(row.links or ()),
            submitted_by=found.submitted_by if found else None,
            scout_category=found.category if found else None,
        )
        s_view = SentimentView(cl.label, cl.score, cl.uncertain, cl.supported) if cl is not None else None
        out.append((m, s_view, max(utc(row.created_at), utc(row.fetched_at))))
    return out


def backtest(
    since: Annotated[str, typer.Option("--since", help="how far back to replay, e.g. 30d or 2w")] = "30d",
    config: ConfigOpt = "config/example.yaml",
    as_json: Annotated[bool, typer.Option("--json", help="one JSON object per day")] = False,
    now: NowOpt = None,
) -> None:
    """Replay stored mentions through the current rules: alerts per route and spikes, per day."""
    cfg = _load(config)
    try:
        window = parse_duration(since)
    except ValueError as exc:
        typer.echo(f"error: --since: {exc}", err=True)
        raise typer.Exit(2) from None
    until = _now(now)
    start = until - window
    baseline_start = start - cfg.policy.spikes.baseline_weeks * timedelta(days=7)
    try:
        rows = _stored_rows(cfg, baseline_start)
    except MonitorError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    days = replay(cfg, rows, since=start, until=until)
    if as_json:
        for day, tally in days.items():
            typer.echo(
                json.dumps(
                    {
                        "day": day,
                        "mentions": tally.mentions,
                        "alerts": dict(tally.alerts),
                        "held": dict(tally.held),
                        "spikes": len(tally.spikes),
                        "spike_keys": tally.spikes,
                    }
                )
            )
        return
    typer.echo(
        f"Backtest {start:%Y-%m-%d %H:%M} .. {until:%Y-%m-%d %H:%M} UTC "
        f"(rules of {cfg.path}; silences not applied; nothing sent)"
    )
    if not days:
        typer.echo("no stored mentions in this window")
        return
    for day, tally in days.items():
        typer.echo(f"{day}  {tally.mentions} mentions")
        for name, n in sorted(tally.alerts.items()):
            typer.echo(f"  {n:5d}  {name}")
        for name, n in sorted(tally.held.items()):
            typer.echo(f"  {n:5d}  held: {name}")
        if tally.spikes:
            typer.echo(f"  {len(tally.spikes):5d}  spike detector -> {cfg.policy.spikes.receiver}")


__all__ = ["LineError", "backtest", "parse_line", "register", "replay", "route"]
