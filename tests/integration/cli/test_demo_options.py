"""`scout demo` refuses a replay speed that cannot be played, before it touches any file."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from monitor.cli import app

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize("speed", ["0", "-5"])
def test_demo_rejects_a_speed_that_is_not_positive(tmp_path: Path, speed: str) -> None:
    data = tmp_path / "demo"
    result = CliRunner().invoke(app, ["demo", "--config", str(ROOT / "config" / "example.yaml"),
                                      "--data-dir", str(data), f"--speed={speed}"])
    assert result.exit_code == 2
    assert "--speed: must be greater than 0" in result.output
    assert not data.exists()
