"""The sender's claim on what it sends: two senders never send one row, a sender that stopped
midway leaves its messages claimed only until the claim runs out, and a result is written only
under the claim it was sent with (scheduler/sender.py); on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import col, select

from wipbot.demo.clock import ManualClock
from wipbot.scheduler.config import RateLimit, SenderConfig
from wipbot.scheduler.sender import OutboxSender
from wipbot.store.db import SessionFactory, transaction
from wipbot.store.models import OutboxMessage
from wipbot.store.outbox import Delivered, Outbound, Outgoing, RetryLater, enqueue

T0 = datetime(2026, 3, 2, 4, 0, tzinfo=UTC)
CLAIM = 30.0
CONFIG = SenderConfig(platform_limits={}, chat_limits={}, claim_seconds=CLAIM)


class Platform:
    """What the chats received, in the order it arrived, from every sender."""

    def __init__(self) -> None:
        self.received: list[tuple[str, str, str]] = []


class Transport:
    platform = "telegram"

    def __init__(self, name: str, platform: Platform, *, interleave: bool = True) -> None:
        self.name = name
        self.interleave = interleave
        self.shared = platform
        self.hold: dict[str, asyncio.Event] = {}
        self.entered: dict[str, asyncio.Event] = defaultdict(asyncio.Event)
        self.fail: dict[str, Exception] = {}

    async def deliver(self, message: Outbound) -> Delivered:
        text = str(message.payload["text"])
        self.entered[text].set()
        if text in self.hold:
            await self.hold[text].wait()
        if text in self.fail:
            raise self.fail.pop(text)
        if self.interleave:
            await asyncio.sleep(0)  # let the other sender run in between
        self.shared.received.append((self.name, message.chat_id, text))
        return Delivered(f"{self.name}-{message.id}")


def sender(factory: SessionFactory, transport: Transport, clock: ManualClock) -> OutboxSender:
    return OutboxSender(
        factory,
        {"telegram": transport},
        config=CONFIG,
        clock=clock,
        sleep=clock.sleep,
        jitter=lambda: 0.5,
    )


async def put(factory: SessionFactory, clock: ManualClock, *messages: tuple[str, str]) -> None:
    async with transaction(factory) as session:
        for chat_id, text in messages:
            payload = {"kind": "reply", "text": text}
            enqueue(session, "telegram", chat_id, payload, not_before=clock())


async def rows(factory: SessionFactory) -> dict[str, OutboxMessage]:
    async with factory() as session:
        found = (await session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id)))).all()
    return {str(m.payload["text"]): m for m in found}


async def test_a_stopped_senders_messages_wait_for_its_claim_to_run_out(
    session_factory: SessionFactory,
) -> None:
    clock = ManualClock(T0)
    platform = Platform()
    first, second = Transport("first", platform), Transport("second", platform)
    first.hold["a1"] = asyncio.Event()  # the platform never answers the first sender
    await put(session_factory, clock, ("A", "a1"), ("A", "a2"), ("B", "b1"))

    stuck = asyncio.create_task(sender(session_factory, first, clock).run_once())
    await asyncio.wait_for(first.entered["a1"].wait(), 10)
    for _ in range(50):  # b1 goes out beside the stuck a1
        if platform.received:
            break
        await asyncio.sleep(0.01)
    assert platform.received == [("first", "B", "b1")]

    other = sender(session_factory, second, clock)
    assert await other.run_once() == 0  # a1 is in flight, a2 waits behind it
    stuck.cancel()  # the first sender dies without a word: nothing of a1 is written
    await asyncio.gather(stuck, return_exceptions=True)
    clock.advance(timedelta(seconds=CLAIM - 1))
    assert await other.run_once() == 0

    clock.advance(timedelta(seconds=1))
    assert await other.run_once() == 2
    assert platform.received[1:] == [("second", "A", "a1"), ("second", "A", "a2")]
    stored = await rows(session_factory)
    assert {m.status for m in stored.values()} == {"sent"}
    assert {m.claimed_until for m in stored.values()} == {None}
    assert stored["a1"].platform_message_id == f"second-{stored['a1'].id}"


async def test_a_result_is_not_written_over_a_claim_that_ran_out(
    session_factory: SessionFactory,
) -> None:
    """The slow sender's answer came after another took the message over: the row keeps what
    the sender holding it now wrote."""
    clock = ManualClock(T0)
    platform = Platform()
    slow, fast = Transport("slow", platform), Transport("fast", platform)
    slow.hold["x"] = asyncio.Event()
    await put(session_factory, clock, ("A", "x"))

    late = asyncio.create_task(sender(session_factory, slow, clock).run_once())
    await asyncio.wait_for(slow.entered["x"].wait(), 10)
    clock.advance(timedelta(seconds=CLAIM))
    assert await sender(session_factory, fast, clock).run_once() == 1
    slow.hold["x"].set()
    await asyncio.wait_for(late, 10)

    stored = (await rows(session_factory))["x"]
    assert stored.status == "sent" and stored.attempts == 1
    assert stored.platform_message_id == f"fast-{stored.id}"
    assert stored.claimed_until is None


async def test_two_senders_never_send_one_row_and_keep_each_chat_in_order(
    session_factory: SessionFactory,
) -> None:
    clock = ManualClock(T0)
    platform = Platform()
    chats, per_chat = 6, 10
    await put(
        session_factory,
        clock,
        *((f"chat{i % chats}", f"m{i:03d}") for i in range(chats * per_chat)),
    )
    senders = [sender(session_factory, Transport(name, platform), clock) for name in "ab"]
    for _ in range(20):
        await asyncio.gather(*(s.run_once() for s in senders))
        if len(platform.received) >= chats * per_chat:
            break

    texts = [text for _, _, text in platform.received]
    assert sorted(texts) == sorted(set(texts)) and len(texts) == chats * per_chat
    by_chat: dict[str, list[str]] = defaultdict(list)
    for _, chat_id, text in platform.received:
        by_chat[chat_id].append(text)
    assert all(sent == sorted(sent) for sent in by_chat.values())
    stored = await rows(session_factory)
    assert {(m.status, m.claimed_until) for m in stored.values()} == {("sent", None)}


async def test_a_retry_frees_the_rest_of_its_chat_at_once(session_factory: SessionFactory) -> None:
    clock = ManualClock(T0)
    platform = Platform()
    transport = Transport("one", platform)
    transport.fail["a1"] = RetryLater("502")
    await put(session_factory, clock, ("A", "a1"), ("A", "a2"))
    assert await sender(session_factory, transport, clock).run_once() == 0
    stored = await rows(session_factory)
    assert (stored["a1"].status, stored["a1"].attempts) == ("pending", 1)
    assert [stored[t].claimed_until for t in ("a1", "a2")] == [None, None]

    clock.set(stored["a1"].next_attempt_at)
    assert await sender(session_factory, Transport("two", platform), clock).run_once() == 2
    assert [text for _, _, text in platform.received] == ["a1", "a2"]


async def test_a_read_claims_only_what_the_limits_let_out_within_half_a_claim(
    sqlite_session_factory: SessionFactory,
) -> None:
    """Claimed messages wait for their rate-limit tokens while their claim runs: a read takes
    no more than the limits let out in half of it, so no claim runs out in the queue."""
    clock = ManualClock(T0)
    platform = Platform()
    config = SenderConfig(
        platform_limits={"telegram": RateLimit(2)},
        chat_limits={"telegram": RateLimit(1)},
        claim_seconds=4.0,
    )
    await put(sqlite_session_factory, clock, *(("A", f"a{i}") for i in range(5)))
    await put(sqlite_session_factory, clock, *((f"chat{i}", f"c{i}") for i in range(8)))

    def one_read() -> OutboxSender:
        # answers at once: the limiter's waits on the manual clock never yield to the loop
        transport = Transport("one", platform, interleave=False)
        return OutboxSender(
            sqlite_session_factory,
            {"telegram": transport},
            config=config,
            clock=clock,
            sleep=clock.sleep,
        )

    # within 2 s: the platform lets out 1 + 2 * 2 = 5 (burst and rate), a chat 1 + 1 * 2 = 3
    assert await one_read().run_once() == 5
    assert sorted(text for _, _, text in platform.received) == ["a0", "a1", "a2", "c0", "c1"]
    stored = await rows(sqlite_session_factory)
    assert {m.claimed_until for m in stored.values()} == {None}
    assert await one_read().run_once() == 5
    assert await one_read().run_once() == 3
    assert [text for _, _, text in platform.received if text.startswith("a")] == [
        f"a{i}" for i in range(5)
    ]


SEND = 10.0
"""The slow platform's longest request, as its transport declares it."""


class SlowTransport(Transport):
    """Each send takes 8 s on the manual clock, `during` running half way through; it records
    when each send began and ended, and the lease its message was sent under."""

    send_seconds = SEND

    def __init__(self, name: str, platform: Platform, clock: ManualClock) -> None:
        super().__init__(name, platform, interleave=False)
        self.clock = clock
        self.during: Callable[[], Awaitable[object]] | None = None
        self.spans: list[tuple[str, datetime, datetime, datetime]] = []

    async def deliver(self, message: Outbound) -> Delivered:
        assert isinstance(message, Outgoing)
        began = self.clock()
        self.clock.advance(timedelta(seconds=4))
        if self.during is not None:
            await self.during()
        self.clock.advance(timedelta(seconds=4))
        delivered = await super().deliver(message)
        self.spans.append(
            (str(message.payload["text"]), began, self.clock(), message.claimed_until)
        )
        return delivered


async def test_a_chats_slow_sends_stop_before_they_could_outlive_their_lease(
    session_factory: SessionFactory,
) -> None:
    """Six messages of one chat claimed at once, 8 s each, under a 30 s lease: the fourth would
    begin with 6 s left, less than a send may take, so it and the rest wait for the next read."""
    clock = ManualClock(T0)
    platform = Platform()
    slow = SlowTransport("slow", platform, clock)
    await put(session_factory, clock, *(("A", f"a{i}") for i in range(6)))

    assert await sender(session_factory, slow, clock).run_once() == 3
    assert [text for text, *_ in slow.spans] == ["a0", "a1", "a2"]
    assert all(ended <= lease for _, _, ended, lease in slow.spans)
    assert all((lease - began).total_seconds() >= SEND for _, began, _, lease in slow.spans)
    stored = await rows(session_factory)
    assert [stored[f"a{i}"].status for i in range(6)] == ["sent"] * 3 + ["pending"] * 3
    assert [stored[f"a{i}"].attempts for i in range(3, 6)] == [0, 0, 0]
    assert {m.claimed_until for m in stored.values()} == {None}  # released at once

    assert await sender(session_factory, slow, clock).run_once() == 3
    assert [text for _, _, text in platform.received] == [f"a{i}" for i in range(6)]
    assert all(ended <= lease for _, _, ended, lease in slow.spans)


async def test_a_second_sender_sends_nothing_twice_while_the_first_is_slow(
    session_factory: SessionFactory,
) -> None:
    """The second sender reads the queue in the middle of each of the first one's sends: it
    finds the chat claimed until the first lets go of it, and sends only what it let go."""
    clock = ManualClock(T0)
    platform = Platform()
    first = SlowTransport("first", platform, clock)
    second = SlowTransport("second", platform, clock)
    other = sender(session_factory, second, clock)
    first.during = other.run_once
    await put(session_factory, clock, *(("A", f"a{i}") for i in range(6)))

    await sender(session_factory, first, clock).run_once()
    clock.advance(timedelta(seconds=CONFIG.poll_seconds))  # it looks at a held chat again
    await other.run_once()

    texts = [text for _, _, text in platform.received]
    assert texts == [f"a{i}" for i in range(6)]  # each once, in order
    assert [name for name, _, _ in platform.received] == ["first"] * 3 + ["second"] * 3
    assert all(ended <= lease for _, _, ended, lease in first.spans + second.spans)
    stored = await rows(session_factory)
    assert {(m.status, m.attempts, m.claimed_until) for m in stored.values()} == {("sent", 1, None)}


def test_a_transport_slower_than_the_lease_is_refused(
    sqlite_session_factory: SessionFactory,
) -> None:
    clock = ManualClock(T0)
    slow = SlowTransport("slow", Platform(), clock)
    config = SenderConfig(platform_limits={}, chat_limits={}, claim_seconds=SEND)
    with pytest.raises(ValueError, match="telegram send may take 10 s"):
        OutboxSender(sqlite_session_factory, {"telegram": slow}, config=config, clock=clock)
