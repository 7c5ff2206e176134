"""The quick check-in: one tap says "all as last week, no new issues" for every order asked.

Offered when each order of the round has a check-in to repeat. It writes, for each order, a
check-in that repeats the last one (stage, quantities, revised date, its open issues) as of
now, so the record says the contact confirmed it this week; the risk is judged again by the
check-in follow-up job, as after any check-in.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from wipbot.store import audit
from wipbot.store.models import CheckIn, CheckInIssue, PurchaseOrder

from .chat_text import N_
from .chat_turn import Turn
from .factory_orders import own_order
from .i18n import format_number
from .messages import Button, Reply

SAME_AS_LAST_WEEK = "a:same"
QUANTITY_FIELDS = ("qty_cut", "qty_sewn", "qty_finished", "qty_packed", "qty_shipped")
LABEL = N_("All as last week, no new issues")


async def last_checkins(session: AsyncSession, order_ids: Sequence[int]) -> dict[int, CheckIn]:
    """The latest check-in of each order that has one."""
    if not order_ids:
        return {}
    latest = (
        select(
            col(CheckIn.production_order_id).label("order_id"),
            func.max(CheckIn.reported_at).label("at"),
        )
        .where(col(CheckIn.production_order_id).in_(list(order_ids)))
        .group_by(col(CheckIn.production_order_id))
        .subquery()
    )
    rows = (
        await session.exec(
            select(CheckIn)
            .join(
                latest,
                (latest.c.order_id == col(CheckIn.production_order_id))
                & (latest.c.at == col(CheckIn.reported_at)),
            )
            .order_by(col(CheckIn.id))
        )
    ).all()
    return {row.production_order_id: row for row in rows}


def quick_offer(turn: Turn) -> Button:
    """The one-tap answer, offered when every order of the round has a last check-in to repeat
    (`factory_orders.RoundOrder.reported`)."""
    return Button(turn._(LABEL), SAME_AS_LAST_WEEK)


async def all_as_last_week(turn: Turn) -> list[Reply] | None:
    """Repeat the last check-in of every order still to answer; None when one has none."""
    queue = turn.checkin.queue[turn.checkin.index :]
    orders = [
        o for o in [await own_order(turn.session, turn.contact.factory_id, i) for i in queue] if o
    ]
    last = await last_checkins(turn.session, [o.id for o in orders if o.id is not None])
    if not orders or any(o.id not in last for o in orders):
        return None
    for order in orders:
        assert order.id is not None
        await _repeat(turn, last[order.id])
        po = await turn.session.get(PurchaseOrder, order.po_id)
        audit.record(
            turn.session,
            actor=f"contact:{turn.contact.id}",
            action="checkin.same_as_last_week",
            subject=order.number,
            brand_id=po.brand_id if po else None,
            details={"repeats_checkin_id": last[order.id].id},
        )
    done = int(turn.checkin.done) + len(orders)
    turn.finish()
    _ = turn._
    return [
        Reply(
            _("All done, thank you! Production orders updated: {count}.").format(
                count=format_number(done, turn.language)
            )
        )
    ]


async def _repeat(turn: Turn, previous: CheckIn) -> None:
    assert previous.id is not None
    again = CheckIn(
        production_order_id=previous.production_order_id,
        contact_id=turn.contact.id,
        source=turn.contact.platform,
        reported_at=turn.now,
        milestone=previous.milestone,
        revised_exf=previous.revised_exf,
        shipped_on=previous.shipped_on,
        **{name: getattr(previous, name) for name in QUANTITY_FIELDS},
    )
    turn.session.add(again)
    await turn.session.flush()
    assert again.id is not None
    issues = (
        await turn.session.exec(
            select(CheckInIssue)
            .where(CheckInIssue.checkin_id == previous.id)
            .order_by(col(CheckInIssue.id))
        )
    ).all()
    turn.session.add_all(
        CheckInIssue(checkin_id=again.id, flag=i.flag, delay_days=i.delay_days, note=i.note)
        for i in issues
    )
