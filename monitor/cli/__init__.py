"""The ``scout`` command line.

Each module of this package holds one Typer app and is added below, explicitly; what the commands
share (``--config``, loading the configuration, building the container) is in
:mod:`monitor.cli.options`. The sentiment commands live with the model, in
:mod:`monitor.sentiment.cli`.
"""

from __future__ import annotations

import sys

import typer

from monitor.cli.accounts import accounts_app
from monitor.cli.core import core_app
from monitor.cli.db import db_app
from monitor.cli.digest import digest_app
from monitor.cli.eval import eval_app
from monitor.cli.notify import notify_app
from monitor.cli.ops import ops_app
from monitor.cli.privacy import privacy_app
from monitor.cli.route import route_app
from monitor.cli.rules import rules_app
from monitor.cli.silence import silence_app
from monitor.errors import MonitorError, redact
from monitor.sentiment.cli import classify_command, sentiment_app

app = typer.Typer(help="brand-scout: brand-mention monitoring and escalation.", no_args_is_help=True,
                  pretty_exceptions_enable=False, add_completion=False)

#: ``scout classify``: a command of the ``scout`` app itself, defined with the sentiment model.
classify_app = typer.Typer()
classify_app.command("classify")(classify_command)

# Commands of ``scout`` itself (apps added without a name), in the order ``scout --help`` lists them.
app.add_typer(core_app)  # check-config, poll, run, demo
app.add_typer(classify_app)  # classify
app.add_typer(route_app)  # route
app.add_typer(ops_app)  # web, worker, scheduler
# Command groups.
app.add_typer(db_app, name="db")
app.add_typer(sentiment_app, name="sentiment")
app.add_typer(rules_app, name="rules")
app.add_typer(digest_app, name="digest")
app.add_typer(privacy_app, name="privacy")
app.add_typer(eval_app, name="eval")
app.add_typer(notify_app, name="notify")
app.add_typer(accounts_app, name="accounts")
app.add_typer(silence_app, name="silence")


def main() -> None:
    """Entry point of the ``scout`` console script."""
    try:
        app()
    except MonitorError as exc:
        typer.echo(f"error: {redact(str(exc))}", err=True)
        sys.exit(1)


__all__ = ["app", "main"]


if __name__ == "__main__":
    main()
