"""An account named like ours plus an official-sounding word is a person's to check, never a
compliment to share (judge Y, 2026-12-06: "@FronteraCU_Rewards: every member gets a $500 bonus,
claim yours at <a look-alike site>" read positive and went to the whole staff's kudos channel)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitor.config import load_config
from monitor.domain.decide import MentionView, Router, SentimentView
from monitor.domain.light import impersonation

EXAMPLE = Path(__file__).resolve().parents[3] / "config" / "example.yaml"
NOW = datetime(2026, 12, 2, 17, 0, tzinfo=UTC)
NAMES = ["setseg", "setseg_help", "setseg_official", "SET SEG", "SETSEG", "#setseg", "setseg.example"]


@pytest.mark.parametrize(("handle", "posing"), [
    ("SETSEG_Rewards", True), ("setseg_support", True), ("help_setseg", True), ("SetSeg-Soporte", True),
    # ours, exactly (on a platform not configured, maybe), and names that pose as nothing
    ("setseg", False), ("setseg_help", False), ("setseg-help.bsky.social", False),
    ("setsegwatch", False), ("setseg_newsroom_mirror", False), ("setsegfan", False), ("teacher_tx", False),
])
def test_a_name_poses_as_ours(handle: str, posing: bool) -> None:
    assert (impersonation(handle, NAMES) is not None) is posing


def test_an_impersonators_bonus_offer_is_yellow_and_never_kudos() -> None:
    router = Router(load_config(EXAMPLE, env={}))
    scam = MentionView("x", "1", "SET SEG is celebrating 50 years! Every member gets a $500 bonus, claim yours today",
                       NOW, author_handle="SETSEG_Rewards", author_reach=40)
    d = router.decide(scam, SentimentView("positive", 0.89), now=NOW)
    assert d.light == "yellow" and "kudos" not in d.receivers and "marketing-sales" in d.receivers
    assert any("@SETSEG_Rewards is named like one of our accounts but is not one" in r for r in d.reasons)
    fan = MentionView("x", "2", "SET SEG nurse line helped me tonight, thank you!", NOW, author_handle="setsegfan")
    assert router.decide(fan, SentimentView("positive", 0.95), now=NOW).light == "green"
