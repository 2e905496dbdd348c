"""A fake PagerDuty Events API v2 on 127.0.0.1: ``POST /v2/enqueue`` with the real request and
reply formats, and PagerDuty's de-duplication: a ``trigger`` with the ``dedup_key`` of an open
alert adds to it instead of paging again; ``acknowledge`` and ``resolve`` act on it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tests.fakes.server import FakeServer, Reply, Request, json_reply

ROUTING_KEY = "R0ut1ngKeyForBrandScoutTests0001"  # 32 characters, like a real integration key
SEVERITIES = ("critical", "error", "warning", "info")


@dataclass
class Incident:
    dedup_key: str
    status: str = "triggered"
    events: list[dict[str, Any]] = field(default_factory=list)


class FakePagerDuty:
    """Keeps every accepted event, the incidents by ``dedup_key`` and how many pages went out."""

    def __init__(self) -> None:
        self.server = FakeServer()
        self.server.route("POST", "/v2/enqueue", self.enqueue)
        self.server.faults_on("/v2/enqueue")
        self.events: list[dict[str, Any]] = []
        self.incidents: dict[str, Incident] = {}
        self.pages = 0

    @property
    def url(self) -> str:
        return self.server.url

    def start(self) -> FakePagerDuty:
        self.server.start()
        return self

    def stop(self) -> None:
        self.server.stop()

    @staticmethod
    def invalid(*errors: str) -> Reply:
        return json_reply({"status": "invalid event", "message": "Event object is invalid", "errors": list(errors)}, 400)

    def enqueue(self, req: Request) -> Reply:
        try:
            ev = req.json()
        except ValueError:
            return self.invalid("Malformed JSON")
        errors = []
        if not isinstance(ev, dict):
            return self.invalid("Event object is not an object")
        if len(str(ev.get("routing_key") or "")) != 32:
            errors.append("Length of 'routing_key' is incorrect (should be 32 characters)")
        action = ev.get("event_action")
        if action not in ("trigger", "acknowledge", "resolve"):
            errors.append("'event_action' is invalid (must be one of trigger, acknowledge, resolve)")
        if action == "trigger":
            p = ev.get("payload") or {}
            for name in ("summary", "source", "severity"):
                if not p.get(name):
                    errors.append(f"'payload.{name}' is missing or blank")
            if p.get("severity") not in SEVERITIES:
                errors.append("'payload.severity' is invalid")
            if len(str(p.get("summary") or "")) > 1024:
                errors.append("'payload.summary' is too long")
        elif not ev.get("dedup_key"):
            errors.append("'dedup_key' is required for acknowledge and resolve")
        if errors:
            return self.invalid(*errors)
        if ev["routing_key"] != ROUTING_KEY:
            return self.invalid("Invalid routing key")
        self.events.append(ev)
        key = str(ev.get("dedup_key") or f"generated-{len(self.events)}")
        inc = self.incidents.get(key)
        if action == "trigger":
            if inc is None or inc.status == "resolved":
                inc = self.incidents[key] = Incident(key)
                self.pages += 1
            inc.events.append(ev)
        elif inc is not None:
            inc.events.append(ev)
            if action == "acknowledge" and inc.status == "triggered":
                inc.status = "acknowledged"
            elif action == "resolve":
                inc.status = "resolved"
        return json_reply({"status": "success", "message": "Event processed", "dedup_key": key}, 202)

    def triggers(self) -> list[dict[str, Any]]:
        return [e for e in self.events if e["event_action"] == "trigger"]
