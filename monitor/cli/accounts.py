"""``scout accounts add | list | disable | enable | set-password``: local web accounts.

Passwords come from a hidden prompt (typed twice) or, with ``--password-stdin``, from the first
line of standard input; never from the command line, where ``ps`` and shell history would show
them. Hashing is the web app's own (:func:`monitor.web.auth.hash_password`, argon2id). Every
change is in the audit log (``account.*``, with ``--actor``); ``list`` never shows a hash.
"""

from __future__ import annotations

import json
import sys
from typing import Annotated, get_args

import typer

from monitor.cli.options import DEFAULT_CONFIG, ConfigOpt, fail, open_container
from monitor.config.people import Role

accounts_app = typer.Typer(help="Local web accounts (web.auth.mode: local): add, list, disable, set a password.",
                           no_args_is_help=True)

ROLES: tuple[str, ...] = get_args(Role)
MIN_PASSWORD = 12

EmailArg = Annotated[str, typer.Argument(help="the person's email address (their sign-in name)")]
ActorOpt = Annotated[str, typer.Option("--actor", envvar="USER", help="who made the change (recorded in the audit log)")]
StdinOpt = Annotated[bool, typer.Option("--password-stdin",
                                        help="read the password from the first line of standard input")]


def parse_roles(values: list[str]) -> list[str]:
    """``--role lead --role admin`` or ``--role lead,admin`` as a sorted list; exit 2 on an unknown role."""
    roles = sorted({r.strip() for v in values for r in v.split(",") if r.strip()})
    unknown = [r for r in roles if r not in ROLES]
    if unknown:
        raise fail(f"unknown role {', '.join(unknown)} (roles: {', '.join(ROLES)})", 2)
    return roles


def read_password(from_stdin: bool) -> str:
    """The new password: the first line of stdin, or a hidden prompt typed twice; exit 2 when too short."""
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = str(typer.prompt("Password", hide_input=True, confirmation_prompt=True))
    if len(password) < MIN_PASSWORD:
        raise fail(f"the password must have at least {MIN_PASSWORD} characters", 2)
    return password


def _valid_email(email: str) -> str:
    email = email.strip().lower()
    local, _, domain = email.partition("@")
    if not local or "." not in domain or any(c.isspace() for c in email):
        raise fail(f"{email!r} is not an email address", 2)
    return email


@accounts_app.command("add")
def add(email: EmailArg,
        name: Annotated[str, typer.Option("--name", help="the name shown in the app")],
        role: Annotated[list[str] | None, typer.Option(
            "--role", help=f"a role (repeat, or comma-separated): {', '.join(ROLES)}")] = None,
        password_stdin: StdinOpt = False, config: ConfigOpt = DEFAULT_CONFIG, actor: ActorOpt = "brand-scout") -> None:
    """Create a local account (an existing one is refused: use set-password, enable)."""
    from monitor.web.auth import hash_password

    email = _valid_email(email)
    roles = parse_roles(role or [])
    c = open_container(config)
    if c.store.account_by_email(email) is not None:
        raise fail(f"{email} already has an account (scout accounts set-password / enable)", 1)
    password = read_password(password_stdin)
    c.store.upsert_account(email=email, name=name.strip() or email, password_hash=hash_password(password),
                           roles=roles, now=c.clock.now(), actor=actor)
    typer.echo(f"added {email} ({', '.join(roles) or 'employee'})")


@accounts_app.command("list")
def list_accounts(config: ConfigOpt = DEFAULT_CONFIG,
                  as_json: Annotated[bool, typer.Option("--json", help="one JSON object per line")] = False) -> None:
    """Every local account: email, name, roles, active (never a password hash)."""
    c = open_container(config)
    accounts = c.store.accounts()
    if as_json:
        for a in accounts:
            typer.echo(json.dumps({"email": a.email, "name": a.name, "roles": list(a.roles), "active": a.active},
                                  ensure_ascii=False))
        return
    if not accounts:
        typer.echo("no local accounts (add one with: scout accounts add EMAIL --name NAME --role ROLE)")
        return
    table = [("EMAIL", "NAME", "ROLES", "ACTIVE")] + [
        (a.email, a.name, ",".join(a.roles) or "employee", "yes" if a.active else "no") for a in accounts]
    widths = [max(len(row[i]) for row in table) for i in range(3)]
    for row in table:
        typer.echo("  ".join(cell.ljust(w) for cell, w in zip(row[:3], widths, strict=True)) + "  " + row[3])


def _set_active(email: str, active: bool, config: str, actor: str) -> None:
    c = open_container(config)
    acc = c.store.update_account(email, actor=actor, now=c.clock.now(), active=active)
    if acc is None:
        raise fail(f"no account for {email.strip().lower()}", 1)
    typer.echo(f"{'enabled' if active else 'disabled'} {acc.email}")


@accounts_app.command("disable")
def disable(email: EmailArg, config: ConfigOpt = DEFAULT_CONFIG, actor: ActorOpt = "brand-scout") -> None:
    """Disable an account: sign-in refused, open sessions end at their next request."""
    _set_active(email, False, config, actor)


@accounts_app.command("enable")
def enable(email: EmailArg, config: ConfigOpt = DEFAULT_CONFIG, actor: ActorOpt = "brand-scout") -> None:
    """Enable a disabled account again."""
    _set_active(email, True, config, actor)


@accounts_app.command("set-password")
def set_password(email: EmailArg, password_stdin: StdinOpt = False, config: ConfigOpt = DEFAULT_CONFIG,
                 actor: ActorOpt = "brand-scout") -> None:
    """Set a new password for an account."""
    from monitor.web.auth import hash_password

    c = open_container(config)
    if c.store.account_by_email(email.strip()) is None:
        raise fail(f"no account for {email.strip().lower()}", 1)
    password = read_password(password_stdin)
    acc = c.store.update_account(email.strip(), actor=actor, now=c.clock.now(), password_hash=hash_password(password))
    assert acc is not None
    typer.echo(f"password set for {acc.email}")


__all__ = ["accounts_app", "add", "disable", "enable", "list_accounts", "set_password"]
