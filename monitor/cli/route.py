"""``scout route``: a dry run of the router on JSON-line mentions from stdin.

It only reads: nothing is sent and nothing is stored.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime
from typing import Annotated, Any

import typer

from monitor.cli.options import ConfigOpt, NowOpt, load, parse_now
from monitor.clock import utc
from monitor.config import AppConfig
from monitor.domain.decide import MentionView, Router, SentimentView
from monitor.errors import MonitorError

#: ``route`` is a command of the ``scout`` app itself (added without a group name).
route_app = typer.Typer()

_SENTIMENTS = ("negative", "neutral", "positive")


class LineError(ValueError):
    """A JSON line that cannot be routed."""


def _int(obj: dict[str, Any], key: str) -> int:
    value = obj.get(key, 0)
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise LineError(f"{key} must be a non-negative number")
    return int(value)


def _str(obj: dict[str, Any], key: str, *, required: bool = False) -> str:
    value = obj.get(key)
    if value is None or value == "":
        if required:
            raise LineError(f"missing field {key!r}")
        return ""
    if not isinstance(value, str | int):
        raise LineError(f"{key} must be a string")
    return str(value)


def parse_line(line: str) -> tuple[MentionView, SentimentView | None]:
    """A mention (and its sentiment, when given) from one JSON line as stored.

    Fields: ``source``, ``external_id``, ``text``, ``created_at`` (ISO; required), ``url``,
    ``author``, ``author_followers``, ``lang``, ``likes``, ``reposts``, ``replies``, ``quotes``,
    ``kind``, ``thread_id``, ``refers_to``, ``links``, ``submitted_by``, ``scout_category`` and
    ``sentiment`` (``{"label": ..., "score": ...}``).

    Raises:
        LineError: the line is not a JSON object or a field is missing or malformed.
    """
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        raise LineError(f"not JSON: {exc.msg} at column {exc.colno}") from None
    if not isinstance(obj, dict):
        raise LineError("expected a JSON object")
    raw_created = _str(obj, "created_at", required=True)
    try:
        created = utc(datetime.fromisoformat(raw_created.replace("Z", "+00:00")))
    except ValueError:
        raise LineError(f"created_at {raw_created!r} is not an ISO time") from None
    links = obj.get("links") or []
    if not isinstance(links, list) or not all(isinstance(x, str) for x in links):
        raise LineError("links must be a list of strings")
    m = MentionView(
        source=_str(obj, "source", required=True),
        external_id=_str(obj, "external_id", required=True),
        text=_str(obj, "text"),
        created_at=created,
        url=_str(obj, "url"),
        author_handle=_str(obj, "author"),
        author_reach=_int(obj, "author_followers"),
        lang=_str(obj, "lang") or None,
        likes=_int(obj, "likes"),
        reposts=_int(obj, "reposts"),
        replies=_int(obj, "replies"),
        quotes=_int(obj, "quotes"),
        kind=_str(obj, "kind") or "post",
        thread_id=_str(obj, "thread_id") or None,
        refers_to=_str(obj, "refers_to") or None,
        links=tuple(links),
        submitted_by=_str(obj, "submitted_by") or None,
        scout_category=_str(obj, "scout_category") or None,
    )
    raw = obj.get("sentiment")
    if raw is None:
        return m, None
    if not isinstance(raw, dict) or raw.get("label") not in _SENTIMENTS:
        raise LineError('sentiment must be {"label": negative|neutral|positive, "score": 0..1}')
    score = raw.get("score", 1.0)
    if isinstance(score, bool) or not isinstance(score, int | float) or not 0 <= score <= 1:
        raise LineError("sentiment.score must be a number from 0 to 1")
    return m, SentimentView(str(raw["label"]), float(score), bool(raw.get("uncertain", False)))


def _classify(cfg: AppConfig, views: list[MentionView]) -> list[SentimentView]:
    """Sentiment for mentions that came without one (the configured model, else VADER)."""
    if not views:
        return []
    texts, langs = [v.text for v in views], [v.lang for v in views]
    try:
        from monitor.sentiment import build_classifier

        results = build_classifier(cfg.sentiment).classify(texts, langs)
    except (ImportError, MonitorError) as exc:
        from monitor.sentiment.lexicon import LexiconClassifier

        typer.echo(f"warning: sentiment model unavailable ({exc}); using the VADER lexicon", err=True)
        results = LexiconClassifier(
            uncertain_below=cfg.sentiment.uncertain_below, languages=cfg.sentiment.languages
        ).classify(texts, langs)
    return [SentimentView(c.label, c.score, c.uncertain, c.supported) for c in results]


@route_app.command("route")
def route(
    config: ConfigOpt,
    explain: Annotated[bool, typer.Option("--explain", help="add the labels and the matched route paths")] = False,
    now: NowOpt = None,
) -> None:
    """Route JSON-line mentions from stdin and print one decision per line (a dry run)."""
    cfg = load(config)
    router = Router(cfg)
    at = parse_now(now)
    parsed: list[tuple[MentionView, SentimentView | None] | LineError] = []
    numbers: list[int] = []
    for number, line in enumerate(sys.stdin, start=1):
        if not line.strip():
            continue
        numbers.append(number)
        try:
            parsed.append(parse_line(line))
        except LineError as exc:
            parsed.append(exc)
    todo = [p[0] for p in parsed if not isinstance(p, LineError) and p[1] is None]
    scored = iter(_classify(cfg, todo))
    bad = 0
    for number, item in zip(numbers, parsed, strict=True):
        if isinstance(item, LineError):
            bad += 1
            typer.echo(json.dumps({"line": number, "error": str(item)}))
            continue
        m, s = item
        d = router.decide(m, s if s is not None else next(scored), now=at)
        typer.echo(json.dumps(d.explain_json() if explain else d.to_json(), ensure_ascii=False, default=str))
    if bad:
        raise typer.Exit(1)


__all__ = ["LineError", "parse_line", "route", "route_app"]
