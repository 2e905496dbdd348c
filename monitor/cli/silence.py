"""``scout silence add | list | expire``: mute alerts for a while, as Alertmanager's amtool does.

    scout silence add light=yellow source=x --duration 2h --author ana --comment "X outage flood"
    scout silence add 'topic=~"billing|refunds"' receiver=marketing-sales --end 2026-12-02T18:00 \\
        --author ana --comment "known billing incident, statement posted"
    scout silence list [--all] [--json]
    scout silence expire 3

Matchers are ``label=value``, ``label!=value``, ``label=~regex`` or ``label!~regex`` (the router's
matchers, so ``author_reach>=10000`` and ``keywords~="refund"`` work too); ``scout silence add
--help`` lists the labels. An alert is muted while every matcher of an active silence matches it.
Every silence made or expired is in the audit log.
"""

from __future__ import annotations

import json
from typing import Annotated

import typer

from monitor.cli.options import DEFAULT_CONFIG, ConfigOpt, fail, open_container
from monitor.clock import utc
from monitor.queue import silences as sil

silence_app = typer.Typer(help="Silences: mute matching alerts for a while (amtool-style matchers).",
                          no_args_is_help=True)

LABEL_HELP = ", ".join(sil.LABELS)


@silence_app.command("add")
def add(matchers: Annotated[list[str], typer.Argument(
            help=f"matchers such as light=red, source!=hn, topic=~\"billing|refunds\", receiver=marketing-sales; "
                 f"labels: {LABEL_HELP} (what each holds: the /silences page)")],
        author: Annotated[str, typer.Option("--author", "-a", help="who is silencing (required)")],
        comment: Annotated[str, typer.Option("--comment", "-m", help="why (required)")],
        duration: Annotated[str | None, typer.Option(
            "--duration", "-d", help=f"how long from now (or --start), e.g. 30m, 2h, 1d (default "
                                     f"{int(sil.DEFAULT_DURATION.total_seconds() // 3600)}h)")] = None,
        end: Annotated[str | None, typer.Option("--end", help="end time instead of a duration, ISO (UTC unless a zone is given)")] = None,
        start: Annotated[str | None, typer.Option("--start", help="start time, ISO (default: now)")] = None,
        config: ConfigOpt = DEFAULT_CONFIG) -> None:
    """Add a silence; prints its id."""
    c = open_container(config)
    now = c.clock.now()
    try:
        d = sil.draft(matchers, now=now, author=author, comment=comment, duration=duration, end=end, start=start,
                      values=sil.label_values(c.cfg))
    except sil.SilenceError as exc:
        raise fail(str(exc), 2) from None
    row = sil.create(c.store, d, actor=d.author, now=now)
    typer.echo(f"silence {row.id}: {' '.join(d.matchers)} until {utc(d.ends_at).isoformat()}")


@silence_app.command("list")
def list_silences(config: ConfigOpt = DEFAULT_CONFIG,
                  all_: Annotated[bool, typer.Option("--all", help="include expired silences (the latest 200)")] = False,
                  as_json: Annotated[bool, typer.Option("--json", help="one JSON object per line")] = False) -> None:
    """Active and pending silences (with --all, expired ones too), newest first."""
    c = open_container(config)
    now = c.clock.now()
    rows = c.store.silences(now=now, include_expired=all_)
    if as_json:
        for r in rows:
            typer.echo(json.dumps(sil.as_json(r, now), ensure_ascii=False))
        return
    if not rows:
        typer.echo("no silences" if all_ else "no active silences")
        return
    table = [("ID", "STATE", "MATCHERS", "STARTS", "ENDS", "AUTHOR", "COMMENT")] + [
        (str(r.id), sil.state(r, now), " ".join(r.matchers), utc(r.starts_at).strftime("%Y-%m-%d %H:%M"),
         utc(r.ends_at).strftime("%Y-%m-%d %H:%M"), r.owner, r.reason) for r in rows]
    widths = [max(len(row[i]) for row in table) for i in range(6)]
    for row in table:
        typer.echo("  ".join(cell.ljust(w) for cell, w in zip(row[:6], widths, strict=True)) + "  " + row[6])


@silence_app.command("expire")
def expire(ids: Annotated[list[int], typer.Argument(help="ids of the silences to end now")],
           config: ConfigOpt = DEFAULT_CONFIG,
           actor: Annotated[str, typer.Option("--actor", envvar="USER", help="who ended it (in the audit log)")]
           = "brand-scout") -> None:
    """End silences now (they stay listed with --all)."""
    c = open_container(config)
    failed = False
    for sid in ids:
        try:
            sil.expire(c.store, sid, actor=actor, now=c.clock.now())
        except sil.SilenceError as exc:
            typer.echo(f"error: {exc}", err=True)
            failed = True
            continue
        typer.echo(f"expired silence {sid}")
    if failed:
        raise typer.Exit(1)


__all__ = ["add", "expire", "list_silences", "silence_app"]
