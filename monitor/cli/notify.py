"""``scout notify test RECEIVER``: send a test message through a receiver's destinations (its
Slack channel or the alert log, and its PagerDuty, Teams and webhook targets) so an operator can
see it arrive. It sends directly, not through the outbox, and says per destination what happened."""

from __future__ import annotations

from typing import Annotated

import typer

from monitor.cli.options import DEFAULT_CONFIG, ConfigOpt, check, fail, load
from monitor.clock import SystemClock
from monitor.delivery.notifiers import EMAIL, TARGETS, build_targets, target_channel, target_key, targets_of
from monitor.delivery.notifiers.base import Notifier, Outbound
from monitor.delivery.notifiers.log import LogNotifier
from monitor.errors import NotifyError

notify_app = typer.Typer(help="Receivers: send a test message through one.", no_args_is_help=True)

TargetOpt = Annotated[list[str] | None, typer.Option(
    "--target", "-t", help="only this destination (slack, log, pagerduty, teams, webhook, email); repeatable")]


@notify_app.command("test")
def test(receiver: Annotated[str, typer.Argument(help="receiver name from the config")],
         config: ConfigOpt = DEFAULT_CONFIG, target: TargetOpt = None) -> None:
    """Send a test message through RECEIVER's destinations; exit 1 if one of them failed."""
    cfg = load(config)
    check(cfg)  # exits 2 when a target's secret is not in the environment
    rc = next((r for r in cfg.receivers if r.name == receiver), None)
    if rc is None:
        raise fail(f"unknown receiver {receiver!r} (known: {', '.join(r.name for r in cfg.receivers)})", 2)
    clock = SystemClock()
    notifiers: dict[str, Notifier] = {"log": LogNotifier(cfg.data_path / cfg.notify.alert_log, cfg.organisation.timezone)}
    primary = "log"
    if cfg.slack_active and rc.slack is not None:
        from monitor.delivery.notifiers.slack import SlackNotifier

        notifiers["slack"] = SlackNotifier.from_config(cfg)
        primary = "slack"
    notifiers.update(build_targets(cfg, clock=clock))
    available = [primary, *targets_of(rc), *([EMAIL] if cfg.notify.email.enabled and rc.email else [])]
    chosen = available if not target else [t for t in available if t in target]
    unknown = sorted(set(target or []) - set(available))
    if unknown:
        raise fail(f"receiver {receiver!r} has no {', '.join(unknown)} destination (it has: {', '.join(available)})", 2)
    now = clock.now()
    key = f"test:{receiver}:{now.strftime('%Y%m%dT%H%M%S')}"
    payload = {"title": f"brand-scout test message for receiver {receiver}",
               "summary": f"Sent by 'scout notify test' at {now.strftime('%Y-%m-%d %H:%M:%S UTC')}. "
                          "If you can read this, alerts for this receiver arrive here. No action needed.",
               "item_url": f"{cfg.web.base_url.rstrip('/')}/queue", "sent_at": now.isoformat()}
    failed = False
    for name in chosen:
        is_target = name in (*TARGETS, EMAIL)
        msg = Outbound(key=target_key(key, name) if is_target else key, receiver=receiver, kind="test",
                       payload=payload, channel=target_channel(name) if is_target else None)
        try:
            ref = notifiers[name].send(msg)
        except NotifyError as exc:
            failed = True
            kind = "temporary, the outbox would retry" if exc.recoverable else "permanent"
            typer.echo(f"{receiver} -> {name}: FAILED ({kind}): {exc}", err=True)
            continue
        typer.echo(f"{receiver} -> {name}: sent ({ref or 'ok'})")
    if failed:
        raise typer.Exit(1)


__all__ = ["notify_app"]
