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
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from monitor.delivery import slack_blocks as sb
from monitor.delivery.notifiers._content import as_red, receiver_config, text_allowed, visible_other
from monitor.delivery.notifiers.base import Outbound
from monitor.domain.decide import CROSS_POST_WORDS, cross_post_core
from monitor.errors import NotifyError, redact, register_secret

if TYPE_CHECKING:
    from monitor.config import AppConfig

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


def same_words(first: dict[str, Any] | None, later: dict[str, Any]) -> bool:
    """Whether a later member of a group repeats the first alert's words (at least
    :data:`CROSS_POST_WORDS`, tags at the end ignored) by another account: a campaign's copy,
    shown in the thread as one line instead of the same text again."""
    if not first or not first.get("text") or not later.get("text") or first.get("author") == later.get("author"):
        return False
    core = cross_post_core(str(later["text"]))
    return core == cross_post_core(str(first["text"])) and len(re.findall(r"\w+", core)) >= CROSS_POST_WORDS


@dataclass
class _Parent:
    """The first alert of a group in one channel."""

    channel: str
    ts: str
    payload: dict[str, Any] | None
    blocks: list[dict[str, Any]] | None


class SlackNotifier:
    """Delivers outbox messages to Slack channels with a bot token."""

    name = "slack"

    def __init__(self, cfg: AppConfig, *, token: str, client: WebClient | None = None) -> None:
        self.cfg = cfg
        self.scfg = cfg.notify.slack
        self._token = token
        register_secret(token)
        self._client = client
        self._lock = threading.Lock()
        self._channel_ids: dict[str, str] = {}
        self._parents: dict[tuple[str, int], _Parent] = {}

    @classmethod
    def from_config(cls, cfg: AppConfig) -> SlackNotifier:
        """The notifier for ``cfg`` (the token comes from the environment variable it names)."""
        token = cfg.secret(cfg.notify.slack.bot_token_env)
        if not token:
            raise NotifyError(f"Slack bot token variable {cfg.notify.slack.bot_token_env} is not set",
                              recoverable=False)
        return cls(cfg, token=token)

    # ---- plumbing -------------------------------------------------------------------------
    @property
    def client(self) -> WebClient:
        """The WebClient, built on first use (no I/O at construction)."""
        with self._lock:
            if self._client is None:
                n = self.scfg.max_retries
                self._client = WebClient(
                    token=self._token, base_url=self.scfg.api_base, timeout=max(1, round(self.scfg.timeout.total_seconds())),
                    retry_handlers=[ConnectionErrorRetryHandler(max_retry_count=n),
                                    RateLimitErrorRetryHandler(max_retry_count=n),
                                    ServerErrorRetryHandler(max_retry_count=n)],
                )
            return self._client

    def _remember(self, msg: Outbound, ref: str, blocks: list[dict[str, Any]]) -> None:
        parsed = parse_ref(ref)
        if msg.payload.get("rose_from") and (msg.receiver, msg.queue_item_id) in self._parents:
            return  # a rise is a message of its own; the group's thread stays under its first alert
        if msg.queue_item_id is not None and parsed:
            self._parents[(msg.receiver, msg.queue_item_id)] = _Parent(parsed[0], parsed[1], dict(msg.payload),
                                                                       blocks)

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

    def _parent(self, msg: Outbound) -> _Parent | None:
        """The group's first alert to this receiver: where it was posted, and what it showed.

        From the outbox (``msg.previous_ref`` and ``msg.extra["alert_payload"]`` when the pipeline
        provides them), from this process's memory, or from the channel history (the alert's
        metadata names its item). No database access here: the outbox holds a write transaction
        while it sends, which SQLite would not share.
        """
        if msg.queue_item_id is None:
            return None
        key = (msg.receiver, msg.queue_item_id)
        ref = parse_ref(msg.previous_ref)
        if ref is not None:
            payload = msg.extra.get("alert_payload") or (self._parents[key].payload if key in self._parents else None)
            return _Parent(ref[0], ref[1], payload, None)
        if key in self._parents:
            return self._parents[key]
        channel, _ = self._target(msg.receiver)
        channel_id = self._channel_id(msg.channel or channel)
        if channel_id is None:
            return None
        for m in self._history(channel_id):
            meta = m.get("metadata") or {}
            ep = meta.get("event_payload") or {}
            if meta.get("event_type") == sb.EVENT_TYPE and ep.get("kind") == "alert" \
                    and ep.get("item_id") == msg.queue_item_id:
                parent = _Parent(channel_id, str(m.get("ts")), None, list(m.get("blocks") or []))
                self._parents[key] = parent
                return parent
        return None

    def _history(self, channel_id: str) -> Iterator[dict[str, Any]]:
        """The channel's messages, newest first, page by page (``history_limit`` each, at most
        ``history_pages``): a busy channel may hold more than one page of messages newer than
        the one looked for."""
        cursor: str | None = None
        for _ in range(self.scfg.history_pages):
            args: dict[str, Any] = {"channel": channel_id, "include_all_metadata": True, "limit": self.scfg.history_limit}
            if cursor:
                args["cursor"] = cursor
            resp = self._call("conversations.history", **args)
            yield from resp.get("messages") or []
            cursor = str((resp.get("response_metadata") or {}).get("next_cursor") or "")
            if not resp.get("has_more") or not cursor:
                return

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
            ref = self._post(channel, text, blocks, msg)
            self._remember(msg, ref, blocks)
            return ref
        if msg.kind == "update":
            parent = self._parent(msg)
            kind = "update" if parent else "alert"
            text, blocks = sb.render_alert(msg.payload, max_text_chars=limit, notice_only=notice_only, kind=kind,
                                           same_words=parent is not None and same_words(parent.payload, msg.payload))
            if parent is None:
                return self._post(channel, text, blocks, msg)
            if msg.payload.get("members_update") and msg.payload.get("mention_count"):
                # later members of the group (group_interval): the group's message says how many
                # posts it holds now, rewritten in place; the thread shows the newest
                count = msg.payload["mention_count"]
                if parent.blocks is None:
                    found = self._call("conversations.replies", channel=parent.channel, ts=parent.ts, limit=1)
                    posted: dict[str, Any] = next(iter(found.get("messages") or []), {})
                    parent.blocks = list(posted.get("blocks") or [])
                if parent.blocks:
                    head = sb.with_member_count(parent.blocks, count)
                    self._call("chat.update", channel=parent.channel, ts=parent.ts, blocks=head,
                               text=f"Item #{msg.queue_item_id}: {count} posts in this group")
                    parent.blocks = head
            return self._post(parent.channel, text, blocks, msg, thread_ts=parent.ts)
        if msg.kind == "state":
            parent = self._parent(msg)
            rc = receiver_config(self.cfg.receivers, msg.receiver)
            state = visible_other(rc, "state", msg.payload)
            text, blocks = sb.render_state_reply(state)
            if parent is None:
                return self._post(channel, f"Item #{state.get('item_id')}: {text}", blocks, msg)
            # an item that became red (a light override) takes its text out of channels not
            # cleared for it: the first alert is rewritten as a red item's notice (P4)
            now_red = msg.payload.get("light") == "red" and not text_allowed(rc, {"light": "red"})
            if parent.payload is not None:
                shown = as_red(rc, parent.payload) if now_red and parent.payload.get("light") != "red" else parent.payload
                if (not now_red and parent.payload.get("light") == "red" and msg.payload.get("light") not in (None, "red")
                        and sb.withheld(parent.payload, notice_only)):
                    # cleared by a person: the header follows the light, the buttons come back
                    shown = {**parent.payload, "light": msg.payload["light"], "cleared_by": msg.payload.get("by")}
                # a repriced item (a correction, an override): its header and "respond by" follow
                shown = {**shown, **{k: msg.payload[k] for k in ("priority", "due_at") if msg.payload.get(k)}}
                atext, ablocks = sb.render_alert(shown, max_text_chars=limit, notice_only=notice_only,
                                                 state=state)
            else:
                if parent.blocks is None:
                    found = self._call("conversations.replies", channel=parent.channel, ts=parent.ts, limit=1)
                    first: dict[str, Any] = next(iter(found.get("messages") or []), {})
                    parent.blocks = list(first.get("blocks") or [])
                ablocks = sb.restate_blocks(parent.blocks, state, withhold=now_red)
                atext = f"Item #{msg.payload.get('item_id')}: {text}"
            # rewrite the first alert first (idempotent), then record the change in its thread
            self._call("chat.update", channel=parent.channel, ts=parent.ts, text=atext, blocks=ablocks)
            parent.blocks = ablocks
            if now_red and msg.payload.get("action") == "override_light":
                # once, when a person marks it red: later state messages find the thread withheld
                self._withhold_thread(parent.channel, parent.ts)
            return self._post(parent.channel, text, blocks, msg, thread_ts=parent.ts)
        text, blocks = sb.render_generic(msg.kind, msg.payload)
        earlier = parse_ref(msg.previous_ref) if msg.payload.get("updates") else None
        if earlier is not None:
            # a later count for a message already posted (a spike's held alerts): rewrite it in place
            self._call("chat.update", channel=earlier[0], ts=earlier[1], text=text, blocks=blocks)
            return f"{earlier[0]}:{earlier[1]}"
        return self._post(channel, text, blocks, msg)

    def _withhold_thread(self, channel: str, ts: str) -> None:
        """Take the posts out of the replies in an item's thread once it is red (P4): the replies
        that show a later post of the group keep their heading, the post gives way to a notice
        (judge T, 2026-12-06: a member's text stayed in the broad channel's thread after a mark-red).
        Idempotent: a reply already withheld shows no post."""
        found = self._call("conversations.replies", channel=channel, ts=ts, limit=self.cfg.notify.slack.history_limit)
        for m in found.get("messages") or []:
            blocks = list(m.get("blocks") or [])
            if m.get("ts") == ts or not any(sb.shows_post(b) for b in blocks):
                continue
            kept = [b for b in blocks if not sb.shows_post(b)]
            self._call("chat.update", channel=channel, ts=m["ts"], text="A post of a red item (text withheld)",
                       blocks=[*kept, sb.withheld_notice()])

    def already_sent(self, msg: Outbound) -> str | None:
        """Look for the message's idempotency key in the channel (or thread) history. A rewrite
        of an earlier message is never "already sent": doing it again is harmless."""
        if msg.payload.get("updates") and parse_ref(msg.previous_ref) is not None:
            return None
        parent = self._parent(msg) if msg.kind in ("update", "state") else None
        messages: Iterable[dict[str, Any]]
        if parent is not None:
            resp = self._call("conversations.replies", channel=parent.channel, ts=parent.ts, include_all_metadata=True,
                              limit=self.scfg.history_limit)
            channel_id: str | None = parent.channel
            messages = resp.get("messages") or []
        else:
            channel, _ = self._target(msg.receiver)
            channel_id = self._channel_id(msg.channel or channel)
            if channel_id is None:
                return None  # nothing was ever posted there, so neither was this
            messages = self._history(channel_id)
        for m in messages:
            meta = m.get("metadata") or {}
            if meta.get("event_type") == sb.EVENT_TYPE and (meta.get("event_payload") or {}).get("key") == msg.key:
                return f"{channel_id}:{m.get('ts')}"
        return None

    def _channel_id(self, channel: str) -> str | None:
        """A channel id for a configured name: as is, cached from a post, or from conversations.list."""
        if _CHANNEL_ID.match(channel):
            return channel
        if channel in self._channel_ids:
            return self._channel_ids[channel]
        name = channel.lstrip("#")
        cursor = None
        for _ in range(20):
            resp = self._call("conversations.list", types="public_channel,private_channel", limit=1000,
                              exclude_archived=True, cursor=cursor)
            for ch in resp.get("channels") or []:
                if ch.get("name") == name or ch.get("id") == name:
                    self._channel_ids[channel] = str(ch["id"])
                    return str(ch["id"])
            cursor = (resp.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                break
        return None

    # ---- used by the interactivity endpoint ---------------------------------------------------
    def post_ephemeral(self, channel: str, user: str, text: str) -> bool:
        """An ephemeral answer to one user; False when Slack refused it (logged, not raised: the
        click was answered), e.g. ``channel_not_found`` in a channel the bot is not in."""
        etext, blocks = sb.ephemeral(text)
        try:
            self._call("chat.postEphemeral", channel=channel, user=user, text=etext, blocks=blocks)
            return True
        except NotifyError as exc:
            log.warning("ephemeral failed", extra={"event": "slack_ephemeral_failed", "error": str(exc)})
            return False

    def open_view(self, trigger_id: str, view: dict[str, Any]) -> bool:
        """Open a modal; False when Slack refused (the trigger expired, …)."""
        try:
            self._call("views.open", trigger_id=trigger_id, view=view)
            return True
        except NotifyError as exc:
            log.warning("views.open failed", extra={"event": "slack_view_failed", "error": str(exc)})
            return False


__all__ = ["SlackNotifier", "parse_ref"]
