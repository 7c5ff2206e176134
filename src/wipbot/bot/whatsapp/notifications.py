"""Meta's webhook notification, read into neutral inbound messages and delivery statuses.

Pure: no I/O. The shape is `entry[].changes[].value` with `messages[]` (what a contact wrote or
tapped) and `statuses[]` (what became of what we sent), plus `metadata.phone_number_id` naming the
business number it concerns and `contacts[]` carrying each sender's profile name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from wipbot.handlers.messages import Inbound
from wipbot.store.models.widths import INBOUND_ID, PHOTO_FILE_ID

PLATFORM = "whatsapp"
CHECKIN_COMMAND = "/checkin"

# Kinds that are not a message to answer: a reaction to one of ours, a system notice.
_IGNORED_TYPES = frozenset({"reaction", "system", "ephemeral"})
_WA_ID = re.compile(r"[0-9]{1,20}")
"""A WhatsApp id is the sender's phone number in digits (E.164 has at most 15)."""
MAX_TEXT = 4096
"""Meta's limit for a message's text; a megabyte "message" took the parser seconds."""


@dataclass(frozen=True)
class StatusUpdate:
    """What became of a message we sent: sent, delivered, read or failed."""

    message_id: str
    status: str
    at: datetime
    recipient_id: str
    error: str | None = None


@dataclass(frozen=True)
class Notification:
    messages: tuple[Inbound, ...] = ()
    statuses: tuple[StatusUpdate, ...] = ()


def parse_notification(body: Any, *, phone_number_id: str | None, now: datetime) -> Notification:
    """Everything in one webhook call that concerns our number; anything else is ignored.

    `now` stands in for a missing timestamp, which Meta always sends but a hand-made call may not.
    """
    messages: list[Inbound] = []
    statuses: list[StatusUpdate] = []
    for value in _change_values(body):
        metadata = _dict(value.get("metadata"))
        if phone_number_id is not None and str(metadata.get("phone_number_id")) != phone_number_id:
            continue
        names = _profile_names(value.get("contacts"))
        for raw in _list(value.get("messages")):
            inbound = _inbound(_dict(raw), names, now)
            if inbound is not None:
                messages.append(inbound)
        for raw in _list(value.get("statuses")):
            status = _status(_dict(raw), now)
            if status is not None:
                statuses.append(status)
    return Notification(tuple(messages), tuple(statuses))


def _change_values(body: Any) -> list[dict[str, Any]]:
    if not isinstance(body, dict) or body.get("object") != "whatsapp_business_account":
        return []
    values = []
    for entry in _list(body.get("entry")):
        for change in _list(_dict(entry).get("changes")):
            change = _dict(change)
            if change.get("field") == "messages":
                values.append(_dict(change.get("value")))
    return values


def _profile_names(contacts: Any) -> dict[str, str]:
    names = {}
    for contact in _list(contacts):
        contact = _dict(contact)
        name = _dict(contact.get("profile")).get("name")
        if contact.get("wa_id") and name:
            names[str(contact["wa_id"])] = str(name)
    return names


def _inbound(raw: dict[str, Any], names: dict[str, str], now: datetime) -> Inbound | None:
    """None for a message that is not for us to answer, or that Meta never sends: a sender
    that is no phone number, a message or media id longer than the column that records it (on
    PostgreSQL the insert failed and Meta retried the message for a day), a text past Meta's
    limit."""
    kind = str(raw.get("type", ""))
    sender, message_id = _str(raw.get("from")) or "", _str(raw.get("id")) or ""
    if kind in _IGNORED_TYPES or not _WA_ID.fullmatch(sender):
        return None
    if not message_id or len(message_id) > INBOUND_ID:
        return None
    text, choice, photo = _content(kind, raw)
    if photo is not None and len(photo) > PHOTO_FILE_ID:
        return None
    if len(text or "") > MAX_TEXT or len(choice or "") > MAX_TEXT:
        return None
    return Inbound(
        platform=PLATFORM,
        chat_id=sender,
        inbound_id=message_id,
        received_at=_timestamp(raw.get("timestamp"), now),
        text=text,
        choice=choice,
        photo_file_id=photo,
        language_hint=None,
        sender_name=names.get(sender),
        extra={"whatsapp_type": kind},
    )


def _content(kind: str, raw: dict[str, Any]) -> tuple[str | None, str | None, str | None]:
    """(text, choice, photo media id) of one message; all None for kinds we cannot read."""
    if kind == "text":
        return _str(_dict(raw.get("text")).get("body")), None, None
    if kind == "interactive":
        interactive = _dict(raw.get("interactive"))
        reply = _dict(interactive.get("button_reply") or interactive.get("list_reply"))
        return None, _str(reply.get("id")), None
    if kind == "button":
        # The quick-reply button of a prompt template (the only templates we send): it asks
        # for the check-in that the template stood in for.
        return CHECKIN_COMMAND, None, None
    if kind == "image":
        image = _dict(raw.get("image"))
        return _str(image.get("caption")), None, _str(image.get("id"))
    return None, None, None


def _status(raw: dict[str, Any], now: datetime) -> StatusUpdate | None:
    message_id, status = raw.get("id"), raw.get("status")
    if not message_id or not status:
        return None
    errors = [_dict(e) for e in _list(raw.get("errors"))]
    error = "; ".join(
        f"{e.get('code', '?')} {e.get('title') or e.get('message') or ''}".strip() for e in errors
    )
    return StatusUpdate(
        message_id=str(message_id),
        status=str(status),
        at=_timestamp(raw.get("timestamp"), now),
        recipient_id=str(raw.get("recipient_id", "")),
        error=error or None,
    )


def _timestamp(value: Any, default: datetime) -> datetime:
    try:
        return datetime.fromtimestamp(int(str(value)), UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return default


def _str(value: Any) -> str | None:
    return None if value is None else str(value)


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []
