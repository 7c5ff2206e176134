"""The one task that sends every outbound message from the outbox.

Guarantees, and their limits:
- A message is marked sent only after its platform answered, in the transaction that holds the
  row; a crash before that commit leaves it pending, and the next start sends it. Nothing is lost.
- That makes delivery at-least-once: a SIGKILL between the platform's answer and the commit sends
  those few messages again (at most `concurrency` of them). Telegram and Slack offer no idempotency
  key for sending, so this cannot be closed from our side; edits ("update") are idempotent anyway.
- Within one chat, messages go out strictly in the order they were written: a message waiting for
  a retry holds back the later ones of its chat. Different chats go out concurrently.
- Rate limits are ours (token buckets per platform and per chat, a little under the platform's
  published limits), and a message takes its tokens when it leaves, not while it waits for a
  free slot, so a burst of queued messages cannot leave together. One chat's 429 pauses only that
  chat; its Retry-After is honoured and the flood limit spends no attempt (it is the platform
  saying "later"). 5xx and network errors back off with jitter and count; a message goes to the
  dead letters after `max_attempts` real failures or when it is older than `max_age`
  (`wipbot outbox`), whichever comes first.
- Only the leader process sends; rows are still claimed with FOR UPDATE SKIP LOCKED on
  PostgreSQL so that two senders could never deliver the same row at the same time.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import random
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import Enum

from sqlalchemy import bindparam, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from wipbot.production.clock import Clock, system_clock
from wipbot.store.db import SessionFactory, reading, transaction
from wipbot.store.models import OutboxMessage
from wipbot.store.outbox import DeliveryError, Transport

from .config import SenderConfig
from .ratelimit import RateLimiter, Sleep

log = logging.getLogger(__name__)


ChatKey = tuple[str, str]


@dataclass(frozen=True)
class _Queue:
    due: dict[ChatKey, list[int]]
    next_due: datetime | None
    rows: dict[int, OutboxMessage] = field(default_factory=dict)
    """SQLite: the due rows themselves, read with the queue (see `_due_rows`)."""


RESULT_FIELDS = ("status", "attempts", "last_error", "next_attempt_at", "sent_at")
_outbox = OutboxMessage.__table__  # type: ignore[attr-defined]
RECORD_RESULT = (
    update(_outbox)
    .where(_outbox.c.id == bindparam("row_id"))
    .where(_outbox.c.status == "pending")
    .values(
        {name: bindparam(f"new_{name}") for name in RESULT_FIELDS}
        | {"platform_message_id": bindparam("new_platform_message_id")}
    )
)
"""One statement for the outcomes of many sends (executemany), guarded so that a row someone
else finished is not touched again."""


class Outcome(Enum):
    SENT = "sent"
    RETRY = "retry"
    DEAD = "dead"
    BUSY = "busy"
    GONE = "gone"


def retry_delay(
    attempts: int,
    retry_after: float | None,
    config: SenderConfig,
    jitter: Callable[[], float] = random.random,
) -> timedelta:
    """Never sooner than the platform asked; otherwise exponential with jitter, capped."""
    if retry_after is not None:
        return timedelta(seconds=retry_after * (1 + 0.1 * jitter()))
    step = min(config.backoff_cap_seconds, config.backoff_base_seconds * 2 ** max(0, attempts - 1))
    return timedelta(seconds=step / 2 + step / 2 * jitter())


class OutboxSender:
    def __init__(
        self,
        session_factory: SessionFactory,
        transports: Mapping[str, Transport],
        *,
        config: SenderConfig | None = None,
        clock: Clock = system_clock,
        sleep: Sleep = asyncio.sleep,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self._session_factory = session_factory
        self._transports = dict(transports)
        self._config = config or SenderConfig()
        self._clock = clock
        self._jitter = jitter
        self._slots = asyncio.Semaphore(self._config.concurrency)
        bind = session_factory.kw.get("bind")
        self._locks_rows = bind is not None and bind.dialect.name != "sqlite"
        self._unrecorded: list[tuple[dict[str, object], asyncio.Future[None]]] = []
        """SQLite: outcomes waiting to be written, each with the send waiting for it."""
        self._recorder: asyncio.Task[None] | None = None
        self._limiter = RateLimiter(
            clock, sleep, self._config.platform_limits, self._config.chat_limits
        )

    async def run_once(self) -> int:
        """Deliver everything due now, every chat concurrently; returns how many were sent."""
        queue = await self._queue(exclude=set())
        chats = (self._run_chat(k, ids, queue.rows) for k, ids in queue.due.items())
        return sum(await asyncio.gather(*chats))

    async def run_forever(self, wake: asyncio.Event) -> None:
        """Keep sending; `wake` cuts the wait short when something was just written.

        Each chat with something due gets a worker that sends its messages in order; a chat
        already being worked is left to its worker, whose end wakes the loop again. Reads are
        at least `read_gap_seconds` apart, so a burst of wake-ups costs one read.
        """
        active: dict[ChatKey, asyncio.Task[int]] = {}

        def finished(key: ChatKey, task: asyncio.Task[int]) -> None:
            active.pop(key, None)
            if not task.cancelled() and task.exception() is not None:
                log.error("outbox chat worker failed", exc_info=task.exception())
            wake.set()

        loop = asyncio.get_running_loop()
        last_read = -self._config.read_gap_seconds
        try:
            while True:
                gap = last_read + self._config.read_gap_seconds - loop.time()
                if gap > 0:
                    await asyncio.sleep(gap)
                last_read = loop.time()
                wake.clear()
                wait = self._config.poll_seconds
                try:
                    queue = await self._queue(exclude=set(active))
                except Exception:
                    log.exception("outbox: could not read the queue; trying again")
                    queue = _Queue({}, None)
                for key, ids in queue.due.items():
                    work = self._run_chat(key, ids, queue.rows)
                    task = asyncio.create_task(work, name=f"outbox {key}")
                    active[key] = task
                    task.add_done_callback(functools.partial(finished, key))
                if queue.next_due is not None:
                    seconds = (queue.next_due - self._clock()).total_seconds()
                    wait = min(wait, max(0.05, seconds))
                self._limiter.forget_idle()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(wake.wait(), wait)
        finally:
            for task in active.values():
                task.cancel()
            if active:
                await asyncio.gather(*active.values(), return_exceptions=True)
            await self._finish_recording()

    async def _finish_recording(self) -> None:
        """The results of sends that went out are written before the sender stops: a result
        lost here would send the message again after a restart, and a recorder left running
        would outlive the engine it writes through."""
        recorder = self._recorder
        if recorder is not None and not recorder.done():
            await asyncio.gather(recorder, return_exceptions=True)

    async def _queue(self, exclude: set[ChatKey]) -> _Queue:
        """Per chat, the ids of its pending messages up to the first one not yet due; and when
        the earliest of those held back falls due (chats in `exclude` are someone else's)."""
        now = self._clock()
        async with reading(self._session_factory, in_place=True) as session:
            found = (
                await session.exec(
                    select(
                        OutboxMessage.id,
                        OutboxMessage.platform,
                        OutboxMessage.chat_id,
                        OutboxMessage.next_attempt_at,
                    )
                    .where(OutboxMessage.status == "pending")
                    .where(col(OutboxMessage.platform).in_(list(self._transports)))
                    .order_by(col(OutboxMessage.id))
                    .limit(self._config.batch_size)
                )
            ).all()
            due: dict[ChatKey, list[int]] = defaultdict(list)
            held: set[ChatKey] = set(exclude)
            next_due: datetime | None = None
            for message_id, platform, chat_id, next_attempt_at in found:
                key = (platform, chat_id)
                if key in held:
                    continue
                if next_attempt_at > now:
                    held.add(key)
                    next_due = (
                        next_attempt_at if next_due is None else min(next_due, next_attempt_at)
                    )
                    continue
                assert message_id is not None
                due[key].append(message_id)
            rows = await self._due_rows(session, [i for ids in due.values() for i in ids])
        return _Queue(dict(due), next_due, rows)

    async def _due_rows(self, session: AsyncSession, ids: list[int]) -> dict[int, OutboxMessage]:
        """SQLite: the due rows in the same read session, instead of one read per message
        inside its send slot; only those due, since rows of chats being sent are pending too.
        Only this task changes a pending row, and each chat has one worker, so a row read here
        is still what `_claim` would read. PostgreSQL claims each row under its lock."""
        if self._locks_rows or not ids:
            return {}
        found = (
            await session.exec(
                select(OutboxMessage)
                .where(col(OutboxMessage.id).in_(ids))
                .where(OutboxMessage.status == "pending")
            )
        ).all()
        session.expunge_all()
        return {row.id: row for row in found if row.id is not None}

    async def _run_chat(
        self, key: ChatKey, ids: list[int], rows: Mapping[int, OutboxMessage] | None = None
    ) -> int:
        """The chat's messages in order, each in one of the `concurrency` slots."""
        sent = 0
        for message_id in ids:
            async with self._slots:
                outcome = await self._deliver(message_id, (rows or {}).get(message_id))
            if outcome is Outcome.SENT:
                sent += 1
            elif outcome in (Outcome.RETRY, Outcome.BUSY):
                break
        return sent

    async def _deliver(self, message_id: int, row: OutboxMessage | None = None) -> Outcome:
        """PostgreSQL: hold the row locked while the platform answers. SQLite: hold nothing,
        since one writer at a time is all it has; the row is read beside the writer and the
        result written with those of the other sends that finished meanwhile (`_record`)."""
        if self._locks_rows:
            async with self._session_factory() as session, session.begin():
                claimed = await self._claim(session, message_id, lock=True)
                if isinstance(claimed, Outcome):
                    return claimed
                return await self._attempt(claimed)
        if row is not None and row.next_attempt_at <= self._clock():
            claimed = row
        else:
            async with reading(self._session_factory) as session:
                found = await self._claim(session, message_id, lock=False)
                if isinstance(found, Outcome):
                    return found
                session.expunge(found)
            claimed = found
        outcome = await self._attempt(claimed)

        await self._record(claimed)
        return outcome

    async def _record(self, row: OutboxMessage) -> None:
        """The outcome of one send, written with those of every send that finished meanwhile:
        one statement (executemany) in one transaction, which waits its turn in the writer
        queue with the inbound ones (a session opened outside it would poll SQLite's lock and
        starve behind them). Returns once it is committed; raises if that failed, and the row
        stays pending."""
        values: dict[str, object] = {f"new_{name}": getattr(row, name) for name in RESULT_FIELDS}
        values["new_platform_message_id"] = row.platform_message_id
        values["row_id"] = row.id
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._unrecorded.append((values, done))
        if self._recorder is None or self._recorder.done():
            self._recorder = asyncio.create_task(self._write_results())
        await asyncio.shield(done)

    async def _write_results(self) -> None:
        while self._unrecorded:
            batch = self._unrecorded[: self._config.batch_size]
            del self._unrecorded[: len(batch)]
            try:
                async with transaction(self._session_factory, in_place=True) as session:
                    connection = await session.connection()
                    await connection.execute(RECORD_RESULT, [values for values, _ in batch])
            except Exception as error:
                for _, done in batch:
                    if not done.done():
                        done.set_exception(error)
            else:
                for _, done in batch:
                    if not done.done():
                        done.set_result(None)

    async def _claim(
        self, session: AsyncSession, message_id: int, *, lock: bool
    ) -> OutboxMessage | Outcome:
        query = (
            select(OutboxMessage)
            .where(OutboxMessage.id == message_id)
            .where(OutboxMessage.status == "pending")
        )
        if lock:
            query = query.with_for_update(skip_locked=True)
        row = (await session.exec(query)).first()
        if row is None:
            status = (
                await session.exec(
                    select(OutboxMessage.status).where(OutboxMessage.id == message_id)
                )
            ).first()
            return Outcome.BUSY if status == "pending" else Outcome.GONE
        if row.next_attempt_at > self._clock():
            return Outcome.BUSY
        return row

    async def _attempt(self, row: OutboxMessage) -> Outcome:
        """The rate-limit tokens are taken here, as the message leaves: taken earlier, the time
        spent claiming the row would let two sends bunch up at the platform."""
        await self._limiter.acquire(row.platform, row.chat_id)
        row.attempts += 1
        try:
            result = await self._transports[row.platform].deliver(row)
        except DeliveryError as error:
            if error.flood:
                row.attempts -= 1
            return self._failed(row, error, error.retry_after, error.permanent)
        except Exception as error:
            log.exception("outbox %s: %s transport raised", row.id, row.platform)
            return self._failed(row, error, None, False)
        finally:
            self._limiter.completed(row.platform, row.chat_id)
        row.status = "sent"
        row.sent_at = self._clock()
        row.platform_message_id = result.platform_message_id
        return Outcome.SENT

    def _failed(
        self, row: OutboxMessage, error: Exception, retry_after: float | None, permanent: bool
    ) -> Outcome:
        row.last_error = f"{type(error).__name__}: {error}"[:1000]
        now = self._clock()
        delay = retry_delay(row.attempts, retry_after, self._config, self._jitter)
        too_old = now + delay - _aware(row.created_at) > self._config.max_age
        if permanent or row.attempts >= self._config.max_attempts or too_old:
            row.status = "dead"
            log.warning("outbox %s dead after %s attempts: %s", row.id, row.attempts, error)
            return Outcome.DEAD
        row.next_attempt_at = now + delay
        return Outcome.RETRY


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


async def send_due(
    session_factory: SessionFactory,
    transports: Mapping[str, Transport],
    *,
    clock: Clock = system_clock,
    config: SenderConfig | None = None,
    sleep: Sleep = asyncio.sleep,
) -> int:
    """Deliver what is due now; returns how many were delivered."""
    sender = OutboxSender(session_factory, transports, config=config, clock=clock, sleep=sleep)
    return await sender.run_once()
