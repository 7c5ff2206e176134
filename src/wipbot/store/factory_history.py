"""A factory's slip record: how many days its recent finished orders shipped after plan.

Measured from the real ship date, never from the day a check-in first said "shipped": with weekly
check-ins that day is on average half a week after the goods left, which would make a factory
that ships early read as one that ships late.

- A `shipped_on` date given on a shipped check-in is the real date.
- Otherwise the reports only bound it: the goods left after the last report that had not
  shipped and on or before the first that had. Every day in that window is equally likely, so
  the estimate is the window's middle day (the earlier one when the window has an even number
  of days). With no earlier report the window is one check-in interval long.

Only what was known on the judged date counts: an order is finished for the record if its first
shipped report was made by then, and a `shipped_on` counts only if it was reported by then.
The record is the last HISTORY_ORDERS orders reported shipped (by their latest shipped report
made by then), read in two statements per factory whose rows and work do not grow with its past:
the check-ins of the first orders met walking back through its shipments (a page of them), and
those orders' plans. Only when a page holds fewer orders than the record needs and the walk goes
on (orders with many "shipped" reports) are more pages read, then those orders' check-ins.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import exists, func, literal
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from wipbot.production.milestones import MILESTONES, Milestone
from wipbot.production.ramp import learn_ramp
from wipbot.production.stage_times import StageTimes, learn_stage_times
from wipbot.production.tna import derive_plan, planned_ex_factory

from .models import CheckIn, CheckInIssue, Factory, ProductionOrder, PurchaseOrder, TnaMilestone

HISTORY_ORDERS = 20
"""Finished orders in a factory's record: about a season of one factory's work for a brand,
recent enough to reflect how it works now."""
CHECKIN_INTERVAL_DAYS = 7
SHIPPED_REPORTS_PER_ORDER = 3
"""Shipped check-ins an order usually has (the first, a correction, a last word): sizes the
pages of the walk back through a factory's shipments."""
SHIPPED = Milestone.SHIPPED.value
STAGE_QUANTITIES = tuple(m.quantity_field for m in MILESTONES[1:-1] if m.quantity_field)
"""The quantities read inside a stage: cut, sewn, finished, packed."""
CANCELLED = "cancelled"


def plan_of(
    rows: Mapping[Milestone, date], committed_exf: date, buffer_days: int
) -> dict[Milestone, date]:
    """The order's T&A plan: the imported one when complete, else derived backwards from the
    planned ex-factory around the dates that were given."""
    if len(rows) == len(MILESTONES):
        return dict(rows)
    return derive_plan(planned_ex_factory(committed_exf, rows, buffer_days), rows)


def estimated_ship_day(
    reports: Sequence[tuple[date, str | None, date | None]],
) -> date | None:
    """The day an order most likely left the factory, from its reports (local day, milestone,
    shipped_on) in the order they were made; None when none says shipped. See the module."""
    given = [
        shipped_on for _, milestone, shipped_on in reports if shipped_on and milestone == SHIPPED
    ]
    if given:
        return min(given)
    first = next((day for day, milestone, _ in reports if milestone == SHIPPED), None)
    if first is None:
        return None
    before = [day for day, milestone, _ in reports if milestone != SHIPPED and day < first]
    after = max(before) if before else first - timedelta(days=CHECKIN_INTERVAL_DAYS)
    return after + timedelta(days=((first - after).days + 1) // 2)


class _Reports(list[tuple[date, str | None, date | None]]):
    """One order's reports (local day, milestone, shipped_on) in the order they were made, with
    whether one announced a delay, its latest shipped report's (reported_at, id), and the same
    reports' quantities so far (for the factory's output curve, production/ramp.py)."""

    announcing: bool = False
    last_shipped: tuple[datetime, int] | tuple[()] = ()

    def __init__(self) -> None:
        super().__init__()
        self.quantities: list[dict[str, int]] = []

    def readings(self) -> list[tuple[date, str | None, dict[str, int]]]:
        """Each report's (local day, milestone, quantities so far)."""
        return [(day, name, q) for (day, name, _), q in zip(self, self.quantities, strict=True)]


@dataclass
class FactoryHistory:
    """Slip records as known on `as_of` (everything when None), read once per factory."""

    buffer_days: int
    as_of: date | None
    _slips: dict[int, tuple[int, ...]] = field(default_factory=dict)
    _announced: dict[int, tuple[int, int]] = field(default_factory=dict)
    _stage_times: dict[int, StageTimes | None] = field(default_factory=dict)
    _ramps: dict[int, float] = field(default_factory=dict)

    async def slips(
        self, session: AsyncSession, factories: Sequence[Factory]
    ) -> dict[int, tuple[int, ...]]:
        for factory in factories:
            assert factory.id is not None
            if factory.id not in self._slips:
                (
                    self._slips[factory.id],
                    self._announced[factory.id],
                    self._stage_times[factory.id],
                    self._ramps[factory.id],
                ) = await self._read(session, factory)
        return {f.id: self._slips[f.id] for f in factories if f.id is not None}

    def announced_delays(self, factory_id: int) -> tuple[int, int]:
        """Of the finished orders in the record that announced a delay, how many and how many
        then shipped after plan (read by `slips`; (0, 0) before or without a record)."""
        return self._announced.get(factory_id, (0, 0))

    def ramp(self, factory_id: int) -> float:
        """How the output of the factory's finished orders in the record grew inside a stage
        (production/ramp.py; read by `slips`; 1.0, even, before or without a record)."""
        return self._ramps.get(factory_id, 1.0)

    def stage_times(self, factory_id: int) -> StageTimes | None:
        """How long the factory's finished orders in the record took over each stage (read by
        `slips`; None before, or when the record is too short to learn any stage)."""
        return self._stage_times.get(factory_id)

    def _cutoff(self, zone: ZoneInfo) -> datetime | None:
        """Check-ins made before this UTC instant were made on or before `as_of`, locally."""
        if self.as_of is None:
            return None
        return datetime.combine(self.as_of + timedelta(days=1), time(), tzinfo=zone).astimezone(UTC)

    async def _read(
        self, session: AsyncSession, factory: Factory
    ) -> tuple[tuple[int, ...], tuple[int, int], StageTimes | None, float]:
        """Days each of the factory's last finished orders shipped after plan, oldest first;
        of those that announced a delay, how many and how many shipped after plan; the stage
        times those orders took; and how their output grew inside a stage."""
        zone = ZoneInfo(factory.timezone)
        cutoff = self._cutoff(zone)
        walk = self._shipments(factory, cutoff)
        page = HISTORY_ORDERS * SHIPPED_REPORTS_PER_ORDER
        reports = await self._reports(session, self._first_orders(walk, page), zone, cutoff)
        shipped = sum(
            milestone == SHIPPED for order in reports.values() for _, milestone, _ in order
        )
        if len(reports) < HISTORY_ORDERS and shipped >= page:
            # The first page of the walk held fewer orders than the record needs: walk on.
            recent = await self._recent_orders(session, walk)
            reports = await self._reports(session, recent, zone, cutoff)
        ids = sorted(reports, key=lambda order_id: reports[order_id].last_shipped)
        ids = ids[-HISTORY_ORDERS:]
        if not ids:
            return (), (0, 0), None, 1.0
        planned, quantities = await self._planned_ship_days(session, ids)
        slips = []
        announced = came_true = 0
        for order_id in ids:
            shipped_day = estimated_ship_day(reports[order_id])
            assert shipped_day is not None
            slip = (shipped_day - planned[order_id]).days
            slips.append(slip)
            if reports[order_id].announcing:
                announced += 1
                came_true += slip > 0
        times = learn_stage_times(
            [(quantities[i], [(day, name) for day, name, _ in reports[i]]) for i in ids]
        )
        ramp = learn_ramp([(quantities[i], reports[i].readings()) for i in ids])
        return tuple(slips), (announced, came_true), times, ramp

    @staticmethod
    def _shipments(factory: Factory, cutoff: datetime | None) -> SelectOfScalar[int]:
        """The factory's shipped check-ins made before `cutoff`, newest first (index on
        milestone, reported_at): the walk back through its finished orders."""
        query = (
            select(col(CheckIn.production_order_id))
            .join(ProductionOrder, col(ProductionOrder.id) == col(CheckIn.production_order_id))
            # Written into the SQL, not bound: PostgreSQL's generic plan for a bound milestone
            # misjudges how many check-ins are shipped and joins the factory's whole history.
            .where(CheckIn.milestone == literal(SHIPPED, literal_execute=True))
            .where(ProductionOrder.factory_id == factory.id)
            .where(ProductionOrder.status != literal(CANCELLED, literal_execute=True))
        )
        if cutoff is not None:
            query = query.where(col(CheckIn.reported_at) < cutoff)
        return query.order_by(col(CheckIn.reported_at).desc(), col(CheckIn.id).desc())

    @staticmethod
    def _first_orders(walk: SelectOfScalar[int], page: int) -> SelectOfScalar[int]:
        """The first HISTORY_ORDERS distinct orders of the walk's first `page` check-ins, in
        the order the walk meets them."""
        first = walk.add_columns(col(CheckIn.reported_at), col(CheckIn.id)).limit(page).subquery()
        ranked = select(
            first.c.production_order_id,
            func.row_number()
            .over(order_by=(first.c.reported_at.desc(), first.c.id.desc()))
            .label("rank"),
        ).subquery()
        return (
            select(ranked.c.production_order_id)
            .group_by(ranked.c.production_order_id)
            .order_by(func.min(ranked.c.rank))
            .limit(HISTORY_ORDERS)
        )

    @staticmethod
    async def _reports(
        session: AsyncSession,
        orders: SelectOfScalar[int] | list[int],
        zone: ZoneInfo,
        cutoff: datetime | None,
    ) -> dict[int, _Reports]:
        """Every check-in made before `cutoff` of the finished ones among `orders`, in the order
        they were made, each saying whether it announced a delay: one statement."""
        announces = (
            exists()
            .where(col(CheckInIssue.checkin_id) == col(CheckIn.id))
            .where(col(CheckInIssue.delay_days) > 0)
        )
        query = select(  # type: ignore[call-overload]
            col(CheckIn.id),
            col(CheckIn.production_order_id),
            col(CheckIn.reported_at),
            col(CheckIn.milestone),
            col(CheckIn.shipped_on),
            announces.label("announces"),
            *(col(getattr(CheckIn, f"qty_{name}")) for name in STAGE_QUANTITIES),
        ).where(col(CheckIn.production_order_id).in_(orders))
        if cutoff is not None:
            query = query.where(col(CheckIn.reported_at) < cutoff)
        found: dict[int, _Reports] = defaultdict(_Reports)
        rows = await session.exec(query.order_by(col(CheckIn.reported_at), col(CheckIn.id)))
        for checkin_id, order_id, reported_at, milestone, shipped_on, announcing, *done in rows:
            order = found[order_id]
            order.append((reported_at.astimezone(zone).date(), milestone, shipped_on))
            order.quantities.append(
                {n: q for n, q in zip(STAGE_QUANTITIES, done, strict=True) if q}
            )
            order.announcing = order.announcing or bool(announcing)
            if milestone == SHIPPED:
                order.last_shipped = max(order.last_shipped, (reported_at, checkin_id))
        return {order_id: order for order_id, order in found.items() if order.last_shipped}

    @staticmethod
    async def _recent_orders(session: AsyncSession, walk: SelectOfScalar[int]) -> list[int]:
        """The factory's last HISTORY_ORDERS finished orders, newest first: the walk taken a
        page at a time until enough distinct orders are found."""
        found: dict[int, None] = {}
        page = HISTORY_ORDERS * SHIPPED_REPORTS_PER_ORDER
        for offset in itertools.count(0, page):
            rows = (await session.exec(walk.offset(offset).limit(page))).all()
            found.update(dict.fromkeys(rows))
            if len(found) >= HISTORY_ORDERS or len(rows) < page:
                break
        return list(found)[:HISTORY_ORDERS]

    async def _planned_ship_days(
        self, session: AsyncSession, ids: list[int]
    ) -> tuple[dict[int, date], dict[int, int]]:
        """The planned ship day of each of `ids`, from its PO's committed ex-factory and its
        T&A rows, and its quantity: one statement."""
        committed: dict[int, date] = {}
        quantities: dict[int, int] = {}
        rows: dict[int, dict[Milestone, date]] = defaultdict(dict)
        query = (
            select(  # type: ignore[call-overload]
                ProductionOrder.id,
                ProductionOrder.quantity,
                PurchaseOrder.committed_exf,
                TnaMilestone.milestone,
                TnaMilestone.planned_date,
            )
            .join(PurchaseOrder, col(PurchaseOrder.id) == col(ProductionOrder.po_id))
            .outerjoin(
                TnaMilestone, col(TnaMilestone.production_order_id) == col(ProductionOrder.id)
            )
            .where(col(ProductionOrder.id).in_(ids))
        )
        for order_id, quantity, committed_exf, milestone, planned in (
            await session.exec(query)
        ).all():
            committed[order_id] = committed_exf
            quantities[order_id] = quantity
            if milestone is not None:
                rows[order_id][Milestone(milestone)] = planned
        planned = {
            order_id: plan_of(rows[order_id], committed[order_id], self.buffer_days)[
                Milestone.SHIPPED
            ]
            for order_id in ids
        }
        return planned, quantities
