"""The composition root: configuration in, a :class:`Container` of concrete objects out.

The CLI, the scheduler, the web app and the tests (with fakes) all call :func:`build`.
Constructors here do no I/O; the database is migrated by :meth:`Container.start`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from pydantic import ValidationError

from connectors import load_connector_class
from connectors.base import Connector
from monitor.app.container import ConnectorCache, Container, LazyClassifier, LazyScorer
from monitor.app.pipeline import Pipeline
from monitor.clock import Clock, SystemClock
from monitor.config import AppConfig, SourceConfig
from monitor.delivery.notifiers import build_targets, receiver_problems
from monitor.delivery.notifiers.base import Notifier
from monitor.delivery.notifiers.log import LogNotifier
from monitor.delivery.notifiers.slack import SlackNotifier
from monitor.delivery.outbox import Delivery
from monitor.domain.decide import Router, require_valid_policy
from monitor.errors import ConfigError
from monitor.intake.poll import Intake
from monitor.intake.scout import ScoutIntake
from monitor.sentiment import OnnxClassifier, build_classifier
from monitor.sentiment.base import Classifier
from monitor.sentiment.confidential import CATEGORY_ENCODER_PATH, ConfidentialityScorer, OnnxSentenceEncoder
from monitor.storage.db import make_engine
from monitor.storage.store import Store
from monitor.triage.process import Triage

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
    """Validate every enabled source's type and options (imports connector modules lazily), and
    that the receivers' PagerDuty, Teams and webhook secrets are in the environment. A disabled
    source's type and options are checked too (not its secrets): a typo there would otherwise
    surface only on the day someone enables it."""
    problems = receiver_problems(cfg)
    for index, src in enumerate(cfg.sources):
        if not src.enabled:
            try:
                load_connector_class(src.type).Options.model_validate(src.options)
            except KeyError as exc:
                problems.append(f"{cfg.path}: sources[{index}].type: {exc.args[0]}")
            except ImportError:
                pass  # its library is needed only once it is enabled
            except ValidationError as exc:
                problems.append(f"{cfg.path}: " + "; ".join(
                    f"sources[{index}].options.{'.'.join(str(p) for p in e['loc'])}: {e['msg']} (source disabled)"
                    for e in exc.errors()))
            continue
        try:
            build_connector(cfg, src)
        except ConfigError as exc:
            problems.append(str(exc))
    if problems:
        raise ConfigError("\n".join(problems))


def default_classifier_factory(cfg: AppConfig) -> Callable[[], Classifier]:
    """A factory that builds the configured classifier (called on first use)."""

    def factory() -> Classifier:
        clf: Classifier = build_classifier(cfg.sentiment)
        return clf

    return factory


def default_scorer_factory(cfg: AppConfig,
                           classifier: Callable[[], Classifier]) -> Callable[[], ConfidentialityScorer | None]:
    """A factory for the confidentiality scorer (called on the first batch); it returns None when
    ``policy.light`` sets no ``red_model_threshold`` or no ``confidential_categories``.

    When the sentiment classifier is an ONNX model with an ``embedding`` output (the shipped
    one), the scorer uses the classifier itself as its encoder: one session in memory, and triage
    takes the embedding from the classifier's own pass (no second encoding of a text). Otherwise
    the scorer runs the shipped model's ``embedding`` output in a session of its own.
    """
    light = cfg.policy.light

    def factory() -> ConfidentialityScorer | None:
        if light.red_model_threshold is None or not light.confidential_categories:
            return None
        clf = classifier()
        shared = isinstance(clf, OnnxClassifier) and clf.has_embedding
        kwargs: dict[str, Any] = {}
        if shared:
            kwargs["encoder"] = clf
            if CATEGORY_ENCODER_PATH.is_file():  # shipped; names the category of a post scoring high
                kwargs["category_encoder"] = OnnxSentenceEncoder(CATEGORY_ENCODER_PATH)
        try:
            return ConfidentialityScorer.from_config(light, **kwargs)
        except (ValueError, OSError) as exc:
            raise ConfigError(
                f"policy.light.confidential_categories: cannot build the confidentiality scorer: {exc}",
                [("(config)", "policy.light.confidential_categories", str(exc))],
            ) from exc

    return factory


def build(cfg: AppConfig, *, clock: Clock | None = None, classifier: Classifier | None = None,
          notifiers: dict[str, Notifier] | None = None, engine: Any = None) -> Container:
    """Build the container for ``cfg``; tests pass fakes for the clock, classifier and notifiers.

    Raises:
        ConfigError: the routing policy is invalid (``require_valid_policy``), before anything is built.
    """
    require_valid_policy(cfg)
    clock = clock or SystemClock()
    engine = engine or make_engine(cfg.database_url(), pool_size=cfg.storage.pool_size, echo=cfg.storage.echo)
    store = Store(engine)
    factory: Callable[[], Classifier] = (lambda: classifier) if classifier is not None else default_classifier_factory(cfg)
    classifiers = LazyClassifier(factory)
    scorer = LazyScorer(default_scorer_factory(cfg, classifiers))
    all_notifiers: dict[str, Notifier] = {"log": LogNotifier(cfg.data_path / cfg.notify.alert_log, cfg.organisation.timezone)}
    if cfg.slack_active:
        all_notifiers["slack"] = SlackNotifier.from_config(cfg)
    all_notifiers.update(build_targets(cfg, clock=clock))  # PagerDuty, Teams, webhook: as receivers name them
    all_notifiers.update(notifiers or {})
    connectors = ConnectorCache(cfg, lambda src: build_connector(cfg, src, clock=clock))
    router = Router(cfg)
    pipeline = Pipeline(
        intake=Intake(store=store, clock=clock, cfg=cfg, connector=connectors),
        scouts=ScoutIntake(store=store, clock=clock),
        triage=Triage(store=store, clock=clock, cfg=cfg, router=router, classifier=classifiers, scorer=scorer),
        delivery=Delivery(store=store, clock=clock, cfg=cfg, notifiers=all_notifiers),
    )
    return Container(cfg=cfg, clock=clock, store=store, router=router, classifiers=classifiers,
                     connectors=connectors, pipeline=pipeline, notifiers=all_notifiers)


__all__ = ["Container", "build", "build_connector", "check_sources", "default_classifier_factory",
           "default_scorer_factory"]
