"""Response targets in business hours, the ladder, silences, inhibition and repeat suppression (P3)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from monitor.clock import FrozenClock
from monitor.config import AppConfig
from monitor.config.policy import BusinessHours, ResponseTarget
from monitor.domain.ladder import ItemState, due_at, ladder_actions
from monitor.domain.suppression import SilenceSpec, is_silenced, parse_silence_matchers, suppress

CHI = ZoneInfo("America/Chicago")
HOURS = BusinessHours(timezone="America/Chicago", start="09:00", end="17:00", holidays=["2026-11-26"])


def chi(year: int, month: int, day: int, hour: int = 0) -> datetime:
    return datetime(year, month, day, hour, tzinfo=CHI)


@pytest.mark.parametrize(
    ("created", "within", "business", "expected"),
    [
        pytest.param(chi(2026, 11, 16, 10), 4, True, chi(2026, 11, 16, 14), id="same-day"),
        pytest.param(chi(2026, 11, 16, 7), 4, True, chi(2026, 11, 16, 13), id="before-opening"),
        pytest.param(chi(2026, 11, 16, 20), 4, True, chi(2026, 11, 17, 13), id="after-closing"),
        pytest.param(chi(2026, 11, 20, 16), 4, True, chi(2026, 11, 23, 12), id="friday-over-weekend"),
        pytest.param(chi(2026, 11, 21, 10), 4, True, chi(2026, 11, 23, 13), id="saturday"),
        pytest.param(chi(2026, 11, 25, 15), 8, True, chi(2026, 11, 27, 15), id="over-holiday"),
        pytest.param(chi(2026, 11, 21, 3), 1, False, chi(2026, 11, 21, 4), id="wall-clock-urgent"),
        pytest.param(chi(2026, 3, 6, 16), 4, True, chi(2026, 3, 9, 12), id="over-dst-change"),
        pytest.param(chi(2026, 11, 16, 10), 24, True, chi(2026, 11, 19, 10), id="three-business-days"),
    ],
)
def test_due_at(created: datetime, within: int, business: bool, expected: datetime) -> None:
    target = ResponseTarget(within=timedelta(hours=within), business_hours=business)
    got = due_at(created, target, HOURS)
    assert got == expected
    assert got.tzinfo is UTC


@pytest.mark.parametrize("created", [datetime(2026, 10, 25, 0, 30, tzinfo=UTC), datetime(2026, 3, 29, 0, 30, tzinfo=UTC)])
def test_business_hours_on_the_night_the_clocks_change_are_real_hours(created: datetime) -> None:
    """Judge K (2026-12-07): on a 24/7 desk in Berlin, a 4-business-hour target came due after 5
    real hours on the night the clocks went back, and after 3 when they went forward: the sums
    were done on the wall clock."""
    every_day = BusinessHours(timezone="Europe/Berlin", days=["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
                              start="00:00", end="24:00")
    target = ResponseTarget(within=timedelta(hours=4), business_hours=True)
    assert due_at(created, target, every_day) == created + timedelta(hours=4)


def test_due_at_without_working_time_is_an_error() -> None:
    # the configuration refuses such hours at load (judge F); due_at still says so, never loops
    with pytest.raises(ValueError, match="at least one working day"):
        BusinessHours(days=[])
    never = BusinessHours.model_construct(timezone="UTC", days=[], start=time(9), end=time(17), holidays=[])
    with pytest.raises(ValueError, match="no working time"):
        due_at(chi(2026, 11, 16, 10), ResponseTarget(within=timedelta(hours=1)), never)


def test_bad_holiday_is_rejected() -> None:
    with pytest.raises(ValueError, match="ISO date"):
        BusinessHours(holidays=["26/11/2026"])


# ---- the ladder ---------------------------------------------------------------------------------

CREATED = chi(2026, 11, 16, 10)  # high: due 14:00 Chicago
DUE = chi(2026, 11, 16, 14)


def item(**kw: Any) -> ItemState:
    base: dict[str, Any] = {
        "item_id": 7,
        "status": "assigned",
        "priority": "high",
        "created_at": CREATED,
        "assignee": "ana",
    }
    base.update(kw)
    return ItemState(**base)


@pytest.mark.parametrize(
    ("state", "now", "expected"),
    [
        pytest.param(item(), DUE - timedelta(minutes=1), [], id="before-target"),
        pytest.param(item(), DUE, [(1, "remind-assignee", "ana")], id="at-target-reminder"),
        pytest.param(item(escalation_level=1), DUE + timedelta(minutes=59), [], id="reminder-taken-lead-not-due"),
        pytest.param(
            item(escalation_level=1),
            DUE + timedelta(hours=1),
            [(2, "notify-lead", "marketing-sales")],
            id="lead",
        ),
        pytest.param(
            item(),
            DUE + timedelta(hours=1),
            [(1, "remind-assignee", "ana"), (2, "notify-lead", "marketing-sales")],
            id="catch-up",
        ),
        # business-hours targets count the ladder's delays in business hours too (09:00-17:00):
        # 4 h after a 14:00 target is 10:00 the next working day, not 18:00
        pytest.param(item(escalation_level=2), DUE + timedelta(hours=4), [], id="crisis-waits-for-working-time"),
        pytest.param(item(escalation_level=2), chi(2026, 11, 17, 10), [(3, "notify-crisis", "crisis")], id="crisis"),
        pytest.param(
            item(priority="urgent", created_at=chi(2026, 11, 21, 3), escalation_level=2),
            chi(2026, 11, 21, 8),
            [(3, "notify-crisis", "crisis")],
            id="urgent-crisis-on-the-wall-clock",
        ),
        pytest.param(item(escalation_level=3), DUE + timedelta(days=3), [], id="ladder-exhausted"),
        pytest.param(item(status="acknowledged"), DUE + timedelta(days=1), [], id="acknowledged"),
        pytest.param(item(status="closed"), DUE + timedelta(days=1), [], id="closed"),
        pytest.param(
            item(assignee=None, status="new"),
            DUE,
            [(1, "remind-assignee", "marketing-sales")],
            id="unassigned-reminds-lead",
        ),
        pytest.param(
            item(assignee=None, status="new", red_receiver="legal-compliance"),
            DUE,
            [(1, "remind-assignee", "legal-compliance")],
            id="unassigned-red-reminds-legal",
        ),
        pytest.param(
            item(red_receiver="legal-compliance"),
            DUE,
            [(1, "remind-assignee", "ana")],
            id="assigned-red-reminds-its-assignee",
        ),
        pytest.param(item(due_at=DUE + timedelta(hours=2)), DUE + timedelta(hours=1), [], id="stored-due-at-wins"),
        pytest.param(
            item(priority="urgent", created_at=chi(2026, 11, 21, 3)),
            chi(2026, 11, 21, 4),
            [(1, "remind-assignee", "ana")],
            id="urgent-at-night",
        ),
    ],
)
def test_ladder(cfg: AppConfig, state: ItemState, now: datetime, expected: list[tuple[int, str, str]]) -> None:
    steps = ladder_actions(state, cfg.policy.escalation, cfg.policy.business_hours, now)
    assert [(s.level, s.action, s.target) for s in steps] == expected
    assert all(s.reason for s in steps)


@dataclass
class FakeQueueItem:
    """What a caller persists between ticks: the level and the recorded steps."""

    escalation_level: int = 0
    recorded: list[tuple[int, str, str, datetime]] = field(default_factory=list)


def test_ladder_over_ticks_takes_each_step_once(cfg: AppConfig) -> None:
    clock = FrozenClock(CREATED.astimezone(UTC))
    row = FakeQueueItem()
    for _ in range(2 * 4 * 24):  # two days in 15-minute ticks
        now = clock.now()
        state = item(escalation_level=row.escalation_level)
        for step in ladder_actions(state, cfg.policy.escalation, cfg.policy.business_hours, now):
            row.recorded.append((step.level, step.action, step.target, now))
            row.escalation_level = step.level
        clock.advance(timedelta(minutes=15))
    assert [(lvl, a, t) for lvl, a, t, _ in row.recorded] == [
        (1, "remind-assignee", "ana"),
        (2, "notify-lead", "marketing-sales"),
        (3, "notify-crisis", "crisis"),
    ]
    # the crisis step 4 business hours after the 14:00 target: 10:00 the next day
    assert [at.astimezone(CHI).hour for *_, at in row.recorded] == [14, 15, 10]


# ---- silences ----------------------------------------------------------------------------------

T0 = datetime(2026, 11, 16, 12, tzinfo=UTC)
LAUNCH = SilenceSpec(['source="x"', 'light!="red"'], T0, T0 + timedelta(hours=2), "dana", "planned launch", id=3)


@pytest.mark.parametrize(
    ("labels", "now", "muted"),
    [
        pytest.param({"source": "x", "light": "yellow"}, T0 + timedelta(minutes=30), True, id="inside"),
        pytest.param({"source": "x", "light": "yellow"}, T0 - timedelta(seconds=1), False, id="before"),
        pytest.param({"source": "x", "light": "yellow"}, T0 + timedelta(hours=2), False, id="ended"),
        pytest.param({"source": "reddit", "light": "yellow"}, T0, False, id="other-source"),
        pytest.param({"source": "x", "light": "red"}, T0, False, id="red-not-muted"),
    ],
)
def test_is_silenced(labels: dict[str, object], now: datetime, muted: bool) -> None:
    assert (is_silenced(labels, [LAUNCH], now) is LAUNCH) is muted


def test_empty_silence_mutes_nothing_and_bad_matchers_are_reported() -> None:
    empty = SilenceSpec([], T0, T0 + timedelta(hours=1), "dana", "oops")
    assert is_silenced({"source": "x"}, [empty], T0) is None
    with pytest.raises(ValueError, match="at least one matcher"):
        parse_silence_matchers([])
    with pytest.raises(ValueError, match="cannot parse"):
        parse_silence_matchers(["source is x"])


# ---- suppression: silence, inhibition, repeat interval ---------------------------------------


@dataclass(frozen=True)
class FakeSpike:
    key: str
    kind: str
    scope: str
    started_at: datetime
    ended_at: datetime | None = None
    explanation: dict[str, Any] = field(default_factory=dict)


VOLUME_X = FakeSpike("volume:x:2026-11-16T12:00:00+00:00", "volume", "x", T0)
VELOCITY = FakeSpike("velocity:x:99", "velocity", "x", T0, explanation={"group": "x:99"})
Y_X = {"source": "x", "light": "yellow", "group": "x:1"}


@pytest.mark.parametrize(
    ("labels", "kwargs", "kind"),
    [
        pytest.param(Y_X, {}, None, id="nothing"),
        pytest.param(Y_X, {"silences": [LAUNCH]}, "silenced", id="silence"),
        pytest.param(Y_X, {"spikes": [VOLUME_X]}, "inhibited", id="spike-covers-source"),
        pytest.param({**Y_X, "source": "reddit"}, {"spikes": [VOLUME_X]}, None, id="spike-other-source"),
        pytest.param({**Y_X, "light": "red"}, {"spikes": [VOLUME_X]}, None, id="red-never-inhibited"),
        pytest.param(Y_X, {"spikes": [FakeSpike("v", "volume", "all", T0)]}, "inhibited", id="overall-spike"),
        pytest.param(
            Y_X,
            {"spikes": [FakeSpike("v", "volume", "x", T0 - timedelta(hours=3), T0)]},
            None,
            id="spike-ended",
        ),
        pytest.param(
            Y_X,
            {"spikes": [FakeSpike("v", "volume", "x", T0 - timedelta(hours=7))]},
            None,
            id="spike-past-cooldown",
        ),
        pytest.param(Y_X, {"spikes": [VELOCITY]}, None, id="velocity-other-group"),
        pytest.param({**Y_X, "group": "x:99"}, {"spikes": [VELOCITY]}, "inhibited", id="velocity-same-group"),
        pytest.param(
            Y_X,
            {"last_alert_at": T0 - timedelta(hours=1), "repeat_interval": timedelta(hours=4)},
            "repeat",
            id="within-repeat-interval",
        ),
        pytest.param(
            Y_X,
            {"last_alert_at": T0 - timedelta(hours=4), "repeat_interval": timedelta(hours=4)},
            None,
            id="repeat-interval-passed",
        ),
    ],
)
def test_suppress(labels: dict[str, object], kwargs: dict[str, Any], kind: str | None) -> None:
    got = suppress(labels, now=T0 + timedelta(minutes=10), **kwargs)
    assert (got.kind if got else None) == kind
    if got:
        assert got.reason


def test_suppress_reason_names_owner_and_spike() -> None:
    got = suppress(Y_X, now=T0, silences=[LAUNCH])
    assert got is not None and "dana" in got.reason and "planned launch" in got.reason and got.ref == "3"
    got = suppress(Y_X, now=T0, spikes=[VOLUME_X])
    assert got is not None and got.ref == VOLUME_X.key


_T0 = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("previous_at", "now", "wait", "interval", "expected"),
    [
        (None, _T0, timedelta(seconds=30), timedelta(minutes=5), _T0 + timedelta(seconds=30)),  # first: waits
        (None, _T0, timedelta(0), timedelta(minutes=5), _T0),  # group_wait 0s: at once
        (_T0, _T0 + timedelta(minutes=1), timedelta(seconds=30), timedelta(minutes=5), _T0 + timedelta(minutes=5)),
        (_T0, _T0 + timedelta(minutes=9), timedelta(seconds=30), timedelta(minutes=5), _T0 + timedelta(minutes=9)),
        (_T0, _T0 + timedelta(minutes=1), timedelta(seconds=30), timedelta(0), _T0 + timedelta(minutes=1)),
    ],
)
def test_send_at(previous_at: datetime | None, now: datetime, wait: timedelta, interval: timedelta,
                 expected: datetime) -> None:
    from monitor.domain.suppression import LastAlert, send_at

    previous = None if previous_at is None else LastAlert(previous_at, "yellow", "normal")
    assert send_at(now, previous=previous, group_wait=wait, group_interval=interval) == expected


@pytest.mark.parametrize(
    ("light", "priority", "queue", "held"),
    [
        ("yellow", "normal", True, True),    # unchanged: a repeat within the interval
        ("yellow", "urgent", True, False),   # priority rose: news for a queue
        ("red", "normal", True, False),      # light rose: always news
        ("green", "urgent", False, True),    # kudos has no queue: a priority rise is no news there
        ("yellow", "normal", False, False),  # ... a rise in light still is
    ],
)
def test_hold_counts_a_priority_rise_only_for_receivers_with_a_queue(
    light: str, priority: str, queue: bool, held: bool
) -> None:
    from monitor.domain.suppression import LastAlert, hold

    last = LastAlert(datetime(2026, 12, 1, 15, 0, tzinfo=UTC), "green" if not queue else "yellow", "normal")
    out = hold({"light": light, "priority": priority, "receiver": "r"}, now=datetime(2026, 12, 1, 15, 30, tzinfo=UTC),
               last=last, repeat_interval=timedelta(hours=4), queue=queue)
    assert (out is not None) is held, out


@pytest.mark.parametrize(
    ("light", "priority", "queue", "rose"),
    [
        ("yellow", "normal", True, None),
        ("yellow", "urgent", True, {"priority": "normal"}),
        ("red", "urgent", True, {"light": "yellow", "priority": "normal"}),
        ("yellow", "urgent", False, None),           # no queue: a priority rise is nothing to it
        ("red", "normal", False, {"light": "yellow"}),
        ("green", "low", True, None),                 # a fall is no rise
    ],
)
def test_rise_says_what_rose_and_from_what(light: str, priority: str, queue: bool, rose: Any) -> None:
    """The words of a rise alert ("now urgent (was normal)") come from here."""
    from monitor.domain.suppression import LastAlert, rise

    last = LastAlert(datetime(2026, 12, 1, 15, 0, tzinfo=UTC), "yellow", "normal")
    assert rise({"light": light, "priority": priority}, last, queue=queue) == rose
    assert rise({"light": light, "priority": priority}, None, queue=queue) is None


@dataclass
class LiveSpike:
    key: str = "volume:all:t"
    kind: str = "volume"
    scope: str = "all"
    started_at: datetime = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)
    ended_at: datetime | None = None
    explanation: dict[str, Any] = field(default_factory=dict)


@pytest.mark.parametrize(("queue", "extra", "held"), [
    (True, {}, True), (False, {}, False),
    (True, {"press": True}, False),  # a press enquiry is never routine (judge F, 2026-12-06)
    (True, {"priority": "urgent"}, False), (True, {"submitted_by_scout": True}, False),
])
def test_a_live_spike_holds_routine_alerts_only_for_receivers_with_a_queue(queue: bool, extra: dict[str, Any],
                                                                           held: bool) -> None:
    """Held alerts "stay in the queue": true of Marketing & Sales, not of kudos (no queue, its
    compliments would be lost), so a spike never holds kudos' routine alerts; nor what must be seen."""
    from monitor.domain.suppression import hold

    out = hold({"light": "green", "priority": "normal", "receiver": "r", "source": "x", **extra},
               now=datetime(2026, 12, 1, 15, 30, tzinfo=UTC), last=None, repeat_interval=timedelta(hours=4),
               spikes=[LiveSpike()], queue=queue)
    assert (out is not None and out.kind == "inhibited") is held, out


@pytest.mark.parametrize(("extra", "spike", "held"), [
    ({}, LiveSpike(), True),
    ({"submitted_by_scout": True}, LiveSpike(), False),  # a colleague's reading of it
    ({"sentiment": "neutral"}, LiveSpike(), False),
    ({}, LiveSpike(explanation={"mixed": True}), False),  # a busy spell is no crisis
    ({}, LiveSpike(explanation={"praise": True}), False),
    ({}, LiveSpike(kind="velocity", key="velocity:x:p", explanation={"group": "x:1"}), False),
    ({}, LiveSpike(scope="reddit"), False),  # a spike elsewhere
    ({}, LiveSpike(ended_at=datetime(2026, 12, 1, 15, 20, tzinfo=UTC)), False),
])
def test_praise_is_not_shared_with_kudos_during_a_spike_of_complaints(extra: dict[str, Any], spike: LiveSpike,
                                                                     held: bool) -> None:
    """Judge S (2026-12-06): during a breach, 13 of the 14 posts #kudos got were complaints and
    sarcasm read as praise ("SET SEG deserves every fine they get")."""
    from monitor.domain.suppression import hold

    labels = {"light": "green", "priority": "normal", "receiver": "kudos", "source": "x", "group": "x:9",
              "sentiment": "positive", **extra}
    out = hold(labels, now=datetime(2026, 12, 1, 15, 30, tzinfo=UTC), last=None, repeat_interval=timedelta(hours=24),
               spikes=[spike], queue=False)
    assert (out is not None and out.kind == "inhibited") is held, out
    if held:
        assert out is not None and out.ref == spike.key and "praise is mostly sarcasm" in out.reason


@pytest.mark.parametrize(("red_receiver", "assignee", "receiver"), [
    ("legal-compliance", "ana", "legal-compliance"),  # a lead holds it: Legal is reminded, naming her
    ("legal-compliance", None, "legal-compliance"),
    (None, "ana", None),                               # a yellow item's reminder: the assignee's own channel
    (None, None, "marketing-sales"),
])
def test_a_red_items_reminder_goes_to_legal_whoever_holds_it(
        cfg: AppConfig, red_receiver: str | None, assignee: str | None, receiver: str | None) -> None:
    """Judge Q (2026-12-05): a red item held by the Marketing & Sales lead was reminded in the
    Marketing & Sales channel only; Legal never heard that it waited."""
    state = item(assignee=assignee, status="assigned" if assignee else "new", red_receiver=red_receiver)
    [step] = ladder_actions(state, cfg.policy.escalation, cfg.policy.business_hours, DUE)
    assert step.receiver == receiver and step.target == (assignee or receiver)


@pytest.mark.parametrize(("assignee", "status"), [("ana", "assigned"), (None, "new")])
def test_a_teams_item_is_reminded_where_its_team_works(cfg: AppConfig, assignee: str | None, status: str) -> None:
    """Judge V (2026-12-06): with a support and a devrel queue, every reminder went to the lead's
    channel (devrel), none to support about its own items. The reminder goes to the receiver whose
    queue holds the item; the lead's and the crisis steps stay with the lead and the crisis contact."""
    state = item(assignee=assignee, status=status, home_receiver="support")
    steps = ladder_actions(state, cfg.policy.escalation, cfg.policy.business_hours, DUE + timedelta(days=3))
    by_action = {st.action: st for st in steps}
    remind = by_action["remind-assignee"]
    assert remind.receiver == "support" and remind.target == (assignee or "support")
    assert by_action["notify-lead"].receiver == cfg.policy.escalation.lead_receiver
    assert by_action["notify-crisis"].receiver == cfg.policy.escalation.crisis_receiver
