"""The router fixtures of tests/fixtures/router.py (the compact policy configuration and its router)."""

from tests.fixtures.router import cfg, router  # noqa: F401 - fixtures
