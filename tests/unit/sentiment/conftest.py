"""The sentiment fixtures of tests/fixtures/sentiment.py (the bundled sample as TSV)."""

from tests.fixtures.sentiment import sample_tsv  # noqa: F401 - fixtures
