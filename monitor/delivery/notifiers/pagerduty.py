"""PagerDuty through the Events API v2 (``POST {api_base}/v2/enqueue``), for the crisis contact
and urgent items (``receivers[].pagerduty``).

* An alert (or a later mention of its group, a ladder step for the item) sends
  ``event_action: trigger`` with ``dedup_key`` = ``brand-scout:item:<id>``: PagerDuty keeps one
  alert per item, so a re-send after a crash (or an update) adds to the open incident instead of
  paging again. A spike uses its episode key, ``brand-scout:spike:<key>``.
* ``severity`` comes from the priority: urgent -> critical, high -> error, normal -> warning,
  low -> info. ``custom_details`` carry light, priority, author, reach, why, due time and (for a
  restricted receiver only, P4) the text; ``links`` and ``client_url`` point at the item.
* Acknowledging (or claiming) the item in brand-scout sends ``acknowledge``; recording a response, closing or
  dismissing it sends ``resolve`` (the item's ``state`` messages, through the same outbox).
* 202 is success; 429 and 5xx are retried by the outbox with backoff (``Retry-After`` honoured);
  400 is permanent, with PagerDuty's ``message`` and ``errors`` in the row's ``last_error``.

The Events API has no way to ask whether an event arrived, so :meth:`already_sent` answers None
and an interrupted send is repeated: the ``dedup_key`` makes that harmless.
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any

from monitor.delivery.notifiers._content import (
    RESTRICTED_AUTHOR,
    WITHHELD,
    plain,
    reach_text,
    receiver_config,
    visible,
    visible_other,
)
from monitor.delivery.notifiers._http import HttpNotifier, post
from monitor.delivery.notifiers.base import Outbound
from monitor.errors import NotifyError, redact
from monitor.vocab import PRIORITY_RANK

if TYPE_CHECKING:
    from monitor.config.notify import PagerDutyTarget
    from monitor.config.policy import ReceiverConfig

log = logging.getLogger("brand_scout.pagerduty")

SEVERITY = {"urgent": "critical", "high": "error", "normal": "warning", "low": "info"}
RESOLVES = frozenset({"respond", "close", "dismiss"})
SUMMARY_LIMIT = 1024  # PagerDuty's limit for payload.summary
SOURCE = "brand-scout"


def dedup_key(msg: Outbound) -> str:
    """The PagerDuty ``dedup_key`` of a message: per item, per spike episode, else per message."""
    item_id = msg.queue_item_id or msg.payload.get("item_id")
    if item_id and msg.kind in ("alert", "update", "escalation", "state"):
        return f"brand-scout:item:{item_id}"
    return f"brand-scout:{msg.key}"


def event_action(msg: Outbound) -> str | None:
    """``trigger``, ``acknowledge``, ``resolve``, or None when PagerDuty needs no event."""
    if msg.kind == "state":
        action = str(msg.payload.get("action") or "")
        if action == "acknowledge" or (action == "claim" and msg.payload.get("status") == "acknowledged"):
            return "acknowledge"  # a claim acknowledges the item too
        return "resolve" if action in RESOLVES else None
    if msg.kind in ("alert", "update", "escalation", "spike", "health", "test"):
        return "trigger"
    return None


def wants(kind: str, payload: dict[str, Any], target: PagerDutyTarget) -> bool:
    """Whether a message of ``kind`` becomes a PagerDuty event for this target (fan-out filter)."""
    action = event_action(Outbound(key="", receiver="", kind=kind, payload=payload))
    if action is None:
        return False
    if kind in ("alert", "update"):
        rank = PRIORITY_RANK.get(str(payload.get("priority") or "low"), 0)
        return rank >= PRIORITY_RANK[target.min_priority]
    return True


def _describe(body: object) -> str:
    """PagerDuty's error body: ``{"status", "message", "errors": [...]}``."""
    if not isinstance(body, dict):
        return str(body)
    errors = body.get("errors") or []
    said = str(body.get("message") or body.get("status") or "")
    return f"{said}: {'; '.join(str(e) for e in errors)}" if errors else said


class PagerDutyNotifier(HttpNotifier):
    """Sends outbox messages to PagerDuty as Events API v2 events."""

    name = "pagerduty"

    def _target(self, receiver: str) -> tuple[ReceiverConfig, PagerDutyTarget, str]:
        rc = receiver_config(self.cfg.receivers, receiver)
        if rc is None or rc.pagerduty is None or not rc.pagerduty.enabled:
            raise NotifyError(f"receiver {receiver!r} has no enabled PagerDuty target", recoverable=False)
        key = self.cfg.secret(rc.pagerduty.routing_key_env)
        if not key:
            raise NotifyError(f"PagerDuty routing key variable {rc.pagerduty.routing_key_env} is not set",
                              recoverable=False)
        return rc, rc.pagerduty, key

    def event(self, msg: Outbound, routing_key: str, rc: ReceiverConfig | None = None) -> dict[str, Any] | None:
        """The Events API v2 body for ``msg`` (None: nothing to send)."""
        action = event_action(msg)
        if action is None:
            return None
        body: dict[str, Any] = {"routing_key": routing_key, "event_action": action, "dedup_key": dedup_key(msg)}
        if action != "trigger":
            return body
        p = visible(rc, msg.payload) if msg.kind in ("alert", "update") else visible_other(rc, msg.kind, msg.payload)
        priority = str(p.get("priority") or "")
        url = str(p.get("item_url") or "") or None
        details: dict[str, Any]
        if msg.kind in ("alert", "update"):
            text = plain(p.get("text"), 4000) if p.get("text") else WITHHELD if p.get("text_withheld") else ""
            who = (RESTRICTED_AUTHOR if p.get("link_withheld")
                   else f"@{plain(p.get('author'), 100)} ({reach_text(p.get('reach'))})")
            head = f"{str(p.get('light') or '').upper()} {priority} mention on {plain(p.get('source'))} by {who}"
            summary = f"{head}: {text}" if text else head
            details = {"light": p.get("light"), "priority": priority, "source": p.get("source"),
                       "author": plain(p.get("author"), 200), "reach": p.get("reach"), "text": text,
                       "text_withheld": bool(p.get("text_withheld")),
                       "why": [plain(r, 300) for r in p.get("reasons") or []],
                       "sentiment": p.get("sentiment"), "due_at": p.get("due_at"), "item_url": url,
                       "post_url": p.get("url"), "mention_count": p.get("mention_count"),
                       "receiver": msg.receiver}
            if msg.kind == "update":
                summary = f"Another mention: {summary}"
            severity = SEVERITY.get(priority, "warning")
        else:
            title = plain(p.get("title") or p.get("summary") or f"brand-scout {msg.kind}")
            summary = title
            details = {k: v for k, v in p.items() if k not in ("title",)}
            details["receiver"] = msg.receiver
            severity = {"spike": "error", "health": "warning", "test": "info"}.get(msg.kind) \
                or SEVERITY.get(priority, "warning")
        body["payload"] = {
            "summary": plain(summary, SUMMARY_LIMIT), "source": SOURCE, "severity": severity,
            "component": str(p.get("source") or p.get("scope") or msg.kind)[:200], "group": msg.receiver,
            "class": str(p.get("light") or msg.kind), "custom_details": details,
        }
        body["client"] = "brand-scout"
        if url:
            body["client_url"] = url
            body["links"] = [{"href": url, "text": "Open in the brand-scout queue"}]
        return body

    # ---- the Notifier protocol ----------------------------------------------------------------
    def send(self, msg: Outbound) -> str | None:
        """Enqueue ``msg`` as a PagerDuty event; returns ``pd:<action>:<dedup_key>``."""
        rc, target, key = self._target(msg.receiver)
        body = self.event(msg, key, rc)
        if body is None:
            return f"pd:none:{dedup_key(msg)}"[:200]
        url = f"{target.api_base}/v2/enqueue"
        try:
            post(self.client, url, service="PagerDuty", timeout=target.timeout.total_seconds(),
                       content=json.dumps(body, ensure_ascii=True).encode(), ok=frozenset({200, 201, 202}),
                       headers={"Content-Type": "application/json"}, describe=_describe)
        except NotifyError as exc:
            if not exc.recoverable:
                log.error("PagerDuty refused an event", extra={"event": "pagerduty_refused", "receiver": msg.receiver,
                                                                "key": msg.key, "error": redact(str(exc))})
            raise
        return f"pd:{body['event_action']}:{body['dedup_key']}"[:200]

    def already_sent(self, msg: Outbound) -> str | None:
        """Unknowable through the Events API: re-sending is safe, the ``dedup_key`` merges it."""
        del msg
        return None


__all__ = ["SEVERITY", "PagerDutyNotifier", "dedup_key", "event_action", "wants"]
