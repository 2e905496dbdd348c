"""Alerts by email: a receiver's messages to the addresses in ``receivers[].email`` (when
``notify.email.enabled``), one plain-text message per outbox row, over SMTP
(:class:`~monitor.delivery.notifiers.email.SmtpSender`: STARTTLS/TLS, AUTH, retries by the outbox).

What a receiver may see is the Slack rule (P4, :func:`visible`): a red mention's text, reasons and
scout note reach only a restricted receiver; a spike's sample posts lose their text elsewhere.
Outside text is made inert (:func:`plain`: no live links, no markup brackets). The Message-ID
derives from the outbox key, so a message resent after a crash mid-send is the same message to a
mail client. Whether an interrupted send reached the server cannot be known: ``already_sent`` is
None and the outbox sends again (at most one duplicate, same Message-ID).
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from monitor.config import AppConfig
from monitor.config.policy import ReceiverConfig
from monitor.delivery.notifiers._content import (
    RESTRICTED_AUTHOR,
    plain,
    reach_text,
    receiver_config,
    rise_words,
    visible,
    visible_other,
    voice,
)
from monitor.delivery.notifiers.base import Outbound
from monitor.delivery.notifiers.email import SmtpSender
from monitor.errors import NotifyError

TEXT_LIMIT = 3000
WITHHELD = "Text withheld: this is a red item (confidential matters). {legal_team} see it in the restricted queue."


def wants(cfg: AppConfig, rc: ReceiverConfig, kind: str, payload: dict[str, Any]) -> bool:
    """Whether a receiver's message goes by email too: email is on, the receiver lists addresses,
    the kind is one of ``notify.email.kinds``, and it is not a rewrite of an earlier message."""
    em = cfg.notify.email
    return bool(em.enabled and rc.email and kind in em.kinds and not payload.get("updates")
                and not payload.get("members_update"))


def _when(value: object, tz: str) -> str:
    try:
        when = datetime.fromisoformat(str(value))
        when = when if when.tzinfo else when.replace(tzinfo=UTC)  # stored times are UTC
        return when.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M %Z")
    except (ValueError, ZoneInfoNotFoundError):
        return plain(value, 60)


def render(msg: Outbound, rc: ReceiverConfig | None, *, sender: str, to: list[str], prefix: str,
           tz: str = "UTC", legal_team: str = "Legal / Compliance") -> EmailMessage:
    """The email for ``msg`` as receiver ``rc`` may see it, red items' reviewers called
    ``legal_team`` (``organisation.legal_team``; a pure function: tests call it)."""
    lines: list[str] = []
    if msg.kind in ("alert", "update"):
        p = visible(rc, msg.payload)
        light, priority = str(p.get("light") or "").upper(), plain(p.get("priority"), 20)
        text = plain(p.get("text"), TEXT_LIMIT) if p.get("text") else ""
        subject = f"{light} {priority}: " + (plain(text, 80) if text else "red item (text withheld)")
        rose = rise_words(p) if msg.kind == "alert" else None
        if rose:
            subject = f"{light} {priority} ({plain(rose, 60)}): " + (plain(text, 60) if text else "red item (text withheld)")
        headline = "another mention of this item" if msg.kind == "update" else (plain(rose, 80) if rose else "new mention")
        count = p.get("mention_count")
        if msg.kind == "alert" and isinstance(count, int) and count > 1:
            headline += f" · {count} posts in this group"
        lines.append(f"{light} · {priority} · {headline}")
        parent = p.get("in_reply_to")
        if isinstance(parent, dict) and parent.get("text") and text:
            how = "Quoting" if parent.get("quote") else "In reply to"
            lines += ["", f"{how} @{plain(parent.get('author'), 100)}: {plain(parent.get('text'), 300)}"]
        lines += ["", text or WITHHELD.format(legal_team=plain(legal_team, 60)), ""]
        author = RESTRICTED_AUTHOR if p.get("link_withheld") else f"@{plain(p.get('author'), 100)} · {reach_text(p.get('reach'))}"
        lines.append(f"Author: {author}")
        lines.append(f"Source: {plain(p.get('source'), 40)}")
        if p.get("url") and not p.get("link_withheld"):
            lines.append(f"Post: {plain(p.get('url'), 500)}")
        if p.get("language_not_read"):
            lines.append(f"Sentiment: not read (language {plain(p.get('language_not_read'), 20)} is not covered by the model)")
        elif p.get("sentiment"):
            lines.append(f"Sentiment: {plain(p.get('sentiment'), 20)}")
        if p.get("due_at"):
            lines.append(f"Respond by: {_when(p.get('due_at'), tz)}")
        if p.get("scout_name"):
            lines.append(f"Forwarded by: {plain(p.get('scout_name'), 100)}")
        reasons = [plain(r, 300) for r in p.get("reasons") or []]
        if reasons:
            lines += ["", "Why you see this:", *(f"- {r}" for r in reasons[:10])]
    else:
        p = visible_other(rc, msg.kind, msg.payload)
        title = plain(p.get("title") or f"brand-scout {msg.kind}", 200)
        subject = title
        lines.append(title)
        summary = str(p.get("summary") or "")
        if summary and summary != p.get("title"):
            lines += ["", *(plain(line, 500) for line in summary.splitlines())]
        samples = p.get("samples")
        if isinstance(samples, list) and samples:
            lines += ["", "Sample posts:"]
            for s in samples[:5]:
                if isinstance(s, dict):
                    shown = " · ".join(x for x in (plain(voice(s), 200), plain(s.get("text"), 300) if s.get("text") else "",
                                                   plain(s.get("url"), 500) if s.get("url") else "") if x)
                    lines.append(f"- {shown or '(a post)'}")
    url = str(p.get("item_url") or p.get("queue_url") or "")
    if url.startswith(("https://", "http://")):
        # our own link, left live on purpose: it is where the reader acts
        lines += ["", f"Open in the queue: {url}"]
    em = EmailMessage()
    em["Subject"] = f"{prefix} {subject}".strip()[:200]
    em["From"] = sender
    em["To"] = ", ".join(to)
    em["Date"] = formatdate(localtime=False)
    em["Message-ID"] = f"<{hashlib.sha256(msg.key.encode()).hexdigest()[:32]}@brand-scout>"
    em.set_content("\n".join(lines) + "\n")
    return em


class EmailAlertNotifier:
    """Sends a receiver's outbox messages to its ``email`` addresses."""

    name = "email"

    def __init__(self, cfg: AppConfig, sender: SmtpSender | None = None) -> None:
        self.cfg = cfg
        smtp = cfg.notify.email.smtp
        self.sender = sender or SmtpSender(smtp, cfg.secret(smtp.password_env) if smtp.password_env else None)

    def send(self, msg: Outbound) -> str | None:
        """Mail ``msg``; returns ``email:<Message-ID>``.

        Raises:
            NotifyError: the receiver lists no address (permanent), or the SMTP exchange failed.
        """
        rc = receiver_config(self.cfg.receivers, msg.receiver)
        if rc is None or not rc.email:
            raise NotifyError(f"receiver {msg.receiver!r} has no email addresses", recoverable=False)
        em = self.cfg.notify.email
        mail = render(msg, rc, sender=em.smtp.sender, to=list(rc.email), prefix=em.subject_prefix,
                      tz=self.cfg.organisation.timezone, legal_team=self.cfg.organisation.legal_team)
        return f"email:{self.sender.send(mail, list(rc.email))}"[:200]

    def already_sent(self, msg: Outbound) -> str | None:
        """Unknowable over SMTP (see the module docstring)."""
        del msg
        return None


__all__ = ["EmailAlertNotifier", "render", "wants"]
