"""The organisation and its roster of designated spokespersons (P2)."""

from __future__ import annotations

from datetime import time
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from monitor.config.base import MatchTerm, StrictModel, TimeOfDay, TimeZoneName, check_hours

Day = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]

Role = Literal["employee", "spokesperson", "lead", "legal", "admin"]


class WorkingHours(StrictModel):
    """When a spokesperson takes new work: from ``start`` to ``end`` on each of ``days``; an ``end``
    before ``start`` is a night shift that begins on each of ``days`` and ends the next morning
    (judge K, 2026-12-07: night duty 22:00-06:00 could not be written)."""

    timezone: TimeZoneName = "UTC"
    days: list[Day] = Field(default_factory=lambda: list[Day](["mon", "tue", "wed", "thu", "fri"]))
    start: TimeOfDay = time(9, 0)
    end: TimeOfDay = time(17, 0)
    on_holidays: bool = Field(False, description="takes new work on the organisation's holidays "
                              "(policy.business_hours.holidays) too: each is a working day for them, at "
                              "these hours, whatever its weekday")

    @model_validator(mode="after")
    def _some_working_time(self) -> WorkingHours:
        # a spokesperson whose hours never come is never given work, without a word
        check_hours(self.days, self.start, self.end, overnight=True)
        return self


class Spokesperson(StrictModel):
    """A designated spokesperson: only these people claim, respond to or close queue items."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]*$")
    name: str
    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+$")
    slack_user_id: str | None = Field(None, pattern=r"^[UW][A-Z0-9]{2,}$")
    topics: list[str] = Field(default_factory=list)
    languages: list[Annotated[str, Field(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")]] = Field(
        default_factory=list, description="language codes as the platforms give them (en, es, pt-BR), not names")
    working_hours: WorkingHours = Field(default_factory=WorkingHours)
    roles: list[Role] = Field(default_factory=lambda: list[Role](["spokesperson"]))
    active: bool = True
    handles: dict[str, list[str]] = Field(
        default_factory=dict,
        description="the organisation's accounts this person answers from, per platform "
                    "(e.g. {x: setseg_anna, mastodon: anna@social.example}): a response seen from one "
                    "is credited to them")

    @field_validator("handles", mode="before")
    @classmethod
    def _one_or_many(cls, value: object) -> object:
        """``{x: "@a"}`` and ``{x: ["@a", "@b"]}`` both work."""
        if isinstance(value, dict):
            return {k: [v] if isinstance(v, str) else v for k, v in value.items()}
        return value


class Person(StrictModel):
    """Someone with a role who is not a spokesperson (legal, admin, lead, crisis contact)."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]*$")
    name: str
    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+$")
    slack_user_id: str | None = Field(None, pattern=r"^[UW][A-Z0-9]{2,}$")
    roles: list[Role] = Field(default_factory=list)


class Organisation(StrictModel):
    """Who we are: names to search for and our own accounts (excluded from mentions)."""

    name: str
    brand_terms: list[MatchTerm] = Field(min_length=1)
    own_accounts: dict[str, list[MatchTerm]] = Field(default_factory=dict)
    website: str | None = None
    timezone: TimeZoneName = "UTC"
    #: what the people who receive compliments and criticism and answer them are called in pages
    #: and messages (POLICY P1: "Marketing & Sales"), and those who decide about red items
    team: str = Field("Marketing & Sales", min_length=1, max_length=60)
    legal_team: str = Field("Legal / Compliance", min_length=1, max_length=60)

    def say(self, text: str) -> str:
        """``text`` with the policy's team names replaced by this organisation's (``team``,
        ``legal_team``): the messages are written with the policy's words."""
        return text.replace("Marketing & Sales", self.team).replace("Legal / Compliance", self.legal_team)
