"""Per-source filters, pure: mentions in, kept mentions and a dropped count out."""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlsplit

from connectors.base import Mention
from monitor.config.sources import FilterConfig


def _domain(url: str) -> str:
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return ""
    return host.lower().removeprefix("www.")


def _blocked_domain(host: str, blocked: set[str]) -> bool:
    return any(host == d or host.endswith("." + d) for d in blocked)


def apply_filters(mentions: Sequence[Mention], cfg: FilterConfig,
                  own_accounts: Sequence[str] = ()) -> tuple[list[Mention], int]:
    """Drop mentions by language, author reach, blocked authors or domains, the organisation's
    own accounts and reposts, as ``cfg`` says; returns ``(kept, dropped_count)``."""
    langs = {lang.lower() for lang in cfg.languages}
    blocked_authors = {a.lower().lstrip("@") for a in cfg.blocked_authors}
    blocked_domains = {d.lower().removeprefix("www.") for d in cfg.blocked_domains}
    own = {a.lower().lstrip("@") for a in own_accounts} if cfg.exclude_own_accounts else set()
    kept: list[Mention] = []
    for m in mentions:
        author = m.author_handle.lower().lstrip("@")
        if langs and m.lang and m.lang.lower().split("-")[0] not in langs:
            continue
        if m.author_reach < cfg.min_author_reach:
            continue
        if author and (author in blocked_authors or author in own):
            continue
        if blocked_domains and any(_blocked_domain(_domain(u), blocked_domains) for u in (m.url, *m.links)):
            continue
        if cfg.drop_reposts and m.kind == "repost":
            continue
        kept.append(m)
    return kept, len(mentions) - len(kept)
