"""The production orders a factory contact may see, and what we know about each of them.

Every lookup here is scoped to one factory: this is where "a contact sees and updates only its
own factory's production orders" is enforced for reading.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import bindparam
from sqlalchemy import select as core_select
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from wipbot.production.checkin_cadence import asked_midweek
from wipbot.production.gates import GateStatus
from wipbot.production.milestones import IssueFlag, Milestone
from wipbot.production.progress import (
    ProductionState,
    Report,
    ReportedIssue,
    derive_state,
)
from wipbot.store.models import (
    CheckIn,
    CheckInIssue,
    Gate,
    ProductionOrder,
    PurchaseOrder,
    PurchaseOrderLine,
    Style,
)
from wipbot.store.wip_known import CHECKIN_COLUMNS

OPEN = "open"


@dataclass(frozen=True)
class OrderView:
    """What the contact is shown about one production order."""

    id: int
    number: str
    po_number: str
    quantity: int
    style: str
    committed_exf: date
    current_exf: date
    state: ProductionState
    gate: GateStatus = GateStatus.OPEN
    brand_id: int | None = None
    """The PO's brand, where the view's read had it (a check-in step's own order view)."""

    @property
    def awaits_gate_request(self) -> bool:
        """Before bulk, with no request pending: the factory can say the golden sample is sealed."""
        before_bulk = self.state.milestone is None or not self.state.milestone.is_bulk
        return before_bulk and self.gate in (GateStatus.OPEN, GateStatus.REJECTED)


def _open_of_factory(query: Any) -> Any:
    """Open production orders of one factory (`factory_id` bound when run), the most urgent
    (earliest ex-factory) first."""
    return (
        query.join(PurchaseOrder, col(PurchaseOrder.id) == ProductionOrder.po_id)
        .where(col(ProductionOrder.factory_id) == bindparam("factory_id"))
        .where(col(ProductionOrder.status) == OPEN)
        .order_by(col(PurchaseOrder.committed_exf), col(ProductionOrder.number))
    )


_OPEN_ORDERS = _open_of_factory(select(ProductionOrder))


async def open_orders(session: AsyncSession, factory_id: int) -> list[ProductionOrder]:
    """Open production orders of one factory, the most urgent (earliest ex-factory) first."""
    rows = await session.exec(_OPEN_ORDERS, params={"factory_id": factory_id})
    return list(rows.all())


@dataclass(frozen=True)
class RoundOrder:
    """An order a check-in round asks about."""

    id: int
    reported: bool
    """It has a check-in before this round (one the quick answer can repeat)."""
    reports: list[Report]
    """Its check-ins, oldest first: the round's first question shows them without reading
    them again."""


_OPEN_ORDER_COLUMNS: list[Any] = [
    ProductionOrder.id,
    ProductionOrder.quantity,
    PurchaseOrder.committed_exf,
]
_OPEN_ORDER_ROWS = _open_of_factory(core_select(*_OPEN_ORDER_COLUMNS))
"""`open_orders` as rows of what a round needs: built once, read on every /checkin."""


async def orders_to_check_in(
    session: AsyncSession,
    factory_id: int,
    now: datetime,
    *,
    midweek: tuple[date, int] | None = None,
) -> list[RoundOrder]:
    """Open orders still in the works, the most urgent first: one reported fully shipped has
    nothing left to ask. Only what the round needs (ids, and whether each has a check-in to
    repeat); the question about each order reads its own view.

    `midweek`: (the factory's day of the round, the window in days): only the orders the
    mid-week check-in asks about that day (`checkin_cadence.asked_midweek`)."""
    found = await session.exec(_OPEN_ORDER_ROWS, params={"factory_id": factory_id})
    rows: Sequence[Any] = found.all()
    if midweek is not None:
        on, window_days = midweek
        rows = [row for row in rows if asked_midweek(row[2], on, window_days)]
    if not rows:
        return []
    reports = await _reports_by_order(session, [order_id for order_id, _, _ in rows])
    round_orders = []
    for order_id, quantity, _ in rows:
        own = reports.get(order_id, [])
        state = _state(quantity, own, now)
        if not (state.milestone is Milestone.SHIPPED and state.percent_complete >= 100):
            round_orders.append(RoundOrder(order_id, reported=bool(own), reports=own))
    return round_orders


async def own_order(
    session: AsyncSession, factory_id: int, production_order_id: int
) -> ProductionOrder | None:
    """The production order, only if it is open and belongs to this factory."""
    order = await session.get(ProductionOrder, production_order_id)
    if order is None or order.factory_id != factory_id or order.status != OPEN:
        return None
    return order


def normalize_number(text: str) -> str:
    """Compare order numbers the way people type them: "po 1042", "PO-1042", "po_1042"."""
    return "".join(ch for ch in text.upper() if ch.isalnum())


async def find_own_orders(
    session: AsyncSession, factory_id: int, number: str
) -> list[ProductionOrder]:
    """Open orders of this factory matching a typed production-order or PO number.

    An exact production-order number wins; otherwise every open production order of a PO
    with that number. Another factory's orders are never returned, whatever is typed.
    """
    wanted = normalize_number(number)
    if not wanted:
        return []
    orders = await open_orders(session, factory_id)
    exact = [o for o in orders if normalize_number(o.number) == wanted]
    if exact:
        return exact
    po_ids = {o.po_id for o in orders}
    if not po_ids:
        return []
    pos = await session.exec(select(PurchaseOrder).where(col(PurchaseOrder.id).in_(po_ids)))
    matching = {p.id for p in pos.all() if normalize_number(p.po_number) == wanted}
    return [o for o in orders if o.po_id in matching]


async def gate_status(session: AsyncSession, production_order_id: int) -> GateStatus:
    """A production order without a Gate row has not been released: it counts as open."""
    return (await _gate_statuses(session, [production_order_id])).get(
        production_order_id, GateStatus.OPEN
    )


async def _gate_statuses(
    session: AsyncSession, production_order_ids: Sequence[int]
) -> dict[int, GateStatus]:
    gates = await session.exec(
        select(Gate.production_order_id, Gate.status).where(
            col(Gate.production_order_id).in_(production_order_ids)
        )
    )
    return {order_id: GateStatus(status) for order_id, status in gates.all()}


async def order_reports(session: AsyncSession, production_order_id: int) -> list[Report]:
    return (await _reports_by_order(session, [production_order_id])).get(production_order_id, [])


_ISSUE_COLUMNS: list[Any] = [
    CheckInIssue.checkin_id,
    CheckInIssue.flag,
    CheckInIssue.delay_days,
    CheckInIssue.note,
]
_REPORTS = (
    core_select(*CHECKIN_COLUMNS, *_ISSUE_COLUMNS[1:])
    .outerjoin(CheckInIssue, col(CheckInIssue.checkin_id) == col(CheckIn.id))
    .where(col(CheckIn.production_order_id).in_(bindparam("order_ids", expanding=True)))
    .order_by(col(CheckIn.reported_at), col(CheckIn.id), col(CheckInIssue.id))
)
"""Check-ins with their issues, a row per issue (one with NULLs for a check-in without): one
statement where a check-in and then its issues took two on every tap of a reported order.
Built once and read as rows (ORM columns, so the session still flushes before them): building
the statement and loading ORM objects cost several times what SQLite spends on them."""
_FIRST_ISSUE_COLUMN = len(CHECKIN_COLUMNS)


async def _reports_by_order(
    session: AsyncSession, production_order_ids: Sequence[int]
) -> dict[int, list[Report]]:
    """Check-ins (oldest first) with their issues, for many orders in one query."""
    found = await session.exec(_REPORTS, params={"order_ids": list(production_order_ids)})  # type: ignore[call-overload]
    rows: Sequence[Any] = found.all()
    checkins: dict[int, Any] = {}
    by_checkin: dict[int, list[ReportedIssue]] = {}
    for row in rows:
        checkins.setdefault(row.id, row)
        flag, delay_days, note = row[_FIRST_ISSUE_COLUMN:]
        if flag is not None:
            by_checkin.setdefault(row.id, []).append(
                ReportedIssue(IssueFlag(flag), delay_days, note or None)
            )
    reports: dict[int, list[Report]] = {}
    for checkin_id, checkin in checkins.items():
        report = _report(checkin, tuple(by_checkin.get(checkin_id, ())))
        reports.setdefault(checkin.production_order_id, []).append(report)
    return reports


def _report(checkin: Any, issues: Sequence[ReportedIssue]) -> Report:
    """`checkin`: a CheckIn, or a row of its columns (`_REPORTS`)."""
    quantities = {
        name: value
        for name, value in (
            ("cut", checkin.qty_cut),
            ("sewn", checkin.qty_sewn),
            ("finished", checkin.qty_finished),
            ("packed", checkin.qty_packed),
            ("shipped", checkin.qty_shipped),
        )
        if value is not None
    }
    return Report(
        reported_at=checkin.reported_at,
        milestone=Milestone(checkin.milestone) if checkin.milestone is not None else None,
        quantities=quantities,
        issues=tuple(issues),
        revised_exf=checkin.revised_exf,
        shipped_on=checkin.shipped_on,
    )


async def order_view(session: AsyncSession, order: ProductionOrder, now: datetime) -> OrderView:
    return (await order_views(session, [order], now))[0]


async def order_views(
    session: AsyncSession, orders: Sequence[ProductionOrder], now: datetime
) -> list[OrderView]:
    """Views of many orders, in the given order, with a fixed number of queries: `/status` and
    the check-in prompts show every open order of a factory, one transaction each."""
    if not orders:
        return []
    order_ids = [order.id for order in orders if order.id is not None]
    assert len(order_ids) == len(orders)
    po_ids = list({order.po_id for order in orders})
    pos = {
        po.id: po
        for po in (
            await session.exec(select(PurchaseOrder).where(col(PurchaseOrder.id).in_(po_ids)))
        ).all()
    }
    gates = await _gate_statuses(session, order_ids)
    return await _views(session, orders, pos, gates, now)


_ORDER_VIEW_COLUMNS: list[Any] = [
    ProductionOrder.factory_id,
    ProductionOrder.status,
    ProductionOrder.number,
    ProductionOrder.quantity,
    PurchaseOrder.po_number,
    PurchaseOrder.committed_exf,
    Gate.status,
    PurchaseOrder.brand_id,
    PurchaseOrderLine.po_id,
    PurchaseOrderLine.production_order_id,
    Style.code,
    PurchaseOrderLine.colorway,
]
_ORDER_VIEW = (
    core_select(*_ORDER_VIEW_COLUMNS)
    .join(PurchaseOrder, col(PurchaseOrder.id) == ProductionOrder.po_id)
    .outerjoin(Gate, col(Gate.production_order_id) == ProductionOrder.id)
    .outerjoin(PurchaseOrderLine, col(PurchaseOrderLine.po_id) == PurchaseOrder.id)
    .outerjoin(Style, col(Style.id) == PurchaseOrderLine.style_id)
    .where(col(ProductionOrder.id) == bindparam("order_id"))
    .order_by(col(PurchaseOrderLine.id))
)
"""The order, its PO, its gate and its lines' styles, a row per line: built once and read as
rows, since a check-in step asks for it on every tap."""


async def own_order_view(
    session: AsyncSession,
    factory_id: int,
    production_order_id: int,
    now: datetime,
    reports: dict[int, list[Report]] | None = None,
) -> OrderView | None:
    """`own_order` and its view, as a check-in step needs them: the order, its PO, its gate and
    its lines' styles in one statement (a row per line), then its check-ins, unless `reports`
    (read in this transaction, by order id) has them already."""
    found = await session.exec(_ORDER_VIEW, params={"order_id": production_order_id})  # type: ignore[call-overload]
    rows: Sequence[Any] = found.all()
    if not rows:
        return None
    owner, status, number, quantity, po_number, committed_exf, gate, brand_id = rows[0][:8]
    if owner != factory_id or status != OPEN:
        return None
    lines = [row[8:] for row in rows if row[10] is not None]
    if reports is None:
        reports = await _reports_by_order(session, [production_order_id])
    return _view(
        production_order_id,
        number,
        po_number,
        quantity,
        _label(production_order_id, lines),
        committed_exf,
        GateStatus(gate) if gate is not None else GateStatus.OPEN,
        _state(quantity, reports.get(production_order_id, []), now),
        brand_id,
    )


async def _views(
    session: AsyncSession,
    orders: Sequence[ProductionOrder],
    pos: dict[int | None, PurchaseOrder],
    gates: dict[int, GateStatus],
    now: datetime,
    styles: dict[int, str] | None = None,
) -> list[OrderView]:
    order_ids = [order.id for order in orders if order.id is not None]
    reports = await _reports_by_order(session, order_ids)
    if styles is None:
        styles = await _style_labels(session, orders)
    views = []
    for order, order_id in zip(orders, order_ids, strict=True):
        po = pos[order.po_id]
        views.append(
            _view(
                order_id,
                order.number,
                po.po_number,
                order.quantity,
                styles.get(order_id, ""),
                po.committed_exf,
                gates.get(order_id, GateStatus.OPEN),
                _state(order.quantity, reports.get(order_id, []), now),
            )
        )
    return views


def _state(quantity: int, reports: Sequence[Report], now: datetime) -> ProductionState:
    """Where an order stands from its check-ins (a quantity of 0 counts as 1 piece)."""
    return derive_state(max(quantity, 1), reports, now)


def _view(
    order_id: int,
    number: str,
    po_number: str,
    quantity: int,
    style: str,
    committed_exf: date,
    gate: GateStatus,
    state: ProductionState,
    brand_id: int | None = None,
) -> OrderView:
    return OrderView(
        id=order_id,
        number=number,
        po_number=po_number,
        quantity=quantity,
        style=style,
        committed_exf=committed_exf,
        current_exf=state.revised_exf or committed_exf,
        state=state,
        gate=gate,
        brand_id=brand_id,
    )


async def _style_labels(session: AsyncSession, orders: Sequence[ProductionOrder]) -> dict[int, str]:
    """Per production order: the first style and colour it makes, "+N" when it makes more.

    Lines name the order that makes them; lines imported before they did count for every
    order of their PO."""
    po_ids = list({order.po_id for order in orders})
    rows = (
        await session.exec(
            select(
                PurchaseOrderLine.po_id,
                PurchaseOrderLine.production_order_id,
                Style.code,
                PurchaseOrderLine.colorway,
            )
            .join(PurchaseOrderLine, col(PurchaseOrderLine.style_id) == Style.id)
            .where(col(PurchaseOrderLine.po_id).in_(po_ids))
            .order_by(col(PurchaseOrderLine.id))
        )
    ).all()
    return _labels(orders, rows)


def _labels(orders: Sequence[ProductionOrder], rows: Sequence[Sequence[Any]]) -> dict[int, str]:
    """Rows of (po id, production order id, style code, colorway), in line order."""
    own: dict[int, list[tuple[str, str]]] = {}
    shared: dict[int, list[tuple[str, str]]] = {}
    for po_id, order_id, code, colorway in rows:
        if order_id is None:
            shared.setdefault(po_id, []).append((code, colorway))
        else:
            own.setdefault(order_id, []).append((code, colorway))
    labels = {}
    for order in orders:
        assert order.id is not None
        lines = own.get(order.id) or shared.get(order.po_id) or []
        if lines:
            labels[order.id] = _first_and_more(lines)
    return labels


def _label(order_id: int, rows: Sequence[Sequence[Any]]) -> str:
    """The first style and colour of the lines the order makes, "+N" when it makes more; the
    lines of its PO that name no order count for every order of the PO. `rows`: (po id,
    production order id, style code, colorway) of one PO, in line order."""
    own = [(code, colorway) for _, line_order, code, colorway in rows if line_order == order_id]
    shared = [(code, colorway) for _, line_order, code, colorway in rows if line_order is None]
    lines = own or shared
    return _first_and_more(lines) if lines else ""


def _first_and_more(lines: Sequence[tuple[str, str]]) -> str:
    """The first line's style and colour, "+N" for the N more."""
    (code, colorway), more = lines[0], len(lines) - 1
    label = f"{code} {colorway}".strip()
    return f"{label} +{more}" if more else label


async def count_open_orders(session: AsyncSession, factory_id: int) -> int:
    result = await session.exec(
        select(func.count())
        .select_from(ProductionOrder)
        .where(ProductionOrder.factory_id == factory_id)
        .where(ProductionOrder.status == OPEN)
    )
    return int(result.one())
