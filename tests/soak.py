"""Soak mode for the fuzzers: ``SCOUT_SOAK=1`` runs each hypothesis fuzzer for at least
``SCOUT_SOAK_CASES`` cases (default 10,000) instead of CI's short run.

    SCOUT_SOAK=1 .venv/bin/python -m pytest -o timeout=0 -s tests/unit/security/test_config_fuzz.py \
        tests/integration/security/test_web_fuzz.py

Each fuzzer prints how many cases it ran (``fuzz cases: ...``)."""

from __future__ import annotations

import os

SOAK = os.environ.get("SCOUT_SOAK", "").strip().lower() in ("1", "true", "yes")
SOAK_CASES = int(os.environ.get("SCOUT_SOAK_CASES", "10000") or 10000)


def cases(short: int) -> int:
    """``short`` normally; at least :data:`SOAK_CASES` in soak mode."""
    return max(short, SOAK_CASES) if SOAK else short


def report(name: str, n: int) -> None:
    """Print a fuzzer's case count (visible with ``-s``)."""
    print(f"\nfuzz cases: {name} {n}{' (soak)' if SOAK else ''}")
