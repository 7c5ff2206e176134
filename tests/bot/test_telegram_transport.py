"""The outbox sender delivering through the Telegram transport to the fake Bot API."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select
from telegram import Bot as PtbBot

from tests.bot.telegram_fixtures import Bot, Clock, running_bot
from tests.fakes.telegram_api import FakeTelegramApi
from wipbot.bot.telegram.sender_request import AiohttpRequest
from wipbot.bot.telegram.transport import TelegramTransport
from wipbot.handlers.messages import Button, Reply, reply_to_payload
from wipbot.store.db import SessionFactory, transaction
from wipbot.store.models import OutboxMessage
from wipbot.store.outbox import Outgoing, RetryLater, enqueue

CHAT = "5102938476"


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegramApi]:
    async with FakeTelegramApi() as api:
        yield api


@pytest.fixture
async def bot(fake: FakeTelegramApi, sqlite_session_factory: SessionFactory) -> AsyncIterator[Bot]:
    async with running_bot(fake, sqlite_session_factory, Clock()) as running:
        yield running


async def put(bot: Bot, reply: Reply, **extra: object) -> int:
    async with transaction(bot.session_factory) as s:
        message = enqueue(
            s, "telegram", CHAT, {**reply_to_payload(reply), **extra}, not_before=bot.clock()
        )
        await s.flush()
        assert message.id is not None
        return message.id


async def row(bot: Bot, message_id: int) -> OutboxMessage:
    async with bot.session_factory() as s:
        return (await s.exec(select(OutboxMessage).where(OutboxMessage.id == message_id))).one()


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")  # PTB itself
async def test_a_429_is_retried_after_the_time_telegram_asked_for(bot: Bot) -> None:
    bot.fake.fail_next("sendMessage", 429, retry_after=7)
    message_id = await put(bot, Reply("Which stage has it reached?"))

    assert await bot.flush() == 0
    waiting = await row(bot, message_id)
    assert waiting.status == "pending"
    assert waiting.next_attempt_at - bot.clock() >= timedelta(seconds=7)

    bot.clock.advance(6.9)
    assert await bot.flush() == 0
    assert len(bot.fake.calls_to("sendMessage")) == 1

    bot.clock.advance(1.0)
    assert await bot.flush() == 1
    assert len(bot.fake.calls_to("sendMessage")) == 2
    sent = await row(bot, message_id)
    assert sent.status == "sent"
    assert sent.platform_message_id == str(bot.fake.last_message(CHAT).message_id)


async def test_a_server_error_is_retried_and_a_block_is_final(bot: Bot) -> None:
    bot.fake.fail_next("sendMessage", 500)
    retried = await put(bot, Reply("one"))
    await bot.flush()
    assert (await row(bot, retried)).status == "pending"

    bot.clock.advance(3600)
    await bot.flush()
    assert (await row(bot, retried)).status == "sent"

    bot.fake.fail_next("sendMessage", 403, description="Forbidden: bot was blocked by the user")
    blocked = await put(bot, Reply("two"))
    await bot.flush()
    dead = await row(bot, blocked)
    assert dead.status == "dead"
    assert "blocked" in dead.last_error


async def test_a_server_error_page_that_is_not_json_is_retried_without_a_traceback(
    bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    bot.fake.fail_next("sendMessage", 502, description="<html><h1>502 Bad Gateway</h1></html>")
    message_id = await put(bot, Reply("one"))
    await bot.flush()
    waiting = await row(bot, message_id)
    assert (waiting.status, waiting.attempts) == ("pending", 1)
    assert not [r for r in caplog.records if r.exc_info or r.levelname == "ERROR"]
    bot.clock.advance(3600)
    assert await bot.flush() == 1


async def test_buttons_become_an_inline_keyboard_with_the_selected_ones_marked(bot: Bot) -> None:
    buttons = (
        Button("No issues", "i:none"),
        Button("Fabric late", "i:fabric_late", selected=True),
        Button("Trims late", "i:trims_late"),
        Button("Sample re-approval", "i:sample_reapproval"),
        Button("Done", "i:done"),
    )
    await put(bot, Reply("Any issues?", buttons))
    await bot.flush()

    markup = bot.fake.calls_to("sendMessage")[0].params["reply_markup"]
    assert markup == {
        "inline_keyboard": [
            [
                {"text": "No issues", "callback_data": "i:none"},
                {"text": "✓ Fabric late", "callback_data": "i:fabric_late"},
            ],
            [
                {"text": "Trims late", "callback_data": "i:trims_late"},
                {"text": "Sample re-approval", "callback_data": "i:sample_reapproval"},
            ],
            [{"text": "Done", "callback_data": "i:done"}],
        ]
    }


async def test_an_edit_replaces_the_clicked_message_or_falls_back_to_a_new_one(bot: Bot) -> None:
    await put(bot, Reply("Any issues?", (Button("Fabric late", "i:fabric_late"),)))
    await bot.flush()
    original = bot.fake.last_message(CHAT)

    marked = Reply("Any issues?", (Button("Fabric late", "i:fabric_late", selected=True),), True)
    edited = await put(bot, marked, message_id=original.message_id)
    unchanged = await put(bot, marked, message_id=original.message_id)
    lost = await put(bot, Reply("Any issues now?", edit_previous=True), message_id=999999)
    unknown = await put(bot, Reply("Any issues at all?", edit_previous=True))
    assert await bot.flush() == 4

    assert [m.text for m in bot.fake.messages(CHAT)] == [
        "Any issues?",
        "Any issues now?",
        "Any issues at all?",
    ]
    assert original.labels == ["✓ Fabric late"]
    assert (await row(bot, edited)).platform_message_id == str(original.message_id)
    assert (await row(bot, unchanged)).status == "sent"
    assert (await row(bot, lost)).platform_message_id != "999999"
    assert (await row(bot, unknown)).status == "sent"


async def test_a_text_too_long_for_telegram_is_cut_rather_than_lost(bot: Bot) -> None:
    await put(bot, Reply("x" * 5000))
    assert await bot.flush() == 1
    text = bot.fake.last_message(CHAT).text
    assert len(text) == 4096 and text.endswith("…")


async def test_a_button_value_telegram_would_refuse_is_a_dead_letter(bot: Bot) -> None:
    message_id = await put(bot, Reply("pick", (Button("long", "v" * 65),)))
    await bot.flush()
    assert (await row(bot, message_id)).status == "dead"
    assert bot.fake.calls_to("sendMessage") == []


def outgoing(text: str) -> Outgoing:
    now = datetime.now(UTC)
    return Outgoing(
        id=1,
        platform="telegram",
        chat_id=CHAT,
        action="send",
        payload=reply_to_payload(Reply(text)),
        dedupe_key=None,
        alert_id=None,
        gate_id=None,
        created_at=now,
        attempts=0,
        next_attempt_at=now,
        last_error="",
        claimed_until=now,
    )


async def test_a_bot_api_that_is_unreachable_or_silent_is_retried_later() -> None:
    """The sender's own HTTP client (aiohttp under PTB's request interface) maps a refused
    connection and a read timeout to PTB's NetworkError and TimedOut, which the sender retries."""
    silent = await asyncio.start_server(lambda reader, writer: None, "127.0.0.1", 0)
    port = silent.sockets[0].getsockname()[1]
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    refused_port = closed.getsockname()[1]
    closed.close()
    try:
        for url, expected in (
            (f"http://127.0.0.1:{refused_port}/bot", "NetworkError|aiohttp"),
            (f"http://127.0.0.1:{port}/bot", "Timed out"),
        ):
            request = AiohttpRequest(read_timeout=0.2)
            transport = TelegramTransport(PtbBot("123:abc", base_url=url, request=request))
            try:
                with pytest.raises(RetryLater, match=expected) as raised:
                    await transport.deliver(outgoing("hello"))
                assert not raised.value.permanent and raised.value.retry_after is None
            finally:
                await request.shutdown()
    finally:
        silent.close()
