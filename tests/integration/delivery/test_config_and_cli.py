"""Configuration of the new receivers (``scout check-config``) and ``scout notify test RECEIVER``."""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from monitor.cli import app
from monitor.config import validate_config
from monitor.errors import ConfigError
from tests.conftest import BASE_CONFIG
from tests.fakes.pagerduty import FakePagerDuty
from tests.fakes.teams import FakeTeams
from tests.fakes.webhook import FakeWebhook
from tests.integration.delivery.conftest import ROWS


def config_with(receivers: list[dict[str, Any]], tmp_path: Path) -> dict[str, Any]:
    data = copy.deepcopy(BASE_CONFIG)
    data["receivers"] = receivers
    data["data_dir"] = str(tmp_path / "data")
    data["storage"] = {"url": f"sqlite:///{tmp_path}/cli.db", "url_env": None}
    replay = tmp_path / "mentions.jsonl"
    replay.write_text("\n".join(json.dumps(r) for r in ROWS) + "\n", encoding="utf-8")
    data["sources"] = [{"name": "replay", "type": "replay", "interval": "10s", "options": {"file": str(replay)}}]
    return data


def four(**legal: Any) -> list[dict[str, Any]]:
    return [{"name": "marketing-sales"}, {"name": "legal-compliance", "restricted": True, "broad": False, **legal},
            {"name": "crisis"}, {"name": "kudos", "queue": False}]


@pytest.mark.parametrize(("target", "field", "said"), [
    ({"webhook": {"url": "http://n8n.internal/hook", "secret_env": "WEBHOOK_SECRET"}}, "webhook.url",
     "must use https://"),
    ({"webhook": {"url": "ftp://files.example/x", "secret_env": "WEBHOOK_SECRET"}}, "webhook.url", "https:// URL"),
    ({"webhook": {"url": "https://user:pw@hooks.example/x", "secret_env": "WEBHOOK_SECRET"}}, "webhook.url",
     "without credentials"),
    ({"webhook": {"url": "https://hooks.example/x", "secret_env": "whsec_abc123"}}, "webhook.secret_env",
     "environment variable"),
    ({"webhook": {"url": "https://hooks.example/x"}}, "webhook.secret_env", "required"),
    ({"pagerduty": {"routing_key_env": "R0ut1ngKey"}}, "pagerduty.routing_key_env", "environment variable"),
    ({"pagerduty": {"routing_key_env": "PD_KEY", "api_base": "events.pagerduty.com"}}, "pagerduty.api_base",
     "https:// URL"),
    ({"pagerduty": {"routing_key_env": "PD_KEY", "min_priority": "sky-high"}}, "pagerduty.min_priority", ""),
    ({"teams": {"webhook_url_env": "https://prod.westeurope.logic.azure.com/workflows/x"}},
     "teams.webhook_url_env", "environment variable"),
    ({"teams": {"webhook_url_env": "TEAMS_URL", "channel": "#x"}}, "teams.channel", "unknown key"),
])
def test_bad_target_settings_are_named(target: dict[str, Any], field: str, said: str, tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as err:
        validate_config(config_with(four(**target), tmp_path), path="cfg.yaml", env={})
    problems = {(loc, msg) for _, loc, msg in err.value.problems}
    assert any(loc == f"receivers[1].{field}" and said in msg for loc, msg in problems), problems
    assert "whsec_abc123" not in str(err.value) or field == "webhook.secret_env"


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def cfg_file(tmp_path: Path, pd: FakePagerDuty, teams: FakeTeams, hook: FakeWebhook) -> Callable[..., Path]:
    def make(**legal: Any) -> Path:
        legal = legal or {"pagerduty": {"routing_key_env": "PD_ROUTING_KEY", "api_base": pd.url},
                          "teams": {"webhook_url_env": "TEAMS_LEGAL_URL"},
                          "webhook": {"url": hook.url("legal"), "secret_env": "WEBHOOK_SECRET"}}
        p = tmp_path / "brand-scout.yaml"
        p.write_text(yaml.safe_dump(config_with(four(**legal), tmp_path), sort_keys=False), encoding="utf-8")
        return p

    return make


def test_check_config_names_an_unset_target_secret(runner: CliRunner, cfg_file: Callable[..., Path],
                                                   env: dict[str, str]) -> None:
    path = cfg_file()
    ok = runner.invoke(app, ["check-config", str(path)], env=env)
    assert ok.exit_code == 0, ok.output
    missing = runner.invoke(app, ["check-config", str(path)], env={**env, "PD_ROUTING_KEY": ""})
    assert missing.exit_code == 2
    assert "receivers[1].pagerduty.routing_key_env: environment variable PD_ROUTING_KEY is not set" in missing.output
    insecure = runner.invoke(app, ["check-config", str(path)],
                             env={**env, "TEAMS_LEGAL_URL": "http://teams.example/workflows/x?sig=abc"})
    assert insecure.exit_code == 2 and "receivers[1].teams.webhook_url_env" in insecure.output
    assert "sig=abc" not in insecure.output  # the URL is a secret: never echoed


def test_notify_test_sends_through_every_destination(runner: CliRunner, cfg_file: Callable[..., Path],
                                                     env: dict[str, str], pd: FakePagerDuty, teams: FakeTeams,
                                                     hook: FakeWebhook, tmp_path: Path) -> None:
    hook.now = time.time  # the CLI signs with the real clock
    r = runner.invoke(app, ["notify", "test", "legal-compliance", "-c", str(cfg_file())], env=env)
    assert r.exit_code == 0, r.output
    for name in ("log", "pagerduty", "teams", "webhook"):
        assert f"legal-compliance -> {name}: sent" in r.output
    (ev,) = pd.events
    assert ev["event_action"] == "trigger" and ev["payload"]["severity"] == "info"
    assert ev["payload"]["summary"] == "brand-scout test message for receiver legal-compliance"
    (card,) = teams.cards("legal")
    assert "test message" in json.dumps(card)
    (event,) = hook.events("legal")
    assert event["event"] == "test" and event["receiver"] == "legal-compliance" and hook.rejected == 0
    assert "TEST: brand-scout test message" in (tmp_path / "data" / "alerts.log").read_text(encoding="utf-8")


def test_notify_test_one_target_failures_and_unknown_receivers(
        runner: CliRunner, cfg_file: Callable[..., Path], env: dict[str, str], pd: FakePagerDuty,
        teams: FakeTeams) -> None:
    path = str(cfg_file())
    only = runner.invoke(app, ["notify", "test", "legal-compliance", "-c", path, "--target", "teams"], env=env)
    assert only.exit_code == 0 and "-> teams: sent" in only.output and "pagerduty" not in only.output
    assert not pd.events and len(teams.cards("legal")) == 1
    teams.server.inject("500")
    down = runner.invoke(app, ["notify", "test", "legal-compliance", "-c", path, "-t", "teams"], env=env)
    assert down.exit_code == 1 and "teams: FAILED (temporary, the outbox would retry)" in down.output
    assert "sig=" not in down.output
    unknown = runner.invoke(app, ["notify", "test", "nobody", "-c", path], env=env)
    assert unknown.exit_code == 2 and "unknown receiver 'nobody'" in unknown.output
    no_such = runner.invoke(app, ["notify", "test", "crisis", "-c", path, "-t", "pagerduty"], env=env)
    assert no_such.exit_code == 2 and "has no pagerduty destination" in no_such.output


def test_a_disabled_target_needs_no_secret_and_gets_no_messages(
        runner: CliRunner, cfg_file: Callable[..., Path], env: dict[str, str], pd: FakePagerDuty) -> None:
    path = cfg_file(pagerduty={"enabled": False, "routing_key_env": "PD_ROUTING_KEY", "api_base": pd.url})
    ok = runner.invoke(app, ["check-config", str(path)], env={**env, "PD_ROUTING_KEY": ""})
    assert ok.exit_code == 0, ok.output
    r = runner.invoke(app, ["notify", "test", "legal-compliance", "-c", str(path)], env={**env, "PD_ROUTING_KEY": ""})
    assert r.exit_code == 0 and "pagerduty" not in r.output and not pd.events
