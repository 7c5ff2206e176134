"""The demo's by-the-clock act: the real jobs over three simulated weeks, on a copy."""

from __future__ import annotations

from datetime import date, time

from sqlmodel import func, select

from tests import builders
from wipbot.demo.clock_act import by_the_clock, demo_start
from wipbot.store.db import SessionFactory, transaction
from wipbot.store.models import Alert, OutboxMessage


async def test_alerts_appear_update_and_clear(
    sqlite_session_factory: SessionFactory, sqlite_url: str
) -> None:
    async with transaction(sqlite_session_factory) as session:
        brand = await builders.brand(session)
        dhaka = await builders.factory(session, brand, weekday=6)
        ningbo = await builders.factory(
            session, brand, code="NGB1", country="CN", timezone="Asia/Shanghai", at=time(9, 30)
        )
        await builders.contact(session, dhaka, name="Rahim", platform="console", chat_id="c-1")
        await builders.contact(session, ningbo, name="Wei", platform="console", chat_id="c-2")
        await builders.order(
            session,
            brand,
            dhaka,
            po_number="PO-1035",
            committed_exf=date(2027, 2, 18),
            planned_exf=date(2027, 2, 12),
        )
        await builders.order(
            session, brand, ningbo, po_number="PO-1044", committed_exf=date(2027, 1, 15)
        )

    lines: list[str] = []
    await by_the_clock(sqlite_url, start=demo_start(date(2026, 11, 26)), write=lines.append)
    text = "\n".join(lines)

    # Fabric 2 days late fits in the plan's 6 days of slack; 8 days does not (an estimate: at
    # risk); the fabric's arrival resolves it.
    story = [
        "weekly prompt → Rahim (DHK1)",
        "weekly prompt → Wei (NGB1)",
        "reminder → Wei (NGB1)",
        "NEW missed_checkin NGB1 2026-W49",
        "Wei (NGB1) reports PO-1044-A",
        "RESOLVED missed_checkin NGB1 2026-W49",
        "NEW late_risk PO-1035-A (warning)",
        "RESOLVED late_risk PO-1035-A",
    ]
    positions = [text.find(step) for step in story]
    assert -1 not in positions, text
    assert positions == sorted(positions)
    assert text.count("NEW missed_checkin") == 1
    assert text.count("weekly prompt → Rahim") == 3
    # PO-1044 is due 15 January: within six weeks from the second week on, so Wei is asked
    # mid-week too; PO-1035 (18 February) never comes that near in these three weeks.
    assert "mid-week prompt → Wei (NGB1)" in text, text
    assert "mid-week prompt → Rahim" not in text

    async with sqlite_session_factory() as session:
        assert (await session.exec(select(func.count()).select_from(Alert))).one() == 0
        assert (await session.exec(select(func.count()).select_from(OutboxMessage))).one() == 0
