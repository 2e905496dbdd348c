"""Bad input through the web: the scout form and the JSON API fuzzed with hypothesis (random
text, invalid UTF-8, zero-width and right-to-left characters, 100 kB posts, emoji-only, HTML /
script payloads) and schemathesis against the OpenAPI schema. No 5xx, clear 4xx errors, and no
payload is ever rendered back unescaped."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from monitor.app.bootstrap import Container, build
from monitor.clock import FrozenClock
from monitor.config import AppConfig
from monitor.web.app import create_app
from tests.doubles import KeywordClassifier, RecordingNotifier
from tests.fixtures.web import ENV, PEOPLE, csrf_of
from tests.soak import cases, report

TOKEN = "tok-crm-123"
RAW_MARKERS = ("<script>alert('bs-xss')</script>", "<img src=x onerror=bsxss()>", "<svg onload=bsxss()>",
               "javascript:bsxss()")
HOSTILE = [
    "SET SEG <script>alert('bs-xss')</script> refund", "<img src=x onerror=bsxss()> SET SEG",
    "<svg onload=bsxss()>", "\"><script>alert('bs-xss')</script>", "<a href=\"javascript:bsxss()\">x</a>",
    "SET\u200bSEG\u200d\u2060 zero width", "\u202eSET SEG gnidnefed\u202c", "\u0627\u0644\u0639\u0631\u0628\u064a\u0629 SET SEG",
    "😀🔥💯" * 10, "👍", "x" * 100_000, "SET SEG " + "é" * 50_000, "<!channel> <@U123> <https://evil|bank>",
    "\x00\x07\x1b[31m", "%00%ff", "{{7*7}} {% raw %}", "' OR 1=1; --",
]
TEXT = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=300),
                 st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=50))
URL = st.one_of(st.sampled_from(["https://example.com/p/1", "javascript:bsxss()", "http://x", "", "ftp://a/b",
                                 "https://example.com/<script>alert('bs-xss')</script>", "https://" + "a" * 3000]),
                st.text(max_size=80))


@pytest.fixture
def web(make_config: Callable[..., AppConfig], tmp_path: Path, clock: FrozenClock) -> Iterator[tuple[Container, FastAPI]]:
    cfg = make_config(db=f"sqlite:///{tmp_path}/fuzz.db", env=ENV, people=PEOPLE, sources=[],
                      web={"submissions_per_hour": 100_000, "auth": {"demo_login": True}})
    c = build(cfg, clock=clock, classifier=KeywordClassifier(), notifiers={"log": RecordingNotifier()})
    c.start()
    yield c, create_app(c)
    c.store.engine.dispose()


def _signed_in(app: FastAPI, person: str) -> TestClient:
    client = TestClient(app, base_url="http://testserver")
    page = client.get("/signin")
    r = client.post("/signin/demo", data={"person": person, "csrf_token": csrf_of(page.text)}, follow_redirects=False)
    assert r.status_code == 303, r.text
    return client


def _no_raw(body: str) -> None:
    for raw in RAW_MARKERS:
        if raw.startswith("javascript:"):
            assert 'href="javascript:' not in body and "href='javascript:" not in body
        else:
            assert raw not in body, raw


def _check_pages(c: Container, app: FastAPI) -> None:
    lead = _signed_in(app, "anna")
    pages = ["/queue", "/queue?status=all", "/health", "/dashboard"]
    pages += [f"/queue/{qi.id}" for qi, _m in c.store.queue_items(limit=50)]
    for url in pages:
        r = lead.get(url)
        assert r.status_code < 500, (url, r.status_code)
        _no_raw(r.text)


# a failing case with a 100 kB text must report the failure, not hypothesis's warning about its repr
LARGE_REPR = pytest.mark.filterwarnings("ignore:Generating overly large repr")


@LARGE_REPR
def test_scout_form_fuzz(web: tuple[Container, FastAPI]) -> None:
    c, app = web
    eve = _signed_in(app, "eve")
    seen = {"n": 0}

    @settings(max_examples=cases(120), deadline=None, suppress_health_check=list(HealthCheck))
    @given(url=URL, note=TEXT, category=st.sampled_from(["compliment", "criticism", "question", "other", "bad", ""]),
           urgency=st.sampled_from(["low", "normal", "high", "urgent!"]))
    def post(url: str, note: str, category: str, urgency: str) -> None:
        seen["n"] += 1
        token = csrf_of(eve.get("/submit").text)
        r = eve.post("/submit", data={"url": url, "note": note, "category": category, "urgency": urgency,
                                      "csrf_token": token}, follow_redirects=True)
        assert r.status_code < 500, (r.status_code, r.text[:500])
        assert r.status_code in (200, 413, 422, 429), r.status_code  # 413: the 100 kB note over the form's cap
        _no_raw(r.text)

    post()
    report("scout form", seen["n"])
    # invalid UTF-8 in the raw form body, and a missing CSRF token
    token = csrf_of(eve.get("/submit").text)
    for body in (b"url=https%3A%2F%2Fexample.com%2Fp&note=%FF%FE%FDbad&category=other&urgency=normal&csrf_token=" +
                 token.encode(), b"url=\xff\xfe&note=\xc3\x28&csrf_token=" + token.encode(), b"\xff" * 64):
        r = eve.post("/submit", content=body, headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert r.status_code < 500, (body[:40], r.status_code)
    r = eve.post("/submit", data={"url": "https://example.com/x", "note": "n"})
    assert r.status_code in (400, 403), r.status_code
    c.pipeline.run_once()
    _check_pages(c, app)
    r = eve.get("/submissions")
    assert r.status_code == 200
    _no_raw(r.text)
    assert seen["n"] >= 50


@LARGE_REPR
def test_json_api_fuzz(web: tuple[Container, FastAPI]) -> None:
    c, app = web
    client = TestClient(app, base_url="http://testserver")
    auth = {"Authorization": f"Bearer {TOKEN}"}
    seen = {"n": 0}

    @settings(max_examples=cases(120), deadline=None, suppress_health_check=list(HealthCheck))
    @given(body=st.one_of(
        st.fixed_dictionaries({"url": URL, "note": TEXT},
                              optional={"category": st.one_of(st.text(max_size=10), st.integers()),
                                        "urgency": st.sampled_from(["low", "high", "x", ""]),
                                        "submitted_by": st.one_of(st.none(), st.emails(), st.text(max_size=30))}),
        st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=20),
                     lambda ch: st.lists(ch, max_size=3) | st.dictionaries(st.text(max_size=8), ch, max_size=3),
                     max_leaves=8)))
    def post(body: Any) -> None:
        seen["n"] += 1
        r = client.post("/api/submissions", json=body, headers=auth)
        assert r.status_code < 500, (r.status_code, r.text[:500])
        assert r.status_code in (201, 413, 422, 429), (r.status_code, r.text[:300])
        if r.status_code == 422:
            assert r.json().get("detail"), r.text  # a clear error

    post()
    report("JSON API", seen["n"])
    for raw in (b"\xff\xfe\xfd", b'{"url": "\xff"}', b"{" * 5000):
        r = client.post("/api/submissions", content=raw, headers={**auth, "Content-Type": "application/json"})
        assert r.status_code < 500 and r.status_code in (400, 422), (raw[:30], r.status_code)
    for q in ("?status=all", "?status=%FF", "?limit=0", "?limit=99999999999999999999", "?status=<script>"):
        r = client.get("/api/queue" + q, headers=auth)
        assert r.status_code < 500, (q, r.status_code)
    c.pipeline.run_once()
    r = client.get("/api/queue?status=all&limit=1000", headers=auth)
    assert r.status_code == 200
    _check_pages(c, app)


def test_json_lone_surrogate_is_a_client_error(web: tuple[Container, FastAPI]) -> None:
    client = TestClient(web[1], base_url="http://testserver", raise_server_exceptions=False)
    r = client.post("/api/submissions", content=b'{"url": "https://e.com/a", "note": "\\ud800"}',
                    headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"})
    assert r.status_code == 422, r.status_code


def test_openapi_no_server_errors(web: tuple[Container, FastAPI]) -> None:
    """Schemathesis (programmatic: its pytest plugin does not load under this pytest) generates
    positive and negative cases for every operation of /openapi.json; none may answer 5xx."""
    from schemathesis.checks import not_a_server_error

    schema = schemathesis.openapi.from_asgi("/openapi.json", web[1])
    ops = [r.ok() for r in schema.get_all_operations()]  # type: ignore[union-attr]
    assert {op.path for op in ops} >= {"/api/submissions", "/api/queue"}
    ran = {"n": 0}
    for op in ops:
        @settings(max_examples=cases(40), deadline=None, suppress_health_check=list(HealthCheck))
        @given(case=op.as_strategy())
        def run(case: Any) -> None:
            ran["n"] += 1
            for headers in ({"Authorization": f"Bearer {TOKEN}"}, {"Authorization": "Bearer nope"}):
                case.call_and_validate(headers=headers, checks=[not_a_server_error])

        run()
    report(f"schemathesis over {len(ops)} operations", ran["n"])
    assert ran["n"] >= 2 * len(ops)
