"""The Telegram channel as it runs: the real Application and web app under uvicorn on a real
port, the fake Bot API, a database seeded with one factory and its production orders."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import httpx
import uvicorn

from tests import builders, rows
from tests.clock import SettableClock
from tests.fakes import listening_socket
from tests.fakes.telegram_api import TOKEN, FakeTelegramApi, SentMessage, User
from wipbot.bot.channel import Channel, ChannelContext
from wipbot.bot.config import Settings
from wipbot.bot.telegram import build_telegram_channel
from wipbot.bot.web import build_web_app
from wipbot.scheduler.sender import send_due
from wipbot.store.db import SessionFactory, transaction
from wipbot.store.models import (
    CheckIn,
    OutboxMessage,
    PurchaseOrder,
    SeenInbound,
)

START = datetime(2025, 11, 26, 3, 0, tzinfo=UTC)
"""A Wednesday morning in Vietnam."""
SECRET = "s3cret-Token_for-the-webhook"
LAN = User(5102938476, "Lan", "en", last_name="Nguyen")
MAI = User(5102938477, "Mai", "vi")
WEI = User(5102938478, "Wei", "zh-hans")
STRANGER = User(6600000001, "Someone", "en")
ORDERS = (
    ("PO-1001", "PO-1001-A", 1200),
    ("PO-1001", "PO-1001-B", 800),
    ("PO-1002", "PO-1002-A", 500),
)


class Clock(SettableClock):
    """The time handlers and the sender see; tests move it."""

    def __init__(self, now: datetime = START) -> None:
        super().__init__(now)


@dataclass(frozen=True)
class Seed:
    factory_id: int
    order_ids: tuple[int, ...]
    invites: dict[str, str]
    """Contact name -> invite code."""


async def seed(session_factory: SessionFactory, *contacts: str) -> Seed:
    """Brand, factory HP in Vietnam, two POs with three production orders past their gate, and a
    Telegram invite for each contact name."""
    async with transaction(session_factory) as s:
        brand = await builders.brand(s, name="Acme Apparel", alerts_channel=None)
        factory = await builders.factory(
            s,
            brand,
            code="HP",
            name="Hoa Phat Garment",
            country="VN",
            timezone="Asia/Ho_Chi_Minh",
            language="vi",
            weekday=2,
            at=time(9, 0),
        )
        tee = await builders.style(s, brand, code="TS-01", name="Crew tee")
        pos: dict[str, PurchaseOrder] = {}
        order_ids = []
        for offset, (po_number, number, quantity) in enumerate(ORDERS):
            if po_number not in pos:
                pos[po_number] = await builders.purchase_order(
                    s,
                    brand,
                    factory,
                    po_number=po_number,
                    committed_exf=date(2026, 1, 15) + timedelta(days=offset * 10),
                    style=tee,
                    quantity=2000,
                )
            order = await builders.production_order(
                s, pos[po_number], number=number, quantity=quantity, gate_decided_at=START
            )
            assert order.id is not None
            order_ids.append(order.id)
        invites = await builders.invites(s, factory, contacts, platform="telegram", now=START)
    assert factory.id is not None
    return Seed(factory.id, tuple(order_ids), invites)


async def count_rows(session_factory: SessionFactory) -> dict[str, int]:
    """What a rejected request must not change."""
    return await rows.counts(session_factory, CheckIn, SeenInbound, OutboxMessage)


def settings_for(fake: FakeTelegramApi, public_url: str | None, **extra: Any) -> Settings:
    values: dict[str, Any] = {
        "DATABASE_URL": "sqlite+aiosqlite://",
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_URL": fake.api_url,
        "WIPBOT_PUBLIC_URL": public_url,
        "TELEGRAM_WEBHOOK_SECRET": SECRET if public_url else None,
        **extra,
    }
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@dataclass
class Bot:
    """One running wipbot process, as far as Telegram is concerned."""

    fake: FakeTelegramApi
    channel: Channel
    session_factory: SessionFactory
    clock: Clock
    url: str
    http: httpx.AsyncClient
    woken: asyncio.Event

    async def post(self, update: dict[str, Any], secret: str | None = SECRET) -> int:
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
        response = await self.http.post(
            f"{self.url}/telegram/webhook", json=update, headers=headers
        )
        content_type = response.headers.get("content-type", "")
        await self.fake.webhook_answered(response.status_code, content_type, response.content)
        return response.status_code

    async def flush(self) -> int:
        """Run the outbox sender once, as its loop would after a wake-up; its rate-limit waits
        move the clock instead of the test's wall time."""
        assert self.channel.transport is not None
        return await send_due(
            self.session_factory,
            {"telegram": self.channel.transport},
            clock=self.clock,
            sleep=self.clock.sleep,
        )

    async def deliver(self, update: dict[str, Any]) -> None:
        assert await self.post(update) == 200
        await self.flush()

    async def say(self, user: User, text: str) -> list[SentMessage]:
        """What the bot answered to `text`: the messages it sent after it."""
        return await self._answers(user, self.fake.text_update(user, text))

    async def click(
        self, user: User, data: str, message: SentMessage | None = None
    ) -> list[SentMessage]:
        """Tap the button with callback data `data` on `message` (default: the last message)."""
        message = message or self.fake.last_message(user.id)
        return await self._answers(user, self.fake.click_update(user, message, data=data))

    async def send_photo(self, user: User, caption: str | None = None) -> list[SentMessage]:
        return await self._answers(user, self.fake.photo_update(user, caption))

    async def _answers(self, user: User, update: dict[str, Any]) -> list[SentMessage]:
        before = len(self.fake.messages(user.id))
        await self.deliver(update)
        return self.fake.messages(user.id)[before:]


@asynccontextmanager
async def running_bot(
    fake: FakeTelegramApi,
    session_factory: SessionFactory,
    clock: Clock,
    *,
    webhook: bool = True,
    **settings: Any,
) -> AsyncIterator[Bot]:
    """Build and start the channel like `wipbot run` does, serve the web app on a real port;
    `settings` adds or overrides environment variables."""
    sock = listening_socket()
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    woken = asyncio.Event()
    context = ChannelContext(
        settings_for(fake, url if webhook else None, **settings),
        session_factory,
        wake_sender=woken.set,
        clock=clock,
    )
    channel = build_telegram_channel(context)
    assert channel is not None
    server = uvicorn.Server(
        uvicorn.Config(
            build_web_app(session_factory, [channel]), log_level="warning", lifespan="off"
        )
    )
    await channel.start()
    serving = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        async with httpx.AsyncClient(timeout=10) as http:
            yield Bot(fake, channel, session_factory, clock, url, http, woken)
    finally:
        server.should_exit = True
        await serving
        await channel.stop()
        await context.inbound.close()
        sock.close()


@asynccontextmanager
async def invited_bot(session_factory: SessionFactory) -> AsyncIterator[Bot]:
    """A running bot whose contact Lan has taken the invite: where a webhook test starts."""
    async with FakeTelegramApi() as fake, running_bot(fake, session_factory, Clock()) as bot:
        seeded = await seed(session_factory, "Lan")
        await bot.say(LAN, f"/start {seeded.invites['Lan']}")
        yield bot
