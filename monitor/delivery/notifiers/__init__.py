"""Notifiers: the outbox delivers each message through one of these.

A receiver's messages go to Slack when it has a ``slack:`` channel (and Slack is on), else to
the alert log; with ``notify.email.enabled`` they are mailed to its ``email:`` addresses too (the
``email`` target). The *targets* a receiver may add next to ``slack:`` (:data:`TARGETS`:
``pagerduty:``, ``teams:``, ``webhook:``) each get their own outbox row, made by the outbox's
fan-out from the receiver's row (key ``<key>><target>``, ``channel`` ``target:<target>``): each
target has its own idempotency key, retries, backoff and crash reconciliation, and one failing
target never holds up another.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from monitor.clock import Clock
from monitor.delivery.notifiers import email_alerts, pagerduty, webhook
from monitor.delivery.notifiers.base import Notifier, Outbound, RecordingNotifier
from monitor.delivery.notifiers.email_alerts import EmailAlertNotifier
from monitor.delivery.notifiers.log import LogNotifier
from monitor.delivery.notifiers.pagerduty import PagerDutyNotifier
from monitor.delivery.notifiers.teams import TeamsNotifier
from monitor.delivery.notifiers.webhook import WebhookNotifier

if TYPE_CHECKING:
    from monitor.config import AppConfig
    from monitor.config.policy import ReceiverConfig

#: The per-receiver targets, in fan-out order: the ``receivers[]`` key, which is also the notifier's name.
TARGETS: tuple[str, ...] = ("pagerduty", "teams", "webhook")
TARGET_PREFIX = "target:"
#: the target that mails a receiver's messages to ``receivers[].email`` (``notify.email``)
EMAIL = "email"
_KEY_LIMIT = 300  # Notification.idempotency_key


def target_of(channel: str | None) -> str | None:
    """The target a fanned-out outbox row is for (``channel`` ``target:pagerduty``), else None."""
    if channel and channel.startswith(TARGET_PREFIX):
        return channel[len(TARGET_PREFIX):]
    return None


def target_channel(target: str) -> str:
    """The ``channel`` value of a target's outbox rows."""
    return f"{TARGET_PREFIX}{target}"


def target_key(key: str, target: str) -> str:
    """The idempotency key of ``target``'s copy of the message ``key`` (stable, at most 300 chars)."""
    out = f"{key}>{target}"
    if len(out) <= _KEY_LIMIT:
        return out
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    return f"{key[: _KEY_LIMIT - len(target) - 19]}~{digest}>{target}"


def targets_of(rc: ReceiverConfig | None) -> list[str]:
    """The targets configured (and enabled) for a receiver."""
    return [] if rc is None else [t for t in TARGETS if getattr(rc, t) is not None and getattr(rc, t).enabled]


def wants(target: str, rc: ReceiverConfig, kind: str, payload: dict[str, Any]) -> bool:
    """Whether ``target`` of receiver ``rc`` takes a message of ``kind`` (e.g. PagerDuty has no
    event for a claim, and pages only from its ``min_priority``). A rewrite of an earlier message
    (``updates``: a spike's held count) goes only where a message can be rewritten in place
    (Slack, the webhook as an event): it must not page again or post another card."""
    if payload.get("updates") and target in ("pagerduty", "teams"):
        return False
    if target == "pagerduty":
        return rc.pagerduty is not None and pagerduty.wants(kind, payload, rc.pagerduty)
    if target == "webhook":
        return kind in webhook.EVENTS
    return target == "teams" and kind in ("alert", "update", "state", "escalation", "spike", "health", "test")


def fan_out_rows(cfg: AppConfig, *, key: str, receiver: str, kind: str, payload: dict[str, Any]
                 ) -> list[tuple[str, str]]:
    """``(target key, target channel)`` of each target copy a receiver's message needs."""
    rc = next((r for r in cfg.receivers if r.name == receiver), None)
    if rc is None:
        return []
    out = [(target_key(key, t), target_channel(t)) for t in targets_of(rc) if wants(t, rc, kind, payload)]
    if email_alerts.wants(cfg, rc, kind, payload):  # receivers[].email, when notify.email is on
        out.append((target_key(key, EMAIL), target_channel(EMAIL)))
    return out


def state_followups(cfg: AppConfig, *, action: str, alerted: list[str], candidates: list[str]) -> list[str]:
    """Receivers whose PagerDuty incident for an item must hear of ``action`` although they got no
    alert of it (a ladder step or a red override paged them): acknowledge and resolve go there too."""
    if pagerduty.event_action(Outbound(key="", receiver="", kind="state", payload={"action": action})) is None:
        return []
    names = {r.name: r for r in cfg.receivers}
    return sorted({c for c in candidates if c not in alerted and c in names and "pagerduty" in targets_of(names[c])})


def build_targets(cfg: AppConfig, *, clock: Clock) -> dict[str, Notifier]:
    """The target notifiers the configuration uses (constructors do no I/O)."""
    used = {t for rc in cfg.receivers for t in targets_of(rc)}
    out: dict[str, Notifier] = {}
    if "pagerduty" in used:
        out["pagerduty"] = PagerDutyNotifier(cfg)
    if "teams" in used:
        out["teams"] = TeamsNotifier(cfg)
    if "webhook" in used:
        out["webhook"] = WebhookNotifier(cfg, clock=clock)
    if cfg.notify.email.enabled and any(rc.email for rc in cfg.receivers):
        out[EMAIL] = EmailAlertNotifier(cfg)
    return out


def target_secrets(cfg: AppConfig) -> list[tuple[str, str]]:
    """``(field path, env var)`` of every secret the receivers' enabled targets need."""
    out: list[tuple[str, str]] = []
    for i, rc in enumerate(cfg.receivers):
        if rc.pagerduty is not None and rc.pagerduty.enabled:
            out.append((f"receivers[{i}].pagerduty.routing_key_env", rc.pagerduty.routing_key_env))
        if rc.teams is not None and rc.teams.enabled:
            out.append((f"receivers[{i}].teams.webhook_url_env", rc.teams.webhook_url_env))
        if rc.webhook is not None and rc.webhook.enabled:
            out.append((f"receivers[{i}].webhook.secret_env", rc.webhook.secret_env))
    smtp = cfg.notify.email.smtp
    if cfg.notify.email.enabled and smtp.username and smtp.password_env and any(rc.email for rc in cfg.receivers):
        out.append(("notify.email.smtp.password_env", smtp.password_env))
    return out


def receiver_problems(cfg: AppConfig) -> list[str]:
    """What ``scout check-config`` reports about the targets: a secret's variable unset, a Teams
    URL that is not https (the URL itself is never shown)."""
    from monitor.config.notify import check_http_url

    problems = []
    for field, var in target_secrets(cfg):
        value = cfg.secret(var)
        if not value:
            problems.append(f"{cfg.path}: {field}: environment variable {var} is not set "
                            "(secrets come from the environment)")
        elif field.endswith("webhook_url_env"):
            try:
                check_http_url(value, f"the URL in {var}")
            except ValueError as exc:
                problems.append(f"{cfg.path}: {field}: {exc}")
    return problems


__all__ = ["EMAIL", "TARGETS", "LogNotifier", "Notifier", "Outbound", "PagerDutyNotifier", "RecordingNotifier",
           "TeamsNotifier", "WebhookNotifier", "build_targets", "fan_out_rows", "receiver_problems",
           "state_followups", "target_channel", "target_key", "target_of", "target_secrets", "targets_of", "wants"]
