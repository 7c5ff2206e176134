"""Telegram updates to neutral inbounds: which chat, which delivery, what was said or chosen."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from telegram import Chat, Message, Update

from wipbot.handlers.messages import Inbound

from .keyboards import clicked_label
from .transport import PLATFORM


@dataclass(frozen=True)
class Click:
    """The keyboard message a click came from, and the label of the button clicked."""

    message_id: int
    label: str | None


def inbound_from_message(update: Update, now: datetime) -> Inbound | None:
    message = update.message
    if message is None:
        return None
    user = message.from_user
    return Inbound(
        platform=PLATFORM,
        chat_id=str(message.chat.id),
        inbound_id=str(update.update_id),
        received_at=now,
        text=message.text or message.caption,
        photo_file_id=photo_file_id(message),
        language_hint=user.language_code if user else None,
        sender_name=user.full_name if user else None,
        extra={"message_id": message.message_id},
    )


def inbound_from_click(update: Update, now: datetime) -> tuple[Inbound, Click] | None:
    query = update.callback_query
    if query is None or query.data is None or query.message is None:
        return None
    clicked = query.message
    if clicked.chat.type != Chat.PRIVATE:
        return None
    markup = clicked.reply_markup if isinstance(clicked, Message) else None
    inbound = Inbound(
        platform=PLATFORM,
        chat_id=str(clicked.chat.id),
        inbound_id=str(update.update_id),
        received_at=now,
        choice=query.data,
        language_hint=query.from_user.language_code,
        sender_name=query.from_user.full_name,
        extra={"message_id": clicked.message_id},
    )
    return inbound, Click(clicked.message_id, clicked_label(markup, query.data))


def photo_file_id(message: Message) -> str | None:
    """The largest size of a photo, or an image sent uncompressed as a file."""
    if message.photo:
        return max(message.photo, key=lambda size: size.width * size.height).file_id
    document = message.document
    if document and (document.mime_type or "").startswith("image/"):
        return document.file_id
    return None
