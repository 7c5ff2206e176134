"""A small brand with two factories and their orders, shared by the factory-chat tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import count

from sqlmodel.ext.asyncio.session import AsyncSession

from tests import builders
from wipbot.handlers.factory_chat import handle_inbound
from wipbot.handlers.messages import Inbound, Reply
from wipbot.store.db import SessionFactory, transaction
from wipbot.store.models import (
    Brand,
    Factory,
)

NOW = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)  # a Monday, 10:00 in Ho Chi Minh City


@dataclass(frozen=True)
class Seeded:
    brand_id: int
    factory_id: int
    other_factory_id: int
    contact_id: int
    other_contact_id: int
    order_ids: tuple[int, ...]
    other_order_id: int


async def _order(
    session: AsyncSession,
    brand: Brand,
    factory: Factory,
    po_number: str,
    quantity: int,
    exf: date,
    gate: str | None,
) -> int:
    """PO <po_number> with its own style and one production order "<po_number>-1"."""
    style = await builders.style(session, brand, code=f"ST-{po_number[-4:]}", name="Tee")
    order = await builders.order(
        session,
        brand,
        factory,
        po_number=po_number,
        number=f"{po_number}-1",
        committed_exf=exf,
        quantity=quantity,
        style=style,
        gate=gate,
    )
    assert order.id is not None
    return order.id


async def seed(factory: SessionFactory, *, language: str | None = "en") -> Seeded:
    async with transaction(factory) as session:
        brand = await builders.brand(session, name="Northwind", alerts_channel="C_ALERTS")
        saigon = await builders.factory(
            session,
            brand,
            code="SGN1",
            name="Saigon Knit",
            country="VN",
            timezone="Asia/Ho_Chi_Minh",
            language="vi",
        )
        dhaka = await builders.factory(
            session, brand, code="DAC1", name="Dhaka Denim", language="bn"
        )
        first = await _order(session, brand, saigon, "PO-1042", 1200, date(2026, 4, 10), "approved")
        second = await _order(session, brand, saigon, "PO-1043", 800, date(2026, 4, 24), None)
        other = await _order(session, brand, dhaka, "PO-2001", 5000, date(2026, 4, 1), "approved")
        linked = NOW - timedelta(days=30)
        lan = await builders.contact(
            session, saigon, name="Lan", chat_id="100", language=language, linked_at=linked
        )
        rahim = await builders.contact(
            session, dhaka, name="Rahim", chat_id="200", language="bn", linked_at=linked
        )
        assert brand.id and saigon.id and dhaka.id and lan.id and rahim.id
        return Seeded(
            brand_id=brand.id,
            factory_id=saigon.id,
            other_factory_id=dhaka.id,
            contact_id=lan.id,
            other_contact_id=rahim.id,
            order_ids=(first, second),
            other_order_id=other,
        )


class Chat:
    """One chat talking to handle_inbound, one transaction per delivery, as the adapters do."""

    _ids = count(1)

    def __init__(
        self,
        factory: SessionFactory,
        chat_id: str = "100",
        *,
        platform: str = "telegram",
        language_hint: str | None = None,
        now: datetime = NOW,
    ) -> None:
        self.factory = factory
        self.chat_id = chat_id
        self.platform = platform
        self.language_hint = language_hint
        self.now = now

    async def deliver(self, inbound: Inbound) -> list[Reply]:
        async with transaction(self.factory) as session:
            return await handle_inbound(session, inbound, now=self.now)

    def inbound(
        self, *, text: str | None = None, choice: str | None = None, **extra: str
    ) -> Inbound:
        return Inbound(
            platform=self.platform,
            chat_id=self.chat_id,
            inbound_id=extra.get("inbound_id", f"u{next(self._ids)}"),
            received_at=self.now,
            text=text,
            choice=choice,
            photo_file_id=extra.get("photo"),
            language_hint=self.language_hint,
        )

    async def say(self, text: str) -> list[Reply]:
        return await self.deliver(self.inbound(text=text))

    async def tap(self, value: str) -> list[Reply]:
        return await self.deliver(self.inbound(choice=value))


def buttons(replies: list[Reply]) -> list[str]:
    """The button values of the last reply that has buttons."""
    for reply in reversed(replies):
        if reply.buttons:
            return [b.value for b in reply.buttons]
    return []


def text(replies: list[Reply]) -> str:
    return "\n".join(r.text for r in replies)
