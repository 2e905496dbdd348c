"""The web fixtures of tests/fixtures/web.py (shared with tests/e2e/web and tests/integration/security)."""

from tests.fixtures.web import (  # noqa: F401 - fixtures
    account,
    app,
    browser,
    container,
    container_config,
    container_kwargs,
    seeded,
    web_config,
)
