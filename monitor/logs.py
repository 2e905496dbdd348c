"""Structured logging: one line per event, JSON when asked; every message is redacted, and the
rows a database error carries (SQLAlchemy's ``[parameters: ...]``, PostgreSQL's ``DETAIL:`` with
the failing row) are cut out, so mention text never reaches a log through an error."""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime
from typing import Any

from monitor.errors import redact

_STD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "taskName"}

#: Lines of an error's text that carry a row's values: SQLAlchemy's parameters (when an engine
#: does not hide them) and PostgreSQL's DETAIL ("Failing row contains (...)", "Key (...)=(...)").
_ROW_LINES = re.compile(r"^[ \t]*(?:\[parameters: |\[SQL parameters |DETAIL: ).*$", re.MULTILINE)


def scrub(text: str) -> str:
    """``text`` without the lines that carry a database row's values."""
    if "[parameters: " not in text and "DETAIL: " not in text and "[SQL parameters " not in text:
        return text
    return _ROW_LINES.sub("[parameters hidden]", text)


class _Formatter(logging.Formatter):
    def __init__(self, json_lines: bool) -> None:
        super().__init__()
        self.json_lines = json_lines

    def format(self, record: logging.LogRecord) -> str:
        extra = {k: scrub(v) if isinstance(v, str) else v for k, v in vars(record).items() if k not in _STD}
        when = datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")
        msg = scrub(record.getMessage())
        if record.exc_info:
            msg += " | " + scrub(self.formatException(record.exc_info)).replace("\n", " | ")
        if self.json_lines:
            data: dict[str, Any] = {"ts": when, "level": record.levelname, "logger": record.name, "msg": msg}
            data.update(extra)
            return redact(json.dumps(data, default=str, ensure_ascii=False))
        kv = " ".join(f"{k}={v}" for k, v in extra.items())
        return redact(f"{when} {record.levelname:<7} {record.name}: {msg}{' ' + kv if kv else ''}")


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is at the time of the record, so a handler set up once
    keeps working when stderr is replaced (test capture, daemon redirection)."""

    @property  # type: ignore[override]
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass


def setup_logging(level: str = "INFO", json_lines: bool = False, stream: Any = None) -> None:
    """Configure the root logger once (idempotent)."""
    root = logging.getLogger()
    for h in list(root.handlers):
        if getattr(h, "_brand_scout", False):
            root.removeHandler(h)
    handler: logging.Handler = logging.StreamHandler(stream) if stream is not None else _StderrHandler()
    handler.setFormatter(_Formatter(json_lines))
    handler._brand_scout = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
    for noisy in ("apscheduler", "httpx", "urllib3", "prawcore", "uvicorn.access", "alembic", "tweepy",
                  "slack_sdk", "requests_oauthlib", "oauthlib"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLevelName(level)))
