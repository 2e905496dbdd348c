"""The queue actions a labelled stream may take include Legal's answer to "may be confidential"
(judge Z, 2026-12-06: it could not be scored in a stream); its reason is optional."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from monitor.app.eval_actions import parse_action

AT = datetime(2026, 12, 2, 17, 0, tzinfo=UTC)


def test_not_confidential_needs_no_reason() -> None:
    a = parse_action({"action": "not-confidential", "source": "x", "external_id": "1", "by": "grace.okafor"}, 3, AT)
    assert (a.action, a.by, a.args) == ("not-confidential", "grace.okafor", {})
    b = parse_action({"action": "not-confidential", "source": "x", "external_id": "1", "by": "grace.okafor",
                      "reason": "published minutes"}, 4, AT)
    assert b.args == {"reason": "published minutes"}


def test_an_unknown_action_names_the_choices() -> None:
    with pytest.raises(ValueError, match="not-confidential"):
        parse_action({"action": "clear", "source": "x", "external_id": "1", "by": "grace.okafor"}, 5, AT)
