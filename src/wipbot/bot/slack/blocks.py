"""Block Kit primitives shared by the renderers: one place that knows Slack's JSON shapes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from wipbot.handlers.gates import Person

Block = dict[str, Any]

# Slack's limits: section text 3000 chars, fields 10 per section of 2000 chars, header 150.
SECTION_TEXT_LIMIT = 3000
FIELD_LIMIT = 2000
MAX_FIELDS = 10
HEADER_LIMIT = 150


@dataclass(frozen=True)
class SlackMessage:
    """A message body: `text` is the notification and screen-reader fallback for the blocks."""

    text: str
    blocks: list[Block] = field(default_factory=list)

    def as_kwargs(self) -> dict[str, Any]:
        return {"text": self.text, "blocks": self.blocks}


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def escape(text: str) -> str:
    """User-supplied text must not open links or mentions."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def header(text: str) -> Block:
    return {"type": "header", "text": {"type": "plain_text", "text": clip(text, HEADER_LIMIT)}}


def section(text: str, *, fields: list[str] | None = None, accessory: Block | None = None) -> Block:
    block: Block = {"type": "section", "text": mrkdwn(clip(text, SECTION_TEXT_LIMIT))}
    if fields:
        block["fields"] = [mrkdwn(clip(f, FIELD_LIMIT)) for f in fields[:MAX_FIELDS]]
    if accessory:
        block["accessory"] = accessory
    return block


def fields_section(fields: list[str]) -> Block:
    return {
        "type": "section",
        "fields": [mrkdwn(clip(f, FIELD_LIMIT)) for f in fields[:MAX_FIELDS]],
    }


def context(*texts: str) -> Block:
    return {"type": "context", "elements": [mrkdwn(clip(t, FIELD_LIMIT)) for t in texts if t]}


def divider() -> Block:
    return {"type": "divider"}


def mrkdwn(text: str) -> dict[str, str]:
    return {"type": "mrkdwn", "text": text}


def plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text, "emoji": True}


def button(
    label: str,
    action_id: str,
    value: str,
    *,
    style: str | None = None,
    confirm: Block | None = None,
) -> Block:
    block: Block = {"type": "button", "text": plain(label), "action_id": action_id, "value": value}
    if style:
        block["style"] = style
    if confirm:
        block["confirm"] = confirm
    return block


def actions(block_id: str, *elements: Block) -> Block:
    return {"type": "actions", "block_id": block_id, "elements": list(elements)}


def when(moment: datetime | None) -> str:
    """A time each reader sees in their own timezone; the fallback is UTC."""
    if moment is None:
        return "-"
    fallback = moment.strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{int(moment.timestamp())}^{{date_short_pretty}} {{time}}|{fallback}>"


def who(person: Person | None) -> str:
    if person is None:
        return "-"
    if person.slack_user_id:
        return f"<@{person.slack_user_id}>"
    return escape(person.name)


def thousands(n: int) -> str:
    return f"{n:,}"
