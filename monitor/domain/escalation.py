"""Response targets, the escalation ladder, silences, inhibition and repeat suppression (POLICY P3).

Every function here is pure: the caller reads the clock once per tick and passes ``now``; the
caller also persists what these functions decide (``EscalationStep`` rows, ``QueueItem.due_at``,
``QueueItem.escalation_level`` and ``QueueItem.last_alert_at``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from monitor.config.policy import BusinessHours, EscalationConfig, ResponseTarget
from monitor.domain.routing import Matcher

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
#: Queue statuses in which an item still waits for acknowledgement (the ladder applies).
UNACKNOWLEDGED = ("new", "assigned")


def _aware(dt: datetime) -> datetime:
    return dt if dt.tzinfo is not None else dt.replace(tzinfo=UTC)


def is_working_time(
    when: datetime,
    *,
    timezone: str,
    days: Sequence[str],
    start: time,
    end: time,
    holidays: Iterable[str] = (),
) -> bool:
    """Whether ``when`` falls inside the working hours given in local time of ``timezone``."""
    local = _aware(when).astimezone(ZoneInfo(timezone))
    if DAY_NAMES[local.weekday()] not in days or local.date().isoformat() in set(holidays):
        return False
    return start <= local.time().replace(tzinfo=None) < end


def due_at(created: datetime, target: ResponseTarget, hours: BusinessHours) -> datetime:
    """When an item created at ``created`` must be acknowledged, in UTC.

    Wall-clock targets (``business_hours: false``) simply add ``within``. Business-hour targets
    count only the time inside ``hours`` (its timezone, working days, start/end, holidays): an
    item created on Friday 16:00 with a 4-hour target in a 09:00-17:00 week is due Monday 12:00.

    Raises:
        ValueError: the business hours contain no working time at all.
    """
    created = _aware(created)
    if not target.business_hours:
        return (created + target.within).astimezone(UTC)
    tz = ZoneInfo(hours.timezone)
    holidays = {date.fromisoformat(h) for h in hours.holidays}
    remaining = target.within
    cursor = created.astimezone(tz)
    day = cursor.date()
    for _ in range(3 * 366):
        if DAY_NAMES[day.weekday()] in hours.days and day not in holidays and hours.start < hours.end:
            opens = datetime.combine(day, hours.start, tz)
            closes = datetime.combine(day, hours.end, tz)
            begin = max(cursor, opens)
            if begin < closes:
                available = closes - begin
                if remaining <= available:
                    return (begin + remaining).astimezone(UTC)
                remaining -= available
        day += timedelta(days=1)
        cursor = datetime.combine(day, time(0, 0), tz)
    raise ValueError("business_hours has no working time (check days, start/end and holidays)")


# ---- the ladder -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemState:
    """What the ladder needs to know about one queue item (built from a ``QueueItem`` row).

    ``escalation_level`` is the number of ladder steps already taken (0 = none).
    """

    item_id: int | None
    status: str
    priority: str
    created_at: datetime
    due_at: datetime | None = None
    assignee: str | None = None
    escalation_level: int = 0


@dataclass(frozen=True)
class Step:
    """One ladder step to take now.

    Persist it as ``EscalationStep(queue_item_id, level, action, target, at=now)`` (unique on
    item and level, so a step is recorded once), set ``QueueItem.escalation_level = level`` and
    notify ``receiver`` (or the person ``target`` for a reminder).
    """

    level: int
    action: str
    target: str
    receiver: str | None
    due: datetime
    reason: str


def ladder_actions(item: ItemState, escalation: EscalationConfig, hours: BusinessHours, now: datetime) -> list[Step]:
    """The ladder steps that are due for ``item`` at ``now`` and were not taken yet.

    Only unacknowledged items (status ``new`` or ``assigned``) escalate. Step *n* (1-based) is
    due at the item's response target plus the step's ``after``; steps already taken
    (``level <= item.escalation_level``) are never returned again, and several overdue steps
    (a worker was down) are all returned, in order.
    """
    if item.status not in UNACKNOWLEDGED:
        return []
    target = item.due_at
    if target is None:
        rt = escalation.targets.get(item.priority)  # type: ignore[call-overload]
        if rt is None:
            return []
        target = due_at(item.created_at, rt, hours)
    target = _aware(target)
    now = _aware(now)
    steps: list[Step] = []
    for index, rung in enumerate(escalation.ladder, start=1):
        if index <= item.escalation_level:
            continue
        when = target + rung.after
        if when > now:
            break
        late = now - target
        if rung.action == "remind-assignee":
            who = item.assignee or escalation.lead_receiver
            receiver = None if item.assignee else escalation.lead_receiver
            reason = (
                f"not acknowledged {_fmt(late)} after its target: reminder to {who}"
                if item.assignee
                else f"not acknowledged {_fmt(late)} after its target and unassigned: reminder to {who}"
            )
        elif rung.action == "notify-lead":
            who = receiver = escalation.lead_receiver
            reason = f"not acknowledged {_fmt(late)} after its target: Marketing & Sales lead ({who})"
        else:
            who = receiver = escalation.crisis_receiver
            reason = f"not acknowledged {_fmt(late)} after its target: crisis contact ({who})"
        steps.append(Step(level=index, action=rung.action, target=who, receiver=receiver, due=when, reason=reason))
    return steps


def _fmt(td: timedelta) -> str:
    minutes = int(td.total_seconds() // 60)
    if minutes < 60:
        return f"{minutes}m"
    h, m = divmod(minutes, 60)
    return f"{h}h{m:02d}m" if m else f"{h}h"


# ---- silences, inhibition, repeat interval ----------------------------------------------------


class SilenceLike(Protocol):
    """A silence (the ``Silence`` table fits): matchers, a time box, an owner and a reason."""

    @property
    def id(self) -> int | None: ...
    @property
    def matchers(self) -> list[str]: ...
    @property
    def starts_at(self) -> datetime: ...
    @property
    def ends_at(self) -> datetime: ...
    @property
    def owner(self) -> str: ...
    @property
    def reason(self) -> str: ...


@dataclass(frozen=True)
class SilenceSpec:
    """An in-memory silence (tests, ``scout rules``); the ``Silence`` row has the same shape."""

    matchers: list[str]
    starts_at: datetime
    ends_at: datetime
    owner: str
    reason: str
    id: int | None = None


def silence_active(silence: SilenceLike, now: datetime) -> bool:
    """Whether ``now`` lies in the silence's time box ``[starts_at, ends_at)``."""
    now = _aware(now)
    return _aware(silence.starts_at) <= now < _aware(silence.ends_at)


def is_silenced(labels: Mapping[str, object], silences: Iterable[SilenceLike], now: datetime) -> SilenceLike | None:
    """The first active silence whose matchers all match ``labels`` (None: not silenced).

    A silence without matchers mutes nothing (a mute-everything silence must say so, e.g.
    ``source=~".*"``). Matchers that do not parse are ignored here; validate them on creation
    with :func:`parse_silence_matchers`.
    """
    for s in silences:
        if not s.matchers or not silence_active(s, now):
            continue
        try:
            parsed = [Matcher.parse(m) for m in s.matchers]
        except ValueError:
            continue
        if all(m.matches(labels) for m in parsed):
            return s
    return None


def parse_silence_matchers(matchers: Sequence[str]) -> list[Matcher]:
    """Parse a silence's matchers, raising ``ValueError`` naming the bad one (for creation forms)."""
    if not matchers:
        raise ValueError("a silence needs at least one matcher")
    return [Matcher.parse(m) for m in matchers]


class SpikeLike(Protocol):
    """A live or past spike (the ``SpikeEvent`` table fits)."""

    @property
    def key(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def scope(self) -> str: ...
    @property
    def started_at(self) -> datetime: ...
    @property
    def ended_at(self) -> datetime | None: ...
    @property
    def explanation(self) -> Mapping[str, Any]: ...


def spike_live(spike: SpikeLike, now: datetime, cooldown: timedelta) -> bool:
    """A spike is live from its start until it ended, or for ``cooldown`` when no end is recorded."""
    now = _aware(now)
    start = _aware(spike.started_at)
    end = _aware(spike.ended_at) if spike.ended_at is not None else start + cooldown
    return start <= now < end


def spike_covers(spike: SpikeLike, labels: Mapping[str, object]) -> bool:
    """Whether a per-mention alert with ``labels`` is part of ``spike``.

    Volume and negative-share spikes cover their scope (``all`` or one source); a velocity
    spike covers only its post's group.
    """
    if spike.kind == "velocity":
        group = spike.explanation.get("group")
        return bool(group) and labels.get("group") == group
    return spike.scope == "all" or labels.get("source") == spike.scope


@dataclass(frozen=True)
class Suppression:
    """Why an alert is held back: ``silenced``, ``inhibited`` or ``repeat``, with words for people."""

    kind: str
    reason: str
    ref: str | None = None


def suppress(
    labels: Mapping[str, object],
    *,
    now: datetime,
    last_alert_at: datetime | None = None,
    repeat_interval: timedelta | None = None,
    silences: Iterable[SilenceLike] = (),
    spikes: Iterable[SpikeLike] = (),
    inhibit_matchers: Sequence[str] = ('light!="red"',),
    spike_cooldown: timedelta = timedelta(hours=6),
) -> Suppression | None:
    """Decide whether the per-mention alert with ``labels`` must be held back (None: send it).

    Checked in this order (like Alertmanager's pipeline): a matching active silence; inhibition
    by a live spike that covers the mention, for alerts matching ``inhibit_matchers`` (by
    default everything but red items, which always reach Legal / Compliance); and the group's
    repeat interval (``last_alert_at`` is the group's last alert, ``QueueItem.last_alert_at``).
    When an alert is sent, the caller sets ``last_alert_at = now``.
    """
    now = _aware(now)
    silence = is_silenced(labels, silences, now)
    if silence is not None:
        return Suppression(
            "silenced",
            f"silenced until {_aware(silence.ends_at).isoformat()} by {silence.owner}: {silence.reason}",
            None if silence.id is None else str(silence.id),
        )
    inhibit = [Matcher.parse(m) for m in inhibit_matchers]
    if all(m.matches(labels) for m in inhibit):
        for spike in spikes:
            if spike_live(spike, now, spike_cooldown) and spike_covers(spike, labels):
                return Suppression("inhibited", f"covered by the live {spike.kind} spike {spike.key}", spike.key)
    if last_alert_at is not None and repeat_interval is not None:
        last = _aware(last_alert_at)
        if now - last < repeat_interval:
            return Suppression(
                "repeat",
                f"group alerted {_fmt(now - last)} ago; repeat interval {_fmt(repeat_interval)}",
            )
    return None
