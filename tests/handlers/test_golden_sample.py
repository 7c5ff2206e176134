"""A factory saying the golden sample is sealed asks the brand's approvers for the gate."""

from __future__ import annotations

from sqlmodel import select

from wipbot.production.gates import GateItem, GateStatus
from wipbot.store.db import SessionFactory, transaction
from wipbot.store.models import AuditLog, Brand, Gate, GateChecklistItem, OutboxMessage

from .factory_seed import Chat, buttons, seed, text


async def _skip_first_order(chat: Chat) -> None:
    """The first seeded order's gate is approved: answer it quickly to reach the second."""
    await chat.tap("m:sewing")
    await chat.tap("q:skip")
    await chat.tap("i:none")
    await chat.tap("x:keep")
    await chat.tap("c:confirm")


async def test_sealed_golden_sample_requests_the_gate(session_factory: SessionFactory) -> None:
    seeded = await seed(session_factory)
    async with transaction(session_factory) as session:
        brand = await session.get(Brand, seeded.brand_id)
        assert brand is not None
        brand.approvals_channel = "C_APPROVE"
    chat = Chat(session_factory)

    first = await chat.say("/checkin")
    assert "m:sealed" not in buttons(first)  # approved gate: nothing to ask for
    await _skip_first_order(chat)
    async with session_factory() as session:
        assert (await session.exec(select(Gate))).all() != []

    replies = await chat.tap("m:sealed")
    assert "asked to approve bulk production for PO-1043-1" in text(replies)
    assert "m:sealed" not in buttons(replies)  # a request is now pending
    assert "m:cutting" in buttons(replies)  # the milestone question is asked again

    async with session_factory() as session:
        gate = (
            await session.exec(select(Gate).where(Gate.production_order_id == seeded.order_ids[1]))
        ).one()
        items = (
            await session.exec(
                select(GateChecklistItem).where(GateChecklistItem.gate_id == gate.id)
            )
        ).all()
        posted = (
            await session.exec(select(OutboxMessage).where(OutboxMessage.chat_id == "C_APPROVE"))
        ).all()
        audit = (await session.exec(select(AuditLog.action))).all()
    assert gate.status == GateStatus.REQUESTED
    assert gate.requested_by == "Lan (Saigon Knit)"
    sealed = {i.item: i for i in items}[GateItem.GOLDEN_SAMPLE_SEALED]
    assert sealed.done and sealed.done_by == "Lan (Saigon Knit)"
    assert len(posted) == 1 and posted[0].payload["kind"] == "gate_request"
    assert "gate.request" in audit


async def test_sealed_is_refused_once_the_gate_is_requested(
    session_factory: SessionFactory,
) -> None:
    await seed(session_factory)
    chat = Chat(session_factory)
    await chat.say("/checkin")
    await _skip_first_order(chat)
    await chat.tap("m:sealed")
    again = await chat.tap("m:sealed")
    assert "That button belongs to an earlier question" in text(again)
    async with session_factory() as session:
        assert len((await session.exec(select(Gate))).all()) == 3  # two seeded, one requested
