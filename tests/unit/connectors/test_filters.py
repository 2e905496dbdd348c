"""Table tests for monitor.intake.filters.apply_filters (pure)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from connectors.base import Mention
from monitor.config.sources import FilterConfig
from monitor.intake.filters import apply_filters

T = datetime(2026, 5, 1, tzinfo=UTC)


def m(ext: str, **kw: Any) -> Mention:
    base: dict[str, Any] = {"source": "x", "external_id": ext, "url": f"https://x.com/i/web/status/{ext}", "text": "t", "created_at": T}
    base.update(kw)
    return Mention(**base)


MENTIONS = [
    m("1", lang="en", author_handle="Jane", author_reach=500),
    m("2", lang="de-AT", author_handle="hans", author_reach=5),
    m("3", lang=None, author_handle="anon", author_reach=50),
    m("4", lang="en", author_handle="setseg", author_reach=90000),
    m("5", lang="en", author_handle="bob", kind="repost", refers_to="1"),
    m("6", lang="en", author_handle="spam", links=("https://ads.spam.example/buy",)),
    m("7", source="mastodon", lang="en", author_handle="setseg@mastodon.social", url="https://m.example/1"),
    m("8", source="reddit", lang=None, author_handle="SetSeg", url="https://www.reddit.com/r/a/1"),
]


@pytest.mark.parametrize(
    ("filters", "own", "expected"),
    [
        # own accounts excluded by default; a Mastodon account is user@instance, exactly
        ({}, ["setseg", "mastodon:setseg@mastodon.social"], ["1", "2", "3", "5", "6"]),
        # a bare name never stands for a Mastodon account: anyone can be "setseg" on some instance
        ({}, ["setseg"], ["1", "2", "3", "5", "6", "7"]),
        ({"exclude_own_accounts": False}, ["setseg"], ["1", "2", "3", "4", "5", "6", "7", "8"]),
        ({"languages": ["en"]}, [], ["1", "3", "4", "5", "6", "7", "8"]),
        ({"languages": ["de"], "keep_unknown_language": False}, [], ["2"]),
        ({"languages": ["DE_at"]}, [], ["2", "3", "8"]),
        ({"min_author_reach": 50}, [], ["1", "3", "4"]),
        ({"blocked_authors": ["@JANE", "reddit:setseg"]}, [], ["2", "3", "4", "5", "6", "7"]),
        ({"blocked_domains": ["spam.example"]}, [], ["1", "2", "3", "4", "5", "7", "8"]),
        ({"drop_reposts": True}, [], ["1", "2", "3", "4", "6", "7", "8"]),
    ],
)
def test_apply_filters(filters, own, expected):
    kept, dropped = apply_filters(MENTIONS, FilterConfig(**filters), own)
    assert [k.external_id for k in kept] == expected
    assert dropped == len(MENTIONS) - len(expected)


def test_x_own_account_on_one_platform_only():
    kept, dropped = apply_filters(MENTIONS, FilterConfig(), ["x:setseg"])
    assert [k.external_id for k in kept] == ["1", "2", "3", "5", "6", "7", "8"] and dropped == 1


def test_no_filters():
    assert apply_filters(MENTIONS, None) == (list(MENTIONS), 0)


TERMS = [
    m("k1", text="Kestrel CI is down again for us"),
    m("k2", text="A kestrel hovering over the motorway verge this morning"),
    m("k3", text="Kestrel behind nginx keeps returning 502 on ASP.NET Core 8"),
    m("k4", text="our builds are fast now", links=("https://kestrel.dev/blog/speed",)),
    m("k5", text="kestrel ci vs the bird: a thread", title="Kestrel CI"),
    m("k6", text="the Kestrelhq team shipped"),
]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({}, ["k1", "k2", "k3", "k4", "k5", "k6"]),
        # judge V (2026-12-06): a bird and ASP.NET's web server share the name
        ({"exclude_terms": ["ASP.NET", "bird", "hovering"]}, ["k1", "k4", "k6"]),
        # required: in the text, the title or a link; whole words ("Kestrelhq" is not "Kestrel CI")
        ({"require_terms": ["Kestrel CI", "kestrel.dev"]}, ["k1", "k4", "k5"]),
        # exclusion wins over a required term
        ({"require_terms": ["Kestrel CI"], "exclude_terms": ["bird"]}, ["k1"]),
    ],
)
def test_required_and_excluded_terms(filters: dict[str, Any], expected: list[str]) -> None:
    kept, dropped = apply_filters(TERMS, FilterConfig(**filters))
    assert [x.external_id for x in kept] == expected
    assert dropped == len(TERMS) - len(expected)
