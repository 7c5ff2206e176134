"""A brand's history as the backtest needs it: what really shipped when, and weekly judgements.

Each judgement is `wip_board(..., as_of=day)`, the same one `wipbot po list --as-of` shows, so
the backtest scores the engine a brand sees and not a copy of it. The real ex-factory date is
the `shipped_on` a check-in gives, else the day of the first check-in that says shipped.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from wipbot.production import backtest_model
from wipbot.production.backtest import Outcome, is_late
from wipbot.production.milestones import Milestone
from wipbot.production.risk_model import MilestoneView, features

from .models import CheckIn, Factory, ProductionOrder, PurchaseOrder
from .wip import CANCELLED, OrderStatus, PoStatus, wip_board


def order_key(po_number: str, order_number: str) -> str:
    """Production-order numbers are unique within their PO only."""
    return f"{po_number}/{order_number}"


@dataclass(frozen=True)
class History:
    outcomes: tuple[Outcome, ...]
    records: dict[str, tuple[ProductionOrder, PurchaseOrder]]
    first_checkin: date | None
    last_checkin: date | None
    shipped_reported: Mapping[str, date]
    """The local day of each order's first check-in saying shipped."""
    factories: Mapping[str, str]
    """Each order's factory code."""

    def known_outcomes(self, last: date) -> dict[str, backtest_model.Outcome]:
        """Whether each order shipped late, and the first day a brand could know it: an order
        on time is known when its shipment is reported; a late one then, or the day after its
        committed date passed without a shipped report. Orders still open are left out."""
        known = {}
        for outcome in self.outcomes:
            late = is_late(outcome, last)
            if late is None:
                continue
            reported = self.shipped_reported.get(outcome.order)
            overdue = outcome.committed + timedelta(days=1)
            if late:
                on = min(reported, overdue) if reported else overdue
            elif reported is None:
                continue
            else:
                on = reported
            known[outcome.order] = backtest_model.Outcome(late, on)
        return known


async def load_history(session: AsyncSession, brand_id: int) -> History:
    """Every open or finished production order of the brand with its real ex-factory date."""
    rows = (
        await session.exec(
            select(ProductionOrder, PurchaseOrder, Factory)
            .join(PurchaseOrder, col(PurchaseOrder.id) == ProductionOrder.po_id)
            .join(Factory, col(Factory.id) == ProductionOrder.factory_id)
            .where(PurchaseOrder.brand_id == brand_id)
        )
    ).all()
    live = [(o, po, f) for o, po, f in rows if o.status != CANCELLED and po.status != CANCELLED]
    zone = {o.id: ZoneInfo(f.timezone) for o, _, f in live}
    checkins = (
        await session.exec(select(CheckIn).where(col(CheckIn.production_order_id).in_(list(zone))))
    ).all()
    shipped: dict[int, date] = {}
    reported: dict[int, date] = {}
    days = []
    for checkin in checkins:
        day = checkin.reported_at.astimezone(zone[checkin.production_order_id]).date()
        days.append(day)
        if checkin.milestone != Milestone.SHIPPED.value:
            continue
        order_id = checkin.production_order_id
        reported[order_id] = min(day, reported.get(order_id, day))
        real = checkin.shipped_on or day
        current = shipped.get(checkin.production_order_id)
        shipped[checkin.production_order_id] = min(real, current) if current else real
    ordered = sorted(live, key=lambda r: (r[1].po_number, r[0].number))
    outcomes = tuple(
        Outcome(order_key(po.po_number, o.number), po.committed_exf, shipped.get(o.id or 0))
        for o, po, _ in ordered
    )
    records = {order_key(po.po_number, o.number): (o, po) for o, po, _ in ordered}
    return History(
        outcomes,
        records,
        min(days, default=None),
        max(days, default=None),
        {
            order_key(po.po_number, o.number): reported[o.id]
            for o, po, _ in ordered
            if o.id in reported
        },
        {order_key(po.po_number, o.number): f.code for o, po, f in ordered},
    )


async def boards_on(
    session: AsyncSession, brand_id: int, days: Sequence[date]
) -> AsyncIterator[tuple[date, list[PoStatus]]]:
    """The board as it was judged on each day, from what was known that day."""
    for day in days:
        yield day, await wip_board(session, brand_id, today=day, as_of=day)


def overdue_milestone(order: OrderStatus, day: date) -> bool:
    """The plain rule: a planned milestone date has passed and the milestone is not reported.
    It reads the plan as stored (the imported T&A, or the one derived with standard
    durations), what a merchandiser's spreadsheet holds, not the one wipbot re-derives from the
    factory's learned stage times."""
    return any(m.actual is None and (m.stored_planned or m.planned) < day for m in order.milestones)


def judged(
    day: date, status: PoStatus, order: OrderStatus, rules_flag: bool
) -> backtest_model.Judged:
    """One board entry as the learned rule reads it (its factory share is filled in later)."""
    inputs = features(
        day,
        status.committed_exf,
        order.risk,
        [
            MilestoneView(m.milestone, m.planned, m.derived, m.actual, m.days_late)
            for m in order.milestones
        ],
        order.current_milestone,
        [i.delay_days for i in order.open_issues],
        0.0,
    )
    return backtest_model.Judged(
        order_key(status.po_number, order.number),
        day,
        status.factory.code,
        rules_flag,
        inputs,
        live=order.current_milestone is not Milestone.SHIPPED,
    )
