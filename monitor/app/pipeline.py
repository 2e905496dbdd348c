"""The stages the worker runs, in the order a mention travels: intake -> triage -> delivery.

Like Alertmanager's notification pipeline builder, this is the one place that lists the whole
flow; each stage lives in its own package and takes only what it uses. Every step is
idempotent, so a process killed at any point and started again neither loses nor duplicates a
mention or a notification.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from connectors.base import Mention
from monitor.delivery.outbox import SEND_LEASE, Delivery
from monitor.intake.poll import Intake, PollReport, Progress
from monitor.intake.scout import ScoutIntake
from monitor.storage.models import ScoutSubmission
from monitor.triage.process import Triage, alert_payload, view_of


@dataclass(frozen=True)
class Pipeline:
    """intake (sources and scouts) -> triage -> delivery, built once by the composition root."""

    intake: Intake
    scouts: ScoutIntake
    triage: Triage
    delivery: Delivery

    def poll(self, source_name: str, *, progress: Progress | None = None) -> PollReport:
        """Stage 1: fetch one source once and store what is new with its cursor."""
        return self.intake.poll(source_name, progress=progress)

    def check_silence(self) -> list[str]:
        """Stage 1 health: one alert per source silent longer than its window."""
        return self.intake.check_silence()

    def submit_scout(self, *, url: str, note: str, category: str, urgency: str, submitted_by: str,
                     submitter_name: str | None = None, channel: str = "web",
                     fetched: Mention | None = None) -> ScoutSubmission:
        """Stage 1 for employees (P1): store a forwarded mention."""
        return self.scouts.submit(url=url, note=note, category=category, urgency=urgency,
                                  submitted_by=submitted_by, submitter_name=submitter_name, channel=channel,
                                  fetched=fetched)

    def process(self, limit: int | None = None) -> int:
        """Stage 2: classify and route one batch; returns how many mentions were processed. The
        own accounts' responses waiting for these mentions' queue items are matched right after."""
        n = self.triage.process(limit)
        if n:
            self.intake.match_responses()
        return n

    def deliver(self, limit: int = 100) -> int:
        """Stage 3: send due outbox messages; returns how many were delivered."""
        return self.delivery.deliver(limit)

    def run_once(self, *, after_batch: Callable[[], None] | None = None) -> dict[str, int]:
        """Process and deliver until nothing is left (tests, ``poll --once``, ``scout eval``)."""
        processed = delivered = 0
        while True:
            n = self.process()
            processed += n
            if after_batch is not None and n:
                after_batch()
            if n == 0:
                break
        while True:
            d = self.deliver()
            delivered += d
            if d == 0:
                break
        return {"processed": processed, "delivered": delivered}


__all__ = ["SEND_LEASE", "Pipeline", "PollReport", "alert_payload", "view_of"]
