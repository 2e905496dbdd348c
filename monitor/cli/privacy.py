"""``scout privacy retention | purge-deleted | export-author | delete-author``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from monitor.cli.options import DEFAULT_CONFIG, ConfigOpt, open_container

privacy_app = typer.Typer(help="Personal data: retention, purge, export and deletion per author.",
                          no_args_is_help=True)

SourceOpt = Annotated[str, typer.Option("--source", help="platform of the mention or author, e.g. x, reddit")]
AuthorOpt = Annotated[str, typer.Option("--author", help="the author's handle on that platform")]
ActorOpt = Annotated[str, typer.Option("--actor", envvar="USER", help="who asked (recorded in the audit log)")]


@privacy_app.command("retention")
def retention(config: ConfigOpt = DEFAULT_CONFIG,
              days: Annotated[int | None, typer.Option(help="override retention.mentions_days")] = None) -> None:
    """Delete mentions older than retention.mentions_days (aggregates kept) and those deleted at source."""
    from monitor.storage.privacy import run_retention

    c = open_container(config)
    keep = days if days is not None else c.cfg.retention.mentions_days
    report = run_retention(c.store, days=keep, now=c.clock.now())
    typer.echo(json.dumps({"days": keep, **report.as_dict()}, ensure_ascii=False))


@privacy_app.command("purge-deleted")
def purge_deleted(source: SourceOpt, id_: Annotated[str, typer.Option("--id", help="the mention's id at its source")],
                  config: ConfigOpt = DEFAULT_CONFIG, actor: ActorOpt = "brand-scout") -> None:
    """Purge one mention that was deleted at its source."""
    from monitor.storage.privacy import purge_mention

    c = open_container(config)
    found = purge_mention(c.store, source, id_, c.clock.now(), actor=actor)
    typer.echo(f"{source}:{id_}: {'purged' if found else 'not stored (nothing to purge)'}")


@privacy_app.command("export-author")
def export_author(source: SourceOpt, author: AuthorOpt, config: ConfigOpt = DEFAULT_CONFIG,
                  out: Annotated[Path | None, typer.Option("--out", help="write the JSON here")] = None) -> None:
    """Export all data of one author as JSON."""
    from monitor.storage.privacy import export_author as export

    c = open_container(config)
    data = json.dumps(export(c.store, source, author), ensure_ascii=False, indent=2)
    if out is None:
        typer.echo(data)
    else:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(data + "\n", encoding="utf-8")
        typer.echo(f"wrote {out}", err=True)


@privacy_app.command("delete-author")
def delete_author(source: SourceOpt, author: AuthorOpt, config: ConfigOpt = DEFAULT_CONFIG,
                  actor: ActorOpt = "brand-scout",
                  yes: Annotated[bool, typer.Option("--yes", help="do not ask for confirmation")] = False) -> None:
    """Delete all mentions of one author (aggregates kept; recorded in the audit log)."""
    from monitor.storage.privacy import delete_author as delete

    if not yes and not typer.confirm(f"Delete every stored mention of {author} on {source}?"):
        raise typer.Exit(1)
    c = open_container(config)
    report = delete(c.store, source, author, actor=actor, now=c.clock.now())
    typer.echo(json.dumps(report.as_dict(), ensure_ascii=False))


__all__ = ["delete_author", "export_author", "privacy_app", "purge_deleted", "retention"]
