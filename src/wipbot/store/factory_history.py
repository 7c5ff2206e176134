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
made by then): four statements per factory, whose rows and work do not grow with its past.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from wipbot.production.milestones import MILESTONES, Milestone
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


@dataclass
class FactoryHistory:
    """Slip records as known on `as_of` (everything when None), read once per factory."""

    buffer_days: int
    as_of: date | None
    _slips: dict[int, tuple[int, ...]] = field(default_factory=dict)
    _announced: dict[int, tuple[int, int]] = field(default_factory=dict)

    async def slips(
        self, session: AsyncSession, factories: Sequence[Factory]
    ) -> dict[int, tuple[int, ...]]:
        for factory in factories:
            assert factory.id is not None
            if factory.id not in self._slips:
                self._slips[factory.id], self._announced[factory.id] = await self._read(
                    session, factory
                )
        return {f.id: self._slips[f.id] for f in factories if f.id is not None}

    def announced_delays(self, factory_id: int) -> tuple[int, int]:
        """Of the finished orders in the record that announced a delay, how many and how many
        then shipped after plan (read by `slips`; (0, 0) before or without a record)."""
        return self._announced.get(factory_id, (0, 0))

    def _cutoff(self, zone: ZoneInfo) -> datetime | None:
        """Check-ins made before this UTC instant were made on or before `as_of`, locally."""
        if self.as_of is None:
            return None
        return datetime.combine(self.as_of + timedelta(days=1), time(), tzinfo=zone).astimezone(UTC)

    async def _read(
        self, session: AsyncSession, factory: Factory
    ) -> tuple[tuple[int, ...], tuple[int, int]]:
        """Days each of the factory's last finished orders shipped after plan, oldest first;
        and of those that announced a delay, how many and how many shipped after plan."""
        zone = ZoneInfo(factory.timezone)
        cutoff = self._cutoff(zone)
        recent = await self._recent_orders(session, factory, cutoff)
        if not recent:
            return (), (0, 0)
        ids = list(reversed(recent))
        reports = select(
            col(CheckIn.production_order_id),
            col(CheckIn.reported_at),
            col(CheckIn.milestone),
            col(CheckIn.shipped_on),
        ).where(col(CheckIn.production_order_id).in_(ids))
        if cutoff is not None:
            reports = reports.where(col(CheckIn.reported_at) < cutoff)
        by_order: dict[int, list[tuple[date, str | None, date | None]]] = defaultdict(list)
        for order_id, reported_at, milestone, shipped_on in (
            await session.exec(reports.order_by(col(CheckIn.reported_at), col(CheckIn.id)))
        ).all():
            by_order[order_id].append((reported_at.astimezone(zone).date(), milestone, shipped_on))
        planned = await self._planned_ship_days(session, ids)
        announcing = await self._announcing(session, ids, cutoff)
        slips = []
        announced = came_true = 0
        for order_id in ids:
            shipped = estimated_ship_day(by_order[order_id])
            if shipped is not None:
                slip = (shipped - planned[order_id]).days
                slips.append(slip)
                if order_id in announcing:
                    announced += 1
                    came_true += slip > 0
        return tuple(slips), (announced, came_true)

    async def _announcing(
        self, session: AsyncSession, ids: list[int], cutoff: datetime | None
    ) -> set[int]:
        """The orders among `ids` with a check-in, made before `cutoff`, announcing a delay."""
        query = (
            select(col(CheckIn.production_order_id))
            .join(CheckInIssue, col(CheckInIssue.checkin_id) == col(CheckIn.id))
            .where(col(CheckIn.production_order_id).in_(ids))
            .where(col(CheckInIssue.delay_days) > 0)
        )
        if cutoff is not None:
            query = query.where(col(CheckIn.reported_at) < cutoff)
        return set((await session.exec(query.distinct())).all())

    async def _recent_orders(
        self, session: AsyncSession, factory: Factory, cutoff: datetime | None
    ) -> list[int]:
        """The factory's last HISTORY_ORDERS orders reported shipped before `cutoff`, newest
        first: shipped check-ins walked backwards in time (index on milestone, reported_at),
        a page at a time, until enough distinct orders are found."""
        query = (
            select(col(CheckIn.production_order_id))
            .join(ProductionOrder, col(ProductionOrder.id) == col(CheckIn.production_order_id))
            .where(CheckIn.milestone == SHIPPED)
            .where(ProductionOrder.factory_id == factory.id)
            .where(ProductionOrder.status != CANCELLED)
        )
        if cutoff is not None:
            query = query.where(col(CheckIn.reported_at) < cutoff)
        query = query.order_by(col(CheckIn.reported_at).desc(), col(CheckIn.id).desc())
        found: dict[int, None] = {}
        page = HISTORY_ORDERS * SHIPPED_REPORTS_PER_ORDER
        for offset in itertools.count(0, page):
            rows = (await session.exec(query.offset(offset).limit(page))).all()
            found.update(dict.fromkeys(rows))
            if len(found) >= HISTORY_ORDERS or len(rows) < page:
                break
        return list(found)[:HISTORY_ORDERS]

    async def _planned_ship_days(self, session: AsyncSession, ids: list[int]) -> dict[int, date]:
        committed: dict[int | None, date] = dict(
            (
                await session.exec(
                    select(ProductionOrder.id, PurchaseOrder.committed_exf)  # type: ignore[call-overload]
                    .join(PurchaseOrder, col(PurchaseOrder.id) == col(ProductionOrder.po_id))
                    .where(col(ProductionOrder.id).in_(ids))
                )
            ).all()
        )
        rows: dict[int, dict[Milestone, date]] = defaultdict(dict)
        for order_id, milestone, planned in (
            await session.exec(
                select(
                    col(TnaMilestone.production_order_id),
                    col(TnaMilestone.milestone),
                    col(TnaMilestone.planned_date),
                ).where(col(TnaMilestone.production_order_id).in_(ids))
            )
        ).all():
            rows[order_id][Milestone(milestone)] = planned
        return {
            order_id: plan_of(rows[order_id], committed[order_id], self.buffer_days)[
                Milestone.SHIPPED
            ]
            for order_id in ids
        }
