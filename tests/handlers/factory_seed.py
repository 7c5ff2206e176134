"""A small brand with two factories and their orders, shared by the factory-chat tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from itertools import count

from sqlmodel.ext.asyncio.session import AsyncSession

from wipbot.handlers.factory_chat import handle_inbound
from wipbot.handlers.messages import Inbound, Reply
from wipbot.store.db import SessionFactory, transaction
from wipbot.store.models import (
    Brand,
    Contact,
    Factory,
    Gate,
    ProductionOrder,
    PurchaseOrder,
    PurchaseOrderLine,
    Style,
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
    number: str,
    quantity: int,
    exf: date,
    gate: str | None,
) -> ProductionOrder:
    assert brand.id is not None and factory.id is not None
    style = Style(brand_id=brand.id, code=f"ST-{po_number[-4:]}", name="Tee")
    po = PurchaseOrder(
        brand_id=brand.id, po_number=po_number, factory_id=factory.id, committed_exf=exf
    )
    session.add_all([style, po])
    await session.flush()
    assert style.id is not None and po.id is not None
    session.add(
        PurchaseOrderLine(
            po_id=po.id,
            style_id=style.id,
            colorway="Navy",
            quantity=quantity,
            unit_price=Decimal("4.2000"),
        )
    )
    order = ProductionOrder(po_id=po.id, factory_id=factory.id, number=number, quantity=quantity)
    session.add(order)
    await session.flush()
    assert order.id is not None
    if gate is not None:
        session.add(Gate(production_order_id=order.id, status=gate))
    return order


async def seed(factory: SessionFactory, *, language: str | None = "en") -> Seeded:
    async with transaction(factory) as session:
        brand = Brand(name="Northwind", alerts_channel="C_ALERTS")
        session.add(brand)
        await session.flush()
        assert brand.id is not None
        saigon = Factory(
            brand_id=brand.id,
            code="SGN1",
            name="Saigon Knit",
            country="VN",
            timezone="Asia/Ho_Chi_Minh",
            language="vi",
        )
        dhaka = Factory(
            brand_id=brand.id,
            code="DAC1",
            name="Dhaka Denim",
            country="BD",
            timezone="Asia/Dhaka",
            language="bn",
        )
        session.add_all([saigon, dhaka])
        await session.flush()
        assert saigon.id is not None and dhaka.id is not None
        first = await _order(
            session, brand, saigon, "PO-1042", "PO-1042-1", 1200, date(2026, 4, 10), "approved"
        )
        second = await _order(
            session, brand, saigon, "PO-1043", "PO-1043-1", 800, date(2026, 4, 24), None
        )
        other = await _order(
            session, brand, dhaka, "PO-2001", "PO-2001-1", 5000, date(2026, 4, 1), "approved"
        )
        lan = Contact(
            factory_id=saigon.id,
            name="Lan",
            platform="telegram",
            chat_id="100",
            language=language,
            linked_at=NOW - timedelta(days=30),
        )
        rahim = Contact(
            factory_id=dhaka.id,
            name="Rahim",
            platform="telegram",
            chat_id="200",
            language="bn",
            linked_at=NOW - timedelta(days=30),
        )
        session.add_all([lan, rahim])
        await session.flush()
        assert lan.id is not None and rahim.id is not None
        assert first.id is not None and second.id is not None and other.id is not None
        return Seeded(
            brand_id=brand.id,
            factory_id=saigon.id,
            other_factory_id=dhaka.id,
            contact_id=lan.id,
            other_contact_id=rahim.id,
            order_ids=(first.id, second.id),
            other_order_id=other.id,
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
