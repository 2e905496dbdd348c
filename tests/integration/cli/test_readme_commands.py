"""The README's command table is true (issue 18): every command and option it names exists, and
the commands its examples run on the example configuration work as written.

The table is read from README.md itself, so renaming a command or an option without the README
(or the other way round) fails here.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from monitor.cli import app

ROOT = Path(__file__).resolve().parents[3]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _table_commands() -> list[tuple[list[str], list[str]]]:
    """(command words, options) for each command the Commands table names."""
    section = README.split("## Commands", 1)[1].split("\n## ", 1)[0]
    out: list[tuple[list[str], list[str]]] = []
    for line in section.splitlines():
        if not line.startswith("| `scout"):
            continue
        cells = re.findall(r"`([^`]+)`", re.split(r"(?<!\\)\|", line)[1])
        first = cells[0].split()
        group = first[1:2] if len(first) > 2 and not first[2].startswith(("-", "[")) and first[2].islower() else []
        for cell in cells:
            words = cell.replace("[", " ").replace("]", " ").split()
            if words[0] == "scout":
                words = words[1:]
            elif group:
                words = [*group, *words]  # "list" after "scout accounts add …" is "accounts list"
            names = [w for w in words if re.fullmatch(r"[a-z][a-z-]*", w)]
            options = [w for w in words if w.startswith("--")]
            out.append((names, options))
    return out


COMMANDS = _table_commands()


def test_the_table_lists_the_commands() -> None:
    assert len(COMMANDS) >= 25 and (["demo"], []) in COMMANDS


@pytest.mark.parametrize(("words", "options"), COMMANDS, ids=[" ".join(w) for w, _ in COMMANDS])
def test_each_command_and_option_in_the_table_exists(words: list[str], options: list[str]) -> None:
    # the command words come first; what follows in lower case is an argument value (a FILE, 30d)
    result = CliRunner().invoke(app, [*words, "--help"])
    while result.exit_code != 0 and len(words) > 1:
        words = words[:-1]
        result = CliRunner().invoke(app, [*words, "--help"])
    assert result.exit_code == 0, f"scout {' '.join(words)} --help: {result.output}"
    for option in options:
        assert option in result.output, f"scout {' '.join(words)} has no {option}"


def test_the_examples_on_the_example_configuration_work_as_written(tmp_path: Path) -> None:
    """The README's ``scout check-config``, ``scout route`` and ``scout eval replay`` examples."""
    runner = CliRunner()
    assert runner.invoke(app, ["check-config", "config/example.yaml"]).exit_code == 0
    line = ('{"source": "x", "external_id": "1", "text": "SET SEG refund denied, terrible", "author_handle": "a", '
            '"author_reach": 120000, "created_at": "2026-11-30T10:00:00Z"}\n')
    routed = runner.invoke(app, ["route", "--config", "config/example.yaml", "--explain"], input=line)
    assert routed.exit_code == 0 and '"light": "yellow"' in routed.stdout and "urgent" in routed.stdout
    report = tmp_path / "report.json"
    scored = runner.invoke(app, ["eval", "replay", "tests/integration/eval/streams/red_joins_yellow_group.jsonl",
                                 "--json", str(report)])
    assert scored.exit_code == 0 and report.exists()
