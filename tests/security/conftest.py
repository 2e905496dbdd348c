"""Fixtures shared with the web tests (a container with a roster and seeded items)."""

from tests.web.conftest import make_container, web_config  # noqa: F401
