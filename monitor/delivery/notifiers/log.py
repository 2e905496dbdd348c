"""Alerts as readable lines in a log file (the default without Slack)."""

from __future__ import annotations

import json
import logging
import os
import threading
from pathlib import Path

from monitor.delivery.notifiers.base import Outbound
from monitor.errors import NotifyError

log = logging.getLogger("brand_scout.alerts")


def render_line(msg: Outbound) -> str:
    """One human-readable line for an outbox message."""
    p = msg.payload
    if msg.kind in ("alert", "update"):
        text = p.get("text") or "(text withheld: red item, see the restricted queue)"
        text = " ".join(str(text).split())
        if len(text) > 200:
            text = text[:197] + "..."
        return (f"[{msg.receiver}] {str(p.get('light', '')).upper()} {p.get('priority', '')} "
                f"item #{p.get('item_id')} {p.get('source', '')} @{p.get('author', '')} "
                f"({p.get('reach', 0)} followers): {text} | {p.get('item_url', '')}")
    return f"[{msg.receiver}] {msg.kind.upper()}: {p.get('title') or p.get('summary') or json.dumps(p)[:300]}"


class LogNotifier:
    """Appends one line per message to ``path`` (with its idempotency key) and logs it."""

    name = "log"

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def send(self, msg: Outbound) -> str | None:
        line = f"{render_line(msg)}  key={msg.key}\n"
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self._lock, self.path.open("a", encoding="utf-8") as f:
                f.write(line)
                f.flush()
                os.fsync(f.fileno())
        except OSError as exc:
            raise NotifyError(f"cannot write alert log {self.path}: {exc}", recoverable=True) from exc
        log.info("alert", extra={"event": "alert", "receiver": msg.receiver, "kind": msg.kind, "key": msg.key})
        return f"log:{msg.key}"

    def already_sent(self, msg: Outbound) -> str | None:
        if not self.path.exists():
            return None
        needle = f"key={msg.key}\n"
        with self.path.open(encoding="utf-8") as f:
            for line in f:
                if line.endswith(needle):
                    return f"log:{msg.key}"
        return None
