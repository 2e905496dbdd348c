"""A fake Microsoft Teams Workflows webhook on 127.0.0.1: ``POST /workflows/<id>/triggers/manual/
paths/invoke?...&sig=<signature>`` takes a message with Adaptive Card attachments and answers 202
(401 for a wrong signature, 400 for a body that is not such a message)."""

from __future__ import annotations

from typing import Any

from tests.fakes.server import FakeServer, Reply, Request, json_reply

SIG = "t3amsW0rkflowSig-Secret"
CARD_TYPE = "application/vnd.microsoft.card.adaptive"


class FakeTeams:
    """Keeps the cards posted to each workflow."""

    def __init__(self) -> None:
        self.server = FakeServer()
        self.server.route("POST", r"/workflows/([a-z0-9]+)/triggers/manual/paths/invoke", self.invoke)
        self.server.faults_on(r"/workflows/.*")
        self.posts: dict[str, list[dict[str, Any]]] = {}

    def start(self) -> FakeTeams:
        self.server.start()
        return self

    def stop(self) -> None:
        self.server.stop()

    def webhook_url(self, flow: str) -> str:
        return f"{self.server.url}/workflows/{flow}/triggers/manual/paths/invoke?api-version=1&sp=%2Ftriggers&sig={SIG}"

    def invoke(self, req: Request) -> Reply:
        if req.query.get("sig") != SIG:
            return json_reply({"error": {"code": "DirectApiAuthorizationRequired", "message": "bad signature"}}, 401)
        try:
            msg = req.json()
        except ValueError:
            return json_reply({"error": {"code": "InvalidRequestContent", "message": "not JSON"}}, 400)
        atts = msg.get("attachments") if isinstance(msg, dict) else None
        if msg.get("type") != "message" or not atts or any(
                a.get("contentType") != CARD_TYPE or (a.get("content") or {}).get("type") != "AdaptiveCard"
                for a in atts):
            return json_reply({"error": {"code": "InvalidRequestContent", "message": "no adaptive card"}}, 400)
        self.posts.setdefault(req.groups[0], []).append(msg)
        return Reply(202, b"")

    def cards(self, flow: str) -> list[dict[str, Any]]:
        return [a["content"] for m in self.posts.get(flow, []) for a in m["attachments"]]
