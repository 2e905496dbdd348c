"""Connector registry: the YAML ``type`` string to a lazily imported class.

Built-in connectors go through the same door as third-party ones (entry-point group
``brand_scout.connectors``), and a missing optional library breaks only its own source.
"""

from __future__ import annotations

import importlib
from importlib.metadata import entry_points
from typing import Any

from connectors.base import Clock, Connector, FetchContext, FetchResult, LinkLookup, Mention, Response
from connectors.errors import FatalSourceError, RetriableSourceError, SkippableSourceError, SourceError

CONNECTORS: dict[str, str] = {
    "bluesky": "connectors.bluesky:BlueskyConnector",
    "hn": "connectors.hn:HackerNewsConnector",
    "mastodon": "connectors.mastodon:MastodonConnector",
    "reddit": "connectors.reddit:RedditConnector",
    "replay": "connectors.replay:ReplayConnector",
    "rss": "connectors.rss:RssConnector",
    "x": "connectors.x:XConnector",
}

ENTRY_POINT_GROUP = "brand_scout.connectors"


def registry() -> dict[str, str]:
    """Built-in connectors plus those that installed packages register by entry point."""
    out = dict(CONNECTORS)
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        out.setdefault(ep.name, ep.value)
    return out


def load_connector_class(type_name: str) -> Any:
    """Import and return the connector class registered as ``type_name``.

    Raises:
        KeyError: no connector has that type.
        ImportError: its module (or the client library it needs) is not installed.
    """
    reg = registry()
    if type_name not in reg:
        raise KeyError(f"unknown connector type {type_name!r} (known: {', '.join(sorted(reg))})")
    module, _, attr = reg[type_name].partition(":")
    return getattr(importlib.import_module(module), attr)


__all__ = [
    "CONNECTORS",
    "ENTRY_POINT_GROUP",
    "Clock",
    "Connector",
    "FatalSourceError",
    "FetchContext",
    "FetchResult",
    "LinkLookup",
    "Mention",
    "Response",
    "RetriableSourceError",
    "SkippableSourceError",
    "SourceError",
    "load_connector_class",
    "registry",
]
