"""The one way in for every factory-chat delivery, whichever platform brought it.

Telegram, WhatsApp and the console all hand their (translated) deliveries here, and each goes
through the same steps: wait for the chat's turn (one delivery per chat at a time, other chats
in parallel), run the step in a transaction shared with whatever other chats' steps queued up
meanwhile (`store.db.GroupCommit`), write the replies to the outbox in that same transaction,
and wake the sender once it committed. A failure writes nothing, so the platform's retry is
handled as new.

When too much is waiting, a delivery is refused at once with `Saturated` (nothing written), and
the adapter answers so that the platform delivers it again later, instead of holding it until
the platform's patience runs out and it retries anyway, on top of the queue.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlmodel.ext.asyncio.session import AsyncSession

from wipbot.production.clock import Clock, system_clock
from wipbot.store.db import GroupCommit, SessionFactory
from wipbot.store.outbox import enqueue_sends

from .factory_chat import handle_inbound
from .messages import Inbound, Reply, reply_to_payload
from .taking_turns import TakingTurns

T = TypeVar("T")

MAX_WAITING = 512
"""Deliveries in the process at once before new ones are refused."""
PATIENCE_SECONDS = 20.0
"""A delivery still waiting for its turn after this long is refused rather than started: the
platform (Telegram waits about a minute, Meta a little less) is about to give up on it."""


class Saturated(Exception):
    """Too much is waiting; nothing was written. Answer so the platform delivers it again."""


@dataclass(frozen=True)
class Step(Generic[T]):
    """What one delivery's work returns: its result for the adapter, and the outbox payloads
    for the chat it came from (written in the same transaction)."""

    result: T
    outbox: list[dict[str, Any]] = field(default_factory=list)


StepWork = Callable[[AsyncSession, datetime], Awaitable[Step[T]]]


@dataclass
class InboundStats:
    """What /metrics shows about the way in."""

    handled: int = 0
    failed: int = 0
    shed: int = 0
    latencies: deque[float] = field(default_factory=lambda: deque(maxlen=4096))

    def quantile(self, share: float) -> float:
        if not self.latencies:
            return 0.0
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


class InboundPipeline:
    def __init__(
        self,
        session_factory: SessionFactory,
        *,
        clock: Clock = system_clock,
        wake_sender: Callable[[], None] = lambda: None,
        max_waiting: int = MAX_WAITING,
        patience_seconds: float = PATIENCE_SECONDS,
    ) -> None:
        self.session_factory = session_factory
        self.clock = clock
        self.wake_sender = wake_sender
        self.max_waiting = max_waiting
        self.patience_seconds = patience_seconds
        self.stats = InboundStats()
        self._commit = GroupCommit.for_factory(session_factory)
        self._chats: TakingTurns[tuple[str, str]] = TakingTurns()
        self._in_flight = 0

    @property
    def depth(self) -> int:
        """Deliveries in the process now, waiting or being handled."""
        return self._in_flight

    @property
    def commits(self) -> int:
        return self._commit.commits

    async def close(self) -> None:
        """Let the database connections kept between deliveries go."""
        await self._commit.close()

    async def run(self, platform: str, chat_id: str, work: StepWork[T]) -> T:
        """Run one delivery's work in the chat's turn; its outbox payloads go to this chat."""
        if self._in_flight >= self.max_waiting:
            self.stats.shed += 1
            raise Saturated(f"{self._in_flight} deliveries waiting")
        self._in_flight += 1
        started = time.monotonic()
        try:
            async with self._chats.turn((platform, chat_id)):
                if time.monotonic() - started > self.patience_seconds:
                    raise Saturated("waited past the platform's patience")
                now = self.clock()

                async def unit(session: AsyncSession) -> Step[T]:
                    step = await work(session, now)
                    await enqueue_sends(session, platform, chat_id, step.outbox, not_before=now)
                    return step

                step: Step[T] = await self._commit.run(unit)
        except Saturated:
            self.stats.shed += 1
            raise
        except Exception:
            self.stats.failed += 1
            raise
        finally:
            self._in_flight -= 1
        self.stats.handled += 1
        self.stats.latencies.append(time.monotonic() - started)
        if step.outbox:
            self.wake_sender()
        return step.result

    async def handle(
        self,
        inbound: Inbound,
        to_payload: Callable[[Reply], dict[str, Any]] | None = reply_to_payload,
    ) -> list[Reply]:
        """The factory conversation for one delivery; its replies go to the outbox rendered by
        `to_payload`, or nowhere when it is None (the console shows them itself)."""

        async def work(session: AsyncSession, now: datetime) -> Step[list[Reply]]:
            replies = await handle_inbound(session, inbound, now=now)
            payloads = [to_payload(reply) for reply in replies] if to_payload else []
            return Step(replies, payloads)

        return await self.run(inbound.platform, inbound.chat_id, work)
