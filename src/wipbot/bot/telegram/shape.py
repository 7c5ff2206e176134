"""The fields of an update that wipbot reads, with the types the Bot API documents for them.

python-telegram-bot builds its objects from whatever JSON it is given (an integer language code,
a string chat id), and the mistake would surface deep inside the conversation. Checked here, a
malformed update is refused with 400 before anything is written; fields we do not read may be
anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from wipbot.store.models.widths import PHOTO_FILE_ID

Shape = Any
"""A type, a `Bounded` text, a list of one shape (every item), or a dict of field -> (shape,
required)."""


@dataclass(frozen=True)
class Bounded:
    """A string no longer than the column it is kept in: on PostgreSQL a longer one fails the
    insert (a 500, and Telegram delivering it again for hours) instead of being refused."""

    max_length: int


FILE_ID = Bounded(PHOTO_FILE_ID)
TEXT = Bounded(4096)
"""Telegram's limit for a message's text and a caption (UTF-16 units, so at most as many
characters). A megabyte "message" took the free-text parser seconds per update."""

USER: Shape = {
    "id": (int, True),
    "is_bot": (bool, False),
    "first_name": (str, True),
    "last_name": (str, False),
    "language_code": (str, False),
}
CHAT: Shape = {"id": (int, True), "type": (str, True)}
ENTITY: Shape = {"type": (str, True), "offset": (int, True), "length": (int, True)}
PHOTO: Shape = {"file_id": (FILE_ID, True), "width": (int, True), "height": (int, True)}
DOCUMENT: Shape = {"file_id": (FILE_ID, True), "mime_type": (str, False)}
BUTTON: Shape = {"text": (str, True), "callback_data": (str, False)}
MARKUP: Shape = {"inline_keyboard": ([[BUTTON]], True)}
MESSAGE: Shape = {
    "message_id": (int, True),
    "date": (int, True),
    "chat": (CHAT, True),
    "from": (USER, False),
    "text": (TEXT, False),
    "caption": (TEXT, False),
    "entities": ([ENTITY], False),
    "caption_entities": ([ENTITY], False),
    "photo": ([PHOTO], False),
    "document": (DOCUMENT, False),
    "reply_markup": (MARKUP, False),
}
CALLBACK_QUERY: Shape = {
    "id": (str, True),
    "from": (USER, True),
    "data": (str, False),
    "message": (MESSAGE, False),
    "chat_instance": (str, False),
}
UPDATE: Shape = {
    "update_id": (int, True),
    "message": (MESSAGE, False),
    "edited_message": (MESSAGE, False),
    "callback_query": (CALLBACK_QUERY, False),
}


def shape_problem(value: Any, shape: Shape = UPDATE, where: str = "update") -> str | None:
    """None when `value` fits; otherwise where and how it does not."""
    if isinstance(shape, list):
        if not isinstance(value, list):
            return f"{where}: not a list"
        for index, item in enumerate(value):
            problem = shape_problem(item, shape[0], f"{where}[{index}]")
            if problem:
                return problem
        return None
    if isinstance(shape, dict):
        if not isinstance(value, dict):
            return f"{where}: not an object"
        for key, (inner, required) in shape.items():
            if key not in value or (value[key] is None and not required):
                if required:
                    return f"{where}.{key}: missing"
                continue
            problem = shape_problem(value[key], inner, f"{where}.{key}")
            if problem:
                return problem
        return None
    if isinstance(shape, Bounded):
        if not isinstance(value, str):
            return f"{where}: not str"
        if len(value) > shape.max_length:
            return f"{where}: longer than {shape.max_length} characters"
        return None
    if shape is int and (isinstance(value, bool) or not isinstance(value, int)):
        return f"{where}: not an integer"
    if not isinstance(value, shape):
        return f"{where}: not {shape.__name__}"
    return None
