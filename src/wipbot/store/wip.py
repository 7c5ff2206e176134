"""Work in progress at a glance: the read queries behind `/po`, `wipbot po` and the risk scan.

A PO is judged through its production orders: each gets its own plan, progress and late-risk
assessment, and the PO shows the worst of them, because a PO ships when its last part ships.
`as_of` replays what was known on a past date: check-ins reported later are ignored.
What is shown is `wip_status`, what it is judged from is read by `wip_known`, and finding a PO
or a brand by what was typed is `wip_lookup`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from wipbot.production.judgement_horizon import judgement_stands_until
from wipbot.production.milestones import MILESTONES, Milestone
from wipbot.production.progress import derive_state
from wipbot.production.risk import RiskInput, RiskStatus, assess
from wipbot.production.rollup import (
    checkin_age_days,
    days_late,
    least_advanced,
    rollup,
    weighted_percent,
)
from wipbot.production.stage_times import StageTimes
from wipbot.production.tna import derive_plan, planned_ex_factory

from .factory_history import FactoryHistory, plan_of
from .models import Brand, Factory, ProductionOrder, PurchaseOrder
from .wip_known import Known, load_known, non_working_days, po_lines
from .wip_lookup import (
    BrandNotFound,
    close_matches,
    find_po,
    matching_factories,
    resolve_brand,
)
from .wip_status import (
    FactoryInfo,
    IssueInfo,
    LineInfo,
    MilestoneInfo,
    OrderStatus,
    PoStatus,
    status_to_json,
    urgency,
)

__all__ = [
    "CANCELLED",
    "BrandNotFound",
    "FactoryInfo",
    "IssueInfo",
    "LineInfo",
    "MilestoneInfo",
    "OrderStatus",
    "PoStatus",
    "RiskInputs",
    "close_matches",
    "find_po",
    "judge_brand",
    "judge_pos",
    "matching_factories",
    "po_status",
    "resolve_brand",
    "status_to_json",
    "urgency",
    "wip_board",
]
"""The status types and the look-ups stay importable from here, where their users look."""

CANCELLED = "cancelled"


async def po_status(
    session: AsyncSession,
    brand_id: int,
    po_number: str,
    *,
    today: date,
    as_of: date | None = None,
) -> PoStatus | None:
    """One PO of the brand, found by its number (any case) or by one of its production orders."""
    po = await find_po(session, brand_id, po_number)
    if po is None:
        return None
    statuses = await _statuses(session, brand_id, today=today, as_of=as_of, po_id=po.id)
    return statuses[0] if statuses else None


async def wip_board(
    session: AsyncSession,
    brand_id: int,
    *,
    today: date,
    factory: str | None = None,
    late_only: bool = False,
    as_of: date | None = None,
) -> list[PoStatus]:
    """Every PO of the brand, most urgent first: late, then at risk, least slack first."""
    factory_ids = None
    if factory is not None:
        factory_ids = {f.id for f in await matching_factories(session, brand_id, factory)}
    statuses = await _statuses(session, brand_id, today=today, as_of=as_of, factory_ids=factory_ids)
    if late_only:
        statuses = [s for s in statuses if s.risk.status is RiskStatus.LATE]
    return sorted(statuses, key=urgency)


async def _statuses(
    session: AsyncSession,
    brand_id: int,
    *,
    today: date,
    as_of: date | None,
    po_id: int | None = None,
    factory_ids: set[int | None] | None = None,
) -> list[PoStatus]:
    brand = await session.get(Brand, brand_id)
    if brand is None:
        return []
    query = select(PurchaseOrder).where(PurchaseOrder.brand_id == brand_id)
    if po_id is not None:
        query = query.where(PurchaseOrder.id == po_id)
    if factory_ids is not None:
        query = query.where(col(PurchaseOrder.factory_id).in_(factory_ids))
    shown = (await session.exec(query.order_by(PurchaseOrder.po_number))).all()
    return await judge_pos(session, brand, shown, today=today, as_of=as_of)


async def judge_pos(
    session: AsyncSession,
    brand: Brand,
    shown: Sequence[PurchaseOrder],
    *,
    today: date,
    as_of: date | None,
    history: FactoryHistory | None = None,
) -> list[PoStatus]:
    """The status of each of `shown` (POs of `brand`), judged from what was known on `as_of`
    (or everything, judged on `today`). Reads only these POs' rows plus each factory's recent
    slip record, so its cost grows with the POs asked for, not with the brand's past. Pass
    one `history` to several calls (a scan in chunks, a backtest week) to read it once."""
    if not shown:
        return []
    judged_on = as_of or today
    factories = {
        f.id: f
        for f in (
            await session.exec(
                select(Factory).where(col(Factory.id).in_({p.factory_id for p in shown}))
            )
        ).all()
    }
    by_id = {p.id: p for p in shown}
    orders = [
        o
        for o in (
            await session.exec(
                select(ProductionOrder)
                .where(col(ProductionOrder.po_id).in_(list(by_id)))
                .order_by(ProductionOrder.number)
            )
        ).all()
        if o.status != CANCELLED
    ]
    zones = {f.id: ZoneInfo(f.timezone) for f in factories.values()}
    elsewhere = {o.factory_id for o in orders} - set(zones)
    if elsewhere:  # a production order made somewhere else than its PO says
        found = await session.exec(select(Factory).where(col(Factory.id).in_(elsewhere)))
        zones |= {f.id: ZoneInfo(f.timezone) for f in found.all()}
    known = await load_known(session, orders, zones, as_of)
    history = history or FactoryHistory(brand.buffer_days, as_of)
    slips = await history.slips(session, list(factories.values()))
    closed = await non_working_days(session, factories.values(), judged_on, shown)
    lines = await po_lines(session, [p.id for p in shown if p.id is not None])

    by_po: dict[int, list[ProductionOrder]] = defaultdict(list)
    for order in orders:
        by_po[order.po_id].append(order)
    results = []
    for po in shown:
        assert po.id is not None
        factory = factories[po.factory_id]
        order_statuses = tuple(
            _order_status(
                order,
                po,
                known,
                RiskInputs(
                    slips.get(po.factory_id, ()),
                    closed[factory.id],
                    brand.buffer_days,
                    history.announced_delays(po.factory_id),
                    history.stage_times(po.factory_id),
                    history.ramp(po.factory_id),
                ),
                judged_on,
            )
            for order in by_po.get(po.id, [])
        )
        results.append(
            _po_status(po, brand, factory, lines.get(po.id, ()), order_statuses, judged_on, as_of)
        )
    return results


async def judge_brand(
    session: AsyncSession,
    brand_id: int,
    *,
    today: date,
    as_of: date | None = None,
    chunk: int = 500,
    factory_ids: set[int] | None = None,
    po_ids: set[int] | None = None,
    history: FactoryHistory | None = None,
) -> AsyncIterator[list[PoStatus]]:
    """Every PO of the brand judged as of a date, `chunk` POs at a time in PO-number order:
    memory stays flat however many POs the brand has. The factories' slip records are read
    once for the whole pass. `po_ids` limits it to those POs (the risk scan's stale ones)."""
    brand = await session.get(Brand, brand_id)
    if brand is None:
        return
    history = history or FactoryHistory(brand.buffer_days, as_of)
    query = select(PurchaseOrder.id).where(PurchaseOrder.brand_id == brand_id)
    if factory_ids is not None:
        query = query.where(col(PurchaseOrder.factory_id).in_(factory_ids))
    ids = [
        i
        for i in (await session.exec(query.order_by(PurchaseOrder.po_number))).all()
        if i and (po_ids is None or i in po_ids)
    ]
    for start in range(0, len(ids), chunk):
        part = ids[start : start + chunk]
        shown = (
            await session.exec(
                select(PurchaseOrder)
                .where(col(PurchaseOrder.id).in_(part))
                .order_by(PurchaseOrder.po_number)
            )
        ).all()
        yield await judge_pos(session, brand, shown, today=today, as_of=as_of, history=history)


@dataclass(frozen=True)
class RiskInputs:
    """What a factory brings to every assessment of its orders."""

    factory_slip_days: tuple[int, ...]
    non_working_days: frozenset[date]
    buffer_days: int
    announced_delays: tuple[int, int] = (0, 0)
    stage_times: StageTimes | None = None
    ramp: float = 1.0


def _plan(
    order: ProductionOrder,
    po: PurchaseOrder,
    known: Known,
    inputs: RiskInputs,
    stored: dict[Milestone, date],
) -> dict[Milestone, date]:
    """The order's plan: the stored one, except that dates derived with standard durations are
    derived again with the factory's own stage times when its finished orders teach them
    (production/stage_times.py)."""
    rows = known.plans.get(order.id or 0, [])
    if inputs.stage_times is None or not any(r.derived for r in rows):
        return stored
    given = {Milestone(r.milestone): r.planned_date for r in rows if not r.derived}
    ex_factory = planned_ex_factory(po.committed_exf, given, inputs.buffer_days)
    return derive_plan(ex_factory, given, inputs.stage_times.days_to_next(order.quantity))


def _stored_plan(
    order: ProductionOrder, po: PurchaseOrder, known: Known, buffer_days: int
) -> dict[Milestone, date]:
    rows = {Milestone(r.milestone): r.planned_date for r in known.plans.get(order.id or 0, [])}
    return plan_of(rows, po.committed_exf, buffer_days)


def _order_status(
    order: ProductionOrder,
    po: PurchaseOrder,
    known: Known,
    inputs: RiskInputs,
    judged_on: date,
) -> OrderStatus:
    assert order.id is not None
    stored = _stored_plan(order, po, known, inputs.buffer_days)
    plan = _plan(order, po, known, inputs, stored)
    derived = {Milestone(r.milestone): r.derived for r in known.plans.get(order.id, [])}
    reports = known.reports.get(order.id, [])
    risk_input = RiskInput(
        committed_exf=po.committed_exf,
        plan=plan,
        order_quantity=order.quantity,
        reports=reports,
        factory_slip_days=inputs.factory_slip_days,
        announced_delays=inputs.announced_delays,
        non_working_days=inputs.non_working_days,
        derived_milestones=frozenset(m for m in MILESTONES[:-1] if derived.get(m, True)),
        fastest_days_to_next=(
            inputs.stage_times.fastest_to_next(order.quantity) if inputs.stage_times else None
        ),
        ramp=inputs.ramp,
    )
    risk = assess(risk_input, judged_on)
    end_of_day = datetime.combine(judged_on, datetime.max.time(), tzinfo=ZoneInfo("UTC"))
    state = derive_state(order.quantity, reports, end_of_day)
    milestones = tuple(
        MilestoneInfo(
            milestone=m,
            planned=plan[m],
            derived=derived.get(m, True),
            actual=state.milestone_dates.get(m),
            days_late=days_late(plan[m], state.milestone_dates.get(m), judged_on),
            stored_planned=stored[m] if stored[m] != plan[m] else None,
        )
        for m in MILESTONES
    )
    last = reports[-1] if reports else None
    return OrderStatus(
        number=order.number,
        quantity=order.quantity,
        gate_status=known.gates.get(order.id, "open"),
        milestones=milestones,
        current_milestone=state.milestone,
        quantities=dict(state.quantities),
        percent_complete=state.percent_complete,
        last_checkin_at=last.reported_at if last else None,
        last_checkin_age_days=checkin_age_days(last.day, judged_on) if last else None,
        open_issues=tuple(known.issue_notes.get(order.id, ())),
        revised_exf=state.revised_exf,
        risk=risk,
        stands_until=judgement_stands_until(risk_input, judged_on),
        risk_input=risk_input,
    )


def _po_status(
    po: PurchaseOrder,
    brand: Brand,
    factory: Factory,
    lines: tuple[LineInfo, ...],
    orders: tuple[OrderStatus, ...],
    judged_on: date,
    as_of: date | None,
) -> PoStatus:
    total = sum(line.quantity for line in lines) or sum(o.quantity for o in orders)
    last = max((o for o in orders if o.last_checkin_at), key=_last_at, default=None)
    revised = [o.revised_exf for o in orders if o.revised_exf is not None]
    return PoStatus(
        po_number=po.po_number,
        brand=brand.name,
        factory=FactoryInfo(factory.code, factory.name, factory.country, factory.timezone),
        status=po.status,
        incoterm=po.incoterm,
        currency=po.currency,
        lines=lines,
        total_quantity=total,
        committed_exf=po.committed_exf,
        in_dc_date=po.in_dc_date,
        orders=orders,
        risk=rollup(po.committed_exf, orders, judged_on, brand.buffer_days),
        current_milestone=least_advanced(orders),
        percent_complete=weighted_percent(orders),
        last_checkin_at=last.last_checkin_at if last else None,
        last_checkin_age_days=last.last_checkin_age_days if last else None,
        open_issues=tuple(issue for o in orders for issue in o.open_issues),
        revised_exf=max(revised) if revised else None,
        judged_on=judged_on,
        as_of=as_of,
    )


def _last_at(order: OrderStatus) -> datetime:
    assert order.last_checkin_at is not None
    return order.last_checkin_at
