"""Alerts open once per subject and kind, notify only on change, and resolve cleanly."""

from __future__ import annotations

from sqlmodel import select

from wipbot.store.alerts import AlertKind, raise_alert, resolve_alert
from wipbot.store.db import SessionFactory, transaction
from wipbot.store.inbound import first_delivery
from wipbot.store.models import Alert, Brand, OutboxMessage


async def _brand(factory: SessionFactory, alerts_channel: str | None = "C0ALERTS") -> int:
    async with transaction(factory) as s:
        brand = Brand(name="Northwind", alerts_channel=alerts_channel)
        s.add(brand)
        await s.flush()
        assert brand.id is not None
        return brand.id


async def _raise(factory: SessionFactory, brand_id: int, summary: str) -> None:
    async with transaction(factory) as s:
        await raise_alert(
            s, brand_id=brand_id, kind=AlertKind.LATE_RISK, subject="PO-1042-A", summary=summary
        )


async def test_raise_update_resolve_posts_then_updates(session_factory: SessionFactory) -> None:
    brand_id = await _brand(session_factory)
    await _raise(session_factory, brand_id, "at risk: 2 d slack")
    await _raise(session_factory, brand_id, "at risk: 2 d slack")
    await _raise(session_factory, brand_id, "late by 3 d")
    async with transaction(session_factory) as s:
        resolved = await resolve_alert(
            s, brand_id=brand_id, kind=AlertKind.LATE_RISK, subject="PO-1042-A", reason="on track"
        )
        assert resolved is not None
    async with session_factory() as s:
        alerts = (await s.exec(select(Alert))).all()
        outbox = (await s.exec(select(OutboxMessage).order_by(OutboxMessage.id))).all()
    assert len(alerts) == 1
    assert alerts[0].summary == "late by 3 d"
    assert alerts[0].resolved_at is not None
    assert alerts[0].details["resolution"] == "on track"
    assert [m.action for m in outbox] == ["send", "update", "update"]
    assert {m.chat_id for m in outbox} == {"C0ALERTS"}
    assert [m.payload["revision"] for m in outbox] == [1, 2, 3]


async def test_resolving_nothing_is_a_no_op(session_factory: SessionFactory) -> None:
    brand_id = await _brand(session_factory)
    async with transaction(session_factory) as s:
        assert (
            await resolve_alert(s, brand_id=brand_id, kind=AlertKind.QC_FAILED, subject="X") is None
        )


async def test_alert_without_a_channel_is_kept_but_not_sent(
    session_factory: SessionFactory,
) -> None:
    brand_id = await _brand(session_factory, alerts_channel=None)
    await _raise(session_factory, brand_id, "late by 3 d")
    async with session_factory() as s:
        assert len((await s.exec(select(Alert))).all()) == 1
        assert (await s.exec(select(OutboxMessage))).all() == []


async def test_first_delivery_is_true_once(session_factory: SessionFactory) -> None:
    async with transaction(session_factory) as s:
        assert await first_delivery(s, "telegram", "1001") is True
        assert await first_delivery(s, "telegram", "1001") is False
        assert await first_delivery(s, "whatsapp", "1001") is True
    async with transaction(session_factory) as s:
        assert await first_delivery(s, "telegram", "1001") is False


async def test_a_failed_handling_leaves_the_id_unrecorded(session_factory: SessionFactory) -> None:
    try:
        async with transaction(session_factory) as s:
            assert await first_delivery(s, "slack", "Ev1")
            raise RuntimeError("handler failed")
    except RuntimeError:
        pass
    async with transaction(session_factory) as s:
        assert await first_delivery(s, "slack", "Ev1") is True
