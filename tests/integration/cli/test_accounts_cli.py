"""``scout accounts add | list | disable | enable | set-password``: passwords from a hidden prompt or
stdin (never argv), the web app's own hashing, nothing secret printed, every change audited."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from monitor.cli import app
from tests.integration.cli.conftest import store_of as _store

PASSWORD = "correct horse battery"




def run(config_file: Path, *args: str, input: str | None = None) -> tuple[int, str]:
    r = CliRunner(env={"USER": None}).invoke(app, ["accounts", *args, "-c", str(config_file)], input=input)
    assert r.stderr.startswith("database: ") or r.exit_code == 2, r.output  # it names the database it opened
    return r.exit_code, "".join(x for x in r.output.splitlines(keepends=True) if not x.startswith("database: "))


def test_add_from_stdin_then_sign_in_with_it(config_file: Path) -> None:
    from monitor.web.auth import verify_password

    code, out = run(config_file, "add", "Ana@SetSeg.example", "--name", "Ana Lead", "--role", "lead",
                    "--role", "admin", "--password-stdin", "--actor", "ops@setseg.example", input=PASSWORD + "\n")
    assert code == 0, out
    assert "added ana@setseg.example (admin, lead)" in out and PASSWORD not in out
    store = _store(config_file)
    acc = verify_password(store, "ana@setseg.example", PASSWORD)
    assert acc is not None and acc.roles == ["admin", "lead"] and acc.password_hash.startswith("$argon2id$")
    ev = store.audit_events("account", "ana@setseg.example")
    assert [(e.action, e.actor) for e in ev] == [("account.upsert", "ops@setseg.example")]
    assert PASSWORD not in json.dumps([e.details for e in ev]) and "argon2" not in json.dumps([e.details for e in ev])


def test_add_from_the_hidden_prompt_asks_twice(config_file: Path) -> None:
    code, out = run(config_file, "add", "ben@setseg.example", "--name", "Ben", input=f"{PASSWORD}\n{PASSWORD}\n")
    assert code == 0, out
    assert out.count("Password") == 1 and "Repeat for confirmation" in out and PASSWORD not in out
    code, out = run(config_file, "add", "cat@setseg.example", "--name", "Cat", input=f"{PASSWORD}\nsomething else!!\n"
                    f"{PASSWORD}\n{PASSWORD}\n")
    assert code == 0 and "do not match" in out.lower(), out


def test_no_password_option_and_bad_input_refused(config_file: Path) -> None:
    code, out = run(config_file, "add", "x@setseg.example", "--name", "X", "--password", PASSWORD)
    assert code == 2 and "No such option" in out
    code, out = run(config_file, "add", "x@setseg.example", "--name", "X", "--password-stdin", input="short\n")
    assert code == 2 and "at least 12 characters" in out
    code, out = run(config_file, "add", "x@setseg.example", "--name", "X", "--role", "boss", "--password-stdin",
                    input=PASSWORD + "\n")
    assert code == 2 and "unknown role boss" in out
    code, out = run(config_file, "add", "not-an-email", "--name", "X", "--password-stdin", input=PASSWORD + "\n")
    assert code == 2 and "not an email address" in out
    assert _store(config_file).accounts() == []


def test_list_disable_enable_set_password(config_file: Path) -> None:
    from monitor.web.auth import verify_password

    assert run(config_file, "add", "ana@setseg.example", "--name", "Ana Lead", "--role", "lead,spokesperson",
               "--password-stdin", input=PASSWORD + "\n")[0] == 0
    assert run(config_file, "add", "eve@setseg.example", "--name", "Eve", "--password-stdin", input=PASSWORD + "\n")[0] == 0
    code, out = run(config_file, "add", "ana@setseg.example", "--name", "Again", "--password-stdin", input=PASSWORD + "\n")
    assert code == 1 and "already has an account" in out

    code, out = run(config_file, "list")
    assert code == 0, out
    lines = out.strip().splitlines()
    assert lines[0].split() == ["EMAIL", "NAME", "ROLES", "ACTIVE"]
    assert "ana@setseg.example" in lines[1] and "lead,spokesperson" in lines[1] and lines[1].endswith("yes")
    assert "eve@setseg.example" in lines[2] and "employee" in lines[2]
    assert "argon2" not in out and "$" not in out

    store = _store(config_file)
    eve = store.account_by_email("eve@setseg.example")
    assert eve is not None
    generation = eve.session_generation
    code, out = run(config_file, "disable", "Eve@setseg.example", "--actor", "ops")
    assert code == 0 and "disabled eve@setseg.example" in out
    # disabling ends the account's sessions: enabling it again brings no old cookie back
    eve = store.account_by_email("eve@setseg.example")
    assert eve is not None and eve.session_generation > generation
    assert verify_password(store, "eve@setseg.example", PASSWORD) is None  # a disabled account cannot sign in
    code, out = run(config_file, "list", "--json")
    rows = [json.loads(line) for line in out.strip().splitlines()]
    assert rows == [{"email": "ana@setseg.example", "name": "Ana Lead", "roles": ["lead", "spokesperson"], "active": True},
                    {"email": "eve@setseg.example", "name": "Eve", "roles": [], "active": False}]
    assert run(config_file, "enable", "eve@setseg.example")[0] == 0
    assert verify_password(store, "eve@setseg.example", PASSWORD) is not None

    new = "a new long passphrase"
    code, out = run(config_file, "set-password", "ana@setseg.example", "--password-stdin", "--actor", "ops",
                    input=new + "\n")
    assert code == 0 and "password set for ana@setseg.example" in out and new not in out
    assert verify_password(store, "ana@setseg.example", PASSWORD) is None
    assert verify_password(store, "ana@setseg.example", new) is not None
    code, out = run(config_file, "set-password", "nobody@setseg.example", "--password-stdin", input=new + "\n")
    assert code == 1 and "no account for nobody@setseg.example" in out
    assert run(config_file, "disable", "nobody@setseg.example")[0] == 1

    actions = [(e.action, e.object_id, e.actor) for e in store.audit_events("account")]
    assert actions == [("account.upsert", "ana@setseg.example", "brand-scout"),
                       ("account.upsert", "eve@setseg.example", "brand-scout"),
                       ("account.disable", "eve@setseg.example", "ops"),
                       ("account.enable", "eve@setseg.example", "brand-scout"),
                       ("account.set_password", "ana@setseg.example", "ops")]
