"""A neutral Reply in WhatsApp's idiom: reply buttons, list messages and plain text. Pure.

WhatsApp's limits decide the shape, and nothing may be lost to them:
- at most 3 reply buttons with titles of 20 characters: used when every option fits as it is;
- otherwise a list of at most 10 rows (titles 24, descriptions 72): a label too long for a title
  is shortened there and kept whole in the row's description;
- more than 10 options: pages of 9 rows plus a "More…" row. Its id, `wa-more:<outbox id>:<offset>`,
  names the outbox row that holds every option and where the next page starts, so the webhook
  can send that page from the id alone;
- a body longer than an interactive message allows (1024) goes first as text messages, and the
  options follow with the last paragraph, which is where the question is.
The option ids are the handler's button values, unchanged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from wipbot.handlers.messages import Button, Reply
from wipbot.store.models.widths import LARGEST_INTEGER

from .words import word

MAX_BUTTONS = 3
MAX_BUTTON_TITLE = 20
MAX_ROWS = 10
MAX_ROW_TITLE = 24
MAX_ROW_DESCRIPTION = 72
MAX_SECTION_TITLE = 24
MAX_LIST_BUTTON = 20
MAX_INTERACTIVE_BODY = 1024
MAX_TEXT_BODY = 4096

MORE_PREFIX = "wa-more:"
MAX_ROW_ID = LARGEST_INTEGER
"""The outbox's ids are a 32-bit INTEGER column on PostgreSQL: a larger id in a forged row id
would fail the query instead of finding nothing."""
_ROW_NUMBER = re.compile(r"[0-9]{1,10}")
SELECTED_MARK = "✓ "
ELLIPSIS = "…"

Message = dict[str, Any]


@dataclass(frozen=True)
class MorePage:
    """A tap on "More…": show the options of outbox row `message_id` from `offset` on."""

    message_id: int
    offset: int


def more_id(message_id: int, offset: int) -> str:
    return f"{MORE_PREFIX}{message_id}:{offset}"


def parse_more(choice: str | None) -> MorePage | None:
    if not choice or not choice.startswith(MORE_PREFIX):
        return None
    message_id, _, offset = choice[len(MORE_PREFIX) :].partition(":")
    if not (_ROW_NUMBER.fullmatch(message_id) and _ROW_NUMBER.fullmatch(offset)):
        return None
    page = MorePage(int(message_id), int(offset))
    return page if page.message_id <= MAX_ROW_ID and page.offset <= MAX_ROW_ID else None


def render_reply(
    reply: Reply, *, to: str, language: str | None, message_id: int, offset: int = 0
) -> list[Message]:
    """The Graph API message bodies for one reply, to send in order.

    `message_id` is the outbox row the reply waits in (for "More…" rows); `offset` is the first
    option shown, 0 unless this is a later page.
    """
    if not reply.buttons:
        return [_text_message(to, chunk) for chunk in split_text(reply.text, MAX_TEXT_BODY)]
    head, body = head_and_tail(reply.text, MAX_INTERACTIVE_BODY)
    # A later page repeats only the question: the text above it was read with the first page.
    leading = [] if offset else [_text_message(to, c) for c in split_text(head, MAX_TEXT_BODY)]
    body = body or word("choose", language)
    offset = min(max(offset, 0), len(reply.buttons) - 1)
    titles = [_label(b) for b in reply.buttons]
    if offset == 0 and _fits_buttons(titles):
        interactive = _buttons(body, reply.buttons, titles)
    else:
        interactive = _list(body, reply.buttons, language, message_id, offset)
    return [*leading, _envelope(to, "interactive", interactive)]


def shorten(text: str, limit: int) -> str:
    """At most `limit` characters, cut at a word boundary when one is near, marked with "…"."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - len(ELLIPSIS)]
    space = cut.rfind(" ")
    if space >= limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:-·") + ELLIPSIS


def split_text(text: str, limit: int) -> list[str]:
    """Chunks of at most `limit` characters, broken between lines where possible."""
    chunks: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:
            if current:
                chunks.append(current)
                current = ""
            chunks.append(line[:limit])
            line = line[limit:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) <= limit:
            current = candidate
        else:
            chunks.append(current)
            current = line
    if current.strip():
        chunks.append(current)
    return [c for c in chunks if c.strip()] or ([text] if text.strip() else [])


def head_and_tail(text: str, limit: int) -> tuple[str, str]:
    """(everything before, the longest run of last whole lines that fits in `limit`)."""
    if len(text) <= limit:
        return "", text
    lines = text.split("\n")
    tail: list[str] = []
    size = 0
    while lines and size + len(lines[-1]) + (1 if tail else 0) <= limit:
        size += len(lines[-1]) + (1 if tail else 0)
        tail.insert(0, lines.pop())
    if not "".join(tail).strip():
        return text[:-limit], text[-limit:]
    return "\n".join(lines).rstrip("\n"), "\n".join(tail)


def _label(button: Button) -> str:
    label = " ".join(button.label.split())
    return SELECTED_MARK + label if button.selected else label


def _fits_buttons(titles: list[str]) -> bool:
    return (
        len(titles) <= MAX_BUTTONS
        and all(0 < len(t) <= MAX_BUTTON_TITLE for t in titles)
        and len(set(titles)) == len(titles)
    )


def _buttons(body: str, buttons: tuple[Button, ...], titles: list[str]) -> dict[str, Any]:
    return {
        "type": "button",
        "body": {"text": body},
        "action": {
            "buttons": [
                {"type": "reply", "reply": {"id": b.value, "title": title}}
                for b, title in zip(buttons, titles, strict=True)
            ]
        },
    }


def _list(
    body: str, buttons: tuple[Button, ...], language: str | None, message_id: int, offset: int
) -> dict[str, Any]:
    total = len(buttons)
    remaining = buttons[offset:]
    page = remaining if len(remaining) <= MAX_ROWS else remaining[: MAX_ROWS - 1]
    rows = [_row(b) for b in page]
    following = offset + len(page)
    if following < total:
        rows.append(
            {
                "id": more_id(message_id, following),
                "title": shorten(word("more", language), MAX_ROW_TITLE),
                "description": _range(following + 1, total, total, language),
            }
        )
    section: dict[str, Any] = {"rows": rows}
    if len(page) < total:
        section["title"] = shorten(
            _range(offset + 1, following, total, language), MAX_SECTION_TITLE
        )
    return {
        "type": "list",
        "body": {"text": body},
        "action": {
            "button": shorten(word("choose", language), MAX_LIST_BUTTON),
            "sections": [section],
        },
    }


def _row(button: Button) -> dict[str, str]:
    label = _label(button)
    row = {"id": button.value, "title": shorten(label, MAX_ROW_TITLE)}
    if row["title"] != label:
        row["description"] = shorten(label, MAX_ROW_DESCRIPTION)
    return row


def _range(first: int, last: int, total: int, language: str | None) -> str:
    text = word("range", language).format(first=first, last=last, total=total)
    return shorten(text, MAX_ROW_DESCRIPTION)


def _text_message(to: str, body: str) -> Message:
    return _envelope(to, "text", {"body": body, "preview_url": False})


def _envelope(to: str, kind: str, content: dict[str, Any]) -> Message:
    return {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to,
        "type": kind,
        kind: content,
    }
