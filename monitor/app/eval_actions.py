"""What people do in a labelled stream: queue actions taken at a time, by a person of the config.

A line of a ``scout eval replay`` stream with an ``action`` key is no mention: it is what a person
did in the web queue or in Slack, taken through the same :class:`~monitor.queue.actions.QueueActions`
the web and Slack use, on the queue item of the mention it names::

    {"action": "override", "source": "x", "external_id": "o1", "at": "2026-11-30T10:20:00Z",
     "by": "marcus.ortega", "light": "green", "reason": "resolved by phone",
     "expected": {"ok": true}}

``action``: ``override`` (needs ``light`` and ``reason``), ``sentiment`` (a correction: ``label``),
``acknowledge``, ``claim``, ``close`` (``reason``), ``dismiss`` (``reason``), ``respond`` (``url``)
or ``assign`` (``assignee``). ``at`` (or ``offset_s``) is when; ``by`` the id of a spokesperson or
person of the configuration. ``expected.ok`` says whether the action should be allowed (a refusal is scored,
not an error of the stream).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from monitor.config import AppConfig
from monitor.errors import MonitorError
from monitor.queue.actions import Actor, QueueActions, directory
from monitor.storage import read_models
from monitor.storage.store import Store
from monitor.vocab import LIGHTS, SENTIMENTS

ACTIONS = ("override", "sentiment", "acknowledge", "claim", "close", "dismiss", "respond", "assign",
           "not-confidential")
ACTION_KEYS = frozenset({"action", "source", "external_id", "at", "offset_s", "by", "light", "reason", "url",
                         "assignee", "label", "expected"})
#: the arguments each action needs besides the item and the person
NEEDS: dict[str, tuple[str, ...]] = {"override": ("light", "reason"), "sentiment": ("label",), "close": ("reason",),
                                     "dismiss": ("reason",), "respond": ("url",), "assign": ("assignee",)}


@dataclass(frozen=True)
class ActionLine:
    """One action of a labelled stream (module docstring)."""

    line: int
    action: str
    source: str
    external_id: str
    at: datetime
    by: str
    args: dict[str, str] = field(default_factory=dict)
    expected: dict[str, Any] = field(default_factory=dict)


def parse_action(d: dict[str, Any], line: int, at: datetime) -> ActionLine:
    """The action of line ``line`` (already JSON, ``at`` already read).

    Raises:
        ValueError: an unknown key or action, or a missing argument; the message names the key.
    """
    unknown = sorted(set(d) - ACTION_KEYS)
    if unknown:
        raise ValueError(f"unknown key {unknown[0]!r}")
    action = d.get("action")
    if action not in ACTIONS:
        raise ValueError(f"action: one of {', '.join(ACTIONS)}, got {action!r}")
    for key in ("source", "external_id", "by", *NEEDS.get(action, ())):
        if not isinstance(d.get(key), str) or not d[key].strip():
            raise ValueError(f"{key}: required for {action} (a non-empty string)")
    if action == "override" and d["light"] not in LIGHTS:
        raise ValueError(f"light: one of {', '.join(LIGHTS)}, got {d['light']!r}")
    if action == "sentiment" and d["label"] not in SENTIMENTS:
        raise ValueError(f"label: one of {', '.join(SENTIMENTS)}, got {d['label']!r}")
    expected = d.get("expected") or {}
    if not isinstance(expected, dict) or set(expected) - {"ok"} or not isinstance(expected.get("ok", True), bool):
        raise ValueError("expected: only {\"ok\": true|false}")
    args = {k: str(d[k]) for k in NEEDS.get(action, ())}
    if action == "not-confidential" and isinstance(d.get("reason"), str):
        args["reason"] = d["reason"]  # optional for Legal's answer
    return ActionLine(line, action, d["source"], d["external_id"], at, d["by"], args, expected)


def check_people(actions: list[ActionLine], cfg: AppConfig) -> None:
    """Every ``by`` names someone of ``cfg``.

    Raises:
        ValueError: naming the line and the unknown id.
    """
    known = {a.id for a in directory(cfg)}
    for a in actions:
        if a.by not in known:
            raise ValueError(f"line {a.line}: by: no spokesperson or person {a.by!r} in the configuration")


def apply(a: ActionLine, store: Store, cfg: AppConfig, now: datetime) -> dict[str, Any]:
    """Take action ``a`` now; the outcome for the report (``ok``, ``error``: the refusal shown to the
    person, ``item_id``, the item's ``light`` and ``status`` after)."""
    out: dict[str, Any] = {"line": a.line, "action": a.action, "external_id": a.external_id, "by": a.by,
                           "at": now.isoformat(), "expected": a.expected}
    row = store.find_mention(a.source, a.external_id)
    item = read_models.item_for_mention(store, row.id or 0) if row is not None else None
    if item is None or item.id is None:
        return out | {"ok": False, "error": "no queue item for this mention (yet)", "item_id": None}
    actor: Actor = next(p for p in directory(cfg) if p.id == a.by)
    qa = QueueActions(store, cfg)
    try:
        match a.action:
            case "override":
                qa.override_light(item.id, actor, light=a.args["light"], reason=a.args["reason"], now=now)
            case "sentiment":
                qa.correct_sentiment(item.id, actor, label=a.args["label"], now=now)
            case "acknowledge":
                qa.acknowledge(item.id, actor, now=now)
            case "claim":
                qa.claim(item.id, actor, now=now)
            case "close":
                qa.close(item.id, actor, reason=a.args["reason"], now=now)
            case "dismiss":
                qa.dismiss(item.id, actor, reason=a.args["reason"], now=now)
            case "respond":
                qa.record_response(item.id, actor, url=a.args["url"], now=now)
            case "assign":
                qa.assign(item.id, actor, assignee=a.args["assignee"], now=now)
            case "not-confidential":  # Legal's answer to "may be confidential" (judge Z, 2026-12-06)
                qa.not_confidential(item.id, actor, reason=a.args.get("reason", ""), now=now)
        ok, error = True, None
    except MonitorError as exc:  # ActionError included: the refusal shown to the person
        ok, error = False, cfg.organisation.say(str(exc))  # as the web and Slack word it
    after = read_models.item_for_mention(store, row.id or 0) if row is not None else None
    return out | {"ok": ok, "error": error, "item_id": item.id, "light": after.light if after else None,
                  "status": after.status if after else None}
