"""Faults at the edges, each as a user would meet it: the platform refusing for a minute, and the
database unreachable while webhooks arrive. (A SIGKILL in the middle of a fan-out is in
tests/scheduler/test_sender_crash.py.)"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit, urlunsplit

import pytest
from sqlmodel import col, select

from tests.bot.telegram_fixtures import LAN, Clock, running_bot, seed
from tests.fakes.telegram_api import TOKEN, FakeTelegramApi
from tests.rows import checkins
from wipbot.bot.telegram.channel import build_application
from wipbot.bot.telegram.transport import TelegramTransport
from wipbot.demo.clock import ManualClock
from wipbot.handlers.messages import Reply, reply_to_payload
from wipbot.scheduler.config import SenderConfig
from wipbot.scheduler.sender import OutboxSender
from wipbot.store.db import SessionFactory, make_engine, make_session_factory, transaction
from wipbot.store.models import OutboxMessage
from wipbot.store.outbox import enqueue

T0 = datetime(2026, 3, 2, 4, 0, tzinfo=UTC)
CHATS = [str(5_400_000_000 + i) for i in range(4)]
PER_CHAT = 3
STORM = timedelta(minutes=1)
HTML_502 = "<html><body><h1>502 Bad Gateway</h1></body></html>"


def refill_storm(fake: FakeTelegramApi) -> None:
    """Every send fails while the storm lasts: flood limits, server errors, a proxy's page."""
    fake.take_failure("sendMessage")  # drop whatever is left, then queue a fresh round
    while fake.take_failure("sendMessage") is not None:
        pass
    for _ in range(20):
        fake.fail_next("sendMessage", 429, retry_after=1)
        fake.fail_next("sendMessage", 500)
        fake.fail_next("sendMessage", 502, description=HTML_502)


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")  # PTB itself
async def test_a_minute_of_429_and_5xx_delays_but_loses_and_reorders_nothing(
    session_factory: SessionFactory,
) -> None:
    clock = ManualClock(T0)
    async with transaction(session_factory) as session:
        for number in range(PER_CHAT):
            for chat in CHATS:
                text = f"{chat} message {number}"
                enqueue(session, "telegram", chat, reply_to_payload(Reply(text)), not_before=T0)
    async with FakeTelegramApi() as fake:
        application = build_application(TOKEN, fake.api_url, polling=False)
        await application.initialize()
        sender = OutboxSender(
            session_factory,
            {"telegram": TelegramTransport(application.bot)},
            config=SenderConfig(),
            clock=clock,
            sleep=clock.sleep,
        )
        try:
            while clock() - T0 < timedelta(minutes=10):
                storm = clock() - T0 < STORM
                if storm:
                    refill_storm(fake)
                else:
                    while fake.take_failure("sendMessage") is not None:
                        pass
                await sender.run_once()
                if not storm and not await pending(session_factory):
                    break
                clock.advance(timedelta(seconds=1))
        finally:
            await application.shutdown()
        async with session_factory() as session:
            rows = (await session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id)))).all()
        assert {row.status for row in rows} == {"sent"}
        assert len(fake.calls_to("sendMessage")) > 3 * len(rows)  # the storm met them all
        for chat in CHATS:
            texts = [m.text for m in fake.messages(chat)]
            assert texts == [f"{chat} message {n}" for n in range(PER_CHAT)]


async def pending(session_factory: SessionFactory) -> int:
    async with session_factory() as session:
        found = await session.exec(
            select(OutboxMessage.id).where(OutboxMessage.status == "pending")
        )
        return len(found.all())


class TcpProxy:
    """A TCP hop in front of the shared PostgreSQL, which the test must not stop: taking the
    hop down makes the database unreachable for the app, as a network outage would."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = 0
        self._server: asyncio.Server | None = None
        self._pipes: set[asyncio.StreamWriter] = set()

    async def up(self) -> None:
        self._server = await asyncio.start_server(
            self._connect, "127.0.0.1", self.port, reuse_address=True
        )
        self.port = self._server.sockets[0].getsockname()[1]

    async def down(self) -> None:
        assert self._server is not None
        self._server.close()
        for writer in list(self._pipes):
            writer.transport.abort()
        self._pipes.clear()
        await self._server.wait_closed()

    async def _connect(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.transport.abort()
            return
        self._pipes.update({writer, upstream_writer})
        await asyncio.gather(
            self._pipe(reader, upstream_writer), self._pipe(upstream_reader, writer)
        )

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError, asyncio.IncompleteReadError):
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        self._pipes.discard(writer)
        writer.transport.abort()


@pytest.fixture
async def proxied(pg_url: str) -> AsyncIterator[tuple[TcpProxy, SessionFactory]]:
    parts = urlsplit(pg_url)
    proxy = TcpProxy(parts.hostname or "127.0.0.1", parts.port or 5432)
    await proxy.up()
    netloc = (
        f"{parts.username}@127.0.0.1:{proxy.port}" if parts.username else f"127.0.0.1:{proxy.port}"
    )
    engine = make_engine(urlunsplit(parts._replace(netloc=netloc)))
    try:
        yield proxy, make_session_factory(engine)
    finally:
        await engine.dispose()
        with contextlib.suppress(AssertionError, OSError):
            await proxy.down()


async def test_the_database_unreachable_while_webhooks_arrive(
    proxied: tuple[TcpProxy, SessionFactory],
) -> None:
    """Refused updates are answered 503 (Telegram delivers them again), /healthz says the
    database is down, /metrics still answers; once it is back, the redelivered updates are
    handled in full and nothing was lost, without a restart. The outage is compressed to a few
    seconds."""
    proxy, session_factory = proxied
    async with FakeTelegramApi() as fake, running_bot(fake, session_factory, Clock()) as bot:
        seeded = await seed(session_factory, "Lan")
        await bot.say(LAN, f"/start {seeded.invites['Lan']}")
        steps = ["m:sewing", "q:all", "i:none", "x:keep"]
        await bot.click(LAN, steps[0])

        await proxy.down()
        update = bot.fake.click_update(LAN, bot.fake.last_message(LAN.id), data=steps[1])
        refused = [await bot.post(update) for _ in range(3)]
        health = await bot.http.get(f"{bot.url}/healthz")
        metrics = await bot.http.get(f"{bot.url}/metrics")
        await asyncio.sleep(2)
        await proxy.up()

        assert refused == [503, 503, 503]
        assert (health.status_code, health.json()["database"]) == (503, "down")
        assert metrics.status_code == 200 and "wipbot_database_up 0" in metrics.text
        assert await bot.post(update) == 200  # Telegram's redelivery, handled as new
        await bot.flush()
        for step in steps[2:]:
            await bot.click(LAN, step)
        await bot.click(LAN, "c:confirm")
        assert len(await checkins(session_factory)) == 1
        healthy = await bot.http.get(f"{bot.url}/healthz")
        assert (healthy.status_code, healthy.json()["database"]) == (200, "up")


async def test_long_polling_holds_an_update_the_database_refused_until_it_is_back(
    proxied: tuple[TcpProxy, SessionFactory],
) -> None:
    """Long polling has no second delivery (the next getUpdates confirms what was fetched), so
    an update refused for now is tried again in the process, and the chat's later updates wait
    behind it in order: nothing is lost, nothing overtakes."""
    proxy, session_factory = proxied
    async with (
        FakeTelegramApi() as fake,
        running_bot(fake, session_factory, Clock(), webhook=False) as bot,
    ):
        seeded = await seed(session_factory, "Lan")
        fake.queue_update(fake.text_update(LAN, f"/start {seeded.invites['Lan']}"))
        async with asyncio.timeout(5):
            await bot.woken.wait()
        bot.woken.clear()
        await bot.flush()
        question = fake.last_message(LAN.id)

        await proxy.down()
        polls = len(fake.calls_to("getUpdates"))
        fake.queue_update(fake.click_update(LAN, question, data="m:sewing"))
        fake.queue_update(fake.text_update(LAN, "hello?"))
        async with asyncio.timeout(5):
            await fake.wait_for_call("getUpdates", polls + 2)  # fetched, then confirmed
        await asyncio.sleep(1)
        await proxy.up()
        sent = 0
        async with asyncio.timeout(15):
            while sent < 2:
                await bot.woken.wait()
                bot.woken.clear()
                sent += await bot.flush()
        texts = [m.text for m in fake.messages(LAN.id)]
    after_question = texts[texts.index(question.text) + 1 :]
    assert after_question[0].startswith("✓ Sewing\n")  # the click, first
    assert after_question[1].startswith("Please send the number of pieces")  # then "hello?"
