"""Microsoft Teams through a Workflows webhook (``receivers[].teams``; the Office 365 connectors
are retired): one message with one Adaptive Card attachment per outbox message.

The card shows the light, priority, the mention text (escaped for the card's markdown, see
:func:`~monitor.delivery.notifiers._content.card_markdown`), author and reach, why the receiver
sees it, the due time, and an "Open in queue" action. Red text follows the Slack rule: only a
``restricted`` receiver's card has it; anyone else's (and a ``notice_only`` target's) says it is
withheld. Item state changes, spikes, ladder steps and health alerts get a short card.

The webhook URL carries its own signature, so it is read from the environment variable that
``webhook_url_env`` names and never logged. A Workflows webhook answers 202 (some flows 200);
429 and 5xx are retried by the outbox with backoff, other 4xx are permanent. Teams cannot be
asked whether a card arrived, so :meth:`TeamsNotifier.already_sent` answers None: a send
interrupted by a crash between the POST and the outbox's commit is posted again (the outbox's
send lease keeps that to a crash in that window).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from monitor.delivery.notifiers._content import (
    RESTRICTED_AUTHOR,
    card_markdown,
    reach_text,
    receiver_config,
    visible,
)
from monitor.delivery.notifiers._http import HttpNotifier, post
from monitor.delivery.notifiers.base import Outbound
from monitor.errors import NotifyError, register_secret

if TYPE_CHECKING:
    from monitor.config.notify import TeamsTarget
    from monitor.config.policy import ReceiverConfig

CARD_TYPE = "application/vnd.microsoft.card.adaptive"
CARD_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
CARD_VERSION = "1.4"
TEXT_LIMIT = 3000
LIGHT_MARK = {"red": "\U0001f534", "yellow": "\U0001f7e1", "green": "\U0001f7e2"}
LIGHT_COLOR = {"red": "Attention", "yellow": "Warning", "green": "Good"}
WITHHELD_NOTICE = ("Text withheld: this is a red item (confidential matters, P4). "
                   "{legal_team} see it in the restricted queue.")


def _when(value: object, tz: str = "UTC") -> str:
    """An ISO time in ``tz``, e.g. ``2026-11-16 10:00 MST`` (as given when it does not parse)."""
    if not value:
        return ""
    try:
        when = datetime.fromisoformat(str(value))
        zone = ZoneInfo(tz)
    except (ValueError, ZoneInfoNotFoundError):
        return card_markdown(value, 60)
    when = when if when.tzinfo else when.replace(tzinfo=UTC)  # stored times are UTC
    return when.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z")


def _text(text: str, **extra: Any) -> dict[str, Any]:
    return {"type": "TextBlock", "text": text, "wrap": True, **extra}


def render_card(msg: Outbound, rc: ReceiverConfig | None, *, notice_only: bool = False,
                tz: str = "UTC", legal_team: str = "Legal / Compliance") -> dict[str, Any]:
    """The Adaptive Card for ``msg``, times in ``tz``, red items' reviewers called ``legal_team``
    (``organisation.legal_team``; a pure function: tests call it)."""
    p = visible(rc, msg.payload, notice_only=notice_only) if msg.kind in ("alert", "update") else dict(msg.payload)
    light = str(p.get("light") or "")
    body: list[dict[str, Any]] = []
    url = str(p.get("item_url") or "")
    if msg.kind in ("alert", "update"):
        mark = LIGHT_MARK.get(light, "")
        head = f"{mark} {light.upper()} \u00b7 {card_markdown(p.get('priority'), 20)}".strip()
        head += " \u00b7 another mention of this item" if msg.kind == "update" else " \u00b7 new mention"
        body.append(_text(head, weight="Bolder", size="Medium", color=LIGHT_COLOR.get(light, "Default")))
        if p.get("text"):
            body.append(_text(card_markdown(p["text"], TEXT_LIMIT)))
        elif p.get("text_withheld"):
            body.append(_text(WITHHELD_NOTICE.format(legal_team=card_markdown(legal_team, 60)), isSubtle=True))
        facts = [
            {"title": "Light", "value": light.upper() or "?"},
            {"title": "Priority", "value": card_markdown(p.get("priority"), 20)},
            {"title": "Author", "value": RESTRICTED_AUTHOR if p.get("link_withheld") else
             f"@{card_markdown(p.get('author'), 100)} \u00b7 {reach_text(p.get('reach'))}"},
            {"title": "Source", "value": card_markdown(p.get("source"), 40)},
        ]
        if p.get("language_not_read"):
            facts.append({"title": "Sentiment", "value": "not read (language "
                          f"{card_markdown(p.get('language_not_read'), 20)} is not covered by the model: a person reads it)"})
        elif p.get("sentiment"):
            facts.append({"title": "Sentiment", "value": card_markdown(p.get("sentiment"), 20)})
        if p.get("due_at"):
            facts.append({"title": "Respond by", "value": _when(p.get("due_at"), tz)})
        if p.get("scout_name"):
            facts.append({"title": "Forwarded by", "value": card_markdown(p.get("scout_name"), 100)})
        body.append({"type": "FactSet", "facts": facts})
        reasons = [card_markdown(r, 300) for r in p.get("reasons") or []]
        if reasons:
            body.append(_text("**Why you see this**", spacing="Medium"))
            body.append(_text("\n".join(f"- {r}" for r in reasons[:10])))
    elif msg.kind == "state":
        what = card_markdown(p.get("action") or p.get("status"), 40)
        line = f"Item #{card_markdown(p.get('item_id'), 20)}: {what} by {card_markdown(p.get('by'), 100)}"
        body.append(_text(line, weight="Bolder"))
        body.append({"type": "FactSet", "facts": [{"title": "Status", "value": card_markdown(p.get("status"), 40)}]})
    else:
        title = card_markdown(p.get("title") or f"brand-scout {msg.kind}", 300)
        body.append(_text(title, weight="Bolder", size="Medium"))
        if p.get("summary") and p.get("summary") != p.get("title"):
            body.append(_text(card_markdown(p.get("summary"), TEXT_LIMIT)))
    card: dict[str, Any] = {"$schema": CARD_SCHEMA, "type": "AdaptiveCard", "version": CARD_VERSION,
                            "msteams": {"width": "Full"}, "body": body}
    if url.startswith(("https://", "http://")):
        card["actions"] = [{"type": "Action.OpenUrl", "title": "Open in queue", "url": url}]
    return card


def render_message(msg: Outbound, rc: ReceiverConfig | None, *, notice_only: bool = False,
                   tz: str = "UTC", legal_team: str = "Legal / Compliance") -> dict[str, Any]:
    """The webhook body: a message with one Adaptive Card attachment."""
    card = render_card(msg, rc, notice_only=notice_only, tz=tz, legal_team=legal_team)
    return {"type": "message", "attachments": [{"contentType": CARD_TYPE, "contentUrl": None, "content": card}]}


class TeamsNotifier(HttpNotifier):
    """Posts outbox messages to Teams channels through Workflows webhooks."""

    name = "teams"

    def _target(self, receiver: str) -> tuple[ReceiverConfig, TeamsTarget, str]:
        rc = receiver_config(self.cfg.receivers, receiver)
        if rc is None or rc.teams is None or not rc.teams.enabled:
            raise NotifyError(f"receiver {receiver!r} has no enabled Teams target", recoverable=False)
        url = self.cfg.secret(rc.teams.webhook_url_env)
        if not url:
            raise NotifyError(f"Teams webhook URL variable {rc.teams.webhook_url_env} is not set", recoverable=False)
        for name, value in parse_qsl(urlsplit(url).query):
            if name.lower() in ("sig", "code", "token", "key"):
                register_secret(value)  # an error that echoes only the signature is redacted too
        return rc, rc.teams, url

    def send(self, msg: Outbound) -> str | None:
        """Post ``msg`` as an Adaptive Card; returns ``teams:<key>``."""
        rc, target, url = self._target(msg.receiver)
        org = self.cfg.organisation
        body = render_message(msg, rc, notice_only=target.notice_only, tz=org.timezone, legal_team=org.legal_team)
        post(self.client, url, service="Teams webhook", timeout=target.timeout.total_seconds(),
                   content=json.dumps(body, ensure_ascii=False).encode(), ok=frozenset({200, 202}),
                   headers={"Content-Type": "application/json; charset=utf-8"})
        return f"teams:{msg.key}"[:200]

    def already_sent(self, msg: Outbound) -> str | None:
        """Unknowable through a Workflows webhook (see the module docstring)."""
        del msg
        return None


__all__ = ["CARD_TYPE", "TeamsNotifier", "render_card", "render_message"]
