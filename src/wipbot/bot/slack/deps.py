"""What every Slack listener needs: the database, the clock, the sender's bell, brand scoping."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import TypeVar

from sqlmodel.ext.asyncio.session import AsyncSession

from wipbot.bot.media_links import PhotoUrl
from wipbot.production.clock import Clock, system_clock
from wipbot.store.brands import brand_by_team
from wipbot.store.db import SessionFactory, on_sqlite, reading, transaction
from wipbot.store.inbound import first_delivery
from wipbot.store.models import Brand

T = TypeVar("T")

MAX_DELIVERY_ID = 128
READERS_SQLITE = 1
"""Read-only answers in one process that read at once on SQLite: aiosqlite gives each connection
a thread of its own, so more of them at once only contend for the GIL (measured: /po at 50 in
flight got slower with 15 at once than with 1)."""
READERS = 4
"""The same on PostgreSQL: below the pool's five, so writers always find a connection, and a
burst of /po waits here instead of timing out on the pool."""

NOT_CONNECTED = (
    "This workspace is not connected to a brand, so wipbot has nothing to show here. "
    "An admin can connect it with `wipbot brand add BRAND --slack-team {team}`."
)


class WorkTracker:
    """Counts listener work still running after its ack, so shutdown (and tests) can wait.

    Bolt acknowledges events before their listener task starts; a listener middleware
    `reserve()`s the work first so that no answer is ever sent while its work is uncounted.
    """

    def __init__(self) -> None:
        self._active = 0
        self._idle = asyncio.Event()
        self._idle.set()

    def reserve(self) -> None:
        self._active += 1
        self._idle.clear()

    @asynccontextmanager
    async def track(self, *, reserved: bool = False) -> AsyncIterator[None]:
        if not reserved:
            self.reserve()
        try:
            yield
        finally:
            self._active -= 1
            if self._active == 0:
                self._idle.set()

    async def wait_idle(self) -> None:
        await self._idle.wait()


def _no_wake() -> None:
    return None


@dataclass
class SlackDeps:
    session_factory: SessionFactory
    clock: Clock = system_clock
    wake_sender: Callable[[], None] = _no_wake
    work: WorkTracker = field(default_factory=WorkTracker)
    photo_url: PhotoUrl | None = None
    """Signed links for QC photos when WIPBOT_PUBLIC_URL is set; None shows their ids."""
    _readers: asyncio.Semaphore | None = field(default=None, init=False, repr=False)

    def today(self) -> date:
        return self.clock().date()

    @asynccontextmanager
    async def brand_transaction(
        self, team_id: str | None, delivery_id: str | None = None
    ) -> AsyncIterator[tuple[AsyncSession, Brand | None, bool]]:
        """One unit of work for the brand of this Slack team.

        Yields the session, the brand (None when the team is not connected) and whether this
        delivery is new: a retried or duplicated one is recorded once and yields False. The
        sender is woken after the commit, so anything enqueued goes out at once.
        """
        async with transaction(self.session_factory) as session:
            brand = await brand_by_team(session, team_id) if team_id else None
            fresh = True
            if brand is not None and delivery_id is not None:
                fresh = await first_delivery(session, "slack", delivery_key(delivery_id))
            yield session, brand, fresh
        self.wake_sender()

    @asynccontextmanager
    async def brand_reading(
        self, team_id: str | None
    ) -> AsyncIterator[tuple[AsyncSession, Brand | None]]:
        """A read-only look at the brand of this Slack team, for answers that change nothing
        (/po, /qc, a card shared again).

        It neither takes SQLite's write lock nor queues behind writers (check-ins arriving on
        the same process), and records no delivery id: Slack does not send a slash command or
        a button press again when the answer is late (it shows the person an error); only
        Events API deliveries are retried, and those go through `brand_transaction`.
        """
        async with self._reading_turn(), reading(self.session_factory) as session:
            brand = await brand_by_team(session, team_id) if team_id else None
            yield session, brand

    def _reading_turn(self) -> asyncio.Semaphore:
        if self._readers is None:
            readers = READERS_SQLITE if on_sqlite(self.session_factory) else READERS
            self._readers = asyncio.Semaphore(readers)
        return self._readers

    async def run(
        self,
        team_id: str | None,
        delivery_id: str | None,
        work: Callable[[AsyncSession, Brand | None, bool], Awaitable[T]],
    ) -> T:
        """`work` in one brand transaction. Two clicks at once take turns: on SQLite the writer
        queue in `store.db.transaction` orders them, on PostgreSQL the row locks do, so the
        second sees what the first decided and nothing needs running again."""
        async with self.brand_transaction(team_id, delivery_id) as (session, brand, fresh):
            return await work(session, brand, fresh)


def delivery_key(delivery_id: str) -> str:
    """The id as recorded: one longer than the column (ids are built from what Slack sends)
    is recorded by its digest, which is as unique."""
    if len(delivery_id) <= MAX_DELIVERY_ID:
        return delivery_id
    return "sha256:" + hashlib.sha256(delivery_id.encode("utf-8", "surrogatepass")).hexdigest()


def not_connected(team_id: str | None) -> str:
    return NOT_CONNECTED.format(team=team_id or "T…")
