"""The neutral language between adapters and handlers: no Block Kit, no keyboards."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Button:
    """A choice; `value` travels back as the inbound `choice` (keep it under 64 bytes)."""

    label: str
    value: str
    selected: bool = False


@dataclass(frozen=True)
class Reply:
    """Something to show in the chat the inbound came from; adapters pick the idiom."""

    text: str
    buttons: tuple[Button, ...] = ()
    edit_previous: bool = False


@dataclass(frozen=True)
class Inbound:
    """One message or click from a chat platform, translated by its adapter."""

    platform: str
    chat_id: str
    inbound_id: str
    received_at: datetime
    text: str | None = None
    choice: str | None = None
    photo_file_id: str | None = None
    language_hint: str | None = None
    sender_name: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def command(self) -> tuple[str, str] | None:
        """`/start abc` -> ("start", "abc"); None for anything that is not a command."""
        if not self.text or not self.text.startswith("/"):
            return None
        head, _, rest = self.text[1:].partition(" ")
        return head.split("@", 1)[0].lower(), rest.strip()


def reply_to_payload(reply: Reply) -> dict[str, Any]:
    """How a reply waits in the outbox: plain JSON that every transport can render."""
    return {
        "kind": "reply",
        "text": reply.text,
        "buttons": [
            {"label": b.label, "value": b.value, "selected": b.selected} for b in reply.buttons
        ],
        "edit_previous": reply.edit_previous,
    }


def reply_from_payload(payload: dict[str, Any]) -> Reply:
    return Reply(
        text=str(payload["text"]),
        buttons=tuple(
            Button(str(b["label"]), str(b["value"]), bool(b.get("selected", False)))
            for b in payload.get("buttons", [])
        ),
        edit_previous=bool(payload.get("edit_previous", False)),
    )


def one_full_stop(text: str, *names: str) -> str:
    """A name that ends a sentence and itself ends in a full stop ("Saigon Garment Co.") gets
    no second one, whichever language put the sentence's stop after it."""
    for name in names:
        if name.endswith("."):
            text = text.replace(name + ".", name)
    return text
