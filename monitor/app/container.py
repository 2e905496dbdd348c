"""The container: the objects one process uses, built once by :func:`monitor.app.bootstrap.build`.

Modules at the edges (web routes, the scheduler, the service, the CLI) receive it; the stages in
:class:`~monitor.app.pipeline.Pipeline` receive only the parts they use.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from connectors.base import Connector
from monitor.app.pipeline import Pipeline
from monitor.clock import Clock
from monitor.config import AppConfig, SourceConfig
from monitor.delivery.notifiers.base import Notifier
from monitor.domain.decide import Router
from monitor.intake.poll import source_config
from monitor.sentiment.base import Classifier
from monitor.sentiment.confidential import ConfidentialityScorer
from monitor.storage.db import upgrade
from monitor.storage.store import Store


@dataclass
class LazyClassifier:
    """The configured classifier, built on first use (model weights load lazily, once)."""

    factory: Callable[[], Classifier]
    _loaded: Classifier | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self) -> Classifier:
        with self._lock:
            if self._loaded is None:
                self._loaded = self.factory()
            return self._loaded


@dataclass
class LazyScorer:
    """The confidentiality scorer (P4 model signal), built on first use; None when the policy asks
    for no model signal (no ``red_model_threshold`` or no ``confidential_categories``)."""

    factory: Callable[[], ConfidentialityScorer | None]
    _built: bool = False
    _loaded: ConfidentialityScorer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self) -> ConfidentialityScorer | None:
        with self._lock:
            if not self._built:
                self._loaded = self.factory()
                self._built = True
            return self._loaded


@dataclass
class ConnectorCache:
    """One connector per source name, built on first use."""

    cfg: AppConfig
    factory: Callable[[SourceConfig], Connector]
    built: dict[str, Connector] = field(default_factory=dict)

    def __call__(self, name: str) -> Connector:
        if name not in self.built:
            self.built[name] = self.factory(source_config(self.cfg, name))
        return self.built[name]


@dataclass
class Container:
    """Everything a process needs, built once."""

    cfg: AppConfig
    clock: Clock
    store: Store
    router: Router
    classifiers: LazyClassifier
    connectors: ConnectorCache
    pipeline: Pipeline
    notifiers: dict[str, Notifier] = field(default_factory=dict)

    @property
    def classifier(self) -> Classifier:
        """The sentiment classifier, loaded on first use."""
        return self.classifiers()

    def connector(self, name: str) -> Connector:
        """The (cached) connector of source ``name``."""
        return self.connectors(name)

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
