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
from tests.fakes.telegram_api import TOKEN, FakeTelegramApi
from wipbot.bot.telegram.channel import sender_bot
from wipbot.bot.telegram.sender_request import AiohttpRequest
from wipbot.bot.telegram.transport import TelegramTransport
from wipbot.handlers.messages import Button, Reply, reply_to_payload
from wipbot.scheduler.config import SenderConfig
from wipbot.scheduler.sender import send_seconds
from wipbot.store.db import SessionFactory, transaction
from wipbot.store.models import OutboxMessage
from wipbot.store.outbox import Outgoing, RetryLater, Unconfirmed, enqueue

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


async def test_a_send_that_never_reached_telegram_is_retried_later() -> None:
    """A refused connection, and a wait for a free pooled connection that ran out, happen before
    the request is written: the sender's own HTTP client maps them to PTB's NetworkError and
    TimedOut, which the sender retries."""
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    refused_port = closed.getsockname()[1]
    closed.close()
    request = AiohttpRequest(read_timeout=5)
    transport = TelegramTransport(
        PtbBot("123:abc", base_url=f"http://127.0.0.1:{refused_port}/bot", request=request)
    )
    try:
        with pytest.raises(RetryLater, match=r"NetworkError|aiohttp") as raised:
            await transport.deliver(outgoing("hello"))
        assert not raised.value.permanent and raised.value.retry_after is None
    finally:
        await request.shutdown()

    async with FakeTelegramApi() as fake:
        fake.answer_late("sendMessage", 1.0)
        request = AiohttpRequest(
            connection_pool_size=1, read_timeout=5, connect_timeout=0.1, pool_timeout=0.1
        )
        transport = TelegramTransport(PtbBot(TOKEN, base_url=fake.api_url, request=request))
        try:
            slow = asyncio.create_task(transport.deliver(outgoing("first")))
            async with asyncio.timeout(5):
                await fake.wait_for_call("sendMessage")  # holds the only connection for 1 s
            with pytest.raises(RetryLater, match=r"^Timed out$"):
                await transport.deliver(outgoing("second"))
            await slow
        finally:
            await request.shutdown()
        assert [m.text for m in fake.messages(CHAT)] == ["first"]


async def test_a_send_telegram_never_answers_may_have_been_delivered() -> None:
    """A server that takes the request and says nothing: the read timeout ends it, after the
    request was written, so it is unconfirmed rather than worth another try."""
    silent = await asyncio.start_server(lambda reader, writer: None, "127.0.0.1", 0)
    port = silent.sockets[0].getsockname()[1]
    request = AiohttpRequest(read_timeout=0.2)
    transport = TelegramTransport(
        PtbBot("123:abc", base_url=f"http://127.0.0.1:{port}/bot", request=request)
    )
    try:
        with pytest.raises(Unconfirmed, match=r"no answer within 0\.2 s"):
            await transport.deliver(outgoing("hello"))
    finally:
        await request.shutdown()
        silent.close()


async def test_a_send_answered_after_the_timeout_reaches_the_chat_once(
    fake: FakeTelegramApi, sqlite_session_factory: SessionFactory
) -> None:
    """Telegram delivered it but answered after WIPBOT_TELEGRAM_SEND_TIMEOUT_SECONDS: the row
    is unconfirmed (sent, not confirmed), never sent again, and the chat goes on."""
    async with running_bot(
        fake, sqlite_session_factory, Clock(), WIPBOT_TELEGRAM_SEND_TIMEOUT_SECONDS=1
    ) as bot:
        fake.answer_late("sendMessage", 1.5)
        slow = await put(bot, Reply("Which stage has it reached?"))
        later = await put(bot, Reply("And PO-1002?"))
        assert await bot.flush() == 1

        unconfirmed = await row(bot, slow)
        assert (unconfirmed.status, unconfirmed.attempts) == ("unconfirmed", 1)
        assert "no answer within 1.0 s" in unconfirmed.last_error
        assert unconfirmed.sent_at is not None and unconfirmed.platform_message_id is None
        assert unconfirmed.claimed_until is None
        assert (await row(bot, later)).status == "sent"

        bot.clock.advance(hours=2)  # past any retry's wait
        assert await bot.flush() == 0
        assert [m.text for m in fake.messages(CHAT)] == [
            "Which stage has it reached?",
            "And PO-1002?",
        ]
        assert len(fake.calls_to("sendMessage")) == 2
        assert (await row(bot, slow)).status == "unconfirmed"


async def test_a_send_that_could_not_reach_telegram_is_retried_and_delivered_once(
    fake: FakeTelegramApi, sqlite_session_factory: SessionFactory
) -> None:
    async with running_bot(
        fake, sqlite_session_factory, Clock(), WIPBOT_TELEGRAM_SEND_TIMEOUT_SECONDS=1
    ) as bot:
        await fake.stop()  # Telegram unreachable: connections refused
        message_id = await put(bot, Reply("Which stage has it reached?"))
        assert await bot.flush() == 0
        waiting = await row(bot, message_id)
        assert (waiting.status, waiting.attempts) == ("pending", 1)
        assert "Connect" in waiting.last_error

        await fake.start()  # back on the same port
        bot.clock.advance(hours=1)
        assert await bot.flush() == 1
        assert [m.text for m in fake.messages(CHAT)] == ["Which stage has it reached?"]
        sent = await row(bot, message_id)
        assert sent.status == "sent"
        assert sent.platform_message_id == str(fake.last_message(CHAT).message_id)


async def test_an_edit_answered_after_the_timeout_is_tried_again(
    fake: FakeTelegramApi, sqlite_session_factory: SessionFactory
) -> None:
    """An edit is idempotent: done twice it changes the message once (Telegram answers "not
    modified" the second time), so a lost answer is worth another try, and no message is sent."""
    async with running_bot(
        fake, sqlite_session_factory, Clock(), WIPBOT_TELEGRAM_SEND_TIMEOUT_SECONDS=1
    ) as bot:
        await put(bot, Reply("Any issues?", (Button("Fabric late", "i:fabric_late"),)))
        assert await bot.flush() == 1
        original = fake.last_message(CHAT)

        fake.answer_late("editMessageText", 1.5)
        marked = Reply(
            "Any issues?", (Button("Fabric late", "i:fabric_late", selected=True),), True
        )
        edit = await put(bot, marked, message_id=original.message_id)
        assert await bot.flush() == 0
        assert (await row(bot, edit)).status == "pending"
        assert original.labels == ["✓ Fabric late"]

        bot.clock.advance(hours=1)
        assert await bot.flush() == 1
        assert (await row(bot, edit)).platform_message_id == str(original.message_id)
        assert len(fake.calls_to("editMessageText")) == 2
        assert fake.messages(CHAT) == [original] and original.edits == 1


def test_the_sender_starts_no_telegram_request_it_cannot_see_end_within_its_lease() -> None:
    """A pooled connection (1 s), a new one (5 s), the answer: 26 s with the default 20 s."""
    assert send_seconds(TelegramTransport(sender_bot("123:abc", "http://127.0.0.1:9/bot"))) == 26
    slowest = sender_bot("123:abc", "http://127.0.0.1:9/bot", read_timeout=30)
    assert send_seconds(TelegramTransport(slowest)) < SenderConfig().claim_seconds
