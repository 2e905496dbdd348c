"""The composition root: configuration in, a :class:`Container` of concrete objects out.

The CLI, the scheduler, the web app and the tests (with fakes) all call :func:`build`.
Constructors here do no I/O; the database is migrated by :meth:`Container.start`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from connectors import load_connector_class
from connectors.base import Connector, Mention
from monitor.clock import Clock, SystemClock
from monitor.config import AppConfig, ReceiverConfig, SourceConfig
from monitor.delivery.notifiers.base import Notifier
from monitor.delivery.notifiers.log import LogNotifier
from monitor.domain.decide import Router
from monitor.errors import ConfigError
from monitor.sentiment.base import Classifier
from monitor.storage.db import make_engine, upgrade
from monitor.storage.store import Store

log = logging.getLogger("brand_scout.bootstrap")


def build_connector(cfg: AppConfig, src: SourceConfig, *, client: Any = None, clock: Clock | None = None) -> Connector:
    """Instantiate the connector of ``src`` (options validated by its own model).

    Raises:
        ConfigError: unknown type, missing client library, or invalid options.
    """
    index = next((i for i, s in enumerate(cfg.sources) if s.name == src.name), 0)
    try:
        cls = load_connector_class(src.type)
    except KeyError as exc:
        raise ConfigError(f"{cfg.path}: sources[{index}].type: {exc.args[0]}") from None
    except ImportError as exc:
        raise ConfigError(f"{cfg.path}: sources[{index}].type: connector {src.type!r} cannot be loaded "
                          f"(missing library?): {exc}") from None
    try:
        options = cls.Options.model_validate(src.options)
    except ValidationError as exc:
        lines = "; ".join(f"sources[{index}].options.{'.'.join(str(p) for p in e['loc'])}: {e['msg']}"
                          for e in exc.errors())
        raise ConfigError(f"{cfg.path}: {lines}") from None
    creds = {k: cfg.secret(env) or "" for k, env in src.credentials.items()}
    own = cfg.organisation.own_accounts.get(src.type, [])
    connector: Connector = cls(src.name, options, api_base=src.api_base, credentials=creds,
                               timeout=src.timeout.total_seconds(), max_retries=src.max_retries,
                               own_accounts=own, client=client, clock=clock)
    return connector


def check_sources(cfg: AppConfig) -> None:
    """Validate every enabled source's type and options (imports connector modules lazily)."""
    problems = []
    for src in cfg.sources:
        if not src.enabled:
            continue
        try:
            build_connector(cfg, src)
        except ConfigError as exc:
            problems.append(str(exc))
    if problems:
        raise ConfigError("\n".join(problems))


@dataclass
class Container:
    """Everything a process needs, built once."""

    cfg: AppConfig
    clock: Clock
    store: Store
    classifier_factory: Any
    router: Router
    notifiers: dict[str, Notifier] = field(default_factory=dict)
    connectors: dict[str, Connector] = field(default_factory=dict)
    _classifier: Classifier | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def classifier(self) -> Classifier:
        """The sentiment classifier, loaded on first use."""
        with self._lock:
            if self._classifier is None:
                self._classifier = self.classifier_factory()
            return self._classifier

    @property
    def pipeline(self) -> Any:
        """The pipeline steps over this container."""
        from monitor.app.pipeline import Pipeline

        return Pipeline(self)

    @property
    def health_receiver(self) -> str:
        """Receiver of source-health alerts."""
        return self.cfg.notify.health_receiver

    def start(self) -> None:
        """Migrate the database and sync the roster (idempotent)."""
        upgrade(self.store.engine)
        self.store.sync_roster([
            {"id": sp.id, "name": sp.name, "email": sp.email, "slack_user_id": sp.slack_user_id,
             "topics": list(sp.topics), "languages": list(sp.languages), "roles": list(sp.roles),
             "active": sp.active}
            for sp in self.cfg.spokespersons
        ])
        now = self.clock.now()
        for src in self.cfg.sources:
            if src.enabled:
                self.store.ensure_state(src.name, src.type, now=now)

    def source_config(self, name: str) -> SourceConfig:
        """The configuration of source ``name``."""
        for src in self.cfg.sources:
            if src.name == name:
                return src
        raise ConfigError(f"unknown source {name!r} (configured: {', '.join(s.name for s in self.cfg.sources)})")

    def connector(self, name: str) -> Connector:
        """The (cached) connector of source ``name``."""
        if name not in self.connectors:
            self.connectors[name] = build_connector(self.cfg, self.source_config(name), clock=self.clock)
        return self.connectors[name]

    def filter_mentions(self, name: str, mentions: Sequence[Mention]) -> tuple[list[Mention], int]:
        """Apply the source's filters; returns the kept mentions and how many were dropped."""
        from monitor.intake.filters import apply_filters

        src = self.source_config(name)
        own = [a for accounts in self.cfg.organisation.own_accounts.values() for a in accounts]
        return apply_filters(list(mentions), src.filters, own)

    def receiver(self, name: str) -> ReceiverConfig | None:
        """The receiver's configuration."""
        return next((r for r in self.cfg.receivers if r.name == name), None)

    def notifier_for(self, receiver: str) -> Notifier:
        """Slack when it is configured for this receiver, else the alert log."""
        rc = self.receiver(receiver)
        if self.cfg.slack_active and rc is not None and rc.slack is not None and "slack" in self.notifiers:
            return self.notifiers["slack"]
        return self.notifiers["log"]

    def due_at(self, now: datetime, priority: str) -> datetime:
        """When an item of ``priority`` created ``now`` must be acknowledged."""
        from monitor.domain.escalation import due_at

        esc = self.cfg.policy.escalation
        target = esc.targets.get(priority)  # type: ignore[call-overload]
        if target is None:
            return now
        return due_at(now, target, self.cfg.policy.business_hours)


def default_classifier_factory(cfg: AppConfig) -> Any:
    """A factory that builds the configured classifier on first use."""

    def factory() -> Classifier:
        from monitor.sentiment import build_classifier

        clf: Classifier = build_classifier(cfg.sentiment)
        return clf

    return factory


def build(cfg: AppConfig, *, clock: Clock | None = None, classifier: Classifier | None = None,
          notifiers: dict[str, Notifier] | None = None, engine: Any = None) -> Container:
    """Build the container for ``cfg``; tests pass fakes for the clock, classifier and notifiers."""
    clock = clock or SystemClock()
    engine = engine or make_engine(cfg.database_url(), pool_size=cfg.storage.pool_size, echo=cfg.storage.echo)
    store = Store(engine)
    factory = (lambda: classifier) if classifier is not None else default_classifier_factory(cfg)
    all_notifiers: dict[str, Notifier] = {"log": LogNotifier(cfg.data_path / cfg.notify.alert_log)}
    if cfg.slack_active:
        try:
            from monitor.delivery.notifiers.slack import SlackNotifier

            all_notifiers["slack"] = SlackNotifier.from_config(cfg)
        except ImportError:
            log.warning("Slack token set but the Slack notifier is not available; alerts go to the log")
    all_notifiers.update(notifiers or {})
    return Container(cfg=cfg, clock=clock, store=store, classifier_factory=factory, router=Router(cfg),
                     notifiers=all_notifiers)
