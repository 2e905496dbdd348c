"""The domain's vocabulary as types: lights, priorities, sentiments, statuses, suppression kinds.

Plain ``Literal`` aliases so that they are ordinary strings in the database, JSON and Slack,
while mypy checks every assignment and comparison in the code.
"""

from __future__ import annotations

from typing import Final, Literal

Light = Literal["green", "yellow", "red"]
Priority = Literal["low", "normal", "high", "urgent"]
Sentiment = Literal["negative", "neutral", "positive"]
QueueStatus = Literal["new", "assigned", "acknowledged", "responded", "closed", "dismissed"]
OutboxStatus = Literal["pending", "sending", "sent", "failed"]
SuppressionKind = Literal["silenced", "inhibited", "repeat", "grouped"]
AlertKind = Literal["alert", "update", "state", "health", "spike", "escalation", "digest", "ack"]

LIGHTS: Final[tuple[Light, ...]] = ("green", "yellow", "red")
PRIORITIES: Final[tuple[Priority, ...]] = ("low", "normal", "high", "urgent")
SENTIMENTS: Final[tuple[Sentiment, ...]] = ("negative", "neutral", "positive")

#: Order of lights and priorities: a rise in either always alerts again.
LIGHT_RANK: Final[dict[str, int]] = {name: i for i, name in enumerate(LIGHTS)}
PRIORITY_RANK: Final[dict[str, int]] = {name: i for i, name in enumerate(PRIORITIES)}

RED: Final[Light] = "red"
YELLOW: Final[Light] = "yellow"
GREEN: Final[Light] = "green"
