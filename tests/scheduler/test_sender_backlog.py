"""What reading the outbox costs during a backlog (scheduler/sender.py): a read skips the chats
the sender has in hand in its statement, asks for no more rows than the limits leave room for,
and none is made while the sender holds what the limits let out in the next seconds. Sending
keeps each chat's order and the limits. On SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from itertools import pairwise

from sqlalchemy import func
from sqlmodel import col, select

from wipbot.demo.clock import ManualClock
from wipbot.production.clock import system_clock
from wipbot.scheduler.config import RateLimit, SenderConfig
from wipbot.scheduler.ratelimit import CHAT_MARGIN
from wipbot.scheduler.sender import OutboxSender
from wipbot.store.db import SessionFactory, transaction
from wipbot.store.models import OutboxMessage
from wipbot.store.outbox import Delivered, Outbound, RetryLater, enqueue

from .fake_transport import ScriptedTransport

T0 = datetime(2026, 3, 2, 4, 0, tzinfo=UTC)
CHATS, PER_CHAT = 400, 5


async def fan_out(factory: SessionFactory, clock: ManualClock, chats: int, per_chat: int) -> None:
    """Round by round, as the weekly prompts of many factories are written."""
    async with transaction(factory) as session:
        for index in range(chats * per_chat):
            payload = {"kind": "reply", "text": f"{index % chats}:{index // chats}"}
            enqueue(session, "telegram", f"chat{index % chats}", payload, not_before=clock())


async def unsent(factory: SessionFactory) -> int:
    async with factory() as session:
        query = select(func.count()).where(OutboxMessage.status != "sent")
        return int((await session.exec(query)).one())


async def test_a_backlog_is_read_about_once_per_message_sent(
    session_factory: SessionFactory,
) -> None:
    """2,000 prompts at Telegram's limits (30/s, a chat once a second): every row read is one
    that is then sent, and a read comes about once a second's worth of sending. The clock is
    the test's: the limiter's waits move it, so the pace is checked on it."""
    clock = ManualClock(T0)
    await fan_out(session_factory, clock, CHATS, PER_CHAT)
    transport = ScriptedTransport("telegram", clock)
    sender = OutboxSender(
        session_factory,
        {"telegram": transport},
        config=SenderConfig(),
        clock=clock,
        sleep=clock.sleep,
        jitter=lambda: 0.5,
    )
    wake = asyncio.Event()
    running = asyncio.create_task(sender.run_forever(wake))
    try:
        for _ in range(2400):
            if len(transport.delivered) == CHATS * PER_CHAT and not await unsent(session_factory):
                break
            await asyncio.sleep(0.05)
    finally:
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)

    sent = len(transport.delivered)
    assert sent == CHATS * PER_CHAT
    # before: 12 (SQLite) to 21 (PostgreSQL) rows read per message sent here, each read up
    # to 500 rows of chats already in hand; 395 at the real pace (30/s), 0.9 reads a message
    assert sender.rows_read == sent
    assert sender.reads <= sent / 10
    by_chat: dict[str, list[datetime]] = defaultdict(list)
    for delivery in transport.delivered:
        round_ = int(delivery.text.partition(":")[2])
        assert round_ == len(by_chat[delivery.chat_id])  # each chat's in the order written
        by_chat[delivery.chat_id].append(delivery.at)
    gap = timedelta(seconds=1 / (1 - CHAT_MARGIN))
    assert all(b - a >= gap for times in by_chat.values() for a, b in pairwise(times))
    times = sorted(d.at for d in transport.delivered)
    assert all(b - a >= timedelta(seconds=1) for a, b in zip(times, times[30:], strict=False))
    async with session_factory() as session:
        leases = await session.exec(select(OutboxMessage.claimed_until).distinct())
        assert leases.all() == [None]


async def test_chats_held_back_do_not_fill_a_small_read(session_factory: SessionFactory) -> None:
    """A chat waiting for its retry with more rows than a read asks for, at the head of the
    queue: the read looks past it, and the next ones leave it out until it is due."""
    clock = ManualClock(T0)
    transport = ScriptedTransport("telegram", clock)
    transport.fail("held:0", RetryLater("502"))
    async with transaction(session_factory) as session:
        for index in range(12):
            enqueue(session, "telegram", "held", {"text": f"held:{index}"}, not_before=clock())
        for index in range(4):
            enqueue(
                session, "telegram", f"free{index}", {"text": f"free:{index}"}, not_before=clock()
            )
    config = SenderConfig(  # room for 1 + 1 * 3 = 4 a read; the retry waits 45 s
        platform_limits={"telegram": RateLimit(1)},
        chat_limits={},
        claim_seconds=6.0,
        backoff_base_seconds=60,
        poll_seconds=60,
    )
    sender = OutboxSender(
        session_factory,
        {"telegram": transport},
        config=config,
        clock=clock,
        sleep=clock.sleep,
        jitter=lambda: 0.5,
    )
    assert await sender.run_once() == 0  # held:0 failed; the chat waits for its retry
    assert transport.delivered == []
    assert await sender.run_once() == 4
    assert sorted(transport.texts) == [f"free:{i}" for i in range(4)]
    rows_before = sender.rows_read
    assert await sender.run_once() == 0  # the chat held back is not read again
    assert sender.rows_read == rows_before

    async with session_factory() as session:
        retry_at = (
            await session.exec(
                select(OutboxMessage.next_attempt_at).where(
                    col(OutboxMessage.chat_id) == "held", OutboxMessage.attempts == 1
                )
            )
        ).one()
    clock.set(retry_at)
    for _ in range(3):
        await sender.run_once()
        clock.advance(timedelta(seconds=5))
    assert transport.texts[4:] == [f"held:{i}" for i in range(12)]


class HeldTransport(ScriptedTransport):
    """Answers once the test lets a message go; until then the message is in flight."""

    def __init__(self) -> None:
        super().__init__("telegram", system_clock)
        self.entered: dict[str, asyncio.Event] = defaultdict(asyncio.Event)
        self.hold: dict[str, asyncio.Event] = {}

    async def deliver(self, message: Outbound) -> Delivered:
        text = str(message.payload.get("text"))
        self.entered[text].set()
        if text in self.hold:
            await self.hold[text].wait()
        return await super().deliver(message)


async def sent_within(transport: ScriptedTransport, text: str, seconds: float) -> bool:
    for _ in range(int(seconds / 0.02)):
        if text in transport.texts:
            return True
        await asyncio.sleep(0.02)
    return False


async def test_what_was_written_for_a_chat_in_flight_goes_when_that_chat_is_done(
    session_factory: SessionFactory,
) -> None:
    """The read on its writing skipped chat A (its previous message was in flight); the end of
    that message reads again at once, not once more of what the sender holds (chat B's five,
    the first stuck at the platform) has left, nor after the poll."""
    transport = HeldTransport()
    transport.hold = {"a0": asyncio.Event(), "b0": asyncio.Event()}
    sender = OutboxSender(
        session_factory, {"telegram": transport}, config=SenderConfig(poll_seconds=60)
    )
    wake = asyncio.Event()
    running = asyncio.create_task(sender.run_forever(wake))
    try:
        async with transaction(session_factory) as session:
            for index in range(5):
                enqueue(session, "telegram", "B", {"text": f"b{index}"})
            enqueue(session, "telegram", "A", {"text": "a0"})
        wake.set()
        await asyncio.wait_for(transport.entered["a0"].wait(), 10)
        async with transaction(session_factory) as session:
            enqueue(session, "telegram", "A", {"text": "a1"})
        wake.set()
        await asyncio.sleep(0.2)  # the read it wakes finds only chats in hand
        transport.hold["a0"].set()
        assert await sent_within(transport, "a1", 10)  # a second after a0, as A's limit says
    finally:
        transport.hold["b0"].set()
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)
    assert [text for text in transport.texts if text.startswith("a")] == ["a0", "a1"]


async def test_a_message_to_retry_goes_when_due_not_after_the_poll(
    session_factory: SessionFactory,
) -> None:
    """Its chat's worker ends at the 429; the next read learns when it is due, though what
    the sender holds besides (chat B's message, stuck at the platform) has not left."""
    transport = HeldTransport()
    transport.hold = {"b0": asyncio.Event()}
    transport.fail("flooded", RetryLater("429", retry_after=0.3))
    sender = OutboxSender(
        session_factory, {"telegram": transport}, config=SenderConfig(poll_seconds=60)
    )
    wake = asyncio.Event()
    running = asyncio.create_task(sender.run_forever(wake))
    try:
        async with transaction(session_factory) as session:
            enqueue(session, "telegram", "B", {"text": "b0"})
            enqueue(session, "telegram", "A", {"text": "flooded"})
            enqueue(session, "telegram", "A", {"text": "behind"})
        wake.set()
        assert await sent_within(transport, "behind", 10)
    finally:
        transport.hold["b0"].set()
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)
    assert [text for text in transport.texts if text != "b0"] == ["flooded", "behind"]
