"""Slack delivery: one Block Kit message per queue item, updates in its thread, exactly once.

* Alerts go to the receiver's channel (``receivers[].slack.channel``). Red items carry their text
  only to restricted receivers (the pipeline withholds it from the payload); a ``notice_only``
  channel never gets text.
* ``update`` (a later mention of the group) and ``state`` (claimed, responded, closed…) messages
  are posted in the thread of the group's first alert; a ``state`` message also rewrites that
  first message with ``chat.update`` so the channel shows the truth.
* Every posted message carries the outbox idempotency key in its ``metadata``
  (``event_type=brand_scout_alert``); :meth:`SlackNotifier.already_sent` looks for it in the
  channel (or thread) history, so a send interrupted by a crash is not repeated.
* slack-sdk's retry handlers retry connection errors, 429 (honouring ``Retry-After``) and 5xx a
  few times; what still fails becomes a :class:`NotifyError` for the outbox's backoff.
"""

from __future__ import annotations

import http.client
import logging
import re
import threading
import urllib.error
from typing import TYPE_CHECKING, Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from sqlmodel import col, select

from monitor import slack_blocks as sb
from monitor.errors import NotifyError, redact, register_secret
from monitor.models import Notification
from monitor.notifiers.base import Outbound

if TYPE_CHECKING:
    from monitor.config import AppConfig
    from monitor.store import Store

log = logging.getLogger("brand_scout.slack")

_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{2,}$")
_TRANSIENT = {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout",
              "team_added_to_org", "rate_limited"}
_PERMANENT = {"invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired",
              "channel_not_found", "not_in_channel", "is_archived", "missing_scope", "no_permission",
              "invalid_blocks", "msg_too_long", "restricted_action"}


def _header(headers: Any, name: str) -> str | None:
    for k, v in dict(headers or {}).items():
        if str(k).lower() == name.lower():
            return str(v[0] if isinstance(v, list) and v else v)
    return None


def parse_ref(ref: str | None) -> tuple[str, str] | None:
    """``"C123:1700000000.000100"`` → ``("C123", "1700000000.000100")``."""
    if not ref or ":" not in ref:
        return None
    channel, ts = ref.split(":", 1)
    return (channel, ts) if channel and ts else None


class SlackNotifier:
    """Delivers outbox messages to Slack channels with a bot token."""

    name = "slack"

    def __init__(self, cfg: AppConfig, *, token: str, store: Store | None = None,
                 client: WebClient | None = None) -> None:
        self.cfg = cfg
        self.scfg = cfg.notify.slack
        self._token = token
        register_secret(token)
        self._store = store
        self._client = client
        self._lock = threading.Lock()
        self._channel_ids: dict[str, str] = {}

    @classmethod
    def from_config(cls, cfg: AppConfig, store: Store | None = None) -> SlackNotifier:
        """The notifier for ``cfg`` (the token comes from the environment variable it names)."""
        token = cfg.secret(cfg.notify.slack.bot_token_env)
        if not token:
            raise NotifyError(f"Slack bot token variable {cfg.notify.slack.bot_token_env} is not set",
                              recoverable=False)
        return cls(cfg, token=token, store=store)

    # ---- plumbing -------------------------------------------------------------------------
    @property
    def client(self) -> WebClient:
        """The WebClient, built on first use (no I/O at construction)."""
        with self._lock:
            if self._client is None:
                n = self.scfg.max_retries
                self._client = WebClient(
                    token=self._token, base_url=self.scfg.api_base, timeout=int(self.scfg.timeout.total_seconds()),
                    retry_handlers=[ConnectionErrorRetryHandler(max_retry_count=n),
                                    RateLimitErrorRetryHandler(max_retry_count=n),
                                    ServerErrorRetryHandler(max_retry_count=n)],
                )
            return self._client

    @property
    def store(self) -> Store:
        """The store (for the thread of a group's first alert); its own engine when not given."""
        with self._lock:
            if self._store is None:
                from monitor.db import make_engine
                from monitor.store import Store

                self._store = Store(make_engine(self.cfg.database_url(), pool_size=2))
            return self._store

    def bind(self, store: Store) -> None:
        """Use the container's store instead of opening one."""
        self._store = store

    def _call(self, method: str, **kwargs: Any) -> Any:
        """Call a Web API method; map every failure to :class:`NotifyError` (never with the token)."""
        fn = getattr(self.client, method.replace(".", "_"))
        try:
            return fn(**kwargs)
        except SlackApiError as exc:
            resp = exc.response
            status = getattr(resp, "status_code", 200)
            error = str(resp.get("error") if resp is not None else "") or f"HTTP {status}"
            if status == 429 or error in ("ratelimited", "rate_limited"):
                ra = _header(getattr(resp, "headers", {}), "Retry-After")
                retry_after = float(ra) if ra and ra.replace(".", "", 1).isdigit() else 30.0
                raise NotifyError(f"Slack {method}: rate limited (retry after {retry_after:g} s)",
                                  recoverable=True, retry_after=retry_after) from None
            recoverable = status >= 500 or status == 408 or error in _TRANSIENT
            if error in _PERMANENT:
                recoverable = False
            raise NotifyError(redact(f"Slack {method} failed: {error}"), recoverable=recoverable) from None
        except (urllib.error.URLError, http.client.HTTPException, OSError) as exc:
            reason = getattr(exc, "reason", None) or type(exc).__name__
            raise NotifyError(redact(f"Slack {method}: cannot reach Slack ({reason})"), recoverable=True) from None

    def _target(self, receiver: str) -> tuple[str, bool]:
        rc = next((r for r in self.cfg.receivers if r.name == receiver), None)
        if rc is None or rc.slack is None:
            raise NotifyError(f"receiver {receiver!r} has no Slack channel", recoverable=False)
        return rc.slack.channel, rc.slack.notice_only

    def _parent(self, msg: Outbound) -> tuple[str, str, dict[str, Any]] | None:
        """The (channel, ts, payload) of the group's first alert to this receiver, when it was posted."""
        if msg.queue_item_id is None:
            return None
        with self.store.session() as s:
            row = s.exec(select(Notification).where(
                Notification.queue_item_id == msg.queue_item_id, Notification.receiver == msg.receiver,
                Notification.kind == "alert", Notification.status == "sent",
            ).order_by(col(Notification.id))).first()
            if row is None:
                return None
            ref = parse_ref(msg.previous_ref) or parse_ref(row.external_ref)
            return (ref[0], ref[1], dict(row.payload)) if ref else None

    @staticmethod
    def _metadata(msg: Outbound) -> dict[str, Any]:
        return {"event_type": sb.EVENT_TYPE,
                "event_payload": {"key": msg.key, "kind": msg.kind, "item_id": msg.queue_item_id or 0}}

    def _post(self, channel: str, text: str, blocks: list[dict[str, Any]], msg: Outbound,
              thread_ts: str | None = None) -> str:
        kwargs: dict[str, Any] = {"channel": channel, "text": text, "blocks": blocks,
                                  "metadata": self._metadata(msg), "unfurl_links": False, "unfurl_media": False}
        if thread_ts:
            kwargs["thread_ts"] = thread_ts
        resp = self._call("chat.postMessage", **kwargs)
        cid, ts = str(resp.get("channel") or channel), str(resp.get("ts") or "")
        if not _CHANNEL_ID.match(channel):
            self._channel_ids[channel] = cid
        return f"{cid}:{ts}"

    # ---- the Notifier protocol ----------------------------------------------------------------
    def send(self, msg: Outbound) -> str | None:
        """Post ``msg``; returns ``"channel:ts"`` of the posted message."""
        channel, notice_only = self._target(msg.receiver)
        channel = msg.channel or channel
        limit = self.scfg.max_text_chars
        if msg.kind == "alert":
            text, blocks = sb.render_alert(msg.payload, max_text_chars=limit, notice_only=notice_only)
            return self._post(channel, text, blocks, msg)
        if msg.kind == "update":
            parent = self._parent(msg)
            kind = "update" if parent else "alert"
            text, blocks = sb.render_alert(msg.payload, max_text_chars=limit, notice_only=notice_only, kind=kind)
            if parent is None:
                return self._post(channel, text, blocks, msg)
            return self._post(parent[0], text, blocks, msg, thread_ts=parent[1])
        if msg.kind == "state":
            parent = self._parent(msg)
            text, blocks = sb.render_state_reply(msg.payload)
            if parent is None:
                return self._post(channel, f"Item #{msg.payload.get('item_id')}: {text}", blocks, msg)
            pchannel, pts, alert = parent
            atext, ablocks = sb.render_alert(alert, max_text_chars=limit, notice_only=notice_only, state=msg.payload)
            # rewrite the first alert first (idempotent), then record the change in its thread
            self._call("chat.update", channel=pchannel, ts=pts, text=atext, blocks=ablocks)
            return self._post(pchannel, text, blocks, msg, thread_ts=pts)
        text, blocks = sb.render_generic(msg.kind, msg.payload)
        return self._post(channel, text, blocks, msg)

    def already_sent(self, msg: Outbound) -> str | None:
        """Look for the message's idempotency key in the channel (or thread) history."""
        parent = self._parent(msg) if msg.kind in ("update", "state") else None
        if parent is not None:
            resp = self._call("conversations.replies", channel=parent[0], ts=parent[1], include_all_metadata=True,
                              limit=self.scfg.history_limit)
            channel_id: str | None = parent[0]
        else:
            channel, _ = self._target(msg.receiver)
            channel_id = self._channel_id(msg.channel or channel, msg.receiver)
            if channel_id is None:
                return None  # nothing was ever posted there, so neither was this
            resp = self._call("conversations.history", channel=channel_id, include_all_metadata=True,
                              limit=self.scfg.history_limit)
        for m in resp.get("messages") or []:
            meta = m.get("metadata") or {}
            if meta.get("event_type") == sb.EVENT_TYPE and (meta.get("event_payload") or {}).get("key") == msg.key:
                return f"{channel_id}:{m.get('ts')}"
        return None

    def _channel_id(self, channel: str, receiver: str) -> str | None:
        """A channel id for a configured name: cached, from an earlier delivery, or from conversations.list."""
        if _CHANNEL_ID.match(channel):
            return channel
        if channel in self._channel_ids:
            return self._channel_ids[channel]
        with self.store.session() as s:
            refs = s.exec(select(Notification.external_ref).where(
                Notification.receiver == receiver, Notification.status == "sent",
                col(Notification.external_ref).is_not(None)).order_by(col(Notification.id).desc()).limit(5)).all()
        for ref in refs:
            parsed = parse_ref(ref)
            if parsed and _CHANNEL_ID.match(parsed[0]):
                self._channel_ids[channel] = parsed[0]
                return parsed[0]
        name = channel.lstrip("#")
        cursor = None
        for _ in range(20):
            resp = self._call("conversations.list", types="public_channel,private_channel", limit=1000,
                              exclude_archived=True, cursor=cursor)
            for ch in resp.get("channels") or []:
                if ch.get("name") == name:
                    self._channel_ids[channel] = str(ch["id"])
                    return str(ch["id"])
            cursor = (resp.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                break
        return None

    # ---- used by the interactivity endpoint ---------------------------------------------------
    def post_ephemeral(self, channel: str, user: str, text: str) -> None:
        """An ephemeral answer to one user (errors are logged, not raised: the click was answered)."""
        etext, blocks = sb.ephemeral(text)
        try:
            self._call("chat.postEphemeral", channel=channel, user=user, text=etext, blocks=blocks)
        except NotifyError as exc:
            log.warning("ephemeral failed", extra={"event": "slack_ephemeral_failed", "error": str(exc)})

    def open_view(self, trigger_id: str, view: dict[str, Any]) -> bool:
        """Open a modal; False when Slack refused (the trigger expired, …)."""
        try:
            self._call("views.open", trigger_id=trigger_id, view=view)
            return True
        except NotifyError as exc:
            log.warning("views.open failed", extra={"event": "slack_view_failed", "error": str(exc)})
            return False


__all__ = ["SlackNotifier", "parse_ref"]
