"""Sign-in (local accounts, or one click as a roster person in the demo) and sign-out."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from monitor.app.container import Container
from monitor.web import auth
from monitor.web.deps import web_of

log = logging.getLogger("brand_scout.web")


def _safe_next(target: str) -> str:
    """Where to go after sign-in: only a local path (``/queue/7?done=x``), never another site
    (``//evil``, ``/\\evil``, or a control character or space a browser would strip into one)."""
    local = target.startswith("/") and not target.startswith("//")
    clean = not any(c == "\\" or c.isspace() or ord(c) < 0x20 or ord(c) == 0x7F for c in target)
    return target if local and clean and len(target) <= 2000 else "/"


def router(container: Container) -> APIRouter:
    """The routes of /signin and /signout."""
    routes = APIRouter()
    cfg = container.cfg

    @routes.get("/signin", response_class=HTMLResponse, include_in_schema=False)
    def signin_page(request: Request, next: str = "/") -> HTMLResponse:
        web = web_of(request)
        people = auth.demo_people(cfg) if cfg.web.auth.demo_login else []
        return web.render(request, "signin.html", {"next": _safe_next(next), "people": people, "error": None,
                                                   "proxy": cfg.web.auth.mode == "proxy"})

    a = cfg.web.auth
    # Hard limits count an (account, address) pair and an address, never an account alone: whoever
    # knows a colleague's email must not be able to lock them out by failing on purpose (OWASP).
    per_pair = auth.Throttle(container.clock, limit=a.signin_failures_per_account, window=a.signin_window)
    per_address = auth.Throttle(container.clock, limit=a.signin_failures_per_address, window=a.signin_window)
    # Soft: over the limit an account refuses only addresses that have failed on it themselves.
    per_account = auth.Throttle(container.clock, limit=a.signin_failures_per_account, window=a.signin_window)

    def throttled(email: str, address: str) -> int | None:
        """Seconds to wait before ``address`` may try ``email`` again, or None when it may now.

        Refused: a pair with ``signin_failures_per_account`` failures in the window, an address
        with ``signin_failures_per_address``, and, while the account itself has
        ``signin_failures_per_account`` failures from anywhere, any address with a failure of its
        own on it. An address with no failures on the account always gets its attempt."""
        pair = f"pair:{email}\x00{address}"
        waits = [per_pair.retry_after(pair), per_address.retry_after("address:" + address)]
        account_wait = per_account.retry_after("account:" + email)
        own_wait = per_pair.retry_after(pair, limit=1)
        if account_wait is not None and own_wait is not None:
            waits.append(min(account_wait, own_wait))  # lifted once either count drops
        return max((w for w in waits if w is not None), default=None)

    @routes.post("/signin", include_in_schema=False)
    def signin(request: Request, email: str = Form(""), password: str = Form(""), next: str = Form("/"),
               csrf_token: str = Form("")) -> Response:
        auth.check_csrf(request, csrf_token)
        web = web_of(request)
        people = auth.demo_people(cfg) if cfg.web.auth.demo_login else []
        who = email.strip().lower()
        where = request.client.host if request.client else ""
        wait = throttled(who, where)
        if wait:
            log.warning("sign-in throttled", extra={"event": "signin_throttled", "retry_after": wait})
            minutes = max(1, round(wait / 60))
            page = web.render(request, "signin.html", {
                "next": _safe_next(next), "people": people, "email": email, "proxy": False,
                "error": f"Too many failed sign-ins. Try again in about {minutes} minute(s)."}, status=429, actor=None)
            page.headers["Retry-After"] = str(wait)
            return page
        acc = auth.verify_password(container.store, email.strip(), password) if cfg.web.auth.mode == "local" else None
        if acc is None:
            per_pair.fail(f"pair:{who}\x00{where}")
            per_address.fail("address:" + where)
            per_account.fail("account:" + who)
            return web.render(request, "signin.html", {"next": _safe_next(next), "people": people, "email": email,
                                                       "error": "Wrong email or password.", "proxy": False},
                              status=401, actor=None)
        per_pair.clear(f"pair:{who}\x00{where}")  # the account's count stays: another address may be guessing
        auth.sign_in(request, email=acc.email, name=acc.name, kind="account", generation=acc.session_generation)
        return RedirectResponse(_safe_next(next), status_code=303)

    @routes.post("/signin/demo", include_in_schema=False)
    def signin_demo(request: Request, person: str = Form(""), next: str = Form("/"),
                    csrf_token: str = Form("")) -> Response:
        auth.check_csrf(request, csrf_token)
        if not cfg.web.auth.demo_login or cfg.web.auth.mode != "local":
            raise auth.Forbidden("Demo sign-in is switched off.")
        match = [p for p in auth.demo_people(cfg) if p.id == person]
        if not match:
            raise auth.Forbidden("Not on the roster.")
        auth.sign_in(request, email=match[0].email, name=match[0].name, kind="demo")
        return RedirectResponse(_safe_next(next), status_code=303)  # where the person was going

    @routes.post("/signout", include_in_schema=False)
    def signout(request: Request, csrf_token: str = Form("")) -> Response:
        auth.check_csrf(request, csrf_token)
        auth.sign_out(request, container.store, now=container.clock.now())
        return RedirectResponse("/signin", status_code=303)
    return routes
