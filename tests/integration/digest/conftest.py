"""The digest fixtures of tests/fixtures/digest.py (a digest configuration and the SMTP sink)."""

from tests.fixtures.digest import digest_config, smtp, smtp_down  # noqa: F401 - fixtures
