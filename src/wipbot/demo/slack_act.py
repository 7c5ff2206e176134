"""The `wipbot demo` act of the brand side: alerts and a gate approval as they read in Slack.

Everything goes the real way: the use cases change the records and write the outbox, the real
sender delivers through the real SlackTransport, and only the Web API at the end is a console
that prints each message as Slack would show it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, time
from typing import TYPE_CHECKING

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from wipbot.bot.slack.transport import SlackTransport
from wipbot.handlers.gates import decide_gate, find_orders, request_gate, tick_item
from wipbot.production.clock import fixed_clock
from wipbot.production.gates import GateItem, GateStatus
from wipbot.scheduler.config import SenderConfig
from wipbot.scheduler.sender import send_due
from wipbot.store.brands import set_member
from wipbot.store.db import SessionFactory, transaction
from wipbot.store.models import Brand, Contact, Gate, OutboxMessage

from .slack_console import ConsoleSlack

if TYPE_CHECKING:
    from .context import DemoContext

MERCHANDISER = ("U0DEMOMERCH", "Tom Reyes", "merchandiser")
APPROVER = ("U0DEMOAPPROVE", "Priya Shah", "approver")
DEMO_PO = "PO-1042"


async def act_slack(ctx: DemoContext) -> None:
    """Alerts reach #alerts; a gate is requested, completed and approved; the factory hears it."""
    ctx.heading("Slack: alerts and a gate approval, as they read in Slack")
    write = _writer(ctx)
    now = datetime.combine(ctx.today, time(9, 30), UTC)
    brand_id = await ctx.brand_id()
    await _members(ctx.sessions, brand_id)
    names = {user: name for user, name, _ in (MERCHANDISER, APPROVER)}
    slack = ConsoleSlack(write, names=names)
    transport = SlackTransport(slack, ctx.sessions, clock=fixed_clock(now))

    write("The alerts raised by the check-ins reach #alerts through the outbox:")
    await _send(ctx.sessions, transport)
    await _send(ctx.sessions, transport)

    order = await _gate_order(ctx.sessions, brand_id)
    if order is None:
        write(f"(no production order of {DEMO_PO} is waiting for its gate)")
        return
    contact = await _contact_name(ctx.sessions, brand_id, order)
    write("")
    write(f"{contact} reports the golden sample sealed; {MERCHANDISER[1]} ticks the tech pack")
    write(f"and the BOM and types `/gate {order}` in Slack:")
    async with transaction(ctx.sessions) as session:
        await tick_item(
            session, brand_id, order, GateItem.GOLDEN_SAMPLE_SEALED, by=contact, now=now
        )
        for item in (GateItem.TECH_PACK_SIGNED_OFF, GateItem.BOM_SIGNED_OFF):
            await tick_item(session, brand_id, order, item, by=MERCHANDISER[0], now=now)
        await request_gate(session, brand_id, order, requested_by=MERCHANDISER[0], now=now)
    await _send(ctx.sessions, transport)

    write("")
    write(f"The fit comments arrive in writing: `/gate {order} done fit`")
    async with transaction(ctx.sessions) as session:
        await tick_item(
            session, brand_id, order, GateItem.FIT_COMMENTS_CAPTURED, by=MERCHANDISER[0], now=now
        )
    await _send(ctx.sessions, transport)

    write("")
    write(f"{APPROVER[1]} (approver) clicks Approve:")
    before = await _last_outbox_id(ctx.sessions)
    async with transaction(ctx.sessions) as session:
        gate_id = await _gate_id(session, brand_id, order)
        await decide_gate(
            session,
            brand_id,
            gate_id,
            approve=True,
            slack_user_id=APPROVER[0],
            reason=None,
            now=now,
        )
    await _send(ctx.sessions, transport)
    await _send(ctx.sessions, transport)
    for platform, text in await _factory_messages(ctx.sessions, before):
        write(f"→ to {contact} on {platform}: {text}")


def _writer(ctx: DemoContext) -> Callable[[str], None]:
    def write(line: str) -> None:
        ctx.console.print(line, markup=False, highlight=False)

    return write


async def _send(sessions: SessionFactory, transport: SlackTransport) -> None:
    """One pass of the real sender, in order and without the per-channel pauses."""
    config = SenderConfig(concurrency=1, chat_limits={}, platform_limits={})
    await send_due(sessions, {"slack": transport}, config=config)


async def _members(sessions: SessionFactory, brand_id: int) -> None:
    async with transaction(sessions) as session:
        brand = await session.get(Brand, brand_id)
        assert brand is not None
        for user, name, role in (MERCHANDISER, APPROVER):
            await set_member(session, brand, user, role, name=name, actor="demo")


async def _gate_order(sessions: SessionFactory, brand_id: int) -> str | None:
    """The demo PO's first production order whose gate is not approved yet."""
    async with sessions() as session:
        for found in await find_orders(session, brand_id, DEMO_PO):
            gate = (
                await session.exec(select(Gate).where(Gate.production_order_id == found.order.id))
            ).first()
            if gate is None or gate.status != GateStatus.APPROVED.value:
                return found.order.number
    return None


async def _gate_id(session: AsyncSession, brand_id: int, order: str) -> int:
    [found] = await find_orders(session, brand_id, order)
    gate = (
        await session.exec(select(Gate).where(Gate.production_order_id == found.order.id))
    ).one()
    assert gate.id is not None
    return gate.id


async def _contact_name(sessions: SessionFactory, brand_id: int, order: str) -> str:
    async with sessions() as session:
        [found] = await find_orders(session, brand_id, order)
        contact = (
            await session.exec(
                select(Contact)
                .where(Contact.factory_id == found.order.factory_id)
                .order_by(col(Contact.id))
            )
        ).first()
    return contact.name if contact else "The factory"


async def _last_outbox_id(sessions: SessionFactory) -> int:
    async with sessions() as session:
        return int((await session.exec(select(func.max(OutboxMessage.id)))).one() or 0)


async def _factory_messages(sessions: SessionFactory, after: int) -> list[tuple[str, str]]:
    async with sessions() as session:
        rows = (
            await session.exec(
                select(OutboxMessage)
                .where(col(OutboxMessage.id) > after)
                .where(OutboxMessage.platform != "slack")
                .order_by(col(OutboxMessage.id))
            )
        ).all()
    return [(row.platform, str(row.payload.get("text", ""))) for row in rows]
