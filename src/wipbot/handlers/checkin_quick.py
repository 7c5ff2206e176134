"""The quick check-in: one tap says "all as last week, no new issues" for every order asked.

Offered when each order of the round has a check-in to repeat. It writes, for each order, a
check-in that repeats the last one (stage, quantities, revised date, its open issues) as of
now, so the record says the contact confirmed it this week; the risk is judged again by the
check-in follow-up job, as after any check-in.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from wipbot.store import audit
from wipbot.store.models import CheckIn, CheckInIssue, ProductionOrder, PurchaseOrder

from .chat_text import N_
from .chat_turn import Turn
from .factory_orders import OPEN
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
    """Repeat the last check-in of every order still to answer; None when one has none.

    A handful of statements however many orders the round holds: the orders with their
    brands, their last check-ins, those check-ins' issues, then the new rows written together."""
    queue = turn.checkin.queue[turn.checkin.index :]
    orders = await _own_open_orders(turn.session, turn.contact.factory_id, queue)
    last = await last_checkins(turn.session, list(orders))
    if not orders or any(order_id not in last for order_id in orders):
        return None
    issues = await _issues_of(turn.session, [c.id for c in last.values() if c.id is not None])
    connection = await turn.session.connection()
    added = await connection.execute(_ADD_CHECKINS, [_again(turn, last[i]) for i in orders])
    again = {order_id: checkin_id for checkin_id, order_id in added.all()}
    repeated = [
        {"checkin_id": again[order_id], "flag": i.flag, "delay_days": i.delay_days, "note": i.note}
        for order_id in orders
        for i in issues.get(last[order_id].id or 0, [])
    ]
    if repeated:
        await connection.execute(_ADD_ISSUES, repeated)
    await audit.write_many(
        turn.session,
        [
            {
                "actor": f"contact:{turn.contact.id}",
                "action": "checkin.same_as_last_week",
                "subject": number,
                "brand_id": brand_id,
                "details": {"repeats_checkin_id": last[order_id].id},
            }
            for order_id, (number, brand_id) in orders.items()
        ],
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


async def _own_open_orders(
    session: AsyncSession, factory_id: int, order_ids: Sequence[int]
) -> dict[int, tuple[str, int]]:
    """Of `order_ids`, in their order, those open and of this factory: number and brand id."""
    if not order_ids:
        return {}
    rows = await session.exec(
        select(ProductionOrder.id, ProductionOrder.number, PurchaseOrder.brand_id)
        .join(PurchaseOrder, col(PurchaseOrder.id) == col(ProductionOrder.po_id))
        .where(col(ProductionOrder.id).in_(list(order_ids)))
        .where(ProductionOrder.factory_id == factory_id)
        .where(ProductionOrder.status == OPEN)
    )
    found = {order_id: (number, brand_id) for order_id, number, brand_id in rows.all()}
    return {i: found[i] for i in dict.fromkeys(order_ids) if i in found}


async def _issues_of(
    session: AsyncSession, checkin_ids: Sequence[int]
) -> dict[int, list[CheckInIssue]]:
    """The issues of each check-in, in the order they were recorded."""
    if not checkin_ids:
        return {}
    rows = await session.exec(
        select(CheckInIssue)
        .where(col(CheckInIssue.checkin_id).in_(list(checkin_ids)))
        .order_by(col(CheckInIssue.id))
    )
    issues: dict[int, list[CheckInIssue]] = {}
    for issue in rows.all():
        issues.setdefault(issue.checkin_id, []).append(issue)
    return issues


_CHECKIN = CheckIn.__table__  # type: ignore[attr-defined]
_ADD_CHECKINS = insert(_CHECKIN).returning(_CHECKIN.c.id, _CHECKIN.c.production_order_id)
_ADD_ISSUES = insert(CheckInIssue.__table__)  # type: ignore[attr-defined]
"""Plain values in one statement each, however many orders: the ORM's unit of work inserted
each row alone to learn its id."""


def _again(turn: Turn, previous: CheckIn) -> dict[str, Any]:
    """The previous check-in, reported again now by this contact."""
    return {
        "production_order_id": previous.production_order_id,
        "contact_id": turn.contact.id,
        "source": turn.contact.platform,
        "reported_at": turn.now,
        "milestone": previous.milestone,
        "revised_exf": previous.revised_exf,
        "shipped_on": previous.shipped_on,
        "note": "",
        **{name: getattr(previous, name) for name in QUANTITY_FIELDS},
    }
