"""The demo's Slack act: the real outbox and transport, printed as the messages read in Slack."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from sqlmodel import select

from tests.bot.slack_fixtures import TODAY, seed
from wipbot.bot.config import Settings
from wipbot.demo.context import DemoContext
from wipbot.demo.slack_act import act_slack
from wipbot.store.alerts import AlertKind, raise_alert
from wipbot.store.db import SessionFactory, transaction
from wipbot.store.models import Gate, OutboxMessage


async def test_the_slack_act_shows_alerts_and_a_gate_approval(
    sqlite_session_factory: SessionFactory, tmp_path: Path
) -> None:
    await seed(sqlite_session_factory)
    async with transaction(sqlite_session_factory) as session:
        await raise_alert(
            session,
            brand_id=1,
            kind=AlertKind.GATE_BREACH,
            subject="PO-1042-01",
            summary="Saigon Stitch reported cutting before its gate was approved",
            severity="critical",
            production_order_id=1,
        )
    out = Console(record=True, width=100)
    ctx = DemoContext(Settings(), sqlite_session_factory, out, TODAY, tmp_path, "Northwind")
    await act_slack(ctx)
    text = out.export_text()

    assert "#C0ALERTS · new message" in text
    assert "Gate breach: PO-1042-01" in text
    assert "Lan reports the golden sample sealed" in text
    assert "⬜ Fit comments captured in writing — pending" in text
    assert "✅ Fit comments captured in writing — @Tom Reyes" in text
    assert "✅ Approved by @Priya Shah" in text
    assert "✅ Resolved ~Gate breach: PO-1042-01~" in text
    assert "→ to Lan on telegram: PO-1042/PO-1042-01 đã được duyệt" in text
    async with sqlite_session_factory() as session:
        gate = (await session.exec(select(Gate))).one()
        slack_statuses = (
            await session.exec(
                select(OutboxMessage.status).where(OutboxMessage.platform == "slack")
            )
        ).all()
    assert gate.status == "approved"
    assert set(slack_statuses) == {"sent"}
