"""Stage 1 for crawled mentions: poll a source, filter, store the new mentions with the cursor.

A failed fetch stores nothing and leaves the cursor; the failure is recorded, and a source that
becomes unhealthy raises one health alert (not one per poll). A silent source raises one alert.
A mention that cannot be stored is quarantined while the rest of the fetch is stored and the
cursor moves past both; it counts as a source failure and raises one health alert a day. A poll
never raises: a database that refuses the whole fetch is recorded as a failed fetch.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from connectors.base import Connector, FetchContext, Mention
from monitor.clock import Clock, utc
from monitor.config import AppConfig, SourceConfig
from monitor.errors import ConfigError, FatalSourceError, RetriableSourceError, SourceError, redact
from monitor.intake.filters import apply_filters
from monitor.intake.responses import Responses
from monitor.storage.store import DbSession as Session
from monitor.storage.store import Store, StoredBatch, describe_error

log = logging.getLogger("brand_scout.pipeline")

Progress = Callable[[int, int | None], None]


@dataclass
class PollReport:
    """What one poll of one source did."""

    source: str
    fetched: int = 0
    stored: int = 0
    duplicates: int = 0
    filtered: int = 0
    quarantined: int = 0
    responses: int = 0  # own accounts' posts that answer a post (stored, matched to mentions)
    responded: int = 0  # queue items those responses (this poll's or earlier ones) marked responded
    reopened: int = 0  # items reopened because the customer replied after our response
    error: str | None = None
    new_ids: list[int] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what the connector reports about this fetch


def source_config(cfg: AppConfig, name: str) -> SourceConfig:
    """The configuration of source ``name``.

    Raises:
        ConfigError: no such source.
    """
    for src in cfg.sources:
        if src.name == name:
            return src
    raise ConfigError(f"unknown source {name!r} (configured: {', '.join(s.name for s in cfg.sources)})")


def filter_mentions(cfg: AppConfig, src: SourceConfig, mentions: Sequence[Mention]) -> tuple[list[Mention], int]:
    """Apply the source's filters and drop the organisation's own posts; returns (kept, dropped)."""
    own = [a for accounts in cfg.organisation.own_accounts.values() for a in accounts]
    return apply_filters(list(mentions), src.filters, own)


class Intake:
    """Polls sources into the store. Takes the store, the clock, the configuration and a way to
    get a source's connector."""

    def __init__(self, *, store: Store, clock: Clock, cfg: AppConfig, connector: Callable[[str], Connector]) -> None:
        self.store = store
        self.clock = clock
        self.cfg = cfg
        self.connector = connector
        self.responses = Responses(store=store, cfg=cfg)

    @property
    def health_receiver(self) -> str:
        """Receiver of source-health alerts."""
        return self.cfg.notify.health_receiver

    def poll(self, source_name: str, *, progress: Progress | None = None) -> PollReport:
        """Fetch one source once and store what is new together with its cursor (one transaction)."""
        store = self.store
        now = self.clock.now()
        src = source_config(self.cfg, source_name)
        report = PollReport(source=source_name)
        state = store.get_state(source_name)
        if state and state.retry_after and utc(state.retry_after) > now:
            report.error = f"rate limited until {utc(state.retry_after).isoformat()}"
            return report
        cursor = state.cursor if state else None
        backfill = now - src.backfill if cursor is None else None
        try:
            connector = self.connector(source_name)
            result = connector.fetch(cursor, FetchContext(now=now, backfill_since=backfill, progress=progress))
        except SourceError as exc:
            return self._source_failed(source_name, src.type, exc, now, report)
        except Exception as exc:  # a connector bug must not stop the other sources
            log.exception("connector crashed", extra={"event": "connector_crash", "source": source_name})
            return self._source_failed(source_name, src.type, RetriableSourceError(f"{type(exc).__name__}: {exc}"),
                                       now, report)
        mentions, also = self.responses.split(result.mentions)
        responses = [*result.responses, *also]
        report.fetched = len(mentions)
        report.responses = len(responses)
        kept, dropped = filter_mentions(self.cfg, src, mentions)
        report.filtered = dropped
        try:
            # before the cursor moves: a failure below fetches them again (stored once)
            self.responses.add(source_name, responses, now=now)
            self.responses.keep_own_posts(mentions)
            batch = store.add_new_mentions(source_name, src.type, kept, result.cursor, now=now,
                                           rejected=result.rejected,
                                           retriage_engagement=self.cfg.policy.spikes.velocity_min_engagement)
        except Exception as exc:  # the database refused the fetch as a whole: nothing stored, cursor kept
            error_class, message = describe_error(exc)
            return self._source_failed(source_name, src.type, RetriableSourceError(
                f"storing the fetch failed: {error_class}: {message}"), now, report)
        report.stored, report.duplicates, report.new_ids = len(batch.new_ids), batch.duplicates, batch.new_ids
        report.quarantined = len(batch.quarantined)
        try:
            with store.session() as s:
                store.incr_many(s, {("mentions_fetched_total", f'source="{source_name}"'): len(mentions),
                                    ("mentions_stored_total", f'source="{source_name}"'): len(batch.new_ids)})
                if batch.quarantined:
                    self._quarantine_failure(s, source_name, batch, now)
        except Exception as exc:  # counters and the alert are not worth failing a stored fetch for
            log.warning("poll bookkeeping failed", extra={"event": "poll_bookkeeping_failed", "source": source_name,
                                                          "error": ": ".join(describe_error(exc))})
        log.debug("poll", extra={"event": "poll", "source": source_name, "fetched": report.fetched,
                                "stored": report.stored, "duplicates": report.duplicates, "filtered": dropped,
                                "quarantined": report.quarantined})
        self._match_responses(report, now)
        report.notes = list(result.notes) + list(result.info)
        for note in result.notes:  # e.g. a read limit that left older new posts unread
            log.warning("source note: %s", note, extra={"event": "source_note", "source": source_name})
        for note in result.info:
            log.info("source: %s", note, extra={"event": "source_info", "source": source_name})
        return report

    def _match_responses(self, report: PollReport, now: datetime) -> None:
        """Match stored responses to mentions and items, and reopen items whose customer replied
        after our response; a failure is logged (the next poll matches again)."""
        try:
            report.responded = self.responses.match(now=now)
            report.reopened = self.responses.follow_ups(report.new_ids, now=now)
        except Exception as exc:
            log.warning("matching responses failed", extra={"event": "responses_match_failed", "source": report.source,
                                                           "error": ": ".join(describe_error(exc))})

    def match_responses(self) -> int:
        """Match stored responses to the queue items triage has made since (the worker calls this
        after a batch); returns how many items were marked responded."""
        report = PollReport(source="")
        self._match_responses(report, self.clock.now())
        return report.responded

    def _quarantine_failure(self, s: Session, name: str, batch: StoredBatch, now: datetime) -> None:
        """A fetch that quarantined mentions counts as a failure of its source (the counter and
        ``last_error``) and raises one health alert per source and day."""
        n = len(batch.quarantined)
        first = batch.quarantined[0]
        self.store.incr_many(s, {("connector_errors_total", f'source="{name}"'): 1,
                                 ("mentions_quarantined_total", f'source="{name}",stage="intake"'): n})
        self.store.enqueue(
            s, key=f"health:{name}:quarantine:{now.date().isoformat()}", receiver=self.health_receiver,
            kind="health", now=now,
            payload={"title": f"Source {name}: {n} mention(s) could not be stored and were quarantined",
                     "summary": f"{first.error_class}: {first.error} (see /health; the rest of the fetch was stored)",
                     "source": name})

    def _source_failed(self, name: str, type_: str, exc: SourceError, now: datetime, report: PollReport) -> PollReport:
        fatal = isinstance(exc, FatalSourceError)
        retry_after = None
        if isinstance(exc, RetriableSourceError) and exc.retry_after:
            retry_after = now + timedelta(seconds=float(exc.retry_after))
        message = redact(str(exc))
        report.error = message
        try:
            alert = self.store.record_source_failure(name, type_, message, now=now, fatal=fatal,
                                                     retry_after=retry_after)
            with self.store.session() as s:
                self.store.incr(s, "connector_errors_total", f'source="{name}"')
                if alert:
                    state = self.store._state(s, name)
                    streak = int(utc(state.last_attempt_at or now).timestamp())
                    self.store.enqueue(
                        s, key=f"health:{name}:unhealthy:{streak}", receiver=self.health_receiver, kind="health",
                        payload={"title": f"Source {name} is unhealthy", "summary": message, "source": name},
                        now=now,
                    )
        except Exception as db_exc:  # the database is down too: the report still says what failed
            log.warning("recording a failed poll failed", extra={
                "event": "poll_record_failed", "source": name, "error": ": ".join(describe_error(db_exc))})
        log.warning("poll failed", extra={"event": "poll_failed", "source": name, "fatal": fatal, "error": message})
        return report

    def check_silence(self) -> list[str]:
        """Raise one health alert per source that has been silent longer than its window."""
        store = self.store
        now = self.clock.now()
        silent = []
        for src in self.cfg.sources:
            if not src.enabled or src.silent_after is None:
                continue
            state = store.get_state(src.name)
            if state is None or state.last_mention_at is None:
                continue
            quiet = now - utc(state.last_mention_at)
            if quiet >= src.silent_after and store.mark_silent_alerted(src.name):
                silent.append(src.name)
                hours = quiet.total_seconds() / 3600
                with store.session() as s:
                    store.enqueue(
                        s, key=f"health:{src.name}:silent:{int(utc(state.last_mention_at).timestamp())}",
                        receiver=self.health_receiver, kind="health", now=now,
                        payload={"title": f"No mentions from {src.name} for {hours:.0f} h",
                                 "summary": f"last new mention at {utc(state.last_mention_at).isoformat()}",
                                 "source": src.name},
                    )
        return silent
