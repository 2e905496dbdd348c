"""A compact policy configuration for the router tests (independent of config/example.yaml)."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest
import yaml

from monitor.config import AppConfig, validate_config
from monitor.domain.decide import Router

# The four destinations of POLICY.md and a tree that routes to them as the policy says.
RULES_YAML = """
organisation:
  name: Acme
  brand_terms: [Acme]
receivers:
  - {name: marketing-sales, restricted: false, broad: true}
  - {name: legal-compliance, restricted: true, broad: false}
  - {name: crisis, restricted: false, broad: false, queue: false}
  - {name: kudos, restricted: false, broad: true, queue: false}
route:
  receiver: marketing-sales
  group_by: [group]
  repeat_interval: 4h
  routes:
    - {receiver: legal-compliance, matchers: ['light="red"'], continue: true, group_wait: 0s}
    - {receiver: marketing-sales, matchers: ['light="red"']}
    - {receiver: marketing-sales, matchers: ['submitted_by_scout="true"'], continue: true}
    - receiver: marketing-sales
      matchers: ['light="yellow"']
      routes:
        - {matchers: ['priority="urgent"'], repeat_interval: 1h}
    - {receiver: kudos, matchers: ['light="green"', 'sentiment="positive"'], repeat_interval: 24h}
policy:
  light:
    watchlists:
      - {name: code-names, kind: codename, terms: ["Project Falcon", "Bluebonnet"]}
      - {name: customers, kind: customer, terms: ["Pecos Valley ISD"]}
      - {name: phrases, kind: phrase, terms: ["internal only"]}
      - {name: exact, kind: other, terms: ["SEG"], case_sensitive: true}
    yellow:
      complaint_terms: [refund, overcharged]
      question_terms: [does anyone know]
  topics:
    - {name: claims, keywords: [claim, adjuster]}
    - {name: billing, keywords: [invoice, refund]}
  priority:
    light_weight: {red: 50, yellow: 20, green: 0}
    sentiment_weight: {negative: 15}
    reach_weight: 8
    velocity_weight: 10
    source_weight: {x: 5}
    scout_bonus: 5
    urgent_reach: 10000
    urgent_velocity_per_hour: 300
    thresholds: {urgent: 75, high: 50, normal: 25, low: 0}
  business_hours:
    timezone: America/Chicago
    start: "09:00"
    end: "17:00"
    holidays: ["2026-11-26"]
  escalation:
    targets:
      urgent: {within: 1h, business_hours: false}
      high: {within: 4h}
      normal: {within: 8h}
      low: {within: 24h}
    ladder:
      - {after: 0s, action: remind-assignee}
      - {after: 1h, action: notify-lead}
      - {after: 4h, action: notify-crisis}
  spikes:
    bucket: 1h
    baseline_weeks: 4
    min_count: 10
    volume_factor: 3.0
    negative_share_jump: 0.25
    velocity_per_hour: 500
    cooldown: 6h
  templates:
    - {id: thanks, title: Thanks, text: "Thank you {author}", for_sentiment: [positive]}
    - {id: sorry, title: Sorry, text: "Sorry {author}", for_sentiment: [negative]}
spokespersons:
  - id: ana
    name: Ana
    email: ana@acme.example
    topics: [claims]
    languages: [en]
    working_hours: {timezone: America/Chicago, start: "09:00", end: "17:00"}
  - id: ben
    name: Ben
    email: ben@acme.example
    topics: [claims, billing]
    languages: [en, es]
    working_hours: {timezone: Europe/Berlin, start: "09:00", end: "17:00"}
  - id: cai
    name: Cai
    email: cai@acme.example
    topics: []
    languages: [en]
    working_hours: {timezone: America/Chicago, start: "09:00", end: "17:00"}
"""

BASE: dict[str, Any] = yaml.safe_load(RULES_YAML)

#: Monday 16 November 2026, 10:00 in Chicago (16:00 UTC): everyone in Chicago is at work.
NOW = datetime(2026, 11, 16, 16, 0, tzinfo=UTC)


def make_config(**overrides: Any) -> AppConfig:
    """The base configuration with top-level keys replaced (values may be YAML strings)."""
    data = copy.deepcopy(BASE)
    for key, value in overrides.items():
        data[key] = yaml.safe_load(value) if isinstance(value, str) else value
    return validate_config(data, env={})


@pytest.fixture(scope="session")
def cfg() -> AppConfig:
    """The compact test configuration."""
    return make_config()


@pytest.fixture(scope="session")
def router(cfg: AppConfig) -> Router:
    """A router over the compact configuration."""
    return Router(cfg)
