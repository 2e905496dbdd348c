"""Response targets and the escalation ladder (P3).

Every function here is pure: the caller reads the clock once per tick and passes ``now``; the
caller also persists what these functions decide (``EscalationStep`` rows, ``QueueItem.due_at``,
and ``QueueItem.escalation_level``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from monitor.config.policy import BusinessHours, EscalationConfig, ResponseTarget

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
                f"not acknowledged {span(late)} after its target: reminder to {who}"
                if item.assignee
                else f"not acknowledged {span(late)} after its target and unassigned: reminder to {who}"
            )
        elif rung.action == "notify-lead":
            who = receiver = escalation.lead_receiver
            reason = f"not acknowledged {span(late)} after its target: Marketing & Sales lead ({who})"
        else:
            who = receiver = escalation.crisis_receiver
            reason = f"not acknowledged {span(late)} after its target: crisis contact ({who})"
        steps.append(Step(level=index, action=rung.action, target=who, receiver=receiver, due=when, reason=reason))
    return steps


def span(td: timedelta) -> str:
    """A duration for people: ``45m``, ``2h``, ``1h30m``."""
    minutes = int(td.total_seconds() // 60)
    if minutes < 60:
        return f"{minutes}m"
    h, m = divmod(minutes, 60)
    return f"{h}h{m:02d}m" if m else f"{h}h"
