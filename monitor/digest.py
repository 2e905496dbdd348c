"""The weekly digest (P6): figures of one ISO week against last week and a rolling baseline,
rendered as an HTML + plain-text email with an inline chart, delivered once per recipient and week.

Three layers:

* :func:`build_digest` is pure: rows in, a :class:`Digest` of figures out (no I/O, no clock).
* :func:`render_digest` / :func:`compose_message` turn a digest into Jinja2 text and an
  :class:`~email.message.EmailMessage` (``multipart/alternative`` with a ``multipart/related``
  HTML part that carries the chart as an inline PNG referenced by ``cid:``).
* :class:`DigestService` loads rows from the store, claims a :class:`DigestRun` row per
  (week, recipient) and sends through :class:`~monitor.notifiers.email.SmtpSender`.

Red items are counted, never quoted: no text, author or URL of a mention whose queue item is red
reaches the digest, and spike terms that occur in red mentions are left out.
"""

from __future__ import annotations

import hashlib
import io
import logging
import re
import statistics
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import or_, update
from sqlmodel import col, select

from monitor.clock import utc
from monitor.config.digest import DigestConfig
from monitor.errors import ConfigError, MonitorError, NotifyError, redact
from monitor.models import (
    OPEN_STATUSES,
    ClassificationRow,
    ConnectorState,
    DigestRun,
    MentionRow,
    QueueItem,
    QueueItemMention,
    ScoutSubmission,
    SpikeEvent,
)
from monitor.store import backoff_delay

if TYPE_CHECKING:
    from monitor.bootstrap import Container
    from monitor.config import AppConfig, SourceConfig

log = logging.getLogger("brand_scout.digest")

LABELS = ("negative", "neutral", "positive")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")
TEMPLATES = Path(__file__).parent / "templates" / "email"


# ---- weeks ----------------------------------------------------------------------------------
def parse_week(week: str) -> date:
    """The Monday of ISO week ``YYYY-Www``.

    Raises:
        ValueError: not an ISO week.
    """
    m = _WEEK.match(week)
    if not m:
        raise ValueError(f"not an ISO week (e.g. 2026-W47): {week!r}")
    try:
        return date.fromisocalendar(int(m.group(1)), int(m.group(2)), 1)
    except ValueError:
        raise ValueError(f"no such ISO week: {week!r}") from None


def week_label(d: date) -> str:
    """The ISO week that contains ``d``."""
    y, w, _ = d.isocalendar()
    return f"{y}-W{w:02d}"


def shift_week(week: str, weeks: int) -> str:
    """``week`` moved by ``weeks`` (negative: earlier)."""
    return week_label(parse_week(week) + timedelta(weeks=weeks))


def week_bounds(week: str, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """Start (Monday 00:00 local) and end (next Monday 00:00 local) of ``week``, in UTC."""
    monday = parse_week(week)
    start = datetime.combine(monday, time(0), tzinfo=tz)
    end = datetime.combine(monday + timedelta(days=7), time(0), tzinfo=tz)
    return start.astimezone(UTC), end.astimezone(UTC)


def last_send_time(dg: DigestConfig, now: datetime) -> datetime:
    """The latest scheduled send moment of ``dg`` at or before ``now`` (UTC)."""
    tz = ZoneInfo(dg.timezone)
    local = now.astimezone(tz)
    back = (local.weekday() - DAYS.index(dg.day)) % 7
    candidate = datetime.combine(local.date() - timedelta(days=back), dg.time, tzinfo=tz)
    if candidate.astimezone(UTC) > now:
        candidate = datetime.combine(candidate.date() - timedelta(days=7), dg.time, tzinfo=tz)
    return candidate.astimezone(UTC)


def due_week(dg: DigestConfig, now: datetime) -> str:
    """The week whose digest is due at ``now``: the last full ISO week (in the digest's zone)
    that ended before the latest scheduled send moment."""
    sent = last_send_time(dg, now).astimezone(ZoneInfo(dg.timezone))
    monday = sent.date() - timedelta(days=sent.weekday())
    return week_label(monday - timedelta(days=7))


# ---- figures --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Figure:
    """A value of the week with last week's value and the baseline (mean per week)."""

    value: float
    last_week: float
    baseline: float
    share: bool = False  # a share in [0, 1]: changes are in percentage points

    def _change(self, other: float) -> str:
        if self.share:
            pp = (self.value - other) * 100
            return f"{pp:+.1f} pp"
        if other == 0:
            return "new" if self.value else "±0%"
        return f"{(self.value - other) / other * 100:+.0f}%"

    @property
    def vs_last_week(self) -> str:
        """Change against last week, as text (``+12%``, ``-3.5 pp``, ``new``)."""
        return self._change(self.last_week)

    @property
    def vs_baseline(self) -> str:
        """Change against the baseline, as text."""
        return self._change(self.baseline)

    @property
    def direction(self) -> int:
        """+1 up, -1 down, 0 flat against the baseline."""
        return (self.value > self.baseline) - (self.value < self.baseline)

    def fmt(self, v: float | None = None) -> str:
        """A value formatted for display."""
        v = self.value if v is None else v
        if self.share:
            return f"{v * 100:.1f}%"
        return f"{v:,.0f}" if v >= 10 or v == int(v) else f"{v:,.1f}"


@dataclass(frozen=True)
class SourceFigure:
    """Mentions of one source."""

    source: str
    mentions: Figure
    negative: Figure


@dataclass(frozen=True)
class DayCounts:
    """Mentions of one local day by sentiment."""

    day: date
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class SpikeLine:
    """A spike of the week with its explanation (no sample posts)."""

    kind: str
    scope: str
    started_at: datetime
    baseline: float
    observed: float
    summary: str
    top_terms: list[str]


@dataclass(frozen=True)
class TopMention:
    """A top criticism or compliment (never red)."""

    text: str
    url: str
    author: str
    source: str
    reach: int
    engagement: int
    state: str  # open | responded | closed | not queued
    queue_url: str | None


@dataclass(frozen=True)
class ResponseRow:
    """Response performance of the items created in the week, for one priority or person."""

    key: str
    items: int
    acknowledged: int
    ack_in_target: int
    responded: int
    responded_in_target: int
    median_ack_minutes: float | None

    @property
    def ack_rate(self) -> str:
        return f"{self.ack_in_target / self.items * 100:.0f}%" if self.items else "—"

    @property
    def respond_rate(self) -> str:
        return f"{self.responded_in_target / self.items * 100:.0f}%" if self.items else "—"

    @property
    def median_ack(self) -> str:
        m = self.median_ack_minutes
        if m is None:
            return "—"
        return f"{m:.0f} min" if m < 120 else f"{m / 60:.1f} h"


@dataclass(frozen=True)
class OpenItem:
    """An open queue item; ``snippet`` is None for red items (never quoted)."""

    id: int
    priority: str
    light: str
    status: str
    assignee: str
    age_hours: float
    overdue: bool
    url: str
    snippet: str | None


@dataclass(frozen=True)
class ScoutSummary:
    """What employees forwarded in the week and what became of it."""

    submissions: int
    people: int
    already_known: int
    outcomes: dict[str, int]
    thanks: list[tuple[str, int]]  # (name, submissions); empty when not thanking by name


@dataclass(frozen=True)
class CoverageRow:
    """A configured source and its health."""

    name: str
    type: str
    enabled: bool
    healthy: bool
    silent: bool
    last_mention_at: datetime | None
    last_error: str | None


@dataclass(frozen=True)
class Digest:
    """Every figure of one weekly digest."""

    week: str
    organisation: str
    timezone: str
    start: date  # Monday, local
    end: date  # Sunday, local
    generated_at: datetime
    baseline_weeks: int
    mentions: Figure
    reach: Figure
    shares: dict[str, Figure]
    unclassified: int
    per_source: list[SourceFigure]
    days: list[DayCounts]
    band: tuple[float, float, float]  # baseline daily total: low (p10), mean, high (p90)
    spikes: list[SpikeLine]
    criticisms: list[TopMention]
    compliments: list[TopMention]
    red_mentions: int
    red_open: int
    by_priority: list[ResponseRow]
    by_spokesperson: list[ResponseRow]
    open_items: list[OpenItem]
    open_total: int
    overdue_total: int
    scouts: ScoutSummary
    coverage: list[CoverageRow]
    queue_url: str

    @property
    def coverage_problems(self) -> list[CoverageRow]:
        return [c for c in self.coverage if c.enabled and (not c.healthy or c.silent)]

    @property
    def title(self) -> str:
        return f"{self.organisation} weekly digest {self.week} ({self.start:%d %b} – {self.end:%d %b %Y})"


@dataclass
class DigestSettings:
    """The parts of the configuration :func:`build_digest` reads."""

    organisation: str = "brand-scout"
    timezone: str = "UTC"
    baseline_weeks: int = 13
    top_items: int = 5
    base_url: str = "http://127.0.0.1:8080"
    thank_scouts_by_name: bool = True
    respond_within: dict[str, timedelta] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)  # spokesperson id -> name
    sources: list[tuple[str, str, bool, timedelta | None]] = field(default_factory=list)  # name, type, on, silent

    @classmethod
    def from_config(cls, cfg: AppConfig, dg: DigestConfig) -> DigestSettings:
        sources: list[SourceConfig] = list(cfg.sources)
        return cls(
            organisation=cfg.organisation.name, timezone=dg.timezone, baseline_weeks=dg.baseline_weeks,
            top_items=dg.top_items, base_url=cfg.web.base_url.rstrip("/"),
            thank_scouts_by_name=dg.thank_scouts_by_name, respond_within=dict(dg.respond_within),
            names={sp.id: sp.name for sp in cfg.spokespersons},
            sources=[(s.name, s.type, s.enabled, s.silent_after) for s in sources],
        )


_WS = re.compile(r"\s+")


def snippet(text: str, limit: int = 240) -> str:
    """One line of at most ``limit`` characters (escaping is the template's job)."""
    text = _WS.sub(" ", "".join(ch for ch in text if ch.isprintable() or ch.isspace())).strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _state(status: str | None) -> str:
    if status is None:
        return "not queued"
    if status in OPEN_STATUSES:
        return "open"
    return "responded" if status == "responded" else "closed"


def _pct(values: list[int], q: float) -> float:
    if not values:
        return 0.0
    s = sorted(values)
    k = (len(s) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def build_digest(
    *,
    week: str,
    now: datetime,
    settings: DigestSettings,
    mentions: Sequence[MentionRow],
    labels: Mapping[int, str],
    queue_items: Sequence[QueueItem],
    item_of_mention: Mapping[int, int],
    scouts: Sequence[ScoutSubmission],
    spikes: Sequence[SpikeEvent],
    states: Sequence[ConnectorState],
) -> Digest:
    """The figures of ``week`` from plain rows (pure: no I/O, ``now`` is given).

    ``mentions`` should cover the baseline weeks, last week and the week; ``queue_items`` the
    items created since then plus every open one; ``item_of_mention`` maps a mention id to its
    queue item id (group membership).
    """
    tz = ZoneInfo(settings.timezone)
    start, end = week_bounds(week, tz)
    prev_start = start - timedelta(weeks=1)
    base_start = start - timedelta(weeks=settings.baseline_weeks)
    items = {q.id: q for q in queue_items if q.id is not None}

    def item_of(m: MentionRow) -> QueueItem | None:
        qid = item_of_mention.get(m.id or -1)
        return items.get(qid) if qid is not None else None

    def is_red(m: MentionRow) -> bool:
        q = item_of(m)
        return q is not None and q.light == "red"

    live = [m for m in mentions if m.deleted_at is None and m.state != "filtered"]
    this_week = [m for m in live if start <= utc(m.created_at) < end]
    last_week = [m for m in live if prev_start <= utc(m.created_at) < start]
    baseline = [m for m in live if base_start <= utc(m.created_at) < start]
    nb = settings.baseline_weeks

    def label(m: MentionRow) -> str:
        return labels.get(m.id or -1, "unclassified")

    def shares(rows: list[MentionRow]) -> dict[str, float]:
        counts = Counter(label(m) for m in rows if label(m) in LABELS)
        total = sum(counts.values())
        return {k: (counts[k] / total if total else 0.0) for k in LABELS}

    s_now, s_last, s_base = shares(this_week), shares(last_week), shares(baseline)
    mentions_fig = Figure(len(this_week), len(last_week), len(baseline) / nb)
    reach_fig = Figure(sum(m.author_reach for m in this_week), sum(m.author_reach for m in last_week),
                       sum(m.author_reach for m in baseline) / nb)
    share_figs = {k: Figure(s_now[k], s_last[k], s_base[k], share=True) for k in LABELS}

    per_source = []
    for src in sorted({m.source for m in this_week} | {m.source for m in last_week} | {m.source for m in baseline}):
        tw = [m for m in this_week if m.source == src]
        lw = [m for m in last_week if m.source == src]
        bl = [m for m in baseline if m.source == src]
        per_source.append(SourceFigure(src, Figure(len(tw), len(lw), len(bl) / nb),
                                       Figure(shares(tw)["negative"], shares(lw)["negative"],
                                              shares(bl)["negative"], share=True)))
    per_source.sort(key=lambda f: -f.mentions.value)

    # Daily counts (local days) and the baseline band of daily totals.
    monday = parse_week(week)
    by_day: dict[date, Counter[str]] = {monday + timedelta(days=i): Counter() for i in range(7)}
    for m in this_week:
        by_day[utc(m.created_at).astimezone(tz).date()][label(m)] += 1
    days = [DayCounts(d, {k: c[k] for k in (*LABELS, "unclassified")}) for d, c in sorted(by_day.items())]
    base_daily: Counter[date] = Counter(utc(m.created_at).astimezone(tz).date() for m in baseline)
    first = parse_week(week) - timedelta(weeks=nb)
    daily_totals = [base_daily[first + timedelta(days=i)] for i in range(nb * 7)]
    band = (_pct(daily_totals, 0.1), (sum(daily_totals) / len(daily_totals)) if daily_totals else 0.0,
            _pct(daily_totals, 0.9))

    # Red: counted, never quoted.
    red_week = [m for m in this_week if is_red(m)]
    red_words = {w.lower() for m in red_week for w in re.findall(r"\w+", f"{m.text} {m.title or ''}")}

    spike_lines = []
    for sp in sorted(spikes, key=lambda s: utc(s.started_at)):
        if not (start <= utc(sp.started_at) < end):
            continue
        ex = sp.explanation or {}
        terms = []
        for t in ex.get("top_terms", []) or []:
            term = str(t[0] if isinstance(t, list | tuple) else t)
            if not any(w.lower() in red_words for w in re.findall(r"\w+", term)):
                terms.append(term)
        summary = str(ex.get("summary", "")) or f"{sp.kind} spike in {sp.scope}"
        if any(w.lower() in red_words for w in re.findall(r"\w+", summary) if len(w) > 3
               and w.lower() not in _COMMON):
            summary = f"{sp.kind} spike in {sp.scope}"
        spike_lines.append(SpikeLine(sp.kind, sp.scope, utc(sp.started_at), sp.baseline, sp.observed,
                                     snippet(summary, 300), terms[:8]))

    def top(lbl: str) -> list[TopMention]:
        rows = [m for m in this_week if label(m) == lbl and not is_red(m)]
        rows.sort(key=lambda m: (-(m.likes + m.reposts * 2 + m.replies + m.quotes * 2), -m.author_reach, m.id or 0))
        out = []
        for m in rows[: settings.top_items]:
            q = item_of(m)
            out.append(TopMention(snippet(m.title + " — " + m.text if m.title else m.text), m.url,
                                  m.author_name or m.author_handle, m.source_name or m.source, m.author_reach,
                                  m.likes + m.reposts + m.replies + m.quotes, _state(q.status if q else None),
                                  f"{settings.base_url}/queue/{q.id}" if q else None))
        return out

    # Response performance of the items created in the week.
    week_items = [q for q in queue_items if start <= utc(q.created_at) < end and q.status != "dismissed"]

    def response_row(key: str, rows: list[QueueItem]) -> ResponseRow:
        acked = [q for q in rows if q.acknowledged_at is not None]
        ack_ok = [q for q in acked if q.due_at is None or utc(q.acknowledged_at) <= utc(q.due_at)]  # type: ignore[arg-type]
        responded = [q for q in rows if q.responded_at is not None]
        resp_ok = []
        for q in responded:
            target = settings.respond_within.get(q.priority)
            if target is None or utc(q.responded_at) - utc(q.created_at) <= target:  # type: ignore[arg-type]
                resp_ok.append(q)
        ack_minutes = [(utc(q.acknowledged_at) - utc(q.created_at)).total_seconds() / 60  # type: ignore[arg-type]
                       for q in acked]
        return ResponseRow(key, len(rows), len(acked), len(ack_ok), len(responded), len(resp_ok),
                           statistics.median(ack_minutes) if ack_minutes else None)

    order = {"urgent": 0, "high": 1, "normal": 2, "low": 3}
    by_priority = [response_row(p, [q for q in week_items if q.priority == p])
                   for p in sorted({q.priority for q in week_items}, key=lambda p: (order.get(p, 9), p))]
    people: dict[str, list[QueueItem]] = defaultdict(list)
    for q in week_items:
        people[settings.names.get(q.assignee, q.assignee) if q.assignee else "(unassigned)"].append(q)
    by_person = [response_row(k, v) for k, v in sorted(people.items())]

    # Open and overdue, as of now.
    open_rows = [q for q in queue_items if q.status in OPEN_STATUSES]
    mention_by_id = {m.id: m for m in mentions}
    open_items = []
    for q in sorted(open_rows, key=lambda q: (order.get(q.priority, 9), utc(q.created_at))):
        overdue = q.acknowledged_at is None and q.due_at is not None and utc(q.due_at) < now
        head = mention_by_id.get(q.mention_id)
        text = None if q.light == "red" else (snippet(head.text, 140) if head is not None else "")
        open_items.append(OpenItem(q.id or 0, q.priority, q.light, q.status,
                                   settings.names.get(q.assignee, q.assignee) if q.assignee else "—",
                                   (now - utc(q.created_at)).total_seconds() / 3600, overdue,
                                   f"{settings.base_url}/queue/{q.id}", text))

    # Scouts.
    week_scouts = [s for s in scouts if start <= utc(s.created_at) < end]
    outcomes: Counter[str] = Counter()
    for s in week_scouts:
        sq = items.get(item_of_mention.get(s.mention_id, -1)) if s.mention_id is not None else None
        if s.mention_id is None:
            outcomes["not found"] += 1
        elif sq is None:
            outcomes["recorded (no action needed)"] += 1
        elif sq.status == "dismissed":
            outcomes["dismissed"] += 1
        else:
            outcomes[_state(sq.status)] += 1
    per_scout = Counter(s.submitter_name or s.submitted_by for s in week_scouts)
    thanks = sorted(per_scout.items(), key=lambda kv: (-kv[1], kv[0])) if settings.thank_scouts_by_name else []
    scout_summary = ScoutSummary(len(week_scouts), len({s.submitted_by for s in week_scouts}),
                                 sum(1 for s in week_scouts if s.already_known), dict(outcomes), thanks)

    # Coverage.
    state_by_name = {st.source_name: st for st in states}
    coverage = []
    for name, typ, enabled, silent_after in settings.sources:
        st = state_by_name.get(name)
        last = utc(st.last_mention_at) if st is not None and st.last_mention_at is not None else None
        silent = bool(enabled and silent_after is not None and (last is None or now - last > silent_after))
        coverage.append(CoverageRow(name, typ, enabled, st.healthy if st is not None else True, silent, last,
                                    snippet(redact(st.last_error), 200) if st is not None and st.last_error
                                    else None))

    end_local = parse_week(week) + timedelta(days=6)
    return Digest(
        week=week, organisation=settings.organisation, timezone=settings.timezone, start=parse_week(week),
        end=end_local, generated_at=now, baseline_weeks=nb, mentions=mentions_fig, reach=reach_fig,
        shares=share_figs, unclassified=sum(1 for m in this_week if label(m) not in LABELS),
        per_source=per_source, days=days, band=band, spikes=spike_lines, criticisms=top("negative"),
        compliments=top("positive"), red_mentions=len(red_week),
        red_open=sum(1 for q in open_rows if q.light == "red"), by_priority=by_priority,
        by_spokesperson=by_person, open_items=open_items[:25], open_total=len(open_rows),
        overdue_total=sum(1 for o in open_items if o.overdue), scouts=scout_summary, coverage=coverage,
        queue_url=f"{settings.base_url}/queue",
    )


_COMMON = {"mentions", "spike", "baseline", "volume", "negative", "share", "above", "times", "hour", "hours",
           "post", "posts", "velocity", "engagement", "within", "against", "from", "with", "this", "that"}


# ---- rendering --------------------------------------------------------------------------------
CHART_CID = "daily-chart"
COLORS = {"negative": "#c0392b", "neutral": "#7f8c8d", "positive": "#27ae60", "unclassified": "#bdc3c7"}


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
    low, mean, high = d.band
    ax.axhspan(low, high, color="#3498db", alpha=0.15, label=f"baseline p10–p90 ({d.baseline_weeks} wk)")
    ax.axhline(mean, color="#2980b9", linewidth=1, linestyle="--", label="baseline mean")
    for lbl in (*LABELS, "unclassified"):
        vals = [day.counts.get(lbl, 0) for day in d.days]
        if lbl == "unclassified" and not any(vals):
            continue
        ax.bar(xs, vals, bottom=bottom, color=COLORS[lbl], label=lbl, width=0.7)
        bottom = [b + v for b, v in zip(bottom, vals, strict=True)]
    ax.set_xticks(xs, [f"{day.day:%a %d}" for day in d.days])
    ax.set_ylabel("mentions")
    ax.tick_params(colors="#222222", labelsize=8)
    ax.yaxis.label.set_color("#222222")
    ax.legend(fontsize=7, loc="upper left", ncols=3, frameon=False, labelcolor="#222222")
    ax.set_ylim(0, max([*bottom, high, 1]) * 1.35)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", facecolor="#ffffff", transparent=False)
    return buf.getvalue()


def _env() -> Any:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), undefined=StrictUndefined,
                      autoescape=select_autoescape(enabled_extensions=("html", "html.j2"), default=False),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["num"] = lambda v: f"{v:,.0f}"
    return env


def render_digest(d: Digest, *, cid: str = CHART_CID, chart_src: str | None = None) -> tuple[str, str, str]:
    """``(subject, text, html)``; the HTML shows the chart from ``cid:<cid>`` unless
    ``chart_src`` (e.g. a ``data:`` URL for a preview file) is given."""
    env = _env()
    ctx = {"d": d, "chart_src": chart_src or f"cid:{cid}", "labels": LABELS}
    text = env.get_template("weekly_digest.txt.j2").render(**ctx)
    html = env.get_template("weekly_digest.html.j2").render(**ctx)
    subject = (f"{d.organisation} weekly digest {d.week}: {d.mentions.fmt()} mentions "
               f"({d.mentions.vs_last_week} vs last week), {d.open_total} open, {d.overdue_total} overdue")
    return subject, text, html


def message_id(digest_name: str, week: str, recipient: str, sender: str) -> str:
    """The deterministic Message-ID of a digest for one recipient and week."""
    domain = parseaddr(sender)[1].rpartition("@")[2] or "brand-scout.local"
    h = hashlib.sha256(recipient.strip().lower().encode()).hexdigest()[:16]
    return f"<digest.{digest_name}.{week}.{h}@{domain}>"


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


# ---- loading ----------------------------------------------------------------------------------
def load_digest(container: Container, dg: DigestConfig, week: str, *, now: datetime | None = None) -> Digest:
    """Read the rows ``build_digest`` needs for ``week`` and build it."""
    now = now or container.clock.now()
    settings = DigestSettings.from_config(container.cfg, dg)
    tz = ZoneInfo(dg.timezone)
    start, end = week_bounds(week, tz)
    base_start = start - timedelta(weeks=max(dg.baseline_weeks, 1))
    with container.store.session() as s:
        mentions = list(s.exec(select(MentionRow).where(col(MentionRow.created_at) >= base_start,
                                                        col(MentionRow.created_at) < end)).all())
        ids = [m.id for m in mentions if m.id is not None]
        labels: dict[int, str] = {}
        links: dict[int, int] = {}
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            for mid, lbl in s.exec(select(ClassificationRow.mention_id, ClassificationRow.label)
                                   .where(col(ClassificationRow.mention_id).in_(chunk))).all():
                labels[mid] = lbl
            for qid, mid in s.exec(select(QueueItemMention.queue_item_id, QueueItemMention.mention_id)
                                   .where(col(QueueItemMention.mention_id).in_(chunk))).all():
                links[mid] = qid
        items = list(s.exec(select(QueueItem).where(or_(col(QueueItem.created_at) >= base_start,
                                                        col(QueueItem.status).in_(OPEN_STATUSES)))).all())
        for q in items:
            if q.id is not None:
                links.setdefault(q.mention_id, q.id)
        scouts = list(s.exec(select(ScoutSubmission).where(col(ScoutSubmission.created_at) >= start,
                                                           col(ScoutSubmission.created_at) < end)).all())
        # Scouts' mentions may be older than the window: load their items' links too.
        extra = [sc.mention_id for sc in scouts if sc.mention_id is not None and sc.mention_id not in links]
        if extra:
            for qid, mid in s.exec(select(QueueItemMention.queue_item_id, QueueItemMention.mention_id)
                                   .where(col(QueueItemMention.mention_id).in_(extra))).all():
                links[mid] = qid
            known = {q.id for q in items}
            more = set(links.values()) - known
            if more:
                items += list(s.exec(select(QueueItem).where(col(QueueItem.id).in_(more))).all())
        # Open items whose first mention is outside the window still need it (for the snippet).
        have = {m.id for m in mentions}
        heads = sorted({q.mention_id for q in items if q.status in OPEN_STATUSES and q.light != "red"} - have)
        for i in range(0, len(heads), 500):
            mentions += list(s.exec(select(MentionRow).where(col(MentionRow.id).in_(heads[i : i + 500]))).all())
        spikes = list(s.exec(select(SpikeEvent).where(col(SpikeEvent.started_at) >= start,
                                                      col(SpikeEvent.started_at) < end)).all())
        states = list(s.exec(select(ConnectorState)).all())
    return build_digest(week=week, now=now, settings=settings, mentions=mentions, labels=labels,
                        queue_items=items, item_of_mention=links, scouts=scouts, spikes=spikes, states=states)


# ---- delivery ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Delivery:
    """What happened to one recipient's digest."""

    week: str
    recipient: str
    outcome: str  # sent | already-sent | in-flight | backoff | failed | gave-up | claimed-elsewhere
    message_id: str | None = None
    error: str | None = None


def run_key(dg: DigestConfig, recipient: str) -> str:
    """The DigestRun ``recipient`` key: the address, prefixed by the digest's name unless it is
    the default ``weekly`` (two digests may share a recipient)."""
    addr = recipient.strip().lower()
    return addr if dg.name == "weekly" else f"{dg.name}:{addr}"


def next_attempt_at(run: DigestRun) -> datetime | None:
    """When a failed run may be tried again."""
    return utc(run.next_attempt_at) if run.next_attempt_at else None


SenderFactory = Callable[[DigestConfig], Any]


class DigestService:
    """Sends due digests exactly once per (week, recipient).

    Protocol, per recipient (a :class:`DigestRun` row, unique on ``(week, recipient)``):

    1. the message is rendered first (a rendering error never leaves a claimed row);
    2. the row is created if missing, then *claimed* by a conditional UPDATE
       (``status`` pending/failed → ``sending``, ``attempts`` + 1, the deterministic
       ``message_id`` recorded) that succeeds for one process only, committed before any SMTP
       traffic;
    3. after the server accepted the message the row becomes ``sent`` (``sent_at``); a
       recoverable failure makes it ``failed`` with the next attempt time (exponential backoff);
       a permanent one (5xx, authentication) or the last allowed attempt makes it ``gave-up``.

    The remaining window: a crash after the SMTP server accepted the DATA and before step 3
    committed leaves the row in ``sending``. Such a row is never retried automatically, so the
    digest is delivered AT MOST ONCE per recipient and week: if the crash came before the server
    accepted the message, that recipient misses that week's digest (logged as ``in-flight`` on
    every later run); an operator can resend it with ``scout digest send --week W --to ADDR
    --force``, and because the Message-ID is the same, mail clients that de-duplicate by
    Message-ID show one copy even if the first one did arrive.
    """

    def __init__(self, container: Container, *, sender_factory: SenderFactory | None = None) -> None:
        self.c = container
        self.sender_factory = sender_factory or self._default_sender

    def _default_sender(self, dg: DigestConfig) -> Any:
        from monitor.notifiers.email import SmtpSender

        return SmtpSender(dg.smtp, self.c.cfg.secret(dg.smtp.password_env))

    def digest_config(self, name: str | None = None) -> DigestConfig:
        """The digest called ``name`` (default: the first one; an empty default when none)."""
        digests = self.c.cfg.digests
        if name is None:
            return digests[0] if digests else DigestConfig()
        for dg in digests:
            if dg.name == name:
                return dg
        raise ConfigError(f"unknown digest {name!r} (configured: {', '.join(d.name for d in digests) or 'none'})")

    def run_due(self, name: str | None = None) -> list[Delivery]:
        """Send every enabled digest's due week to each recipient that has not had it (the
        scheduled job, the catch-up after a restart and the retries all call this)."""
        now = self.c.clock.now()
        out: list[Delivery] = []
        for dg in self.c.cfg.digests:
            if not dg.enabled or (name is not None and dg.name != name) or not dg.recipients:
                continue
            out += self.deliver(dg, due_week(dg, now), dg.recipients)
        return out

    def deliver(self, dg: DigestConfig, week: str, recipients: Iterable[str], *,
                force: bool = False) -> list[Delivery]:
        """Deliver ``week``'s digest to each recipient at most once (see the class docstring).

        ``force`` also retries rows left ``sending`` (after a crash) or ``gave-up``; a ``sent``
        row is never sent again.
        """
        parse_week(week)
        store = self.c.store
        now = self.c.clock.now()
        wanted: list[tuple[str, str]] = [(r.strip(), run_key(dg, r)) for r in recipients]
        with store.session() as s:
            store.insert_ignore(s, DigestRun, [{"week": week, "recipient": key, "status": "pending", "attempts": 0,
                                                "created_at": now} for _, key in wanted],
                                ["week", "recipient"])
        with store.session() as s:
            runs = {r.recipient: r for r in s.exec(select(DigestRun).where(
                DigestRun.week == week, col(DigestRun.recipient).in_([k for _, k in wanted]))).all()}
        todo: list[tuple[str, DigestRun]] = []
        results: list[Delivery] = []
        for addr, key in wanted:
            run = runs[key]
            retryable = {"pending", "failed"} | ({"sending", "gave-up"} if force else set())
            if run.status == "sent":
                results.append(Delivery(week, addr, "already-sent", run.message_id))
            elif run.status not in retryable:
                outcome = "in-flight" if run.status == "sending" else run.status
                if run.status == "sending":
                    log.warning("digest %s for %s is still marked 'sending' (crash mid-send?): not resent; "
                                "use 'scout digest send --force' after checking the mailbox for %s",
                                week, addr, run.message_id)
                results.append(Delivery(week, addr, outcome, run.message_id, run.last_error))
            elif run.status == "failed" and not force and (next_attempt_at(run) or now) > now:
                results.append(Delivery(week, addr, "backoff", run.message_id, run.last_error))
            else:
                todo.append((addr, run))
        if not todo:
            return results
        digest = load_digest(self.c, dg, week, now=now)
        rendered = render_digest(digest)
        png = chart_png(digest)
        sender = self.sender_factory(dg)
        for addr, run in todo:
            results.append(self._send_one(dg, digest, rendered, png, sender, addr, run))
        return results

    def _send_one(self, dg: DigestConfig, digest: Digest, rendered: tuple[str, str, str], png: bytes,
                  sender: Any, addr: str, run: DigestRun) -> Delivery:
        store = self.c.store
        now = self.c.clock.now()
        mid = message_id(dg.name, digest.week, addr, dg.smtp.sender)
        msg = compose_message(digest, sender=dg.smtp.sender, recipient=addr, msg_id=mid, now=now,
                              rendered=rendered, png=png)
        with store.session() as s:  # the claim, committed before any SMTP traffic
            claimed = s.exec(update(DigestRun)  # type: ignore[call-overload]
                             .where(col(DigestRun.id) == run.id, col(DigestRun.status) == run.status,
                                    col(DigestRun.attempts) == run.attempts)
                             .values(status="sending", attempts=run.attempts + 1, message_id=mid)).rowcount
        if claimed != 1:
            return Delivery(digest.week, addr, "claimed-elsewhere", mid)
        attempt = run.attempts + 1
        try:
            sender.send(msg, [addr])
        except Exception as exc:
            if isinstance(exc, NotifyError):
                recoverable, text = exc.recoverable, exc.message
            else:
                log.exception("digest %s for %s: unexpected error while sending", digest.week, addr)
                recoverable = True
                text = redact(f"{type(exc).__name__}: {exc}")
            done = self.c.clock.now()
            if recoverable and attempt < dg.max_attempts:
                jitter = (int(hashlib.sha256(f"{mid}{attempt}".encode()).hexdigest()[:4], 16) % 1000) / 5000
                at = done + backoff_delay(attempt, base=dg.retry_base, cap=dg.retry_cap, jitter=jitter)
                status, error, retry_at = "failed", f"{text} (next attempt {at.isoformat()})", at
            else:
                status, error, retry_at = "gave-up", text, None
            with store.session() as s:
                s.exec(update(DigestRun).where(col(DigestRun.id) == run.id)  # type: ignore[call-overload]
                       .values(status=status, last_error=error[:2000], next_attempt_at=retry_at))
            log.warning("digest %s for %s: attempt %d %s: %s", digest.week, addr, attempt, status, error)
            return Delivery(digest.week, addr, status, mid, error)
        with store.session() as s:
            s.exec(update(DigestRun).where(col(DigestRun.id) == run.id)  # type: ignore[call-overload]
                   .values(status="sent", sent_at=self.c.clock.now(), last_error=None, next_attempt_at=None))
        log.info("digest %s sent to %s (%s, attempt %d)", digest.week, addr, mid, attempt)
        return Delivery(digest.week, addr, "sent", mid)


# ---- scheduler ----------------------------------------------------------------------------------
def scheduler_jobs(container: Container) -> list[tuple[str, str, dict[str, Any]]]:
    """Jobs for :data:`monitor.scheduler.EXTRA_JOBS`: one cron job per enabled digest at its
    day/time/zone, plus a tick every 5 minutes (first run at start) that catches up a week
    missed while the service was down and retries failed sends when their backoff has passed."""
    digests = [dg for dg in container.cfg.digests if dg.enabled]
    if not digests:
        return []
    jobs: list[tuple[str, str, dict[str, Any]]] = [
        ("digest:tick", "monitor.digest:digest_tick_job",
         {"trigger": "interval", "minutes": 5, "next_run_time": container.clock.now()}),
    ]
    for dg in digests:
        jobs.append((f"digest:{dg.name}", "monitor.digest:digest_job",
                     {"trigger": "cron", "day_of_week": dg.day, "hour": dg.time.hour, "minute": dg.time.minute,
                      "timezone": dg.timezone, "args": [dg.name], "misfire_grace_time": 3600}))
    return jobs


def digest_job(name: str) -> None:
    """Scheduled job: send digest ``name``'s due week."""
    from monitor.scheduler import active_container

    try:
        DigestService(active_container()).run_due(name)
    except MonitorError as exc:
        log.error("digest %s: %s", name, exc)


def digest_tick_job() -> None:
    """Scheduled job: catch-up and retries for every digest."""
    from monitor.scheduler import active_container

    try:
        DigestService(active_container()).run_due()
    except MonitorError as exc:
        log.error("digest tick: %s", exc)


def _register() -> None:
    from monitor.scheduler import EXTRA_JOBS

    if scheduler_jobs not in EXTRA_JOBS:
        EXTRA_JOBS.append(scheduler_jobs)


_register()
