"""Fixtures for the connector tests: one fake server per connector type, and a harness that
builds the real connector (real client library) pointed at it."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

# The fakes live in tests/fakes; make ``tests.fakes`` importable however pytest is started.
_ROOT = str(Path(__file__).resolve().parents[3])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

from connectors.base import FetchContext  # noqa: E402
from tests.fakes.harnesses import HARNESSES, Harness  # noqa: E402


@dataclass
class Sleeps:
    calls: list[float] = field(default_factory=list)

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def harness_factory(sleeps: Sleeps) -> Iterator[Callable[[str], Harness]]:
    started: list[Harness] = []

    def make(kind: str) -> Harness:
        h = HARNESSES[kind](sleeps)
        started.append(h)
        return h

    yield make
    for h in started:
        h.close()


def ctx_at(now: datetime, since: datetime | None = None, progress: Any = None) -> FetchContext:
    return FetchContext(now=now, backfill_since=since, progress=progress)
