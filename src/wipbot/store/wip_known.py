"""What the judgement of some production orders needs from the database, read in a few queries
for all of them: plans, check-ins as known on a date, open issues, gates, the days factories do
not work, and the POs' lines."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from wipbot.production.calendar import Closure
from wipbot.production.milestones import IssueFlag, Milestone
from wipbot.production.progress import Report, ReportedIssue

from .models import (
    CheckIn,
    CheckInIssue,
    Factory,
    FactoryClosure,
    Gate,
    ProductionOrder,
    PurchaseOrder,
    PurchaseOrderLine,
    Style,
    TnaMilestone,
)
from .public_holidays import public_holidays
from .wip_status import IssueInfo, LineInfo


@dataclass(frozen=True)
class Known:
    """Everything about the relevant production orders that the judgement needs."""

    plans: dict[int, list[Any]]
    """Plan rows (milestone, planned_date, derived) by production order."""
    reports: dict[int, list[Report]]
    issue_notes: dict[int, list[IssueInfo]]
    gates: dict[int, str]


async def load_known(
    session: AsyncSession,
    orders: Sequence[ProductionOrder],
    zones: dict[int | None, ZoneInfo],
    as_of: date | None,
) -> Known:
    ids = [o.id for o in orders]
    zone_of = {o.id: zones[o.factory_id] for o in orders}
    number_of = {o.id: o.number for o in orders}
    plans: dict[int, list[Any]] = defaultdict(list)
    for row in (
        await session.exec(
            select(  # type: ignore[call-overload]
                TnaMilestone.production_order_id,
                TnaMilestone.milestone,
                TnaMilestone.planned_date,
                TnaMilestone.derived,
            ).where(col(TnaMilestone.production_order_id).in_(ids))
        )
    ).all():
        plans[row[0]].append(row)
    columns = select(*CHECKIN_COLUMNS)
    query = columns.where(col(CheckIn.production_order_id).in_(ids))
    if as_of is not None:
        query = query.where(col(CheckIn.reported_at) < _latest_cutoff(as_of))
    rows = (await session.exec(query.order_by(col(CheckIn.reported_at), col(CheckIn.id)))).all()
    checkins = []
    for row in rows:
        local = row.reported_at.astimezone(zone_of[row.production_order_id])
        if as_of is None or local.date() <= as_of:
            checkins.append((row, local))
    issues: dict[int, list[tuple[str, int | None, str]]] = defaultdict(list)
    if checkins:
        for checkin_id, flag, days, note in (
            await session.exec(
                select(
                    CheckInIssue.checkin_id,
                    CheckInIssue.flag,
                    CheckInIssue.delay_days,
                    CheckInIssue.note,
                )
                .where(col(CheckInIssue.checkin_id).in_([row.id for row, _ in checkins]))
                .order_by(col(CheckInIssue.id))
            )
        ).all():
            issues[checkin_id].append((flag, days, note))
    reports: dict[int, list[Report]] = defaultdict(list)
    notes: dict[int, list[IssueInfo]] = {}
    for row, local in checkins:
        reported = tuple(
            ReportedIssue(IssueFlag(flag), days, note or None)
            for flag, days, note in issues[row.id]
        )
        reports[row.production_order_id].append(_report(row, local, reported))
        # The latest check-in's issues are the open ones, as in derive_state.
        notes[row.production_order_id] = [
            IssueInfo(number_of[row.production_order_id], i.flag, i.delay_days, i.note or "")
            for i in reported
        ]
    gates = {
        order_id: status
        for order_id, status in (
            await session.exec(
                select(Gate.production_order_id, Gate.status).where(
                    col(Gate.production_order_id).in_(ids)
                )
            )
        ).all()
    }
    return Known(plans, reports, notes, gates)


CHECKIN_COLUMNS: tuple[Any, ...] = (
    CheckIn.id,
    CheckIn.production_order_id,
    CheckIn.reported_at,
    CheckIn.milestone,
    CheckIn.qty_cut,
    CheckIn.qty_sewn,
    CheckIn.qty_finished,
    CheckIn.qty_packed,
    CheckIn.qty_shipped,
    CheckIn.revised_exf,
    CheckIn.shipped_on,
)
LATEST_CLOCK_BEHIND_UTC = timedelta(hours=14)
"""More than any local clock runs behind UTC (12 hours), so a check-in made on or before a
local date is always before that date's end in UTC plus this."""


def _latest_cutoff(as_of: date) -> datetime:
    """A UTC bound past every check-in made on or before `as_of` in any timezone; the exact
    local-date test follows in Python with each factory's zone."""
    return datetime.combine(as_of + timedelta(days=1), time(), tzinfo=UTC) + LATEST_CLOCK_BEHIND_UTC


def _report(row: Any, local: datetime, issues: tuple[ReportedIssue, ...]) -> Report:
    return Report(
        reported_at=local,
        milestone=Milestone(row.milestone) if row.milestone else None,
        quantities=_quantities(row),
        issues=issues,
        revised_exf=row.revised_exf,
        shipped_on=row.shipped_on,
    )


def _quantities(checkin: Any) -> dict[str, int]:
    values = {
        "cut": checkin.qty_cut,
        "sewn": checkin.qty_sewn,
        "finished": checkin.qty_finished,
        "packed": checkin.qty_packed,
        "shipped": checkin.qty_shipped,
    }
    return {name: value for name, value in values.items() if value is not None}


async def non_working_days(
    session: AsyncSession,
    factories: Iterable[Factory],
    judged_on: date,
    pos: Sequence[PurchaseOrder],
) -> dict[int | None, frozenset[date]]:
    """Public holidays of the factory's country and its own closures: days nothing gets made."""
    factories = list(factories)
    last = max([judged_on, *(p.committed_exf for p in pos)])
    years = tuple(range(judged_on.year, last.year + 2))
    closures: dict[int, set[date]] = defaultdict(set)
    for closure in (
        await session.exec(
            select(FactoryClosure).where(
                col(FactoryClosure.factory_id).in_([f.id for f in factories])
            )
        )
    ).all():
        closures[closure.factory_id] |= Closure(closure.start, closure.end).days()
    return {
        f.id: public_holidays(f.country, years) | frozenset(closures.get(f.id or 0, ()))
        for f in factories
    }


async def po_lines(session: AsyncSession, po_ids: list[int]) -> dict[int, tuple[LineInfo, ...]]:
    rows = (
        await session.exec(
            select(PurchaseOrderLine, Style)
            .join(Style, col(Style.id) == col(PurchaseOrderLine.style_id))
            .where(col(PurchaseOrderLine.po_id).in_(po_ids))
            .order_by(col(PurchaseOrderLine.id))
        )
    ).all()
    lines: dict[int, list[LineInfo]] = defaultdict(list)
    for line, style in rows:
        lines[line.po_id].append(
            LineInfo(
                style.code,
                style.name,
                line.colorway,
                line.quantity,
                line.unit_price,
                line.selling_price,
            )
        )
    return {po_id: tuple(found) for po_id, found in lines.items()}
