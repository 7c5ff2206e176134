"""Saving check-ins: the rows, the audit entry and the gate-breach alert."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import col, select

from wipbot.handlers.checkin_draft import CheckinDraft
from wipbot.handlers.checkin_record import record_checkin
from wipbot.production.milestones import IssueFlag, Milestone
from wipbot.production.progress import ReportedIssue
from wipbot.store.db import SessionFactory, transaction
from wipbot.store.models import (
    Alert,
    AuditLog,
    CheckInIssue,
    CheckInPhoto,
    Contact,
    Gate,
    OutboxMessage,
    ProductionOrder,
)

from .factory_seed import NOW, Chat, seed


async def record(
    factory: SessionFactory, contact_id: int, order_id: int, draft: CheckinDraft, days: int = 0
) -> None:
    async with transaction(factory) as session:
        contact = await session.get(Contact, contact_id)
        order = await session.get(ProductionOrder, order_id)
        assert contact is not None and order is not None
        await record_checkin(session, contact, order, draft, NOW + timedelta(days=days))


async def breach_alerts(factory: SessionFactory) -> list[Alert]:
    async with factory() as session:
        rows = await session.exec(select(Alert).where(Alert.kind == "gate_breach"))
        return list(rows.all())


async def test_rows_and_audit_are_written_together(session_factory: SessionFactory) -> None:
    seeded = await seed(session_factory)
    draft = CheckinDraft(
        milestone=Milestone.INSPECTION,
        quantity=1150,
        issues=(ReportedIssue(IssueFlag.QC_REJECTION, 4), ReportedIssue(IssueFlag.OTHER)),
        revised_exf=date(2026, 4, 15),
        note="re-inspection Friday",
        photos=("ph-1", "ph-2"),
    )
    await record(session_factory, seeded.contact_id, seeded.order_ids[0], draft)
    async with session_factory() as session:
        issues = (await session.exec(select(CheckInIssue).order_by(col(CheckInIssue.id)))).all()
        photos = (await session.exec(select(CheckInPhoto))).all()
        audit = (
            await session.exec(select(AuditLog).where(AuditLog.action == "checkin.record"))
        ).one()
    assert [(i.flag, i.delay_days) for i in issues] == [("qc_rejection", 4), ("other", None)]
    assert sorted(p.file_id for p in photos) == ["ph-1", "ph-2"]
    assert audit.actor == f"contact:{seeded.contact_id}" and audit.brand_id == seeded.brand_id
    assert audit.details["quantity"] == 1150 and audit.details["revised_exf"] == "2026-04-15"


@pytest.mark.parametrize(
    ("gate", "milestone", "breach"),
    [
        (None, Milestone.MATERIALS_IN, False),
        (None, Milestone.CUTTING, True),
        ("open", Milestone.SEWING, True),
        ("requested", Milestone.CUTTING, True),
        ("rejected", Milestone.FINISHING, True),
        ("approved", Milestone.CUTTING, False),
        ("approved", Milestone.SHIPPED, False),
    ],
)
async def test_bulk_before_an_approved_gate_is_a_breach(
    sqlite_session_factory: SessionFactory, gate: str | None, milestone: Milestone, breach: bool
) -> None:
    seeded = await seed(sqlite_session_factory)
    order_id = seeded.order_ids[1]  # PO-1043-1 has no Gate row
    if gate is not None:
        async with transaction(sqlite_session_factory) as session:
            session.add(Gate(production_order_id=order_id, status=gate))
    await record(sqlite_session_factory, seeded.contact_id, order_id, CheckinDraft(milestone))
    alerts = await breach_alerts(sqlite_session_factory)
    assert len(alerts) == (1 if breach else 0)
    if breach:
        assert alerts[0].subject == "PO-1043-1"
        assert alerts[0].production_order_id == order_id
        assert alerts[0].details["gate_status"] == (gate or "open")


async def test_the_breach_alert_is_raised_once(session_factory: SessionFactory) -> None:
    seeded = await seed(session_factory)
    order_id = seeded.order_ids[1]
    await record(session_factory, seeded.contact_id, order_id, CheckinDraft(Milestone.CUTTING, 100))
    await record(
        session_factory, seeded.contact_id, order_id, CheckinDraft(Milestone.SEWING, 300), days=7
    )
    [alert] = await breach_alerts(session_factory)
    assert alert.revision == 1 and alert.details["milestone"] == "cutting"
    async with session_factory() as session:
        posts = (
            await session.exec(select(OutboxMessage).where(OutboxMessage.alert_id == alert.id))
        ).all()
    assert [(p.platform, p.chat_id, p.action) for p in posts] == [("slack", "C_ALERTS", "send")]


async def test_a_chat_check_in_raises_the_breach(sqlite_session_factory: SessionFactory) -> None:
    await seed(sqlite_session_factory)
    chat = Chat(sqlite_session_factory)
    await chat.say("/checkin")
    for value in ("m:sewing", "q:skip", "i:none", "x:keep", "c:confirm"):  # PO-1042-1: approved
        await chat.tap(value)
    assert await breach_alerts(sqlite_session_factory) == []
    for value in ("m:cutting", "q:skip", "i:none", "x:keep", "c:confirm"):  # PO-1043-1: no gate
        await chat.tap(value)
    [alert] = await breach_alerts(sqlite_session_factory)
    assert alert.subject == "PO-1043-1" and alert.severity == "critical"
