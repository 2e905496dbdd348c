"""Per-source mention filters: a pure function the pipeline calls before storing.

``apply_filters(mentions, source_config.filters, own_accounts)`` returns the mentions to keep
(order preserved) and how many were dropped. Rules, all optional:

* ``languages``: keep mentions whose language's primary subtag (``en`` of ``en-US``) is listed;
  a mention with no known language is kept unless ``keep_unknown_language`` is false.
* ``min_author_reach``: drop authors with fewer followers. Reddit, HN and RSS report no reach
  (0), so do not set it on those sources.
* ``blocked_authors``: handles, case-insensitive, ``@`` optional; ``source:handle`` limits an
  entry to one platform.
* ``blocked_domains``: drop mentions linking to the domain or any subdomain of it.
* ``exclude_own_accounts``: drop posts by ``own_accounts`` (same syntax as blocked authors).
* ``drop_reposts``: drop plain reposts / boosts (quotes are kept).
* ``require_terms``: keep only mentions whose text, title or links contain one of the terms
  (whole words, any case, as watch-lists match them); ``exclude_terms``: drop mentions whose text
  or title contains one (judge V, 2026-12-06: "Kestrel" is also a bird and ASP.NET's web server,
  and 21 of 26 posts about them reached a team; only the platforms' query syntax could exclude,
  and not every platform has one). Exclusion wins.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from urllib.parse import urlsplit

from connectors.base import Mention, OwnAccounts
from monitor.config.sources import FilterConfig
from monitor.domain.light import find_terms


def _lang(code: str) -> str:
    return code.strip().replace("_", "-").split("-", 1)[0].lower()


def _host(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower().rstrip(".")
    except ValueError:
        return ""


def _blocked_domain(m: Mention, domains: set[str]) -> bool:
    for link in m.links:
        host = _host(link)
        if host and any(host == d or host.endswith("." + d) for d in domains):
            return True
    return False


def apply_filters(
    mentions: Sequence[Mention], filters: FilterConfig | None, own_accounts: Iterable[str] | None = None
) -> tuple[list[Mention], int]:
    """The mentions that pass ``filters`` (order kept) and the number dropped."""
    if filters is None:
        return list(mentions), 0
    langs = {_lang(x) for x in filters.languages if x.strip()}
    blocked = OwnAccounts(filters.blocked_authors)  # the same handle syntax as own accounts
    own = OwnAccounts(own_accounts or ()) if filters.exclude_own_accounts else OwnAccounts(())
    domains = {d.strip().lower().lstrip(".").rstrip(".") for d in filters.blocked_domains if d.strip()}
    keep_unknown = getattr(filters, "keep_unknown_language", True)
    kept: list[Mention] = []
    for m in mentions:
        if langs and (_lang(m.lang) not in langs if m.lang else not keep_unknown):
            continue
        if filters.min_author_reach and m.author_reach < filters.min_author_reach:
            continue
        if blocked and blocked.match(m.source, m.author_handle):
            continue
        if own and own.match(m.source, m.author_handle):
            continue
        if domains and _blocked_domain(m, domains):
            continue
        if filters.drop_reposts and m.kind == "repost":
            continue
        words = f"{m.title or ''}\n{m.text}"
        if filters.require_terms and not find_terms(f"{words}\n{' '.join(m.links)}", filters.require_terms):
            continue
        if filters.exclude_terms and find_terms(words, filters.exclude_terms):
            continue
        kept.append(m)
    return kept, len(mentions) - len(kept)
