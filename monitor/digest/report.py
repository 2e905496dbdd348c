"""What a weekly digest holds (P6): :class:`Digest` and its figures and rows, plain frozen values
that :func:`monitor.digest.figures.build_digest` fills and :mod:`monitor.digest.render` shows.
:mod:`monitor.digest.figures` re-exports them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from monitor.clock import utc


@dataclass(frozen=True)
class Figure:
    """A value of the week with last week's value and the baseline (mean per week)."""

    value: float
    last_week: float | None  # None: no data that week (history starts later), nothing to compare
    baseline: float | None  # None: no earlier week of history yet
    share: bool = False  # a share in [0, 1]: changes are in percentage points
    empty: bool = False  # a share of a week without mentions: there is no share to show

    def _change(self, other: float | None) -> str:
        if other is None:
            return "no data"
        if self.empty:
            return "no mentions"
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
    def comparisons(self) -> list[str]:
        """The comparisons there is data for (``["+12% vs last week", "-3% vs baseline"]``); empty
        in a first week, which the digest says once instead of "no data" on every line."""
        return ([f"{self.vs_last_week} vs last week"] if self.last_week is not None else []) + (
            [f"{self.vs_baseline} vs baseline"] if self.baseline is not None else [])

    @property
    def direction(self) -> int:
        """+1 up, -1 down, 0 flat (or no baseline) against the baseline."""
        if self.baseline is None:
            return 0
        return (self.value > self.baseline) - (self.value < self.baseline)

    def fmt(self, v: float | None = None) -> str:
        """A value formatted for display."""
        v = self.value if v is None else v
        if self.share:
            return "—" if self.empty and v == self.value else f"{v * 100:.1f}%"
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
        """All mentions of the day."""
        return sum(self.counts.values())


@dataclass(frozen=True)
class SpikeLine:
    """A spike of the week with its explanation (no sample posts)."""

    kind: str
    scope: str
    started_at: datetime  # in the digest's timezone
    baseline: float  # the usual value the spike was judged against (velocity: none, 0)
    observed: float
    summary: str
    top_terms: list[str]
    threshold: float | None = None  # what it had to reach to be a spike
    baseline_source: str = ""
    #: when the episode ended (in the digest's timezone); None: still live when the digest was made
    ended_at: datetime | None = None
    #: when its crisis message went out (in the digest's timezone); None: not known
    alerted_at: datetime | None = None
    #: mentions from its start to its end (or to now), as its growing message counted them
    episode_mentions: int | None = None
    #: the window the usual and observed values count over ("1 h"); "" for velocity
    window: str = ""
    #: the queue items that came in during it: (items, answered or closed, still open)
    items: tuple[int, int, int] | None = None
    #: a wave of praise: its alert went to the praise receiver (Marketing & Sales), not to crisis
    praise: bool = False

    @property
    def figures(self) -> str:
        """'usual 4 per 1 h, threshold 12, observed 40' in the spike's own unit."""
        def fmt(x: float) -> str:
            if self.kind == "negative-share":
                return f"{x:.0%}"
            return f"{x:,.0f}" if x >= 10 else f"{x:.1f}".removesuffix(".0")
        per = f" per {self.window}" if self.window and self.kind == "volume" else ""
        parts = [] if self.kind == "velocity" else [f"usual {fmt(self.baseline)}{per}"
                                                    + (f" ({self.baseline_source})" if self.baseline_source else "")]
        if self.threshold is not None:
            parts.append(f"threshold {fmt(self.threshold)}" + ("/h" if self.kind == "velocity" else ""))
        parts.append(f"observed {fmt(self.observed)}" + ("/h" if self.kind == "velocity" else per))
        return ", ".join(parts)

    @property
    def when(self) -> str:
        """'Wed 02 Dec 11:45–13:45 CST, crisis alert 12:43, 27 mentions in all' (judge U,
        2026-12-06: one time, neither the start nor the alert, and one window's count)."""
        start = self.started_at.strftime("%a %d %b %H:%M")
        if self.ended_at is None:
            span = f"{start} {self.started_at.strftime('%Z')}, still live"
        elif self.ended_at.date() == self.started_at.date():
            span = f"{start}–{self.ended_at.strftime('%H:%M %Z')}"
        else:
            span = f"{start} {self.started_at.strftime('%Z')} – {self.ended_at.strftime('%a %d %b %H:%M %Z')}"
        parts = [span]
        if self.alerted_at is not None:
            same = self.alerted_at.date() == self.started_at.date()
            # judge D, 2026-12-07: a praise wave, told to Marketing & Sales, read "crisis alert"
            parts.append(f"{'praise' if self.praise else 'crisis'} alert "
                         f"{self.alerted_at.strftime('%H:%M' if same else '%a %d %b %H:%M')}")
        if self.episode_mentions:
            parts.append(f"{self.episode_mentions} mentions in all")
        if self.items and self.items[0]:
            n, done, still = self.items
            parts.append(f"{n} queue item{'s' if n != 1 else ''} came in: {done} answered or closed, {still} still open")
        return ", ".join(parts)


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
    #: listed without its text, author or link: it may be confidential (``policy.light.doubt_floor``)
    withheld: bool = False


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
    #: of ``responded``: seen on the platforms (an own account's reply) and recorded by hand
    seen_on_platform: int = 0
    recorded_by_hand: int = 0
    #: the items each rate is over: acknowledged, or past their due time unacknowledged (an item
    #: still within its target is neither a success nor a miss yet); responded, or past the
    #: response target without one (an item closed as needing no response is neither)
    ack_judged: int = 0
    resp_judged: int = 0

    @property
    def ack_rate(self) -> str:
        """Share of the judged items acknowledged within their due time, as text."""
        return f"{self.ack_in_target / self.ack_judged * 100:.0f}%" if self.ack_judged else "—"

    @property
    def respond_rate(self) -> str:
        """Share of the judged items responded to within the priority's target, as text."""
        return f"{self.responded_in_target / self.resp_judged * 100:.0f}%" if self.resp_judged else "—"

    @property
    def median_ack(self) -> str:
        """Median time to acknowledge, as text (minutes, or hours from two hours on)."""
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
    #: what is overdue: "acknowledgement" or "response" ("" when ``overdue`` is False)
    overdue_what: str = ""
    #: whether it came in during the digest's week
    this_week: bool = False

    @property
    def overdue_text(self) -> str:
        """``OVERDUE (no acknowledgement)`` / ``OVERDUE (no response)`` or ""."""
        if not self.overdue:
            return ""
        return f"OVERDUE (no {self.overdue_what})" if self.overdue_what else "OVERDUE"

    @property
    def age(self) -> str:
        """How old the item is, for people: hours under two days, then days."""
        return f"{self.age_hours:.0f} h" if self.age_hours < 48 else f"{self.age_hours / 24:.0f} days"


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
    baseline_weeks: int  # configured
    baseline_available: int  # weeks of history the baseline averages (0: none yet)
    history_since: date | None  # the local day of the first stored mention (None: none before the week's end)
    mentions: Figure
    reach: Figure
    shares: dict[str, Figure]
    unclassified: int
    per_source: list[SourceFigure]
    days: list[DayCounts]
    band: tuple[float, float, float] | None  # baseline daily total: low (p10), mean, high (p90); None: no history
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
    #: what the organisation calls those who decide about red items (``organisation.legal_team``)
    legal_team: str = "Legal / Compliance"
    #: the targets the response rates are measured against, in words (:func:`targets_text`)
    targets: str = ""
    #: the largest author reach of one post of the week (0: unknown)
    reach_widest: int = 0
    #: of ``open_total``: items that came in during the week
    open_this_week: int = 0
    #: of ``overdue_total``: items nobody acknowledged by their due time (the queue's "Overdue" filter)
    overdue_unacknowledged: int = 0
    #: mentions in a language the sentiment model does not cover that nobody has read yet (not in the shares)
    not_read: int = 0

    @property
    def baseline_text(self) -> str:
        """What the week is compared with, honestly: how many weeks the baseline averages, or that
        there is none yet (before the first stored mention nothing is known, not "zero")."""
        since = f" (history since {self.history_since:%d %b %Y})" if self.history_since else ""
        if self.baseline_available == 0:
            if self.history_since and self.history_since >= self.start:
                return f"no baseline yet: brand-scout's history starts this week{since}"
            if self.history_since:
                # watched from a day after last week's Monday: two days are no week to compare with
                return (f"no comparison yet: brand-scout watched last week only from "
                        f"{self.history_since:%a %d %b %Y}, not the whole week")
            return "no baseline yet: no history before this week"
        weeks = "week" if self.baseline_available == 1 else f"{self.baseline_available} weeks"
        part = (f", {self.baseline_available} of the {self.baseline_weeks} configured{since}"
                if self.baseline_available < self.baseline_weeks else "")
        return f"compared with last week and the average of the previous {weeks}{part}"

    @property
    def responses_seen(self) -> int:
        """Responses to this week's items seen on the platforms (own accounts' replies)."""
        return sum(r.seen_on_platform for r in self.by_priority)

    @property
    def responses_recorded(self) -> int:
        """Responses to this week's items recorded by hand (a link pasted in the queue)."""
        return sum(r.recorded_by_hand for r in self.by_priority)

    @property
    def coverage_problems(self) -> list[CoverageRow]:
        """Enabled sources that are unhealthy or silent."""
        return [c for c in self.coverage if c.enabled and (not c.healthy or c.silent)]

    @property
    def reach_note(self) -> str:
        """"; one post alone 250,000 (89%)" when a single post's audience is half the week's
        potential impressions or more, else "": the total's rise is then one author's."""
        total = self.reach.value
        if total <= 0 or self.reach_widest <= 0 or self.reach_widest < total / 2:
            return ""
        return f"; one post alone {self.reach_widest:,} ({self.reach_widest / total:.0%})"

    @property
    def so_far(self) -> str | None:
        """"so far, as of Fri 12 Feb 12:00 CST" when the digest was made before its week was over
        (a preview, or a send the CLI refuses), else None: its figures are partial (judge N,
        2026-12-07: a mid-week digest read as the whole week's)."""
        tz = ZoneInfo(self.timezone)
        over = datetime.combine(self.end + timedelta(days=1), time(0), tzinfo=tz)
        at = utc(self.generated_at)
        return f"so far, as of {at.astimezone(tz):%a %d %b %H:%M %Z}" if at < over else None

    @property
    def title(self) -> str:
        """The digest's heading: organisation, week and its local dates (and "so far" for a week
        not over)."""
        part = f"; {self.so_far}" if self.so_far else ""
        return f"{self.organisation} weekly digest {self.week} ({self.start:%d %b} – {self.end:%d %b %Y}{part})"
