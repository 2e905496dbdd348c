"""The weekly digest (P6): figures of one ISO week against last week and a rolling baseline,
rendered as an HTML + plain-text email with an inline chart, delivered once per recipient and week.

Three layers:

* :func:`build_digest` is pure: aggregates and the few rows the digest shows in, a :class:`Digest`
  of figures out (no I/O, no clock).
* :func:`render_digest` / :func:`compose_message` turn a digest into Jinja2 text and an
  :class:`~email.message.EmailMessage` (``multipart/alternative`` with a ``multipart/related``
  HTML part that carries the chart as an inline PNG referenced by ``cid:``).
* :func:`load_digest` aggregates the figures in SQL (counts, reach and sentiment per source and
  time bucket, never the window's mentions one by one) and reads only the rows shown;
  :class:`DigestService` claims a :class:`DigestRun` row per (week, recipient) and sends through
  :class:`~monitor.delivery.notifiers.email.SmtpSender`.

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
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import BigInteger, Integer, and_, case, cast, extract, func, literal_column, or_, update
from sqlmodel import col, select

from monitor.clock import utc
from monitor.config.digest import DigestConfig
from monitor.errors import ConfigError, MonitorError, NotifyError, redact
from monitor.storage.models import (
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
from monitor.storage.store import backoff_delay

if TYPE_CHECKING:
    from monitor.app.container import Container
    from monitor.config import AppConfig, SourceConfig

log = logging.getLogger("brand_scout.digest")

LABELS = ("negative", "neutral", "positive")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")
TEMPLATES = Path(__file__).parent / "templates" / "email"
#: how long a claimed digest (``status='sending'``) belongs to the process that claimed it; after
#: that (measured with the container's clock from ``DigestRun.claimed_at``) the claimer is taken
#: to have died mid-send and the row is claimed again and re-sent with the same Message-ID
DIGEST_SEND_LEASE = timedelta(minutes=10)


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


@dataclass(frozen=True)
class VolumeBucket:
    """Live mentions of one source and sentiment label in one time bucket (an SQL aggregate).

    ``at`` is the bucket's start (UTC). Buckets never straddle a local midnight of the digest's
    zone or a week boundary (see :func:`bucket_seconds`), so whole buckets fold into local days
    and weeks exactly. ``label`` is ``unclassified`` for a mention without a classification.
    """

    source: str
    label: str
    at: datetime
    mentions: int
    reach: int


@dataclass(frozen=True)
class ItemTimes:
    """The response-time columns of a queue item created in the week (not dismissed)."""

    priority: str
    assignee: str | None
    created_at: datetime
    due_at: datetime | None
    acknowledged_at: datetime | None
    responded_at: datetime | None


@dataclass(frozen=True)
class OpenQueue:
    """Open queue items as of now: counts over all of them, and the first :data:`OPEN_LISTED`
    (by priority, then age) with their head mention's text (None when no head was loaded; red
    items' text is never loaded)."""

    total: int
    overdue: int
    red: int
    rows: Sequence[tuple[QueueItem, str | None]]


OPEN_LISTED = 25
_PRIORITY_ORDER = {"urgent": 0, "high": 1, "normal": 2, "low": 3}


def _engagement_key(m: MentionRow) -> tuple[int, int, int]:
    return (-(m.likes + m.reposts * 2 + m.replies + m.quotes * 2), -m.author_reach, m.id or 0)


def build_digest(
    *,
    week: str,
    now: datetime,
    settings: DigestSettings,
    volume: Iterable[VolumeBucket],
    top_mentions: Mapping[str, Sequence[tuple[MentionRow, QueueItem | None]]],
    red_mentions: int,
    red_texts: Sequence[str],
    week_items: Sequence[ItemTimes],
    open_queue: OpenQueue,
    scouts: Sequence[ScoutSubmission],
    scout_items: Mapping[int, QueueItem],
    spikes: Sequence[SpikeEvent],
    states: Sequence[ConnectorState],
) -> Digest:
    """The figures of ``week`` from aggregates and the few rows the digest shows (pure: no I/O,
    ``now`` is given).

    ``volume`` covers the baseline weeks, last week and the week (live mentions only);
    ``top_mentions`` maps ``negative``/``positive`` to the week's best-engaging non-red mentions
    of that label with their queue item (at least ``top_items`` of them where there are);
    ``red_mentions`` counts the week's mentions whose queue item is red and ``red_texts`` holds
    their text (needed only when the week has spikes: terms found in red mentions are left out);
    ``week_items`` are the non-dismissed items created in the week; ``scout_items`` maps a
    scout's mention id to its queue item.
    """
    tz = ZoneInfo(settings.timezone)
    start, end = week_bounds(week, tz)
    prev_start = start - timedelta(weeks=1)
    base_start = start - timedelta(weeks=settings.baseline_weeks)
    nb = settings.baseline_weeks

    # Fold the buckets into the week, last week, the baseline weeks and local days.
    counts: dict[str, Counter[tuple[str, str]]] = {p: Counter() for p in ("week", "last", "base")}
    reach: Counter[str] = Counter()
    monday = parse_week(week)
    by_day: dict[date, Counter[str]] = {monday + timedelta(days=i): Counter() for i in range(7)}
    base_daily: Counter[date] = Counter()
    for b in volume:
        at = utc(b.at)
        periods = []
        if start <= at < end:
            periods.append("week")
            by_day[at.astimezone(tz).date()][b.label] += b.mentions
        if prev_start <= at < start:
            periods.append("last")
        if base_start <= at < start:
            periods.append("base")
            base_daily[at.astimezone(tz).date()] += b.mentions
        for p in periods:
            counts[p][b.source, b.label] += b.mentions
            reach[p] += b.reach

    def total(p: str) -> int:
        return sum(counts[p].values())

    def shares(p: str, source: str | None = None) -> dict[str, float]:
        by_label: Counter[str] = Counter()
        for (src, lbl), n in counts[p].items():
            if lbl in LABELS and (source is None or src == source):
                by_label[lbl] += n
        all_ = sum(by_label.values())
        return {k: (by_label[k] / all_ if all_ else 0.0) for k in LABELS}

    def source_total(p: str, source: str) -> int:
        return sum(n for (src, _), n in counts[p].items() if src == source)

    s_now, s_last, s_base = shares("week"), shares("last"), shares("base")
    mentions_fig = Figure(total("week"), total("last"), total("base") / nb)
    reach_fig = Figure(reach["week"], reach["last"], reach["base"] / nb)
    share_figs = {k: Figure(s_now[k], s_last[k], s_base[k], share=True) for k in LABELS}

    per_source = []
    for src in sorted({src for p in counts.values() for (src, _), n in p.items() if n}):
        per_source.append(SourceFigure(src, Figure(source_total("week", src), source_total("last", src),
                                                   source_total("base", src) / nb),
                                       Figure(shares("week", src)["negative"], shares("last", src)["negative"],
                                              shares("base", src)["negative"], share=True)))
    per_source.sort(key=lambda f: -f.mentions.value)

    # Daily counts (local days) and the baseline band of daily totals.
    days = [DayCounts(d, {k: c[k] for k in (*LABELS, "unclassified")}) for d, c in sorted(by_day.items())]
    first = monday - timedelta(weeks=nb)
    daily_totals = [base_daily[first + timedelta(days=i)] for i in range(nb * 7)]
    band = (_pct(daily_totals, 0.1), (sum(daily_totals) / len(daily_totals)) if daily_totals else 0.0,
            _pct(daily_totals, 0.9))

    # Red: counted, never quoted.
    red_words = {w.lower() for t in red_texts for w in re.findall(r"\w+", t)}

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
        rows = sorted(top_mentions.get(lbl, ()), key=lambda r: _engagement_key(r[0]))
        out = []
        for m, q in rows[: settings.top_items]:
            out.append(TopMention(snippet(m.title + " — " + m.text if m.title else m.text), m.url,
                                  m.author_name or m.author_handle, m.source_name or m.source, m.author_reach,
                                  m.likes + m.reposts + m.replies + m.quotes, _state(q.status if q else None),
                                  f"{settings.base_url}/queue/{q.id}" if q else None))
        return out

    # Response performance of the items created in the week.
    def response_row(key: str, rows: list[ItemTimes]) -> ResponseRow:
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

    order = _PRIORITY_ORDER
    by_priority = [response_row(p, [q for q in week_items if q.priority == p])
                   for p in sorted({q.priority for q in week_items}, key=lambda p: (order.get(p, 9), p))]
    people: dict[str, list[ItemTimes]] = defaultdict(list)
    for q in week_items:
        people[settings.names.get(q.assignee, q.assignee) if q.assignee else "(unassigned)"].append(q)
    by_person = [response_row(k, v) for k, v in sorted(people.items())]

    # Open and overdue, as of now (counted over all open items; the first ones listed).
    open_items = []
    for oq, head in sorted(open_queue.rows, key=lambda r: (order.get(r[0].priority, 9), utc(r[0].created_at))):
        overdue = oq.acknowledged_at is None and oq.due_at is not None and utc(oq.due_at) < now
        text = None if oq.light == "red" else (snippet(head, 140) if head is not None else "")
        open_items.append(OpenItem(oq.id or 0, oq.priority, oq.light, oq.status,
                                   settings.names.get(oq.assignee, oq.assignee) if oq.assignee else "—",
                                   (now - utc(oq.created_at)).total_seconds() / 3600, overdue,
                                   f"{settings.base_url}/queue/{oq.id}", text))

    # Scouts.
    week_scouts = [s for s in scouts if start <= utc(s.created_at) < end]
    outcomes: Counter[str] = Counter()
    for s in week_scouts:
        sq = scout_items.get(s.mention_id) if s.mention_id is not None else None
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

    end_local = monday + timedelta(days=6)
    return Digest(
        week=week, organisation=settings.organisation, timezone=settings.timezone, start=monday,
        end=end_local, generated_at=now, baseline_weeks=nb, mentions=mentions_fig, reach=reach_fig,
        shares=share_figs, unclassified=sum(n for (_, lbl), n in counts["week"].items() if lbl not in LABELS),
        per_source=per_source, days=days, band=band, spikes=spike_lines, criticisms=top("negative"),
        compliments=top("positive"), red_mentions=red_mentions, red_open=open_queue.red, by_priority=by_priority,
        by_spokesperson=by_person, open_items=open_items[:OPEN_LISTED], open_total=open_queue.total,
        overdue_total=open_queue.overdue, scouts=scout_summary, coverage=coverage,
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
def bucket_seconds(tz: ZoneInfo, origin: datetime, end: datetime, boundaries: Iterable[datetime] = ()) -> int:
    """The widest bucket (1 h, 30 min, 15 min, 1 min, 1 s) counted from ``origin`` whose edges
    fall on every local midnight of ``tz`` between ``origin`` and ``end`` and on each of
    ``boundaries``, so that buckets fold into local days and weeks exactly (zones with half- or
    quarter-hour offsets, DST changes)."""
    points = list(boundaries)
    d = origin.astimezone(tz).date()
    while True:
        midnight = datetime.combine(d, time(0), tzinfo=tz).astimezone(UTC)
        if midnight >= end:
            break
        if midnight > origin:
            points.append(midnight)
        d += timedelta(days=1)
    for seconds in (3600, 1800, 900, 60, 1):
        if all(int((p - origin).total_seconds()) % seconds == 0 for p in points):
            return seconds
    return 1


def _bucket_expr(dialect: str, origin: datetime, seconds: int) -> Any:
    """``(created_at - origin) // seconds`` as an integer, in SQL. Whole-second literals (no bound
    parameters, so that PostgreSQL sees the same expression in SELECT and GROUP BY)."""
    o: Any = literal_column(str(int(origin.timestamp())))
    n: Any = literal_column(str(int(seconds)))
    created = col(MentionRow.created_at)
    if dialect == "postgresql":
        return cast(func.floor((extract("epoch", created) - o).self_group().op("/")(n)), BigInteger)
    # SQLite: strftime('%s') rounds fractions of a second (…:59.999999 gives the next second), so
    # it reads the stored text cut to whole seconds; integer division of integers truncates
    # (values are >= 0 inside the window).
    whole = func.substr(created, literal_column("1"), literal_column("19"))
    return (cast(func.strftime(literal_column("'%s'"), whole), Integer) - o).self_group().op("/")(n)


def _live() -> tuple[Any, ...]:
    return col(MentionRow.deleted_at).is_(None), col(MentionRow.state) != "filtered"


def _red(mention_id: Any) -> Any:
    """``mention_id`` belongs to a red queue item (as a group member or as its head mention)."""
    members = (select(QueueItemMention.mention_id)
               .join(QueueItem, col(QueueItem.id) == col(QueueItemMention.queue_item_id))
               .where(col(QueueItem.light) == "red"))
    heads = select(QueueItem.mention_id).where(col(QueueItem.light) == "red")
    return or_(mention_id.in_(members), mention_id.in_(heads))


def _items_of(s: Any, mention_ids: Collection[int]) -> dict[int, QueueItem]:
    """The queue item of each mention: its group's item, else the item it heads."""
    if not mention_ids:
        return {}
    links = {mid: qid for qid, mid in s.exec(select(QueueItemMention.queue_item_id, QueueItemMention.mention_id)
                                              .where(col(QueueItemMention.mention_id).in_(mention_ids))).all()}
    items = {q.id: q for q in s.exec(select(QueueItem).where(col(QueueItem.id).in_(set(links.values())))).all()} \
        if links else {}
    out = {mid: items[qid] for mid, qid in links.items() if qid in items}
    rest = [mid for mid in mention_ids if mid not in links]
    if rest:
        for q in s.exec(select(QueueItem).where(col(QueueItem.mention_id).in_(rest)).order_by(col(QueueItem.id))):
            out.setdefault(q.mention_id, q)
    return out


def load_digest(container: Container, dg: DigestConfig, week: str, *, now: datetime | None = None) -> Digest:
    """Aggregate the figures of ``week`` in SQL, read the few rows the digest shows, build it.

    Volume (counts, reach, sentiment per source) is grouped by source, label and a time bucket
    that never straddles a local midnight (:func:`bucket_seconds`), at most a few thousand rows
    for the 14 weeks; only the top mentions, the listed open items, the week's queue items'
    response times, scouts and spikes are read as rows. Red mentions are counted in SQL, and
    their text is read only when the week has spikes (to leave red terms out of them).
    """
    now = now or container.clock.now()
    settings = DigestSettings.from_config(container.cfg, dg)
    store = container.store
    tz = ZoneInfo(dg.timezone)
    start, end = week_bounds(week, tz)
    base_start = start - timedelta(weeks=max(dg.baseline_weeks, 1))
    now_utc = now.astimezone(UTC)
    seconds = bucket_seconds(tz, base_start, end, (start - timedelta(weeks=1), start, end))
    bucket = _bucket_expr(store.dialect, base_start, seconds).label("bucket")
    created = col(MentionRow.created_at)
    in_week = (created >= start, created < end, *_live())
    with store.session() as s:
        volume = [VolumeBucket(src, lbl or "unclassified", base_start + timedelta(seconds=int(b) * seconds),
                               int(n), int(r or 0))
                  for src, lbl, b, n, r in s.exec(
                      select(MentionRow.source, ClassificationRow.label, bucket, func.count(),  # type: ignore[call-overload]
                             func.sum(MentionRow.author_reach))
                      .select_from(MentionRow)
                      .outerjoin(ClassificationRow, col(ClassificationRow.mention_id) == col(MentionRow.id))
                      .where(created >= base_start, created < end, *_live())
                      .group_by(MentionRow.source, ClassificationRow.label, bucket)).all()]

        red_week = int(s.exec(select(func.count()).select_from(MentionRow)
                              .where(*in_week, _red(col(MentionRow.id)))).one())
        spikes = list(s.exec(select(SpikeEvent).where(col(SpikeEvent.started_at) >= start,
                                                      col(SpikeEvent.started_at) < end)).all())
        red_texts = [f"{t} {ti or ''}" for t, ti in s.exec(
            select(MentionRow.text, MentionRow.title).where(*in_week, _red(col(MentionRow.id)))).all()] \
            if spikes and red_week else []

        engagement = (col(MentionRow.likes) + col(MentionRow.reposts) * 2 + col(MentionRow.replies)
                      + col(MentionRow.quotes) * 2)
        tops: dict[str, list[MentionRow]] = {}
        for lbl in ("negative", "positive"):
            tops[lbl] = list(s.exec(
                select(MentionRow).join(ClassificationRow, col(ClassificationRow.mention_id) == col(MentionRow.id))
                .where(*in_week, col(ClassificationRow.label) == lbl, ~_red(col(MentionRow.id)))
                .order_by(engagement.desc(), col(MentionRow.author_reach).desc(), col(MentionRow.id))
                .limit(settings.top_items)).all())
        top_items = _items_of(s, {m.id for ms in tops.values() for m in ms if m.id is not None})
        top_mentions = {lbl: [(m, top_items.get(m.id or -1)) for m in ms] for lbl, ms in tops.items()}

        week_items = [ItemTimes(*row) for row in s.exec(
            select(QueueItem.priority, QueueItem.assignee, QueueItem.created_at, QueueItem.due_at,  # type: ignore[call-overload]
                   QueueItem.acknowledged_at, QueueItem.responded_at)
            .where(col(QueueItem.created_at) >= start, col(QueueItem.created_at) < end,
                   col(QueueItem.status) != "dismissed")).all()]

        is_open = col(QueueItem.status).in_(OPEN_STATUSES)
        overdue = and_(col(QueueItem.acknowledged_at).is_(None), col(QueueItem.due_at).is_not(None),
                       col(QueueItem.due_at) < now_utc)
        open_total, open_overdue, open_red = s.exec(
            select(func.count(), func.sum(case((overdue, 1), else_=0)),
                   func.sum(case((col(QueueItem.light) == "red", 1), else_=0))).where(is_open)).one()
        rank = case(*((col(QueueItem.priority) == p, n) for p, n in _PRIORITY_ORDER.items()), else_=9)
        listed = list(s.exec(select(QueueItem).where(is_open)
                             .order_by(rank, col(QueueItem.created_at), col(QueueItem.id)).limit(OPEN_LISTED)).all())
        heads = {q.mention_id for q in listed if q.light != "red"}
        head_text = dict(s.exec(select(MentionRow.id, MentionRow.text)
                                .where(col(MentionRow.id).in_(heads))).all()) if heads else {}
        open_queue = OpenQueue(int(open_total or 0), int(open_overdue or 0), int(open_red or 0),
                               [(q, head_text.get(q.mention_id)) for q in listed])

        scouts = list(s.exec(select(ScoutSubmission).where(col(ScoutSubmission.created_at) >= start,
                                                           col(ScoutSubmission.created_at) < end)).all())
        scout_items = _items_of(s, {sc.mention_id for sc in scouts if sc.mention_id is not None})
        states = list(s.exec(select(ConnectorState)).all())
    return build_digest(week=week, now=now, settings=settings, volume=volume, top_mentions=top_mentions,
                        red_mentions=red_week, red_texts=red_texts, week_items=week_items, open_queue=open_queue,
                        scouts=scouts, scout_items=scout_items, spikes=spikes, states=states)


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


def lease_expires_at(run: DigestRun) -> datetime:
    """When a ``sending`` run's claim runs out (:data:`DIGEST_SEND_LEASE` after ``claimed_at``;
    a row without ``claimed_at`` counts from ``created_at``)."""
    return utc(run.claimed_at or run.created_at) + DIGEST_SEND_LEASE


SenderFactory = Callable[[DigestConfig], Any]


class DigestService:
    """Sends due digests effectively once per (week, recipient).

    Protocol, per recipient (a :class:`DigestRun` row, unique on ``(week, recipient)``):

    1. the message is rendered first (a rendering error never leaves a claimed row);
    2. the row is created if missing, then *claimed* by a conditional UPDATE
       (``status`` pending/failed → ``sending``, ``attempts`` + 1, ``claimed_at`` = now, the
       deterministic ``message_id`` recorded) that succeeds for one process only, committed
       before any SMTP traffic;
    3. after the server accepted the message the row becomes ``sent`` (``sent_at``); a
       recoverable failure makes it ``failed`` with the next attempt time (exponential backoff);
       a permanent one (5xx, authentication) or the last allowed attempt makes it ``gave-up``.

    A crash (SIGKILL, power loss) between steps 2 and 3 leaves the row ``sending``. While its claim
    is younger than :data:`DIGEST_SEND_LEASE` (10 minutes, container clock) later runs report it
    ``in-flight`` and leave it alone (the claimer may still be talking to the server); once the
    lease has run out the next run (the 5-minute tick, a restart's catch-up) claims it again the
    same way (``sending`` → ``sending``, conditional on the ``attempts`` it read, so one process
    wins) and sends it again with the *same* Message-ID. A crash counts as an attempt: a row whose
    ``attempts`` already reached ``max_attempts`` becomes ``gave-up`` instead.

    So a recipient never misses a week because of a crash, and gets a second copy only if the
    process died in the instant between the server's 250 reply to the DATA and the commit of
    step 3 (then the server has the message and the row still says ``sending``); that copy has
    the same Message-ID, so mail clients that de-duplicate by Message-ID show one. An operator
    can still resend at once with ``scout digest send --week W --to ADDR --force``.
    """

    def __init__(self, container: Container, *, sender_factory: SenderFactory | None = None) -> None:
        self.c = container
        self.sender_factory = sender_factory or self._default_sender

    def _default_sender(self, dg: DigestConfig) -> Any:
        from monitor.delivery.notifiers.email import SmtpSender

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
        """Deliver ``week``'s digest to each recipient effectively once (see the class docstring).

        A row left ``sending`` is retried once its claim is older than :data:`DIGEST_SEND_LEASE`;
        ``force`` retries it at once, and ``gave-up`` rows too; a ``sent`` row is never sent again.
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
            abandoned = run.status == "sending" and not force and lease_expires_at(run) <= now
            if abandoned and run.attempts >= dg.max_attempts:
                results.append(self._give_up_abandoned(dg, week, addr, run))
            elif abandoned:
                log.warning("digest %s for %s: claimed at %s and never marked sent (crash mid-send?): "
                            "sending again with the same Message-ID %s", week, addr,
                            utc(run.claimed_at or run.created_at).isoformat(), run.message_id)
                todo.append((addr, run))
            elif run.status == "sent":
                results.append(Delivery(week, addr, "already-sent", run.message_id))
            elif run.status not in retryable:
                outcome = "in-flight" if run.status == "sending" else run.status
                if run.status == "sending":
                    log.info("digest %s for %s is being sent (claimed at %s); resent after %s if never "
                             "marked sent", week, addr, utc(run.claimed_at or run.created_at).isoformat(),
                             lease_expires_at(run).isoformat())
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

    def _give_up_abandoned(self, dg: DigestConfig, week: str, addr: str, run: DigestRun) -> Delivery:
        """A ``sending`` row past its lease whose crashed attempts used up ``max_attempts``."""
        error = (f"left 'sending' by a crash after {run.attempts} attempt(s) (max_attempts "
                 f"{dg.max_attempts}); resend with 'scout digest send --force'")
        with self.c.store.session() as s:
            changed = s.exec(update(DigestRun)  # type: ignore[call-overload]
                             .where(col(DigestRun.id) == run.id, col(DigestRun.status) == "sending",
                                    col(DigestRun.attempts) == run.attempts)
                             .values(status="gave-up", last_error=error, next_attempt_at=None)).rowcount
        if changed != 1:
            return Delivery(week, addr, "claimed-elsewhere", run.message_id)
        log.warning("digest %s for %s: %s", week, addr, error)
        return Delivery(week, addr, "gave-up", run.message_id, error)

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
                             .values(status="sending", attempts=run.attempts + 1, message_id=mid,
                                     claimed_at=now)).rowcount
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
    """Jobs for :data:`monitor.app.scheduler.EXTRA_JOBS`: one cron job per enabled digest at its
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
    from monitor.app.scheduler import active_container

    try:
        DigestService(active_container()).run_due(name)
    except MonitorError as exc:
        log.error("digest %s: %s", name, exc)


def digest_tick_job() -> None:
    """Scheduled job: catch-up and retries for every digest."""
    from monitor.app.scheduler import active_container

    try:
        DigestService(active_container()).run_due()
    except MonitorError as exc:
        log.error("digest tick: %s", exc)


def _register() -> None:
    from monitor.app.scheduler import EXTRA_JOBS

    if scheduler_jobs not in EXTRA_JOBS:
        EXTRA_JOBS.append(scheduler_jobs)


_register()
