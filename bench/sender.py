"""sender: the weekly fan-out, 10,000 prompts through a Bot API that enforces Telegram's limits.

The outbox sender as `wipbot run` runs it (`OutboxSender.run_forever`, default limits: 30 messages
a second overall, 1 a second per chat; the real Telegram transport and its Bot, `sender_bot`) sends
a backlog of 10,000 messages, 5 to each of 2,000 chats, to the test suite's fake Bot API in a
process of its own. The fake enforces the limits strictly (at most 30 sends in any one second, at
least a second between two sends to one chat) and answers 429 with retry_after beyond them.

Anchor: the limit itself. The figure is the sending rate between the first and the last message
the fake accepted; the ratio is that over 30/s. Target: at least 0.95 of the limit and no 429.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from pathlib import Path

import httpx
from sqlalchemy import func
from sqlmodel import select
from tests.fakes.telegram_api import TOKEN

from wipbot.bot.telegram.channel import sender_bot
from wipbot.bot.telegram.transport import TelegramTransport
from wipbot.handlers.messages import Reply, reply_to_payload
from wipbot.scheduler.config import SenderConfig
from wipbot.scheduler.sender import OutboxSender
from wipbot.store.db import SessionFactory, transaction
from wipbot.store.models import OutboxMessage
from wipbot.store.outbox import enqueue

from .common import (
    Figure,
    Result,
    at_least,
    at_most,
    both,
    fake_telegram_process,
    scratch_database,
    scratch_folder,
)

NAME = "sender"
MESSAGES, QUICK_MESSAGES = 10_000, 60
PER_CHAT, QUICK_PER_CHAT = 5, 1
LIMIT_PER_S = 30.0
CHAT_LIMIT_PER_S = 1.0
TARGET_SHARE = 0.95
FIRST_CHAT = 7_100_000_000


async def backlog(session_factory: SessionFactory, count: int, per_chat: int) -> None:
    """Round by round, as the weekly prompts of many factories are written."""
    chats = count // per_chat
    async with transaction(session_factory) as session:
        for index in range(count):
            chat_id = str(FIRST_CHAT + index % chats)
            text = f"Weekly check-in, production order {index // chats + 1} of {per_chat}"
            enqueue(session, "telegram", chat_id, reply_to_payload(Reply(text)))


async def sent_rows(session_factory: SessionFactory) -> int:
    async with session_factory() as session:
        return (
            await session.exec(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.status == "sent")
            )
        ).one()


async def fan_out(folder: Path, count: int, per_chat: int) -> tuple[float, int, int]:
    """Seconds between the first and the last accepted send, 429s answered, rows marked sent."""
    async with (
        scratch_database(folder / "bench.db") as session_factory,
        fake_telegram_process(LIMIT_PER_S, CHAT_LIMIT_PER_S) as fake_url,
        httpx.AsyncClient(base_url=fake_url, timeout=10) as fake,
    ):
        await backlog(session_factory, count, per_chat)
        bot = sender_bot(TOKEN, f"{fake_url}/bot")
        await bot.initialize()
        sender = OutboxSender(
            session_factory, {"telegram": TelegramTransport(bot)}, config=SenderConfig()
        )
        wake = asyncio.Event()
        sending = asyncio.create_task(sender.run_forever(wake))
        deadline = time.monotonic() + count / LIMIT_PER_S * 3 + 60
        try:
            while (stats := (await fake.get("/_fake/stats")).json())["sent"] < count:
                if time.monotonic() > deadline or sending.done():
                    raise RuntimeError(f"only {stats['sent']} of {count} sent in time")
                await asyncio.sleep(0.5)
        finally:
            sending.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sending
            await bot.shutdown()
        marked = await sent_rows(session_factory)
    return stats["last"] - stats["first"], stats["refused"], marked


def run(quick: bool = False) -> Result:
    count, per_chat = (QUICK_MESSAGES, QUICK_PER_CHAT) if quick else (MESSAGES, PER_CHAT)
    with scratch_folder() as tmp:
        seconds, refused, marked = asyncio.run(fan_out(Path(tmp), count, per_chat))
    if marked != count:
        raise RuntimeError(f"{marked} of {count} outbox rows are marked sent")
    rate = (count - 1) / seconds
    share = rate / LIMIT_PER_S
    return Result(
        name=NAME,
        what=(
            f"weekly fan-out, {count:,} prompts to {count // per_chat:,} chats, fake Bot API "
            f"enforcing {LIMIT_PER_S:.0f}/s and {CHAT_LIMIT_PER_S:.0f}/s per chat"
        ),
        n=count,
        figure=Figure("outbox sender", rate, "msg/s"),
        baseline=Figure("Telegram's limit", LIMIT_PER_S, "msg/s"),
        ratio=share,
        target=both(
            at_least(share, TARGET_SHARE, "× the limit"), at_most(refused, 0, "429 answers")
        ),
        extras=(
            Figure("429 answers", refused, ""),
            Figure("fan-out took", seconds, "s"),
        ),
    )
