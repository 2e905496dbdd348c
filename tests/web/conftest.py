"""Kept only for ``tests/integration/test_responses_digest.py`` (``from tests.web.conftest import
csrf_of``) until that file moves in phase 2 of issue 14; the web tests are under tests/integration/web
and tests/e2e/web, their fixtures and helpers in tests/fixtures/web.py."""

from tests.fixtures.web import csrf_of

__all__ = ["csrf_of"]
