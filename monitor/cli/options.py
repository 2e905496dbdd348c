"""What the ``scout`` commands share: the ``--config`` and ``--now`` options, loading the
configuration with a clear error, and building the container.

The composition root is imported inside the functions: ``scout --help`` and the commands that
only read a configuration do not pay for it.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import typer

from monitor.clock import SystemClock, utc
from monitor.config import AppConfig, load_config
from monitor.domain.decide import require_valid_policy
from monitor.errors import ConfigError, MonitorError, redact

if TYPE_CHECKING:
    from monitor.app.container import Container

#: The configuration file a command reads when neither ``--config`` nor BRAND_SCOUT_CONFIG is given.
DEFAULT_CONFIG = "config/example.yaml"

ConfigOpt = Annotated[str, typer.Option("--config", "-c", envvar="BRAND_SCOUT_CONFIG", help="YAML configuration file")]
NowOpt = Annotated[str | None, typer.Option("--now", help="evaluate as of this ISO time (default: the current time)")]


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print ``error: message`` to stderr; the exit to raise (``raise fail(...)``)."""
    typer.echo(f"error: {redact(message)}", err=True)  # a secret (a database password) never reaches the terminal
    return typer.Exit(code)


def load(path: str) -> AppConfig:
    """The configuration at ``path``, its routing policy checked too; exit 2 with the file, field
    and problem when it is invalid."""
    try:
        cfg = load_config(path)
        require_valid_policy(cfg)
        return cfg
    except ConfigError as exc:
        raise fail(str(exc), 2) from None


def check(cfg: AppConfig) -> None:
    """Validate the sources' options and secrets; exit 2 naming the problem."""
    from monitor.app.bootstrap import check_sources

    try:
        check_sources(cfg)
    except ConfigError as exc:
        raise fail(str(exc), 2) from None


def container(cfg: AppConfig, *, start: bool = True) -> Container:
    """Set up logging, check the sources and build the container (migrated and ready when ``start``).

    Exits 2 on a configuration problem and 1 when the database cannot be prepared.
    """
    from monitor.app.bootstrap import build
    from monitor.logs import setup_logging
    from monitor.storage.db import redacted_url

    setup_logging(cfg.logging.level, cfg.logging.json_lines)
    check(cfg)
    c = build(cfg)
    # which database a command works on (a demo's data is not the default data_dir's)
    typer.echo(f"database: {redacted_url(cfg.database_url())}", err=True)
    if start:
        try:
            c.start()
        except MonitorError as exc:
            raise fail(str(exc), 1) from None
    return c


def open_container(config: str) -> Container:
    """The started container of the configuration file ``config``."""
    return container(load(config))


def parse_now(value: str | None) -> datetime:
    """``--now`` as an aware UTC time (the current time when not given); exit 2 when malformed."""
    if value is None:
        return SystemClock().now()
    try:
        return utc(datetime.fromisoformat(value))
    except ValueError:
        raise fail(f"--now {value!r} is not an ISO time", 2) from None


__all__ = ["DEFAULT_CONFIG", "ConfigOpt", "NowOpt", "check", "container", "fail", "load", "open_container",
           "parse_now"]
