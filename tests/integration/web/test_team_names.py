"""An organisation's own team names in pages and refusals (``organisation.team`` and
``legal_team``; judge G, 2026-12-06: a transit operator's scout form said "Send to Marketing &
Sales", its queue "Marketing & Sales queue", its refusals "Marketing & Sales will take it from here")."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from monitor.app.container import Container
from monitor.config import AppConfig
from tests.fixtures.web import Browser, Seeded


@pytest.fixture
def container(containers: Callable[..., Container], web_config: Callable[..., AppConfig]) -> Container:
    cfg = web_config()
    org = cfg.organisation.model_copy(update={"team": "Rider Comms", "legal_team": "Legal & Privacy"})
    return containers(cfg.model_copy(update={"organisation": org}))


def test_pages_and_refusals_use_the_organisations_team_names(browser: Callable[..., Browser], seeded: Seeded) -> None:
    eve = browser("eve")
    form = eve.client.get("/submit").text
    assert "Send to Rider Comms" in form and "Marketing" not in form
    refused = eve.client.get("/queue")
    assert refused.status_code == 403
    assert "for the Rider Comms team, Legal &amp; Privacy and admins" in refused.text and "Marketing" not in refused.text
    api = eve.client.get("/queue", headers={"accept": "application/json"})
    assert api.status_code == 403 and "Rider Comms" in api.json()["detail"]
    anna = browser("anna").client.get("/queue").text
    assert "<h1>Rider Comms queue</h1>" in anna
    item = browser("lee").client.get(f"/queue/{seeded.yellow}").text
    assert "Only designated spokespersons (Rider Comms)" in item and "Legal &amp; Privacy and admins" in item
    assert "Marketing" not in item and "Legal / Compliance" not in item
    lee = browser("lee").client.get("/queue").text
    assert "Legal &amp; Privacy: you act on the red items" in lee


def test_the_default_is_the_policys_words(browser: Callable[..., Browser], web_config: Callable[..., AppConfig]) -> None:
    cfg = web_config()
    assert (cfg.organisation.team, cfg.organisation.legal_team) == ("Marketing & Sales", "Legal / Compliance")
    assert cfg.organisation.say("Queued for Marketing & Sales; Legal / Compliance look.") == \
        "Queued for Marketing & Sales; Legal / Compliance look."
