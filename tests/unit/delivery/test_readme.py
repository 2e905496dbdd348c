"""README "Receivers" stays honest: its config examples validate and its signature snippet verifies
what the webhook notifier signs."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import yaml

from monitor.config.notify import PagerDutyTarget, TeamsTarget, WebhookTarget
from monitor.config.policy import ReceiverConfig
from monitor.delivery.notifiers.webhook import sign

README = Path(__file__).resolve().parents[3] / "README.md"


def section() -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index("\n## Receivers\n")
    end = text.index("\n## ", start + 5)
    return text[start:end]


def blocks(lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", section(), flags=re.S)


def test_the_config_examples_validate() -> None:
    models: dict[str, Any] = {"pagerduty": PagerDutyTarget, "teams": TeamsTarget, "webhook": WebhookTarget}
    seen = set()
    for block in blocks("yaml"):
        data = yaml.safe_load(block)
        for key, value in data.items():
            if key == "receivers":
                for r in value:
                    ReceiverConfig.model_validate(r)
            else:
                models[key].model_validate(value)
            seen.add(key)
    assert seen == {"receivers", "pagerduty", "teams", "webhook"}


def test_the_verification_snippet_accepts_a_signed_body_and_nothing_else() -> None:
    (snippet,) = blocks("python")
    scope: dict[str, Any] = {}
    exec(snippet, scope)  # the README's code, as a reader would paste it
    verify = scope["verify"]
    body = b'{"event":"test","id":"test:crisis:1>webhook"}'
    header = sign("s3cret", int(time.time()), body)
    assert verify("s3cret", header, body)
    assert not verify("s3cret", header, body.replace(b"test", b"tost"))
    assert not verify("other", header, body)
    assert not verify("s3cret", sign("s3cret", int(time.time()) - 3600, body), body)
    assert not verify("s3cret", "garbage", body)
