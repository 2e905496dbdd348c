"""Which routed group a post with the same words joins (``monitor.domain.decide``), as a table:
the same person on another platform (a cross-post), or, with campaigns grouped, anyone else."""

from __future__ import annotations

import pytest

from monitor.domain.decide import cross_posted, same_words_as

SEEN = [("x", "jlopez_teach", "x:1"), ("bluesky", "mary.bsky.social", "bluesky:2")]


@pytest.mark.parametrize(("seen", "source", "handle", "own", "campaign", "joins"), [
    # the same person on another platform: a cross-post, whatever the campaign setting
    (SEEN, "bluesky", "jlopez-teach.bsky.social", True, False, "x:1"),
    (SEEN, "bluesky", "jlopez-teach.bsky.social", True, True, "x:1"),
    # someone else's same words: a post of its own, or the first post's group when campaigns group
    (SEEN, "mastodon", "kim@mastodon.social", True, False, None),
    (SEEN, "mastodon", "kim@mastodon.social", True, True, "x:1"),
    (SEEN, "x", "someone_else", True, True, "x:1"),  # same platform too
    # the first post by another person: mary's own group is skipped for mary
    ([("bluesky", "mary.bsky.social", "bluesky:2"), ("x", "kim", "x:3")], "mastodon", "mary@m.social", False, True,
     "x:3"),
    # cross-posts off (by_text: false) and campaigns on: the same person's words are not joined
    (SEEN, "bluesky", "jlopez-teach.bsky.social", False, True, "bluesky:2"),
    ([], "x", "anyone", True, True, None),  # nothing routed with these words
    ([("x", "", "x:9")], "bluesky", "", True, True, "x:9"),  # no handle: another person's post
])
def test_same_words_join(seen: list[tuple[str, str, str]], source: str, handle: str, own: bool, campaign: bool,
                         joins: str | None) -> None:
    assert cross_posted(seen, source, handle, own=own, campaign=campaign) == joins


def test_same_words_as_skips_the_authors_own_posts() -> None:
    assert same_words_as([("x", "kim", "x:1")], "@Kim") is None
    assert same_words_as([("x", "kim", "x:1"), ("x", "lee", "x:2")], "kim") == "x:2"
