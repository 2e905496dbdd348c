"""The web fixtures of tests/fixtures/web.py: a container with a roster, seeded items."""

from tests.fixtures.web import container_config, container_kwargs, web_config  # noqa: F401 - fixtures
