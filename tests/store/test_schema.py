"""The migrations are the schema: they must build every table and agree with the models."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.exc import IntegrityError
from sqlmodel import SQLModel, select

from tests import builders
from wipbot.store.db import SessionFactory, make_engine
from wipbot.store.models import (
    Alert,
    Brand,
    Contact,
    PurchaseOrder,
    PurchaseOrderLine,
    SeenInbound,
    Style,
    load_all,
)


async def schema_drift(db_url: str) -> list[object]:
    """What the migrated database's schema lacks or has beyond the models' (empty: they match)."""
    load_all()
    engine = make_engine(db_url)
    try:
        async with engine.connect() as conn:
            return list(
                await conn.run_sync(
                    lambda sync: compare_metadata(
                        MigrationContext.configure(sync), SQLModel.metadata
                    )
                )
            )
    finally:
        await engine.dispose()


async def test_migrations_match_models(db_url: str) -> None:
    assert await schema_drift(db_url) == []


async def _brand_factory(session_factory: SessionFactory) -> tuple[int, int]:
    async with session_factory() as s, s.begin():
        brand = await builders.brand(s, alerts_channel=None)
        factory = await builders.factory(s, brand, name="Dhaka Knit")
        assert brand.id is not None and factory.id is not None
        return brand.id, factory.id


async def test_money_round_trips_as_decimal(session_factory: SessionFactory) -> None:
    brand_id, factory_id = await _brand_factory(session_factory)
    async with session_factory() as s, s.begin():
        po = PurchaseOrder(
            brand_id=brand_id,
            po_number="PO-1",
            factory_id=factory_id,
            committed_exf=date(2027, 1, 5),
        )
        style = Style(brand_id=brand_id, code="ST-1")
        s.add_all([po, style])
        await s.flush()
        assert po.id is not None and style.id is not None
        s.add(
            PurchaseOrderLine(
                po_id=po.id,
                style_id=style.id,
                colorway="Navy",
                quantity=10,
                unit_price=Decimal("4.1275"),
            )
        )
    async with session_factory() as s:
        line = (await s.exec(select(PurchaseOrderLine))).one()
    assert line.unit_price == Decimal("4.1275")
    assert isinstance(line.unit_price, Decimal)


async def test_datetimes_come_back_aware_in_utc(session_factory: SessionFactory) -> None:
    dhaka = timezone(timedelta(hours=6))
    async with session_factory() as s, s.begin():
        s.add(Brand(name="B", created_at=datetime(2026, 3, 1, 9, 0, tzinfo=dhaka)))
    async with session_factory() as s:
        brand = (await s.exec(select(Brand))).one()
    assert brand.created_at == datetime(2026, 3, 1, 3, 0, tzinfo=UTC)
    assert brand.created_at.utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    "make_duplicate",
    [
        pytest.param(
            lambda b, f: [
                PurchaseOrder(
                    brand_id=b, po_number="PO-9", factory_id=f, committed_exf=date(2027, 1, 1)
                ),
                PurchaseOrder(
                    brand_id=b, po_number="PO-9", factory_id=f, committed_exf=date(2027, 2, 1)
                ),
            ],
            id="po-number-per-brand",
        ),
        pytest.param(
            lambda b, f: [
                Contact(factory_id=f, name="A", platform="telegram", chat_id="42"),
                Contact(factory_id=f, name="B", platform="telegram", chat_id="42"),
            ],
            id="chat-id-per-platform",
        ),
        pytest.param(
            lambda b, f: [
                SeenInbound(platform="telegram", inbound_id="1001"),
                SeenInbound(platform="telegram", inbound_id="1001"),
            ],
            id="inbound-id-per-platform",
        ),
        pytest.param(
            lambda b, f: [
                Alert(brand_id=b, kind="late_risk", subject="PO-1-A"),
                Alert(brand_id=b, kind="late_risk", subject="PO-1-A"),
            ],
            id="one-open-alert-per-subject-and-kind",
        ),
    ],
)
async def test_unique_constraints(session_factory: SessionFactory, make_duplicate) -> None:  # type: ignore[no-untyped-def]
    brand_id, factory_id = await _brand_factory(session_factory)
    with pytest.raises(IntegrityError):
        async with session_factory() as s, s.begin():
            s.add_all(make_duplicate(brand_id, factory_id))
            await s.flush()


async def test_resolved_alert_allows_a_new_open_one(session_factory: SessionFactory) -> None:
    brand_id, _ = await _brand_factory(session_factory)
    async with session_factory() as s, s.begin():
        s.add(
            Alert(
                brand_id=brand_id,
                kind="late_risk",
                subject="PO-1-A",
                resolved_at=datetime(2026, 1, 1, tzinfo=UTC),
            )
        )
        s.add(Alert(brand_id=brand_id, kind="late_risk", subject="PO-1-A"))
    async with session_factory() as s:
        alerts = (await s.exec(select(Alert))).all()
    assert len(alerts) == 2


async def test_same_chat_id_on_two_platforms_is_fine(session_factory: SessionFactory) -> None:
    _, factory_id = await _brand_factory(session_factory)
    async with session_factory() as s, s.begin():
        s.add(Contact(factory_id=factory_id, name="A", platform="telegram", chat_id="42"))
        s.add(Contact(factory_id=factory_id, name="B", platform="whatsapp", chat_id="42"))
    async with session_factory() as s:
        assert len((await s.exec(select(Contact))).all()) == 2
