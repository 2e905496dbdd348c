"""Stage 3: the outbox is delivered to people, in order per receiver, effectively once.

Three steps: claim a batch in one transaction (status ``sending`` with a lease), send with no
transaction open, record the outcomes in one transaction. A message still in ``sending`` after
its lease ran out was interrupted by a crash: the notifier is asked whether it went out before it
is sent again. When a receiver fails, its later messages wait.

A receiver's PagerDuty, Teams and webhook targets are *fanned out* when a message is first
claimed: one row per target, with its own key (``<key>><target>``) and ``channel``
(``target:<target>``), so each target is retried, backed off and reconciled on its own, and the
"later messages wait" rule holds per receiver and target.
"""

from __future__ import annotations

import logging
import random
from collections import Counter
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from monitor.clock import Clock
from monitor.config import AppConfig
from monitor.delivery.notifiers import fan_out_rows, target_key, target_of
from monitor.delivery.notifiers._content import as_red, receiver_config
from monitor.delivery.notifiers.base import Notifier, Outbound
from monitor.errors import NotifyError, redact
from monitor.storage.models import Notification
from monitor.storage.store import DbSession, Store, backoff_delay

log = logging.getLogger("brand_scout.pipeline")

SEND_LEASE = timedelta(minutes=2)


def notifier_for(cfg: AppConfig, notifiers: Mapping[str, Notifier], receiver: str,
                 channel: str | None = None) -> Notifier:
    """The target's notifier for a fanned-out row (``channel`` ``target:<name>``); else Slack when
    it is configured for this receiver, else the alert log.

    Raises:
        NotifyError: (permanent) a target row whose notifier is not configured any more.
    """
    target = target_of(channel)
    if target is not None:
        if target not in notifiers:
            raise NotifyError(f"receiver {receiver!r}: no {target} notifier is configured", recoverable=False)
        return notifiers[target]
    rc = next((r for r in cfg.receivers if r.name == receiver), None)
    if cfg.slack_active and rc is not None and rc.slack is not None and "slack" in notifiers:
        return notifiers["slack"]
    return notifiers["log"]


class Delivery:
    """Sends due outbox rows. Takes the store, the clock, the configuration and the notifiers."""

    def __init__(self, *, store: Store, clock: Clock, cfg: AppConfig, notifiers: Mapping[str, Notifier]) -> None:
        self.store = store
        self.clock = clock
        self.cfg = cfg
        self.notifiers = notifiers

    def deliver(self, limit: int = 100) -> int:
        """Send due outbox messages in order; returns how many were delivered."""
        store = self.store
        now = self.clock.now()
        batch: list[tuple[int, str, Outbound]] = []
        with store.session() as s:
            due = store.due_notifications(s, now=now, limit=limit)
            if self._fan_out(s, due, now):
                due = store.due_notifications(s, now=now, limit=limit)
            due = self._as_items_are_now(s, due)
            item_ids = sorted({n.queue_item_id for n in due if n.kind in ("update", "state") and n.queue_item_id})
            firsts = store.first_alerts(s, item_ids)
            # a message that rewrites an earlier one (a spike's held count) carries that one's ref
            def rewritten(n: Notification) -> str | None:
                updates = n.payload.get("updates") if isinstance(n.payload, dict) else None
                if not updates:
                    return None
                target = target_of(n.channel)
                return target_key(str(updates), target) if target else str(updates)

            rewrites = store.notifications_by_keys(s, sorted({k for n in due if (k := rewritten(n))}))
            for due_row in due:
                first_alert = firsts.get((due_row.queue_item_id or 0, due_row.receiver))
                original = rewrites.get(rewritten(due_row) or "")
                if first_alert is None and original is not None and original.external_ref:
                    first_alert = original
                # updates go into the thread of the group's first alert to this receiver
                batch.append((due_row.id or 0, due_row.status, Outbound(
                    key=due_row.idempotency_key, receiver=due_row.receiver, kind=due_row.kind,
                    payload=due_row.payload, channel=due_row.channel,
                    queue_item_id=due_row.queue_item_id, attempt=due_row.attempts + 1,
                    previous_ref=first_alert.external_ref if first_alert else None,
                    extra={"alert_payload": first_alert.payload} if first_alert else {})))
            # A lease: another worker takes these rows over only if this one dies mid-send.
            store.lease_notifications(s, [nid for nid, _, _ in batch], until=now + SEND_LEASE)
        outcomes: list[tuple[int, str | None, NotifyError | None]] = []
        # one lane per receiver and target: a failing PagerDuty does not hold up the Slack channel
        blocked: set[tuple[str, str]] = set()
        for nid, previous, msg in batch:
            lane = (msg.receiver, target_of(msg.channel) or "")
            if lane in blocked:
                outcomes.append((nid, None, None))  # not tried: back to pending, attempt not counted
                continue
            try:
                notifier = notifier_for(self.cfg, self.notifiers, msg.receiver, msg.channel)
                ref = notifier.already_sent(msg) if previous == "sending" else None
                if ref is None:
                    ref = notifier.send(msg)
                outcomes.append((nid, ref or "", None))
            except NotifyError as exc:
                blocked.add(lane)
                outcomes.append((nid, None, exc))
            except Exception as exc:  # a notifier bug must not stall the outbox: retry later, loudly
                log.exception("notifier crashed", extra={"event": "notifier_crash", "receiver": msg.receiver})
                blocked.add(lane)
                outcomes.append((nid, None, NotifyError(f"{type(exc).__name__}: {exc}", recoverable=True)))
        sent = 0
        done = self.clock.now()
        counts: Counter[tuple[str, str]] = Counter()
        ob = self.cfg.notify.outbox
        receivers = {nid: msg.receiver for nid, _, msg in batch}
        with store.session() as s:
            for nid in store.mark_sent(s, [(nid, ref or None) for nid, ref, _ in outcomes if ref is not None], at=done):
                counts["notifications_sent_total", f'receiver="{receivers[nid]}"'] += 1
                sent += 1
            unsent = [(nid, error) for nid, ref, error in outcomes if ref is None]
            loaded = store.notifications_by_ids(s, [nid for nid, _ in unsent])
            for nid, error in unsent:
                n = loaded.get(nid)
                if n is None or n.status != "sending":
                    continue
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
            store.incr_many(s, counts)
        return sent

    def _as_items_are_now(self, s: DbSession, due: list[Notification]) -> list[Notification]:
        """``due`` with each alert or update of an item that has become red since it was queued
        shown as a red item's (:func:`as_red`) to a receiver not cleared for red, and one to a
        receiver without a queue (kudos) cancelled: a message that waited (``group_wait``) must
        not carry a post's text to a broad channel after Legal marked it red (judge AB, 2026-12-07:
        two full-text yellow alerts reached Marketing & Sales minutes after "Mark red")."""
        ids = sorted({n.queue_item_id for n in due if n.kind in ("alert", "update") and n.queue_item_id})
        lights = self.store.item_lights(s, ids)
        out = []
        for n in due:
            payload = n.payload if isinstance(n.payload, dict) else {}
            if (n.kind in ("alert", "update") and lights.get(n.queue_item_id or 0) == "red"
                    and str(payload.get("light") or "") != "red"):
                rc = receiver_config(self.cfg.receivers, n.receiver)
                if rc is None or not rc.restricted:
                    if rc is not None and not rc.queue:
                        n.status = "cancelled"  # a compliment's channel has nothing to show of a red item
                        s.add(n)
                        continue
                    # ... nor who held it before (it left them when it turned red), nor the posts batched in
                    shown = {k: v for k, v in as_red(rc, payload).items() if k not in ("batched_posts", "holder", "status")}
                    n.payload = shown
                    s.add(n)
            out.append(n)
        return out

    def _fan_out(self, s: DbSession, due: list[Notification], now: datetime) -> bool:
        """Give each new message of a receiver with targets (PagerDuty, Teams, webhook) one outbox
        row per target, in the claim's transaction: a crash before its commit leaves neither, a
        second fan-out of the same message inserts nothing (unique keys). True if rows were added."""
        rows: list[dict[str, Any]] = []
        for n in due:
            if n.status != "pending" or n.attempts or target_of(n.channel) is not None:
                continue  # only a message's first claim; a target row never fans out again
            for key, channel in fan_out_rows(self.cfg, key=n.idempotency_key, receiver=n.receiver, kind=n.kind,
                                             payload=n.payload):
                rows.append({"idempotency_key": key, "receiver": n.receiver, "kind": n.kind, "channel": channel,
                             "queue_item_id": n.queue_item_id, "payload": n.payload, "status": "pending",
                             "attempts": 0, "next_attempt_at": now, "created_at": now})
        if not rows:
            return False
        return bool(self.store.insert_ignore(s, Notification, rows, ["idempotency_key"], returning=Notification.id))
