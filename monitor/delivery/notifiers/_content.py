"""What a PagerDuty, Teams or webhook message may show, and how outside text is made inert.

The red-text rule is the Slack one (P4): a red mention's text, reasons and scout note go only to
a ``restricted`` receiver; a broad receiver (and any ``notice_only`` target) gets a notice that
says the text is withheld. The pipeline already withholds them from a broad receiver's payload
(:func:`monitor.triage.process.alert_payload`); :func:`visible` applies the rule again here, so a
payload built elsewhere cannot leak.

Outside text (the post, the author's handle, a scout's note, reasons that quote the post) is
made inert per format: :func:`plain` for PagerDuty's plain text (also shown by PagerDuty's chat
integrations), :func:`card_markdown` for a Teams Adaptive Card ``TextBlock``. The webhook sends
JSON, whose strings are inert by construction; consumers escape for wherever they display it.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from monitor.config.policy import ReceiverConfig

WITHHELD = "(text withheld: red item, see the restricted queue)"
REASON_WITHHELD = "(reason withheld: red item)"


def rise_words(payload: dict[str, Any]) -> str | None:
    """``now urgent (was high)`` (or ``now RED (was yellow)``) for an alert sent because the
    group's light or priority rose since this receiver's last alert about it, else None."""
    was = payload.get("rose_from")
    if not isinstance(was, dict) or not was:
        return None
    parts = []
    if "light" in was:
        parts.append(f"now {str(payload.get('light') or '').upper()} (was {was['light']})")
    if "priority" in was:
        parts.append(f"now {payload.get('priority') or ''} (was {was['priority']})")
    return ", ".join(parts)
ZWJ = "\u200d"
ZWSP = "\u200b"
_BIDI = dict.fromkeys(map(ord, "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"))
_BROADCAST = re.compile(r"@(channel|here|everyone|all|team|room)\b", re.IGNORECASE)
_SCHEME = re.compile(r"\b(https?|ftp|mailto|file|javascript|data|tel|sms|vbscript)(:)", re.IGNORECASE)
_WWW = re.compile(r"\b(www)(\.)", re.IGNORECASE)
_MD_ANY = re.compile(r"([\\`*_\[\]()~#|])")
_MD_BULLET = re.compile(r"^(\s*)([-+=])", re.MULTILINE)
_MD_NUMBERED = re.compile(r"^(\s*\d+)([.)])", re.MULTILINE)
_HIDDEN = ("text", "reasons", "scout_note", "in_reply_to")


#: What stands for the author of a red post sent to a broad receiver (``link_withheld``).
RESTRICTED_AUTHOR = "an author shown only in the restricted queue"


def clean(text: object) -> str:
    """Drop control characters (keeping newlines; tabs become spaces) and bidi overrides."""
    s = "" if text is None else str(text)
    s = s.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ").translate(_BIDI)
    return "".join(ch for ch in s if ch == "\n" or unicodedata.category(ch) not in ("Cc", "Cs"))


def _defang(s: str) -> str:
    """No broadcast pings, no auto-linked URLs."""
    s = _BROADCAST.sub(lambda m: "@" + ZWJ + m.group(1), s)
    s = _SCHEME.sub(lambda m: m.group(1) + ZWSP + m.group(2), s)
    return _WWW.sub(lambda m: m.group(1) + ZWSP + m.group(2), s)


def plain(text: object, limit: int | None = None) -> str:
    """Outside text as one inert plain-text line: no markup brackets, pings or live links."""
    s = " ".join(clean(text).split())
    s = _defang(s.replace("<", "\u2039").replace(">", "\u203a"))
    if limit is not None and len(s) > limit:
        s = s[: max(0, limit - 1)] + "\u2026"
    return s


def card_markdown(text: object, limit: int | None = None) -> str:
    """Outside text escaped for an Adaptive Card ``TextBlock`` (Teams' markdown subset): every
    markdown character backslash-escaped, list markers at line starts too, ``<`` and ``>`` shown
    as ``‹`` and ``›`` (no ``<at>`` mention, no HTML), links and broadcast words defanged."""
    s = clean(text)
    if limit is not None and len(s) > limit:
        s = s[: max(0, limit - 1)] + "\u2026"
    s = _MD_ANY.sub(r"\\\1", s).replace("<", "\u2039").replace(">", "\u203a")
    s = _MD_BULLET.sub(lambda m: m.group(1) + "\\" + m.group(2), s)
    s = _MD_NUMBERED.sub(lambda m: m.group(1) + "\\" + m.group(2), s)
    return _defang(s)


def text_allowed(rc: ReceiverConfig | None, payload: dict[str, Any], *, notice_only: bool = False) -> bool:
    """Whether the receiver may see this message's mention text (the Slack rule)."""
    if notice_only or payload.get("text_withheld"):
        return False
    return not (str(payload.get("light") or "") == "red" and not (rc is not None and rc.restricted))


def visible(rc: ReceiverConfig | None, payload: dict[str, Any], *, notice_only: bool = False) -> dict[str, Any]:
    """``payload`` as this receiver may see it: without text, reasons and scout note unless allowed."""
    out = dict(payload)
    if ("text" in out or "text_withheld" in out) and not text_allowed(rc, out, notice_only=notice_only):
        for key in _HIDDEN:
            if key in out:
                out[key] = [] if key == "reasons" else None
        out["text_withheld"] = True
    return out


def as_red(rc: ReceiverConfig | None, payload: dict[str, Any]) -> dict[str, Any]:
    """An alert's ``payload`` re-shown after its item became red (a light override, a red member):
    what :func:`monitor.triage.payload.alert_payload` gives a red item, for this receiver. A
    restricted receiver keeps the text; another loses text, reasons and scout note, and a broad
    one the link and author as well."""
    out = dict(payload, light="red")
    if rc is not None and rc.restricted:
        return out
    out = visible(rc, out)
    if rc is None or rc.broad is not False:
        out.update(url="", author=None, author_name=None, reach=None, link_withheld=True)
    return out


def visible_other(rc: ReceiverConfig | None, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
    """A non-alert message as this receiver may see it: a spike's sample posts keep their link but
    lose their text, and its top terms are dropped (a sample may be red, a term a codename), and a
    red item's close or dismiss reason is withheld, unless the receiver is restricted."""
    out = dict(payload)
    if (kind == "state" and str(out.get("light") or "") == "red" and out.get("close_reason")
            and not (rc is not None and rc.restricted)):
        # why Legal closed or dismissed a red item speaks of what it is: its text, in other words
        out["close_reason"] = REASON_WITHHELD
    if kind == "spike" and not (rc is not None and rc.restricted):
        if isinstance(out.get("samples"), list):
            out["samples"] = [{k: v for k, v in s.items() if k != "text"} if isinstance(s, dict) else {}
                              for s in out["samples"]]
        if "top_terms" in out:
            out["top_terms"] = []
    return out


def receiver_config(receivers: list[ReceiverConfig], name: str) -> ReceiverConfig | None:
    """The configured receiver called ``name``."""
    return next((r for r in receivers if r.name == name), None)


def reach_text(reach: object) -> str:
    """``54,000 followers`` (or ``reach unknown``)."""
    try:
        return f"{int(str(reach)):,} followers"
    except (TypeError, ValueError):
        return "reach unknown"


def voice(sample: dict[str, Any]) -> str:
    """Who wrote a spike's sample post, when the payload names them: ``@union (152,000 followers)``."""
    author = str(sample.get("author") or "")
    if not author:
        return ""
    try:
        reach = int(str(sample.get("reach")))
    except ValueError:
        return f"@{author}"
    return f"@{author} ({reach:,} followers)"


__all__ = ["WITHHELD", "as_red", "card_markdown", "clean", "plain", "reach_text", "receiver_config", "text_allowed",
           "visible", "visible_other", "voice"]
