"""``scout digest preview`` and ``scout digest send``."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Annotated

import typer

digest_app = typer.Typer(help="The weekly digest email.", no_args_is_help=True)

ConfigOpt = Annotated[str, typer.Option("--config", "-c", envvar="BRAND_SCOUT_CONFIG", help="YAML configuration file")]
WeekOpt = Annotated[str | None, typer.Option("--week", help="ISO week, e.g. 2026-W47 (default: the week due now)")]
NameOpt = Annotated[str | None, typer.Option("--digest", help="which configured digest (default: the first)")]


def _setup(config: str, digest: str | None, week: str | None):  # type: ignore[no-untyped-def]
    from monitor.cli import _container, _load
    from monitor.digest import DigestService, due_week, parse_week
    from monitor.errors import ConfigError

    c = _container(_load(config))
    svc = DigestService(c)
    try:
        dg = svc.digest_config(digest)
    except ConfigError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    wk = week or due_week(dg, c.clock.now())
    try:
        parse_week(wk)
    except ValueError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    return c, svc, dg, wk


@digest_app.command("preview")
def preview(week: WeekOpt = None, out: Annotated[Path | None, typer.Option("--out", help="write the HTML here")] = None,
            text: Annotated[bool, typer.Option("--text", help="print the plain-text part")] = False,
            digest: NameOpt = None, config: ConfigOpt = "config/example.yaml") -> None:
    """Render a week's digest without sending it (HTML to --out, with the chart embedded)."""
    from monitor.digest import chart_png, load_digest, render_digest

    c, _svc, dg, wk = _setup(config, digest, week)
    d = load_digest(c, dg, wk)
    png = chart_png(d)
    subject, body, html = render_digest(d, chart_src="data:image/png;base64," + base64.b64encode(png).decode())
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(html, encoding="utf-8")
        typer.echo(f"{subject}\nwrote {out}")
    if text or out is None:
        typer.echo(body)


@digest_app.command("send")
def send(week: WeekOpt = None,
         to: Annotated[list[str] | None, typer.Option("--to", help="send to this address instead of the configured "
                                                                    "recipients (repeatable)")] = None,
         force: Annotated[bool, typer.Option("--force", help="also resend a digest left 'sending' by a crash or "
                                                             "given up; never one recorded as sent")] = False,
         digest: NameOpt = None, config: ConfigOpt = "config/example.yaml") -> None:
    """Send a week's digest now (once per recipient and week, like the schedule)."""
    from monitor.errors import MonitorError

    _c, svc, dg, wk = _setup(config, digest, week)
    recipients = list(to or dg.recipients)
    if not recipients:
        typer.echo("error: no recipients (configure digests[].recipients or pass --to)", err=True)
        raise typer.Exit(2)
    try:
        results = svc.deliver(dg, wk, recipients, force=force)
    except MonitorError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    failed = False
    for r in results:
        typer.echo(f"{r.week} {r.recipient}: {r.outcome}" + (f" ({r.error})" if r.error else ""))
        failed |= r.outcome in ("failed", "gave-up")
    if failed:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add the ``digest`` commands to the ``scout`` app."""
    app.add_typer(digest_app, name="digest")
