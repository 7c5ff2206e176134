"""The one task that sends every outbound message from the outbox.

Guarantees, and their limits:
- A message is marked sent only after its platform answered; a crash before that commit leaves
  it pending, and it is sent again once its claim (below) ran out. Nothing is lost.
- That makes delivery at-least-once: a SIGKILL between the platform's answer and the commit sends
  those few messages again (at most `concurrency` of them). Telegram and Slack offer no idempotency
  key for sending, so this cannot be closed from our side; edits ("update") are idempotent anyway.
- One exception, chosen: a send whose request reached the platform but whose answer did not come
  in time (`Unconfirmed`, a read timeout) is recorded `unconfirmed` with its `sent_at`, and not
  sent again. It may well have been delivered, and a resend put it in the chat twice; for that
  case delivery is at most once, and a loss shows in `wipbot outbox` and `/metrics` (an
  operator sends it again, as a dead one, with `wipbot outbox resend`). What surely never left
  (a refused connection, a connect timeout) is retried as before, and the chat's later
  messages go on after an unconfirmed one.
- Within one chat, messages go out strictly in the order they were written: a message waiting for
  a retry, or claimed by another sender, holds back the later ones of its chat. Different chats go
  out concurrently.
- Rate limits are ours (token buckets per platform and per chat, a little under the platform's
  published limits), and a message takes its tokens when it leaves, not while it waits for a
  free slot, so a burst of queued messages cannot leave together. One chat's 429 pauses only that
  chat; its Retry-After is honoured and the flood limit spends no attempt (it is the platform
  saying "later"). 5xx and network errors back off with jitter and count; a message goes to the
  dead letters after `max_attempts` real failures or when it is older than `max_age`
  (`wipbot outbox`), whichever comes first.
- Each read of the queue claims the due messages it hands out in one statement: the rows get a
  lease (`claimed_until`, `claim_seconds` ahead) that another sender respects, and each result is
  written only while the row still carries the lease it was sent under. Two senders therefore
  never send one row at the same time (on PostgreSQL rows another transaction holds are skipped,
  not waited for), and a crashed sender's messages go out again once their lease ran out. A sender
  holds claimed no more than the rate limits let out within half the lease (and within
  `LOOKAHEAD_SECONDS`), so a lease does not run out while its message waits its turn. Only the
  leader process sends; the lease is what keeps a second sender (or a leader that lost its lock)
  from sending what the first has in hand.
- A send never outlives its lease: a message leaves only while its lease has at least the
  transport's longest request left (`send_seconds`: Telegram's pool, connect and answer
  timeouts, 26 s by default; Slack's connect and answer, 30 s), and the rest of its chat is
  released for the next read once it has not. A chat's claimed messages go one after another,
  and a few slow sends (each up to its answer timeout) used to run past the 60 s lease, when a
  second sender could claim, and send again, those not yet sent. Stopping there was chosen over
  renewing the lease: it needs no further write while sending, a lease keeps its one meaning
  (how long a crashed sender's messages wait), and what a chat gives up goes out with the next
  read, in order, as after a retry. A transport whose longest request is not shorter than the
  lease is refused at start.
- A read costs what it can send: its statement leaves out the chats the sender has in hand or
  knows to be held back, and asks for no more rows than the sender has room for; during a
  backlog it comes once about a second's worth of sending left the sender's hands, not on every
  message sent (a 2,000-message backlog at 30/s: one row read per message sent, a read per 30).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import math
import random
from collections import defaultdict
from collections.abc import AsyncIterator, Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import Enum
from typing import Any

from sqlalchemy import Select, bindparam, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from wipbot.production.clock import Clock, system_clock
from wipbot.store.db import (
    SessionFactory,
    bound_engine,
    close_quietly,
    on_sqlite,
    reading,
    transaction,
)
from wipbot.store.fitting import fitted, kept_id, storable, width_of
from wipbot.store.models import OutboxMessage
from wipbot.store.outbox import DeliveryError, Outgoing, Transport, Unconfirmed

from .config import RateLimit, SenderConfig
from .ratelimit import RateLimiter, Sleep

log = logging.getLogger(__name__)


ChatKey = tuple[str, str]


@dataclass(frozen=True)
class _Queue:
    due: dict[ChatKey, list[Outgoing]]
    """Per chat, the messages claimed for it, in the order they were written."""
    next_due: datetime | None
    behind: frozenset[ChatKey] = frozenset()
    """Chats with due messages left for a later read (more than their limit lets out soon)."""


_outbox = OutboxMessage.__table__  # type: ignore[attr-defined]
_c = _outbox.c

PENDING = (
    select(_c.id, _c.platform, _c.chat_id, _c.next_attempt_at, _c.claimed_until)
    .where(_c.status == "pending")
    .where(_c.platform.in_(bindparam("platforms", expanding=True)))
    .order_by(_c.id)
    .limit(bindparam("limit"))
)
"""The queue: only what decides who is due, for the chats of every platform we can send to."""


def pending_skipping(platforms: int) -> Select[Any]:
    """`PENDING` without the chats named in `skip_<n>` (those of `platform_<n>`, n < platforms):
    the chats a sender has in hand, or knows to be held back, cost the database a look at their
    rows but cost the sender nothing, and leave the read's `limit` to chats it can take."""
    statement = PENDING
    for index in range(platforms):
        statement = statement.where(
            or_(
                _c.platform != bindparam(f"platform_{index}"),
                _c.chat_id.not_in(bindparam(f"skip_{index}", expanding=True)),
            )
        )
    return statement


_CLAIMABLE = (
    select(_c.id)
    .where(_c.id.in_(bindparam("ids", expanding=True)))
    .where(_c.status == "pending")
    .where(_c.next_attempt_at <= bindparam("now"))
    .where(or_(_c.claimed_until.is_(None), _c.claimed_until <= bindparam("now")))
    .with_for_update(skip_locked=True)
)
CLAIM = (
    update(_outbox)
    .where(_c.id.in_(_CLAIMABLE.scalar_subquery()))
    .values(claimed_until=bindparam("until"))
    .returning(
        _c.id,
        _c.platform,
        _c.chat_id,
        _c.action,
        _c.payload,
        _c.dedupe_key,
        _c.alert_id,
        _c.gate_id,
        _c.created_at,
        _c.attempts,
        _c.next_attempt_at,
        _c.last_error,
    )
)
"""The due messages of one read, leased in one statement; a row that is no longer pending and
due, whose lease has not run out, or (PostgreSQL) that another transaction holds, is left out."""

ERROR_CHARS = width_of(OutboxMessage.last_error)
MESSAGE_ID_CHARS = width_of(OutboxMessage.platform_message_id)


def error_text(error: BaseException) -> str:
    """The failure as `last_error` keeps it. Its text is the platform's as often as ours (an
    error description, a proxy's page), and a NUL in it made PostgreSQL refuse the row: the
    message was then sent again, and failed again, without end. (The log gets it `storable`
    too: a lone surrogate cannot be written to a UTF-8 log either.)"""
    return fitted(f"{type(error).__name__}: {error}", ERROR_CHARS)


RESULT_FIELDS = (
    "status",
    "attempts",
    "last_error",
    "next_attempt_at",
    "sent_at",
    "platform_message_id",
)
RECORD_RESULT = (
    update(_outbox)
    .where(_c.id == bindparam("row_id"))
    .where(_c.status == "pending")
    .where(_c.claimed_until == bindparam("lease"))
    .values({name: bindparam(f"new_{name}") for name in RESULT_FIELDS} | {"claimed_until": None})
)
"""One statement for the outcomes of many sends (executemany), each written only while its row
still carries the lease it was sent under; the lease ends with it."""

RELEASE = (
    update(_outbox)
    .where(_c.id.in_(bindparam("ids", expanding=True)))
    .where(_c.claimed_until == bindparam("lease"))
    .values(claimed_until=None)
)
"""Claimed messages that will not be sent now (their chat waits for a retry): free at once."""


class Outcome(Enum):
    SENT = "sent"
    RETRY = "retry"
    DEAD = "dead"
    UNCONFIRMED = "unconfirmed"
    """Sent, its answer lost: never sent again (`Unconfirmed`)."""


@dataclass(slots=True)
class _Result:
    """What one attempt changes in its row."""

    message: Outgoing
    outcome: Outcome
    attempts: int
    last_error: str
    next_attempt_at: datetime
    sent_at: datetime | None = None
    platform_message_id: str | None = None

    def values(self) -> dict[str, object]:
        return {
            "row_id": self.message.id,
            "lease": self.message.claimed_until,
            "new_status": "pending" if self.outcome is Outcome.RETRY else self.outcome.value,
            "new_attempts": self.attempts,
            "new_last_error": self.last_error,
            "new_next_attempt_at": self.next_attempt_at,
            "new_sent_at": self.sent_at,
            "new_platform_message_id": self.platform_message_id,
        }


def retry_delay(
    attempts: int,
    retry_after: float | None,
    config: SenderConfig,
    jitter: Callable[[], float] = random.random,
) -> timedelta:
    """Never sooner than the platform asked (within reason); otherwise exponential with jitter,
    capped."""
    wait = platform_wait(retry_after)
    if wait is not None:
        return timedelta(seconds=wait * (1 + 0.1 * jitter()))
    step = min(config.backoff_cap_seconds, config.backoff_base_seconds * 2 ** max(0, attempts - 1))
    return timedelta(seconds=step / 2 + step / 2 * jitter())


FLOOD_WAIT_CAP_SECONDS = 3600.0
"""The longest wait a platform's answer may impose on one message before it is tried again (and
told again to wait, at no attempt's cost). A Retry-After of a day made the message "too old" at
once and dead-lettered it; one of 10^12 seconds overflowed the datetime, so the send raised,
and the message went round again every claim, never sent and never given up."""


def platform_wait(retry_after: float | None) -> float | None:
    """The platform's hint as a wait we honour: NaN or infinity is no hint, below zero is now."""
    if retry_after is None or not math.isfinite(retry_after):
        return None
    return min(max(retry_after, 0.0), FLOOD_WAIT_CAP_SECONDS)


def claim_cap(limit: RateLimit | None, seconds: float) -> float:
    """How many messages a limit lets out in `seconds`: what a sender may hold claimed under it."""
    return math.inf if limit is None else max(1.0, limit.burst + limit.per_second * seconds)


LOOKAHEAD_SECONDS = 10.0
"""A sender holds claimed at most what the limits let out in this long (or in half a lease, if
that is shorter). A platform's rate over chats that each go at their own slower pace needs
many chats in hand at once (30/s over chats sent to once a second: 33 of them, 5 messages each
in a weekly fan-out); ten seconds' worth is 301 messages on Telegram. Holding more only makes
a reply written during a fan-out wait behind more of it, and each read skip more chats."""

READS_PER_TURN = 3
"""Statements one look at the queue may take, each past the chats the last one found but could
not take now (more messages than their chat lets out soon, held back): enough to look past a
few such chats, few enough that one look stays short."""

REFILL_SECONDS = 1.0
"""While a sender holds nearly all it may, it does not read: it reads again once about this
long of sending at the platform's rate has left its hands. During a backlog a read then claims
some thirty messages a second instead of one every few milliseconds."""


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
        self._engine = bound_engine(session_factory)
        self._sqlite = self._engine is None or on_sqlite(self._engine)
        self._unrecorded: list[tuple[dict[str, object], asyncio.Future[None]]] = []
        """Outcomes waiting to be written, each with the send waiting for it."""
        self._recorder: asyncio.Task[None] | None = None
        self._connection: AsyncConnection | None = None
        """PostgreSQL: the sender's own connection, in autocommit (see `_writing`)."""
        self._connection_turn = asyncio.Lock()
        self._limiter = RateLimiter(
            clock, sleep, self._config.platform_limits, self._config.chat_limits
        )
        ahead = min(self._config.claim_seconds / 2, LOOKAHEAD_SECONDS)
        limits = self._config.platform_limits
        self._platform_caps = {
            p: min(float(self._config.batch_size), claim_cap(limits.get(p), ahead))
            for p in self._transports
        }
        self._chat_caps = {
            p: claim_cap(self._config.chat_limits.get(p), ahead) for p in self._transports
        }
        self._refills = {p: self._refill(limits.get(p)) for p in self._transports}
        self._in_hand: dict[str, int] = defaultdict(int)
        """Per platform, the messages claimed and not yet sent (or given up) by this sender."""
        self._let_go_total: dict[str, int] = defaultdict(int)
        self._seen_all: dict[str, tuple[int, int]] = {}
        """Platforms whose last read saw every row it could take: `_let_go_total` and
        `_in_hand` then (`_may_have_more`)."""
        self._writes = 0
        """How many times `run_forever` was woken because something was written."""
        self._recheck = False
        """A chat worker that ended may have left something to read (`_run_chat`)."""
        self._held_back: dict[ChatKey, datetime] = {}
        """Chats whose first message is not due, or claimed by another sender: left out of the
        reads until then, or until `poll_seconds` passed (whichever comes first)."""
        self._pending = pending_skipping(len(self._transports))
        self._send_seconds = {p: send_seconds(t) for p, t in self._transports.items()}
        """Per platform, the least lease a message must have left to be sent (`_attempt`)."""
        for platform, seconds in self._send_seconds.items():
            if seconds >= self._config.claim_seconds:
                raise ValueError(
                    f"a {platform} send may take {seconds:g} s, longer than the sender's "
                    f"{self._config.claim_seconds:g} s lease on what it sends"
                )
        self.reads = 0
        self.rows_read = 0
        """What reading the queue cost: statements and rows (compared with what was sent)."""

    async def run_once(self) -> int:
        """Deliver everything due now, every chat concurrently; returns how many were sent."""
        try:
            queue = await self._queue(exclude=set(), fresh=True)
            chats = (
                self._run_chat(messages, key in queue.behind) for key, messages in queue.due.items()
            )
            return sum(await asyncio.gather(*chats))
        finally:
            await self._close()

    async def run_forever(self, wake: asyncio.Event) -> None:
        """Keep sending; `wake` cuts the wait short when something was just written.

        Each chat with something due gets a worker that sends its messages in order; a chat
        already being worked is left to its worker, whose end wakes the loop again. Reads are
        at least `read_gap_seconds` apart, so a burst of wake-ups costs one read. A turn that
        only a worker's end started reads a queue the last read saw all of only once a
        refill's worth left the sender's hands (`_queue`); `wake`, and a wait that ran out,
        always read.
        """
        active: dict[ChatKey, asyncio.Task[int]] = {}
        ended = asyncio.Event()

        def finished(key: ChatKey, task: asyncio.Task[int]) -> None:
            active.pop(key, None)
            if not task.cancelled() and task.exception() is not None:
                log.error("outbox chat worker failed", exc_info=task.exception())
            ended.set()

        loop = asyncio.get_running_loop()
        last_read = -self._config.read_gap_seconds
        try:
            while True:
                gap = last_read + self._config.read_gap_seconds - loop.time()
                if gap > 0:
                    await asyncio.sleep(gap)
                last_read = loop.time()
                written = wake.is_set()
                fresh = written or not ended.is_set()  # something written, or the wait ran out
                self._writes += written
                wake.clear()
                ended.clear()
                wait = self._config.poll_seconds
                try:
                    queue = await self._queue(exclude=set(active), fresh=fresh)
                except Exception:
                    log.exception("outbox: could not read the queue; trying again")
                    queue = _Queue({}, None)
                for key, messages in queue.due.items():
                    worker = self._run_chat(messages, key in queue.behind)
                    task = asyncio.create_task(worker, name=f"outbox {key}")
                    active[key] = task
                    task.add_done_callback(functools.partial(finished, key))
                if queue.next_due is not None:
                    seconds = (queue.next_due - self._clock()).total_seconds()
                    wait = min(wait, max(0.05, seconds))
                self._limiter.forget_idle()
                await _either(wake, ended, wait)
        finally:
            for task in active.values():
                task.cancel()
            if active:
                await asyncio.gather(*active.values(), return_exceptions=True)
            await self._finish_recording()
            await self._close()

    async def _finish_recording(self) -> None:
        """The results of sends that went out are written before the sender stops: a result
        lost here would send the message again after a restart, and a recorder left running
        would outlive the engine it writes through."""
        recorder = self._recorder
        if recorder is not None and not recorder.done():
            await asyncio.gather(recorder, return_exceptions=True)

    def _refill(self, limit: RateLimit | None) -> float:
        """How much room a platform needs before its queue is read again (`REFILL_SECONDS`)."""
        if limit is None:
            return 1.0
        return max(1.0, min(limit.per_second * REFILL_SECONDS, float(self._config.batch_size)))

    async def _queue(self, exclude: set[ChatKey], *, fresh: bool) -> _Queue:
        """Per chat, its due messages up to the first one not yet due or claimed by someone
        else, claimed for us; and when the earliest of those held back falls due (chats in
        `exclude` are being sent by this sender already). A platform is read only when the
        sender has room for a refill of it, and a read asks for no more rows than that room;
        when chats it cannot take now filled it, it looks past them (`READS_PER_TURN`).

        Not `fresh` (only a worker's end started the turn), a platform whose last read saw
        all it could is read again only once a refill's worth of what the sender held then
        has left its hands, or all of it: nothing new can have come but what those chats had
        behind (a worker whose chat may have more asks for a fresh turn itself)."""
        now = self._clock()
        held_back = len(self._held_back)
        self._held_back = {key: at for key, at in self._held_back.items() if at > now}
        fresh = fresh or self._recheck or len(self._held_back) < held_back
        self._recheck = False
        budget = {
            p: room
            for p in self._transports
            if (room := self._platform_caps[p] - self._in_hand[p]) >= self._refills[p]
            and (fresh or self._may_have_more(p))
        }
        wanted: dict[ChatKey, list[int]] = {}
        behind: set[ChatKey] = set()
        seen_all: set[str] = set()
        skip = set(exclude) | self._held_back.keys()
        for _ in range(READS_PER_TURN if budget else 0):
            platforms = [p for p, room in budget.items() if room >= 1]
            if not platforms:
                break
            limit = math.ceil(
                min(float(self._config.batch_size), sum(budget[p] for p in platforms))
            )
            found = await self._read(platforms, limit, skip)
            self._due(found, now, budget, wanted, behind)
            if len(found) < limit:
                seen_all.update(platforms)
                break
            skip.update((platform, chat_id) for _, platform, chat_id, _, _ in found)
        for platform in budget:
            self._seen_all.pop(platform, None)
        if not wanted:
            self._mark_seen_all(seen_all)
            return _Queue({}, self._next_held_back())
        lease = now + timedelta(seconds=self._config.claim_seconds)
        ids = [i for chat in wanted.values() for i in chat]
        async with self._writing() as connection:
            rows = (await connection.execute(CLAIM, {"ids": ids, "now": now, "until": lease})).all()
        claimed = {row.id: row for row in rows}
        if len(claimed) < len(ids):
            seen_all.clear()  # taken by another sender meanwhile, or (PostgreSQL) locked
        due: dict[ChatKey, list[Outgoing]] = {}
        unused: list[int] = []
        for key, chat in wanted.items():
            messages: list[Outgoing] = []
            for message_id in chat:
                row = claimed.get(message_id)
                if row is None:
                    break
                messages.append(Outgoing(**row._asdict(), claimed_until=lease))
            unused += [i for i in chat[len(messages) :] if i in claimed]
            if messages:
                due[key] = messages
                self._in_hand[key[0]] += len(messages)
        if unused:
            await self._release(unused, lease)
        self._mark_seen_all(seen_all)
        return _Queue(due, self._next_held_back(), frozenset(behind & due.keys()))

    def _mark_seen_all(self, platforms: set[str]) -> None:
        for platform in platforms:
            self._seen_all[platform] = (self._let_go_total[platform], self._in_hand[platform])

    def _may_have_more(self, platform: str) -> bool:
        """Whether the queue of the platform may hold something the last read did not see."""
        mark = self._seen_all.get(platform)
        if mark is None:
            return True
        let_go, held = mark
        return self._let_go_total[platform] - let_go >= min(self._refills[platform], held)

    async def _read(
        self, platforms: list[str], limit: int, skip: Collection[ChatKey]
    ) -> Sequence[Any]:
        """The first `limit` pending rows of `platforms`, in order, none of the chats in `skip`."""
        params: dict[str, Any] = {"platforms": platforms, "limit": limit}
        for index, platform in enumerate(self._transports):
            params[f"platform_{index}"] = platform
            params[f"skip_{index}"] = [chat for p, chat in skip if p == platform]
        if self._sqlite:
            async with reading(self._session_factory, in_place=True) as session:
                connection = await session.connection()
                found = (await connection.execute(self._pending, params)).all()
        else:
            async with self._writing() as connection:
                found = (await connection.execute(self._pending, params)).all()
        self.reads += 1
        self.rows_read += len(found)
        return found

    def _next_held_back(self) -> datetime | None:
        return min(self._held_back.values(), default=None)

    def _due(
        self,
        found: Sequence[Any],
        now: datetime,
        budget: dict[str, float],
        wanted: dict[ChatKey, list[int]],
        behind: set[ChatKey],
    ) -> None:
        """Adds to `wanted`, per chat, the ids due now, in order, within the sender's `budget`
        for the platform (spent here) and what the chat's limit lets out within the lookahead;
        held back from the first that is not due, or claimed by another sender (and that chat
        left out of the next reads until it falls due, or for `poll_seconds`)."""
        held: set[ChatKey] = set()
        recheck = now + timedelta(seconds=self._config.poll_seconds)
        for message_id, platform, chat_id, next_attempt_at, claimed_until in found:
            key = (platform, chat_id)
            if key in held:
                continue
            waits_until = next_attempt_at
            if claimed_until is not None and claimed_until > waits_until:
                waits_until = claimed_until
            if waits_until > now:
                held.add(key)
                if key not in wanted and len(self._held_back) < self._config.batch_size:
                    self._held_back[key] = min(waits_until, recheck)
                continue
            if budget[platform] < 1 or len(wanted.get(key, ())) >= self._chat_caps[platform]:
                held.add(key)  # the next read, when the chat's worker is done, takes the rest
                behind.add(key)
                continue
            wanted.setdefault(key, []).append(message_id)
            budget[platform] -= 1

    @contextlib.asynccontextmanager
    async def _writing(self) -> AsyncIterator[AsyncConnection]:
        """Where the sender's statements run. SQLite: one short transaction in the writer queue
        with the inbound ones (a session opened outside it would poll SQLite's lock and starve
        behind them). PostgreSQL: the sender's own connection, kept while it runs and in
        autocommit, so that each of its statements (every one is atomic on its own: a claim, a
        release, the results of several sends) is one round trip, without a checkout and its
        ping, BEGIN and COMMIT around it; one statement at a time. A failure closes it, and
        the next statement opens another."""
        if self._sqlite or self._engine is None:
            async with transaction(self._session_factory, in_place=True) as session:
                yield await session.connection()
            return
        async with self._connection_turn:
            if self._connection is None:
                connection = await self._engine.connect()
                self._connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
            try:
                yield self._connection
            except BaseException:
                await self._close()
                raise

    async def _close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            await close_quietly(connection)

    async def _release(self, ids: list[int], lease: datetime) -> None:
        async with self._writing() as connection:
            await connection.execute(RELEASE, {"ids": ids, "lease": lease})

    async def _run_chat(self, messages: list[Outgoing], more_behind: bool = False) -> int:
        """The chat's messages in order, each in one of the `concurrency` slots, each result
        committed before the next leaves; a retry frees the rest at once for a later read.
        Its end asks for a fresh look at the queue when the chat may have more there: it had
        more due than it took, not all went, or something was written meanwhile."""
        sent, left, platform = 0, len(messages), messages[0].platform
        writes = self._writes
        try:
            for index, message in enumerate(messages):
                async with self._slots:  # until recorded: at most `concurrency` sent, unrecorded
                    result = await self._attempt(message)
                    if result is not None:
                        left -= 1
                        self._let_go(platform, 1)
                        await self._record(result)
                if result is None:  # its lease would not outlast the send: the next read's
                    await self._release([m.id for m in messages[index:]], message.claimed_until)
                    break
                if result.outcome is Outcome.SENT:
                    sent += 1
                elif result.outcome is Outcome.RETRY:
                    rest = [m.id for m in messages[index + 1 :]]
                    if rest:
                        await self._release(rest, message.claimed_until)
                    break
        finally:
            self._let_go(platform, left)  # released, or never to be sent by this worker
            if more_behind or sent < len(messages) or self._writes != writes:
                self._recheck = True
        return sent

    def _let_go(self, platform: str, count: int) -> None:
        self._in_hand[platform] -= count
        self._let_go_total[platform] += count

    async def _record(self, result: _Result) -> None:
        """The outcome of one send, written with those of every send that finished meanwhile:
        one statement (executemany) in one transaction. Returns once it is committed; raises if
        that failed, and the row keeps its lease and goes again once it ran out."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._unrecorded.append((result.values(), done))
        if self._recorder is None or self._recorder.done():
            self._recorder = asyncio.create_task(self._write_results())
        await asyncio.shield(done)

    async def _write_results(self) -> None:
        while self._unrecorded:
            batch = self._unrecorded[: self._config.batch_size]
            del self._unrecorded[: len(batch)]
            try:
                async with self._writing() as connection:
                    await connection.execute(RECORD_RESULT, [values for values, _ in batch])
            except Exception as error:
                for _, done in batch:
                    if not done.done():
                        done.set_exception(error)
            else:
                for _, done in batch:
                    if not done.done():
                        done.set_result(None)

    async def _attempt(self, message: Outgoing) -> _Result | None:
        """The rate-limit tokens are taken here, as the message leaves: taken earlier, the time
        spent waiting for a slot would let two sends bunch up at the platform. None: not sent,
        its lease has less time left than the send may take (waiting for a slot and for the
        tokens may have spent it)."""
        await self._limiter.acquire(message.platform, message.chat_id)
        attempts = message.attempts + 1
        try:
            left = (message.claimed_until - self._clock()).total_seconds()
            if left < self._send_seconds[message.platform]:
                return None
            delivered = await self._transports[message.platform].deliver(message)
        except Unconfirmed as error:
            return self._unconfirmed(message, attempts, error)
        except DeliveryError as error:
            if error.flood:
                attempts -= 1
            return self._failed(message, attempts, error, error.retry_after, error.permanent)
        except Exception as error:
            log.exception("outbox %s: %s transport raised", message.id, message.platform)
            return self._failed(message, attempts, error, None, False)
        finally:
            self._limiter.completed(message.platform, message.chat_id)
        return _Result(
            message,
            Outcome.SENT,
            attempts,
            message.last_error,
            message.next_attempt_at,
            sent_at=self._clock(),
            platform_message_id=kept_id(delivered.platform_message_id, MESSAGE_ID_CHARS),
        )

    def _unconfirmed(self, message: Outgoing, attempts: int, error: Unconfirmed) -> _Result:
        log.warning(
            "outbox %s: %s may have delivered it, not sending it again: %s",
            message.id,
            message.platform,
            storable(str(error)),
        )
        return _Result(
            message,
            Outcome.UNCONFIRMED,
            attempts,
            error_text(error),
            message.next_attempt_at,
            sent_at=self._clock(),
        )

    def _failed(
        self,
        message: Outgoing,
        attempts: int,
        error: Exception,
        retry_after: float | None,
        permanent: bool,
    ) -> _Result:
        last_error = error_text(error)
        now = self._clock()
        delay = retry_delay(attempts, retry_after, self._config, self._jitter)
        too_old = now + delay - _aware(message.created_at) > self._config.max_age
        if permanent or attempts >= self._config.max_attempts or too_old:
            log.warning(
                "outbox %s dead after %s attempts: %s", message.id, attempts, storable(str(error))
            )
            return _Result(message, Outcome.DEAD, attempts, last_error, message.next_attempt_at)
        return _Result(message, Outcome.RETRY, attempts, last_error, now + delay)


def send_seconds(transport: Transport) -> float:
    """The longest one request of the transport may take, as it says (`send_seconds`); one
    that does not say is taken to answer well within any lease."""
    seconds = getattr(transport, "send_seconds", 0.0)
    return float(seconds) if isinstance(seconds, int | float) else 0.0


async def _either(first: asyncio.Event, second: asyncio.Event, seconds: float) -> None:
    """Until either event is set, or `seconds` passed."""
    waiters = [asyncio.ensure_future(first.wait()), asyncio.ensure_future(second.wait())]
    try:
        await asyncio.wait(waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()


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
