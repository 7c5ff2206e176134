"""The WhatsApp channel as it runs: the web app under uvicorn on a real port, signed webhook
calls, the outbox sender against the fake Graph API, and a database seeded with a factory in
Bangladesh, its production orders and WhatsApp invites."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import httpx
import uvicorn

from tests import builders, rows
from tests.clock import SettableClock
from tests.fakes import listening_socket
from tests.fakes.graph_api import (
    ACCESS_TOKEN,
    APP_SECRET,
    PHONE_NUMBER_ID,
    VERIFY_TOKEN,
    FakeGraphApi,
    SentMessage,
)
from wipbot.bot.channel import Channel, ChannelContext
from wipbot.bot.config import Settings
from wipbot.bot.web import build_web_app
from wipbot.bot.whatsapp import build_whatsapp_channel
from wipbot.bot.whatsapp.signature import sign
from wipbot.scheduler.sender import send_due
from wipbot.store.db import SessionFactory, transaction
from wipbot.store.models import (
    CheckIn,
    Contact,
    Factory,
    OutboxMessage,
    SeenInbound,
)

START = datetime(2025, 11, 26, 4, 0, tzinfo=UTC)
"""A Wednesday, 10:00 in Dhaka."""
RAHIMA = "8801711000001"
KEMAL = "905321234567"
STRANGER = "4915112345678"
ORDERS = (("PO-3001", "PO-3001-A", 1200), ("PO-3002", "PO-3002-A", 600))


class Clock(SettableClock):
    """The time handlers, the transport and the sender see; tests move it."""

    def __init__(self, now: datetime = START) -> None:
        super().__init__(now)


@dataclass(frozen=True)
class Seed:
    factory_id: int
    order_ids: tuple[int, ...]
    invites: dict[str, str]
    """Contact name -> WhatsApp invite code."""


async def seed(session_factory: SessionFactory, *contacts: str) -> Seed:
    """Brand, factory DK in Dhaka with two production orders past their gate, an invite each."""
    async with transaction(session_factory) as s:
        brand = await builders.brand(s, name="Acme Apparel", alerts_channel=None)
        factory = await builders.factory(
            s,
            brand,
            code="DK",
            name="Dhaka Knitwear",
            weekday=2,
            at=time(10, 0),
        )
        polo = await builders.style(s, brand, code="PL-07", name="Polo")
        order_ids = []
        for offset, (po_number, number, quantity) in enumerate(ORDERS):
            order = await builders.order(
                s,
                brand,
                factory,
                po_number=po_number,
                number=number,
                committed_exf=date(2026, 1, 20) + timedelta(days=offset * 14),
                quantity=quantity,
                style=polo,
                colorway="White",
                unit_price=Decimal("5.1000"),
                gate_decided_at=START,
            )
            assert order.id is not None
            order_ids.append(order.id)
        invites = await builders.invites(
            s, factory, contacts, platform="whatsapp", now=START, language="en"
        )
    assert factory.id is not None
    return Seed(factory.id, tuple(order_ids), invites)


async def linked_contact(
    session_factory: SessionFactory,
    seed: Seed,
    wa_id: str,
    *,
    name: str = "Kemal",
    language: str = "en",
    last_inbound_at: datetime | None,
) -> int:
    """A contact linked earlier, who last wrote at `last_inbound_at`."""
    async with transaction(session_factory) as s:
        factory = await s.get(Factory, seed.factory_id)
        assert factory is not None
        contact = await builders.contact(
            s,
            factory,
            name=name,
            platform="whatsapp",
            chat_id=wa_id,
            language=language,
            linked_at=START - timedelta(days=30),
            last_inbound_at=last_inbound_at,
        )
        assert contact.id is not None
        return contact.id


async def count_rows(session_factory: SessionFactory) -> dict[str, int]:
    """What a rejected request must not change."""
    return await rows.counts(session_factory, CheckIn, SeenInbound, OutboxMessage, Contact)


async def outbox(session_factory: SessionFactory) -> list[OutboxMessage]:
    return await rows.all_of(session_factory, OutboxMessage)


def settings_for(fake: FakeGraphApi, **extra: Any) -> Settings:
    values: dict[str, Any] = {
        "DATABASE_URL": "sqlite+aiosqlite://",
        "WHATSAPP_ACCESS_TOKEN": ACCESS_TOKEN,
        "WHATSAPP_PHONE_NUMBER_ID": PHONE_NUMBER_ID,
        "WHATSAPP_APP_SECRET": APP_SECRET,
        "WHATSAPP_VERIFY_TOKEN": VERIFY_TOKEN,
        "WHATSAPP_API_URL": fake.url,
        **extra,
    }
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def encode(notification: dict[str, Any]) -> bytes:
    """As Meta sends it: compact UTF-8 JSON (the signature covers exactly these bytes)."""
    return json.dumps(notification, ensure_ascii=False, separators=(",", ":")).encode()


@dataclass
class Bot:
    """One running wipbot process, as far as WhatsApp is concerned."""

    fake: FakeGraphApi
    channel: Channel
    session_factory: SessionFactory
    clock: Clock
    url: str
    http: httpx.AsyncClient
    wakes: list[datetime] = field(default_factory=list)

    @property
    def webhook(self) -> str:
        return f"{self.url}/whatsapp/webhook"

    async def post(
        self, notification: dict[str, Any] | bytes, *, signature: str | None = "valid"
    ) -> httpx.Response:
        """POST a notification signed with the app secret (or `signature` as given, or none)."""
        body = notification if isinstance(notification, bytes) else encode(notification)
        headers = {"Content-Type": "application/json"}
        if signature == "valid":
            headers["X-Hub-Signature-256"] = sign(APP_SECRET, body)
        elif signature is not None:
            headers["X-Hub-Signature-256"] = signature
        return await self.http.post(self.webhook, content=body, headers=headers)

    async def flush(self) -> int:
        """Run the outbox sender once, as its loop would after a wake-up."""
        assert self.channel.transport is not None
        return await send_due(
            self.session_factory,
            {"whatsapp": self.channel.transport},
            clock=self.clock,
            sleep=self.clock.sleep,
        )

    async def deliver(self, notification: dict[str, Any]) -> None:
        response = await self.post(notification)
        assert response.status_code == 200, response.text
        await self.flush()

    async def answers(self, wa_id: str, notification: dict[str, Any]) -> list[SentMessage]:
        """What the bot sent `wa_id` in answer to the notification."""
        before = len(self.fake.messages(wa_id))
        await self.deliver(notification)
        return self.fake.messages(wa_id)[before:]

    async def say(self, wa_id: str, text: str) -> list[SentMessage]:
        self.clock.advance(seconds=30)
        return await self.answers(wa_id, self.fake.text_notification(wa_id, text, at=self.clock()))

    async def tap(
        self, wa_id: str, key: str, message: SentMessage | None = None
    ) -> list[SentMessage]:
        """Tap the button or list row `key` (id or title) of `message` (default: the last
        interactive message the contact got)."""
        self.clock.advance(seconds=30)
        message = message or self.fake.last_interactive(wa_id)
        return await self.answers(
            wa_id, self.fake.tap_notification(wa_id, message, key, at=self.clock())
        )


@asynccontextmanager
async def running_bot(
    fake: FakeGraphApi, session_factory: SessionFactory, clock: Clock, **settings: Any
) -> AsyncIterator[Bot]:
    """Build the channel like `wipbot run` does and serve the web app on a real port."""
    sock = listening_socket()
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    wakes: list[datetime] = []
    context = ChannelContext(
        settings_for(fake, **settings),
        session_factory,
        wake_sender=lambda: wakes.append(clock()),
        clock=clock,
    )
    channel = build_whatsapp_channel(context)
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
            yield Bot(fake, channel, session_factory, clock, url, http, wakes)
    finally:
        server.should_exit = True
        await serving
        await channel.stop()
        await context.inbound.close()
        sock.close()


@asynccontextmanager
async def invited_bot(session_factory: SessionFactory) -> AsyncIterator[Bot]:
    """A running bot whose contact Rahima has taken the invite: where a webhook test starts."""
    async with FakeGraphApi() as fake, running_bot(fake, session_factory, Clock()) as bot:
        seeded = await seed(session_factory, "Rahima")
        await bot.say(RAHIMA, seeded.invites["Rahima"])
        yield bot
