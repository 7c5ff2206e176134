"""A body larger than its platform ever sends is refused 413 before any route reads it.

A signed five-megabyte body kept a worker busy for seconds (the fuzz campaign's Slack finding);
no Telegram update comes near a megabyte, and Meta documents 3 MB as the ceiling of a WhatsApp
notification, so its route alone is allowed that much.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest

from tests.bot import telegram_fixtures as tg
from tests.bot import whatsapp_fixtures as wa
from wipbot.bot.body_limit import DEFAULT_MAX_BODY_BYTES
from wipbot.bot.whatsapp.webhook import MAX_NOTIFICATION_BYTES
from wipbot.store.db import SessionFactory

MIB = 1024 * 1024


def padded(document: object, size: int) -> bytes:
    """Valid JSON of exactly `size` bytes: the document, then whitespace."""
    body = json.dumps(document).encode()
    return body + b" " * (size - len(body))


@pytest.fixture
async def telegram(session_factory: SessionFactory) -> AsyncIterator[tg.Bot]:
    async with tg.invited_bot(session_factory) as bot:
        yield bot


async def post_telegram(bot: tg.Bot, content: bytes | AsyncIterator[bytes]) -> int:
    response = await bot.http.post(
        f"{bot.url}/telegram/webhook",
        content=content,
        headers={"X-Telegram-Bot-Api-Secret-Token": tg.SECRET, "Content-Type": "application/json"},
    )
    return response.status_code


async def in_chunks(body: bytes, size: int = 64 * 1024) -> AsyncIterator[bytes]:
    for start in range(0, len(body), size):
        yield body[start : start + size]


async def test_a_telegram_body_past_the_limit_is_refused_and_changes_nothing(
    telegram: tg.Bot,
) -> None:
    update = telegram.fake.text_update(tg.LAN, "/checkin")
    before = await tg.count_rows(telegram.session_factory)
    assert await post_telegram(telegram, padded(update, DEFAULT_MAX_BODY_BYTES)) == 200
    after_the_largest_allowed = await tg.count_rows(telegram.session_factory)
    assert after_the_largest_allowed != before

    too_large = padded(telegram.fake.text_update(tg.LAN, "/checkin"), DEFAULT_MAX_BODY_BYTES + 1)
    assert await post_telegram(telegram, too_large) == 413
    assert await post_telegram(telegram, in_chunks(too_large)) == 413
    assert await tg.count_rows(telegram.session_factory) == after_the_largest_allowed


@pytest.fixture
async def whatsapp(session_factory: SessionFactory) -> AsyncIterator[wa.Bot]:
    async with wa.invited_bot(session_factory) as bot:
        yield bot


async def test_a_whatsapp_notification_may_be_as_large_as_meta_documents(
    whatsapp: wa.Bot,
) -> None:
    notification = whatsapp.fake.text_notification(wa.RAHIMA, "/checkin", at=whatsapp.clock())
    before = await wa.count_rows(whatsapp.session_factory)
    response = await whatsapp.post(padded(notification, 2 * MIB))
    assert response.status_code == 200, response.text
    accepted = await wa.count_rows(whatsapp.session_factory)
    assert accepted != before

    again = whatsapp.fake.text_notification(wa.RAHIMA, "/checkin", at=whatsapp.clock())
    response = await whatsapp.post(padded(again, MAX_NOTIFICATION_BYTES + 1))
    assert response.status_code == 413
    assert await wa.count_rows(whatsapp.session_factory) == accepted
