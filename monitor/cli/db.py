"""``scout db upgrade``."""

from __future__ import annotations

import typer

from monitor.cli.options import DEFAULT_CONFIG, ConfigOpt, open_container

db_app = typer.Typer(help="Database schema.", no_args_is_help=True)


@db_app.command("upgrade")
def db_upgrade(config: ConfigOpt = DEFAULT_CONFIG) -> None:
    """Apply database migrations (also done automatically on start)."""
    from monitor.storage.db import current_revision

    c = open_container(config)
    typer.echo(f"database at revision {current_revision(c.store.engine)} ({c.store.dialect})")


__all__ = ["db_app", "db_upgrade"]
