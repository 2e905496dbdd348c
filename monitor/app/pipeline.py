"""The pipeline: fetch → store (with the cursor, one transaction) → classify → route → queue and
outbox → deliver. Each step reads ``now`` once from the container's clock.

Every step is idempotent, so a process killed at any point and started again neither loses nor
duplicates a mention or a notification: mentions are unique on ``(source, external_id)``; a batch
of mentions is classified, routed and queued in one transaction that also moves them to state
``routed``; notifications are unique on their idempotency key and reconciled after a crash.
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlmodel import Session, col, select

from connectors.base import FetchContext, Mention
from monitor.clock import utc
from monitor.delivery.notifiers.base import Outbound
from monitor.domain.assignment import assign
from monitor.domain.decide import Decision, MentionView, SentimentView
from monitor.domain.escalation import suppress
from monitor.errors import (
    FatalSourceError,
    MonitorError,
    NotifyError,
    RetriableSourceError,
    SourceError,
    redact,
)
from monitor.storage.models import (
    ClassificationRow,
    MentionRow,
    Notification,
    QueueItem,
    QueueItemMention,
    RosterEntry,
    ScoutSubmission,
    Silence,
    SpikeEvent,
)
from monitor.storage.store import backoff_delay

if TYPE_CHECKING:
    from monitor.app.bootstrap import Container

log = logging.getLogger("brand_scout.pipeline")


@dataclass
class _NewItem:
    """A queue item created in this batch: a plain value, inserted in bulk at the batch's end
    (building ORM rows one by one costs more than the rest of the pipeline)."""

    mention_id: int
    group_key: str
    light: str
    light_reasons: list[str]
    priority: str
    priority_score: float
    receivers: list[str]
    reasons: list[str]
    topic: str | None
    status: str
    scout_submitted: bool
    due_at: datetime | None
    created_at: datetime
    updated_at: datetime
    id: int | None = None
    assignee: str | None = None
    light_overridden_by: str | None = None
    mention_count: int = 1
    close_reason: str | None = None
    closed_at: datetime | None = None
    last_alert_at: datetime | None = None

    def row(self) -> dict[str, Any]:
        """The column values to insert."""
        return {k: v for k, v in vars(self).items() if k != "id"}


@dataclass(frozen=True)
class _Cls:
    """A classification as the router and the alert payload read it (a plain value, not a row)."""

    mention_id: int
    label: str
    score: float
    scores: dict[str, float]
    model_id: str
    uncertain: bool
    supported: bool
    corrected: bool
    created_at: datetime


@dataclass
class _BatchContext:
    """What every mention of one batch is checked against (read once per batch), and what the
    batch writes in bulk at its end."""

    silences: list[Silence]
    spikes: list[SpikeEvent]
    counts: Counter[tuple[str, str]]
    items: dict[str, QueueItem | _NewItem] = field(default_factory=dict)
    new_items: list[_NewItem] = field(default_factory=list)
    members: list[tuple[QueueItem | _NewItem, int]] = field(default_factory=list)
    alerts: list[tuple[QueueItem | _NewItem, MentionRow, ClassificationRow | _Cls, Decision, bool]] = field(
        default_factory=list)
    held: list[tuple[QueueItem | _NewItem, int, str, str]] = field(default_factory=list)
    roster: dict[str, RosterEntry] | None = None


@dataclass
class PollReport:
    """What one poll of one source did."""

    source: str
    fetched: int = 0
    stored: int = 0
    duplicates: int = 0
    filtered: int = 0
    error: str | None = None
    new_ids: list[int] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what the connector reports about this fetch


def view_of(row: MentionRow, submission: ScoutSubmission | None = None) -> MentionView:
    """The router's view of a stored mention."""
    return MentionView(
        source=row.source, external_id=row.external_id, text=row.text, created_at=utc(row.created_at),
        url=row.url, author_handle=row.author_handle, author_reach=row.author_reach, lang=row.lang,
        likes=row.likes, reposts=row.reposts, replies=row.replies, quotes=row.quotes, kind=row.kind,
        thread_id=row.thread_id, refers_to=row.refers_to, links=tuple(row.links or ()),
        submitted_by=submission.submitted_by if submission else None,
        scout_category=submission.category if submission else None,
    )


def alert_payload(item: QueueItem | _NewItem, row: MentionRow, decision: Decision, *, receiver_restricted: bool,
                  base_url: str, sentiment: ClassificationRow | _Cls | None) -> dict[str, Any]:
    """The content of an alert. Red items carry their text only to restricted receivers."""
    red_hidden = item.light == "red" and not receiver_restricted
    return {
        "item_id": item.id,
        "group": item.group_key,
        "light": item.light,
        "priority": item.priority,
        "source": row.source,
        "external_id": row.external_id,
        "url": row.url,
        "author": row.author_handle,
        "author_name": row.author_name,
        "reach": row.author_reach,
        "text": None if red_hidden else row.text,
        "text_withheld": red_hidden,
        "sentiment": sentiment.label if sentiment else None,
        "sentiment_score": round(sentiment.score, 3) if sentiment else None,
        "uncertain": bool(sentiment and sentiment.uncertain),
        "reasons": [] if red_hidden else list(decision.reasons),
        "due_at": item.due_at.isoformat() if item.due_at else None,
        "item_url": f"{base_url.rstrip('/')}/queue/{item.id}",
        "scout": item.scout_submitted,
        "mention_count": item.mention_count,
    }


class Pipeline:
    """The steps of brand-scout, built once by :func:`monitor.app.bootstrap.build`."""

    def __init__(self, container: Container) -> None:
        self.c = container

    # ---- fetch and store ------------------------------------------------------------------
    def poll(self, source_name: str, *, progress: Callable[[int, int | None], None] | None = None) -> PollReport:
        """Fetch one source once and store what is new together with its cursor.

        A failed fetch stores nothing and leaves the cursor; the failure is recorded, and a
        source that becomes unhealthy raises one health alert (not one per poll).
        """
        c = self.c
        now = c.clock.now()
        src = c.source_config(source_name)
        report = PollReport(source=source_name)
        state = c.store.get_state(source_name)
        if state and state.retry_after and utc(state.retry_after) > now:
            report.error = f"rate limited until {utc(state.retry_after).isoformat()}"
            return report
        cursor = state.cursor if state else None
        backfill = now - src.backfill if cursor is None else None
        try:
            connector = c.connector(source_name)
            result = connector.fetch(cursor, FetchContext(now=now, backfill_since=backfill, progress=progress))
        except SourceError as exc:
            return self._source_failed(source_name, src.type, exc, now, report)
        except Exception as exc:  # a connector bug must not stop the other sources
            log.exception("connector crashed", extra={"event": "connector_crash", "source": source_name})
            return self._source_failed(source_name, src.type, RetriableSourceError(f"{type(exc).__name__}: {exc}"),
                                       now, report)
        mentions = result.mentions
        report.fetched = len(mentions)
        kept, dropped = c.filter_mentions(source_name, mentions)
        report.filtered = dropped
        batch = c.store.add_new_mentions(source_name, src.type, kept, result.cursor, now=now)
        with c.store.session() as s:
            c.store.incr(s, "mentions_fetched_total", f'source="{source_name}"', len(mentions))
            c.store.incr(s, "mentions_stored_total", f'source="{source_name}"', len(batch.new_ids))
        report.stored, report.duplicates, report.new_ids = len(batch.new_ids), batch.duplicates, batch.new_ids
        log.info("poll", extra={"event": "poll", "source": source_name, "fetched": report.fetched,
                                "stored": report.stored, "duplicates": report.duplicates, "filtered": dropped})
        report.notes = list(result.notes)
        for note in result.notes:  # e.g. a read limit that left older new posts unread
            log.warning("source note: %s", note, extra={"event": "source_note", "source": source_name})
        return report

    def _source_failed(self, name: str, type_: str, exc: SourceError, now: datetime, report: PollReport) -> PollReport:
        fatal = isinstance(exc, FatalSourceError)
        retry_after = None
        if isinstance(exc, RetriableSourceError) and exc.retry_after:
            retry_after = now + timedelta(seconds=float(exc.retry_after))
        message = redact(str(exc))
        report.error = message
        alert = self.c.store.record_source_failure(name, type_, message, now=now, fatal=fatal, retry_after=retry_after)
        with self.c.store.session() as s:
            self.c.store.incr(s, "connector_errors_total", f'source="{name}"')
            if alert:
                state = self.c.store._state(s, name)
                streak = int(utc(state.last_attempt_at or now).timestamp())
                self.c.store.enqueue(
                    s, key=f"health:{name}:unhealthy:{streak}", receiver=self.c.health_receiver, kind="health",
                    payload={"title": f"Source {name} is unhealthy", "summary": message, "source": name}, now=now,
                )
        log.warning("poll failed", extra={"event": "poll_failed", "source": name, "fatal": fatal, "error": message})
        return report

    def check_silence(self) -> list[str]:
        """Raise one health alert per source that has been silent longer than its window."""
        c = self.c
        now = c.clock.now()
        silent = []
        for src in c.cfg.sources:
            if not src.enabled or src.silent_after is None:
                continue
            state = c.store.get_state(src.name)
            if state is None or state.last_mention_at is None:
                continue
            quiet = now - utc(state.last_mention_at)
            if quiet >= src.silent_after and c.store.mark_silent_alerted(src.name):
                silent.append(src.name)
                hours = quiet.total_seconds() / 3600
                with c.store.session() as s:
                    c.store.enqueue(
                        s, key=f"health:{src.name}:silent:{int(utc(state.last_mention_at).timestamp())}",
                        receiver=c.health_receiver, kind="health", now=now,
                        payload={"title": f"No mentions from {src.name} for {hours:.0f} h",
                                 "summary": f"last new mention at {utc(state.last_mention_at).isoformat()}",
                                 "source": src.name},
                    )
        return silent

    # ---- classify, route, queue ------------------------------------------------------------
    def process(self, limit: int | None = None) -> int:
        """Classify and route one batch of new mentions; returns how many were processed.

        The whole batch is one transaction with a fixed number of statements per batch (not per
        mention): one classifier call, bulk inserts of classifications, group memberships and
        outbox rows, one state update and one counter update per counter.
        """
        c = self.c
        limit = limit or c.cfg.worker.batch_size
        now = c.clock.now()
        with c.store.session() as s:
            rows = c.store.claim_new(s, limit)
            if not rows:
                return 0
            ids = [r.id or 0 for r in rows]
            counts: Counter[tuple[str, str]] = Counter()
            existing: dict[int, ClassificationRow | _Cls] = {cl.mention_id: cl for cl in s.exec(
                select(ClassificationRow).where(c.store.among(col(ClassificationRow.mention_id), ids))).all()}
            todo = [r for r in rows if r.id not in existing]
            if todo:
                results = c.classifier.classify([r.text for r in todo], [r.lang for r in todo])
                made = [_Cls(r.id or 0, res.label, float(res.score), {k: float(v) for k, v in res.scores.items()},
                             res.model_id, res.uncertain, res.supported, False, now)
                        for r, res in zip(todo, results, strict=True)]
                c.store.insert_ignore(s, ClassificationRow, [vars(m).copy() for m in made], ["mention_id"])
                existing.update((m.mention_id, m) for m in made)
                counts["mentions_classified_total", ""] += len(todo)
            subs = {sub.mention_id: sub for sub in s.exec(
                select(ScoutSubmission).where(c.store.among(col(ScoutSubmission.mention_id), ids))).all()}
            ctx = _BatchContext(
                silences=list(s.exec(select(Silence).where(Silence.ends_at > now)).all()),
                spikes=list(s.exec(select(SpikeEvent).where(
                    SpikeEvent.started_at >= now - c.cfg.policy.spikes.cooldown - timedelta(days=1))).all()),
                counts=counts,
            )
            decisions = []
            for r in rows:
                cl = existing[r.id or 0]
                sub = subs.get(r.id)
                d = c.router.decide(view_of(r, sub), SentimentView(cl.label, cl.score, cl.uncertain, cl.supported),
                                    now=now)
                decisions.append((r, cl, sub, d))
            keys = sorted({d.group for *_, d in decisions})
            ctx.items = {q.group_key: q for q in s.exec(select(QueueItem).where(c.store.among(col(QueueItem.group_key), keys)))}
            for r, cl, sub, d in decisions:
                self._route_one(s, r, cl, sub, d, now, ctx)
            if ctx.new_items:
                ids_by_group = c.store.insert_new_queue_items(s, [it.row() for it in ctx.new_items])
                for it in ctx.new_items:
                    it.id = ids_by_group[it.group_key]
            c.store.insert_ignore(s, QueueItemMention, [
                {"queue_item_id": item.id, "mention_id": mid} for item, mid in ctx.members], ["queue_item_id", "mention_id"])
            c.store.insert_ignore(s, Notification, self._outbox_rows(ctx, now), ["idempotency_key"])
            for item, mention_id, kind, reason in ctx.held:
                c.store.audit(s, actor="brand-scout", action=f"alert.{kind}", object_type="queue_item",
                              object_id=str(item.id), details={"reason": reason, "mention": mention_id}, now=now)
            c.store.mark_routed(s, [(r.id or 0, d.group) for r, _, _, d in decisions])
            c.store.incr_many(s, counts)
        return len(rows)

    def _route_one(self, s: Session, row: MentionRow, cl: ClassificationRow | _Cls, sub: ScoutSubmission | None,
                   decision: Decision, now: datetime, ctx: _BatchContext) -> None:
        c = self.c
        for rcv in decision.receivers:
            ctx.counts["mentions_routed_total", f'receiver="{rcv}"'] += 1
        explicit = any(m.path != "route" for m in decision.matches)
        needs_people = decision.light != "green" or sub is not None
        if not needs_people and not explicit:
            return  # green and only the default route: recorded, nobody needs to act
        item = ctx.items.get(decision.group)
        first = item is None
        if item is None:
            item = _NewItem(
                mention_id=row.id or 0, group_key=decision.group, light=decision.light,
                light_reasons=[r for r in decision.reasons if r.startswith(decision.light)],
                priority=decision.priority, priority_score=decision.priority_score,
                receivers=list(decision.receivers), reasons=list(decision.reasons), topic=decision.topic,
                status="new", scout_submitted=sub is not None,
                due_at=c.due_at(now, decision.priority) if needs_people else None,
                created_at=now, updated_at=now,
            )
            if not needs_people:
                item.status = "closed"
                item.close_reason = "recorded: green mention shared with its receivers"
                item.closed_at = now
            else:
                self._assign(s, item, row, now, ctx)
            ctx.items[decision.group] = item
            ctx.new_items.append(item)
        else:
            item.mention_count += 1
            if decision.priority_score > item.priority_score:
                item.priority, item.priority_score = decision.priority, decision.priority_score
            if _LIGHT_RANK[decision.light] > _LIGHT_RANK[item.light] and not item.light_overridden_by:
                item.light = decision.light
                item.light_reasons = [r for r in decision.reasons if r.startswith(decision.light)]
            item.scout_submitted = item.scout_submitted or sub is not None
            for rcv in decision.receivers:
                if rcv not in item.receivers:
                    item.receivers = [*item.receivers, rcv]
            item.updated_at = now
        ctx.members.append((item, row.id or 0))
        held = suppress(
            {**decision.labels, "group": item.group_key}, now=now,
            last_alert_at=None if first else (utc(item.last_alert_at) if item.last_alert_at else None),
            repeat_interval=c.cfg.policy.grouping.repeat_interval, silences=ctx.silences, spikes=ctx.spikes,
            spike_cooldown=c.cfg.policy.spikes.cooldown,
        )
        if held is not None:
            if held.kind != "repeat":
                ctx.held.append((item, row.id or 0, held.kind, held.reason))
            return
        ctx.alerts.append((item, row, cl, decision, first))
        item.last_alert_at = now

    def _outbox_rows(self, ctx: _BatchContext, now: datetime) -> list[dict[str, Any]]:
        """The alerts of a batch as outbox rows (after the flush that gave new items their ids)."""
        c = self.c
        out = []
        for item, row, cl, decision, first in ctx.alerts:
            suffix = "" if first else f":{row.id}"
            for rcv in decision.receivers:
                rc = c.receiver(rcv)
                payload = alert_payload(item, row, decision, receiver_restricted=rc.restricted if rc else False,
                                        base_url=c.cfg.web.base_url, sentiment=cl)
                out.append({
                    "idempotency_key": f"alert:{rcv}:{item.group_key}{suffix}", "receiver": rcv,
                    "kind": "alert" if first else "update", "channel": None, "queue_item_id": item.id,
                    "payload": json.loads(json.dumps(payload, default=str)), "status": "pending", "attempts": 0,
                    "next_attempt_at": now, "created_at": now})
        return out

    def _assign(self, s: Session, item: _NewItem, row: MentionRow, now: datetime, ctx: _BatchContext) -> None:
        """Give a new item to a spokesperson: by topic, then in turn, skipping those off duty."""
        if item.light == "red":
            return  # red items go to Legal / Compliance and the lead, not to the rotation
        if ctx.roster is None:
            ctx.roster = {r.id: r for r in s.exec(select(RosterEntry)).all()}
        roster = [sp for sp in self.c.cfg.spokespersons if sp.active]
        last = {rid: r.last_assigned_at for rid, r in ctx.roster.items()}
        who = assign(item.topic, row.lang, roster, now, last)
        if who is None:
            return
        item.assignee, item.status = who, "assigned"
        entry = ctx.roster.get(who)
        if entry is not None:
            entry.last_assigned_at = now
            s.add(entry)

    # ---- deliver -------------------------------------------------------------------------------
    def deliver(self, limit: int = 100) -> int:
        """Send due outbox messages in order; returns how many were delivered.

        Three steps: claim a batch in one transaction (status ``sending`` with a lease), send
        with no transaction open, record the outcomes in one transaction. A message still in
        ``sending`` after its lease ran out was interrupted by a crash: the notifier is asked
        whether it went out before it is sent again. When a receiver fails, its later messages
        wait, so each receiver sees its messages in order.
        """
        c = self.c
        now = c.clock.now()
        batch: list[tuple[int, str, Outbound]] = []
        with c.store.session() as s:
            due = c.store.due_notifications(s, now=now, limit=limit)
            firsts: dict[tuple[int, str], Notification] = {}
            item_ids = sorted({n.queue_item_id for n in due if n.kind in ("update", "state") and n.queue_item_id})
            if item_ids:
                for a in s.exec(select(Notification).where(c.store.among(col(Notification.queue_item_id), item_ids),
                                                           Notification.kind == "alert").order_by(col(Notification.id))):
                    firsts.setdefault((a.queue_item_id or 0, a.receiver), a)
            for n in due:
                first_alert = firsts.get((n.queue_item_id or 0, n.receiver))
                # updates go into the thread of the group's first alert to this receiver
                batch.append((n.id or 0, n.status, Outbound(
                    key=n.idempotency_key, receiver=n.receiver, kind=n.kind, payload=n.payload, channel=n.channel,
                    queue_item_id=n.queue_item_id, attempt=n.attempts + 1,
                    previous_ref=first_alert.external_ref if first_alert else None,
                    extra={"alert_payload": first_alert.payload} if first_alert else {})))
            # A lease: another worker takes these rows over only if this one dies mid-send.
            c.store.lease_notifications(s, [nid for nid, _, _ in batch], until=now + SEND_LEASE)
        outcomes: list[tuple[int, str | None, NotifyError | None]] = []
        blocked: set[str] = set()
        for nid, previous, msg in batch:
            if msg.receiver in blocked:
                outcomes.append((nid, None, None))  # not tried: back to pending, attempt not counted
                continue
            notifier = c.notifier_for(msg.receiver)
            try:
                ref = notifier.already_sent(msg) if previous == "sending" else None
                if ref is None:
                    ref = notifier.send(msg)
                outcomes.append((nid, ref or "", None))
            except NotifyError as exc:
                blocked.add(msg.receiver)
                outcomes.append((nid, None, exc))
            except Exception as exc:  # a notifier bug must not stall the outbox: retry later, loudly
                log.exception("notifier crashed", extra={"event": "notifier_crash", "receiver": msg.receiver})
                blocked.add(msg.receiver)
                outcomes.append((nid, None, NotifyError(f"{type(exc).__name__}: {exc}", recoverable=True)))
        sent = 0
        done = c.clock.now()
        counts: Counter[tuple[str, str]] = Counter()
        ob = c.cfg.notify.outbox
        receivers = {nid: msg.receiver for nid, _, msg in batch}
        with c.store.session() as s:
            for nid in c.store.mark_sent(s, [(nid, ref or None) for nid, ref, _ in outcomes if ref is not None],
                                         at=done):
                counts["notifications_sent_total", f'receiver="{receivers[nid]}"'] += 1
                sent += 1
            unsent = [(nid, error) for nid, ref, error in outcomes if ref is None]
            loaded = {n.id: n for n in s.exec(select(Notification).where(
                col(Notification.id).in_([nid for nid, _ in unsent])))} if unsent else {}
            for nid, error in unsent:
                row = loaded.get(nid)
                if row is None or row.status != "sending":
                    continue
                n = row
                if error is None:
                    n.status, n.attempts, n.next_attempt_at = "pending", n.attempts - 1, done
                else:
                    n.last_error = redact(str(error))[:2000]
                    counts["notifications_failed_total", f'receiver="{n.receiver}"'] += 1
                    if not error.recoverable or n.attempts >= ob.max_attempts:
                        n.status = "failed"
                    else:
                        delay = backoff_delay(n.attempts, base=ob.backoff_base, cap=ob.backoff_max,
                                              jitter=random.random() * 0.3)
                        if error.retry_after:
                            delay = max(delay, timedelta(seconds=error.retry_after))
                        n.status, n.next_attempt_at = "pending", done + delay
                    log.warning("delivery failed", extra={"event": "notify_failed", "receiver": n.receiver,
                                                          "key": n.idempotency_key, "error": n.last_error})
                s.add(n)
            c.store.incr_many(s, counts)
        return sent

    # ---- scouting ------------------------------------------------------------------------------
    def submit_scout(self, *, url: str, note: str, category: str, urgency: str, submitted_by: str,
                     submitter_name: str | None = None, channel: str = "web",
                     fetched: Mention | None = None) -> ScoutSubmission:
        """Store an employee's forwarded mention (P1) through the same path as crawled ones.

        ``fetched`` is the post as read from its source when the link points at one we can
        read; otherwise the note is stored as the mention's text. The scout is credited even
        when the mention was already known.
        """
        c = self.c
        now = c.clock.now()
        known = None
        if fetched is not None:
            known = c.store.find_mention(fetched.source, fetched.external_id)
        if known is None:
            known = c.store.find_mention_by_url(url)
        already = known is not None
        if known is None:
            m = fetched or Mention(
                source="web", external_id=hashlib.sha256(url.encode()).hexdigest()[:32], url=url,
                text=note or url, created_at=now, author_handle="", kind="post",
            )
            batch = c.store.add_new_mentions("scout", "scout", [m], None, now=now)
            mention_id = batch.new_ids[0] if batch.new_ids else None
            if mention_id is None:
                found = c.store.find_mention(m.source, m.external_id)
                mention_id = found.id if found else None
        else:
            mention_id = known.id
        with c.store.session() as s:
            sub = ScoutSubmission(submitted_by=submitted_by, submitter_name=submitter_name, channel=channel,
                                  url=url, note=note, category=category, urgency=urgency, mention_id=mention_id,
                                  already_known=already, created_at=now)
            s.add(sub)
            s.flush()
            c.store.audit(s, actor=submitted_by, action="scout.submit", object_type="submission",
                          object_id=str(sub.id), details={"url": url, "already_known": already}, now=now)
            c.store.incr(s, "scout_submissions_total", f'channel="{channel}"')
            if already and mention_id is not None:
                self._credit_known(s, mention_id, now)
        return sub

    def _credit_known(self, s: Session, mention_id: int, now: datetime) -> None:
        """A known mention forwarded by a scout joins the queue if it was not there yet."""
        link = s.exec(select(QueueItemMention).where(QueueItemMention.mention_id == mention_id)).first()
        if link is not None:
            item = s.get(QueueItem, link.queue_item_id)
            if item is not None and not item.scout_submitted:
                item.scout_submitted = True
                item.updated_at = now
                s.add(item)
            return
        row = s.get(MentionRow, mention_id)
        if row is not None and row.state == "routed":
            row.state = "new"  # route again, now as a scout submission
            s.add(row)

    def run_once(self) -> dict[str, int]:
        """Process and deliver until nothing is left (used by tests and ``poll --once``)."""
        processed = delivered = 0
        while True:
            n = self.process()
            processed += n
            if n == 0:
                break
        while True:
            d = self.deliver()
            delivered += d
            if d == 0:
                break
        return {"processed": processed, "delivered": delivered}


_LIGHT_RANK = {"green": 0, "yellow": 1, "red": 2}
SEND_LEASE = timedelta(minutes=2)

__all__ = ["MonitorError", "Pipeline", "PollReport", "alert_payload", "view_of"]
