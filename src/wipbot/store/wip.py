"""Work in progress at a glance: the read queries behind `/po`, `wipbot po` and the risk scan.

A PO is judged through its production orders: each gets its own plan, progress and late-risk
assessment, and the PO shows the worst of them, because a PO ships when its last part ships.
`as_of` replays what was known on a past date: check-ins reported later are ignored.
"""

from __future__ import annotations

import difflib
import re
from collections import defaultdict
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from enum import Enum
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from wipbot.production.calendar import Closure
from wipbot.production.judgement_horizon import judgement_stands_until
from wipbot.production.milestones import MILESTONES, IssueFlag, Milestone
from wipbot.production.names import key
from wipbot.production.progress import Report, ReportedIssue, derive_state
from wipbot.production.risk import RiskAssessment, RiskInput, RiskStatus, assess
from wipbot.production.rollup import (
    SEVERITY,
    checkin_age_days,
    days_late,
    least_advanced,
    rollup,
    weighted_percent,
)

from .factory_history import FactoryHistory, plan_of
from .importing.scope import find_brand
from .models import (
    Brand,
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

CANCELLED = "cancelled"
CLOSE_MATCHES = 5


@dataclass(frozen=True)
class FactoryInfo:
    code: str
    name: str
    country: str
    timezone: str


@dataclass(frozen=True)
class LineInfo:
    style: str
    style_name: str
    colorway: str
    quantity: int
    unit_price: Decimal
    selling_price: Decimal | None


@dataclass(frozen=True)
class MilestoneInfo:
    milestone: Milestone
    planned: date
    derived: bool
    actual: date | None
    days_late: int | None
    """Reached: actual minus planned (negative is early). Not reached: days overdue, if any."""


@dataclass(frozen=True)
class IssueInfo:
    production_order: str
    flag: IssueFlag
    delay_days: int | None
    note: str


@dataclass(frozen=True)
class OrderStatus:
    number: str
    quantity: int
    gate_status: str
    milestones: tuple[MilestoneInfo, ...]
    current_milestone: Milestone | None
    quantities: dict[str, int]
    percent_complete: float
    last_checkin_at: datetime | None
    last_checkin_age_days: int | None
    open_issues: tuple[IssueInfo, ...]
    revised_exf: date | None
    risk: RiskAssessment
    stands_until: date | None = None
    """The first day the judgement may differ (production.judgement_horizon); not shown."""

    @property
    def plan(self) -> dict[Milestone, date]:
        return {m.milestone: m.planned for m in self.milestones}

    @property
    def actual(self) -> dict[Milestone, date]:
        return {m.milestone: m.actual for m in self.milestones if m.actual is not None}


@dataclass(frozen=True)
class PoStatus:
    po_number: str
    brand: str
    factory: FactoryInfo
    status: str
    incoterm: str
    currency: str
    lines: tuple[LineInfo, ...]
    total_quantity: int
    committed_exf: date
    in_dc_date: date | None
    orders: tuple[OrderStatus, ...]
    risk: RiskAssessment
    current_milestone: Milestone | None
    percent_complete: float
    last_checkin_at: datetime | None
    last_checkin_age_days: int | None
    open_issues: tuple[IssueInfo, ...]
    revised_exf: date | None
    judged_on: date
    as_of: date | None

    @property
    def styles(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(line.style for line in self.lines))

    @property
    def colorways(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(line.colorway for line in self.lines))


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


def urgency(status: PoStatus) -> tuple[int, int, date, str]:
    return (
        -SEVERITY[status.risk.status],
        status.risk.slack_days,
        status.committed_exf,
        status.po_number,
    )


async def close_matches(session: AsyncSession, brand_id: int, po_number: str) -> list[str]:
    """PO numbers of the brand that look like what was typed, best first.

    Ranked among a few candidates the (brand, PO number) index finds: the numbers next to the
    typed one in sort order, those containing it or its digits, and those containing its
    characters in order (a missed key); so a typo reads the same few rows
    whether the brand has ten POs or a hundred thousand."""
    wanted = key(po_number)
    if not wanted:
        return []
    numbers = await _suggestion_pool(session, brand_id, " ".join(po_number.split()).upper())
    containing = sorted(n for n in numbers if wanted in key(n))
    by_key = {key(n): n for n in numbers}
    similar = [by_key[k] for k in difflib.get_close_matches(wanted, list(by_key), n=CLOSE_MATCHES)]
    return list(dict.fromkeys(containing + similar))[:CLOSE_MATCHES]


SUGGESTION_NEIGHBOURS = 10
SUGGESTION_POOL = 100


async def _suggestion_pool(session: AsyncSession, brand_id: int, typed: str) -> set[str]:
    column = col(PurchaseOrder.po_number)
    brand = select(PurchaseOrder.po_number).where(PurchaseOrder.brand_id == brand_id)
    queries = [
        brand.where(column >= typed).order_by(column).limit(SUGGESTION_NEIGHBOURS),
        brand.where(column < typed).order_by(column.desc()).limit(SUGGESTION_NEIGHBOURS),
        brand.where(func.lower(column).contains(typed.lower(), autoescape=True))
        .order_by(column)
        .limit(SUGGESTION_POOL),
    ]
    # Missed keys: every typed character, in order, with anything between them.
    spread = "%".join(re.sub(r"([%_\\])", r"\\\1", char) for char in typed.lower())
    queries.append(
        brand.where(func.lower(column).like(f"%{spread}%", escape="\\"))
        .order_by(column)
        .limit(SUGGESTION_POOL)
    )
    digits = max(re.findall(r"\d+", typed), key=len, default="")
    if digits and digits != typed:
        queries.append(
            brand.where(column.contains(digits, autoescape=True))
            .order_by(column)
            .limit(SUGGESTION_POOL)
        )
    found: set[str] = set()
    for query in queries:
        found.update((await session.exec(query)).all())
    return found


async def matching_factories(session: AsyncSession, brand_id: int, query: str) -> list[Factory]:
    """Factories whose code is `query` or whose name contains it, ignoring case."""
    factories = (await session.exec(select(Factory).where(Factory.brand_id == brand_id))).all()
    wanted = key(query)
    exact = [f for f in factories if key(f.code) == wanted or key(f.name) == wanted]
    return exact or [f for f in factories if wanted in key(f.name)]


class BrandNotFound(LookupError):
    """No brand by that name, no brand at all, or several and none named."""


async def resolve_brand(session: AsyncSession, name: str | None) -> Brand:
    """The brand named, or the only brand there is; BrandNotFound says what to do otherwise."""
    if name is not None:
        brand = await find_brand(session, name)
        if brand is None:
            raise BrandNotFound(f"no brand named {name!r}")
        return brand
    brands = (await session.exec(select(Brand).order_by(Brand.name))).all()
    if len(brands) == 1:
        return brands[0]
    if not brands:
        raise BrandNotFound("no brand yet; import a factories file first")
    names = ", ".join(b.name for b in brands)
    raise BrandNotFound(f"several brands ({names}); choose one with --brand")


def status_to_json(status: PoStatus) -> dict[str, Any]:
    """Plain JSON types: dates as ISO strings, money as strings so no digit is lost."""
    data = _plain(asdict(status))
    for order in data["orders"]:
        del order["stands_until"]
    data["styles"] = list(status.styles)
    data["colorways"] = list(status.colorways)
    return data


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(_plain(k)): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


async def find_po(session: AsyncSession, brand_id: int, number: str) -> PurchaseOrder | None:
    """The brand's PO by its number as typed, or by the number of one of its production
    orders; None when neither matches. Indexed look-ups: never the brand's whole list."""
    typed = " ".join(number.split())
    brand_pos = select(PurchaseOrder).where(PurchaseOrder.brand_id == brand_id)
    for wanted in (
        PurchaseOrder.po_number == number.strip(),
        func.lower(PurchaseOrder.po_number) == typed.lower(),
    ):
        found = (await session.exec(brand_pos.where(wanted).limit(1))).first()
        if found is not None:
            return found
    owner = await session.exec(
        brand_pos.join(ProductionOrder, col(ProductionOrder.po_id) == col(PurchaseOrder.id))
        .where(func.lower(ProductionOrder.number) == typed.lower())
        .order_by(col(PurchaseOrder.id))
        .limit(1)
    )
    return owner.first()


@dataclass(frozen=True)
class _Known:
    """Everything about the relevant production orders that the judgement needs."""

    plans: dict[int, list[Any]]
    """Plan rows (milestone, planned_date, derived) by production order."""
    reports: dict[int, list[Report]]
    issue_notes: dict[int, list[IssueInfo]]
    gates: dict[int, str]


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
    known = await _load_known(session, orders, zones, as_of)
    history = history or FactoryHistory(brand.buffer_days, as_of)
    slips = await history.slips(session, list(factories.values()))
    closed = await _non_working_days(session, factories.values(), judged_on, shown)
    lines = await _lines(session, [p.id for p in shown if p.id is not None])

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


async def _load_known(
    session: AsyncSession,
    orders: Sequence[ProductionOrder],
    zones: dict[int | None, ZoneInfo],
    as_of: date | None,
) -> _Known:
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
    columns = select(*CHECKIN_COLUMNS)  # type: ignore[call-overload]
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
    return _Known(plans, reports, notes, gates)


CHECKIN_COLUMNS = (
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


def _plan(
    order: ProductionOrder, po: PurchaseOrder, known: _Known, buffer_days: int
) -> dict[Milestone, date]:
    rows = {Milestone(r.milestone): r.planned_date for r in known.plans.get(order.id or 0, [])}
    return plan_of(rows, po.committed_exf, buffer_days)


async def _non_working_days(
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


async def _lines(session: AsyncSession, po_ids: list[int]) -> dict[int, tuple[LineInfo, ...]]:
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


def _order_status(
    order: ProductionOrder,
    po: PurchaseOrder,
    known: _Known,
    inputs: RiskInputs,
    judged_on: date,
) -> OrderStatus:
    assert order.id is not None
    plan = _plan(order, po, known, inputs.buffer_days)
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
