"""The purchase-orders file: one row per production-order line.

A PO with two colourways made in two production orders has four rows. Values that belong to the
PO (factory, currency, dates, incoterm) or to a production order (its T&A dates) may be repeated
on each of its rows or given on one; where given more than once they must agree.

Columns (header on line 1, any order, case and spaces ignored):

- brand (required), e.g. `Northwind Apparel`: must exist (import factories first); one brand per
  file
- po_number (required), e.g. `PO-1042`: unique per brand
- factory (required), e.g. `DHK1`: factory code from the factories file
- style (required), e.g. `NW-KP-101`: style code
- style_name (optional), e.g. `Pique knit polo`
- season (optional), e.g. `SS27`: the style's season, for `wipbot report defects --season`
- colorway (required), e.g. `Navy`
- quantity (required), e.g. `2400`: pieces, more than 0; lines of the same style and colorway
  add up
- unit_price (required), e.g. `6.85`: FOB price per piece, point for decimals, up to 4 decimals
- currency (required), e.g. `USD`: ISO 4217
- selling_price (optional), e.g. `34.00`: for margins
- committed_exf (required), e.g. `2027-01-15`: committed ex-factory date; YYYY-MM-DD or
  DD/MM/YYYY
- in_dc (optional), e.g. `2027-02-20`: in-DC date, not before ex-factory
- incoterm (optional), e.g. `FOB`: default FOB
- production_order (optional), e.g. `PO-1042-A`: default: po_number-A
- tna_materials_in, tna_cutting, tna_sewing, tna_finishing, tna_inspection, tna_shipped
  (optional), e.g. `2026-11-20`: planned dates of the production order; blanks are derived
  backwards with standard durations from its planned ex-factory (`tna_shipped`, or when that is
  blank the committed ex-factory less the brand's buffer days, so a plan kept is on track)
- gate_approved (optional), e.g. `2026-10-28`: the day the sample-to-bulk gate of the production
  order was approved before wipbot kept it; blank leaves the gate as it is (never un-approves)

Re-importing updates POs, lines, quantities, dates and plans and never duplicates them. A line
or production order that disappears from a PO in the file is removed (lines) or marked
cancelled (production orders, which keep their check-in history).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import TypeVar

from sqlalchemy import insert
from sqlmodel import SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from wipbot.production.milestones import MILESTONES, Milestone
from wipbot.production.names import key
from wipbot.production.tna import derive_plan, planned_ex_factory
from wipbot.store.models import (
    Brand,
    Factory,
    Gate,
    ProductionOrder,
    PurchaseOrder,
    PurchaseOrderLine,
    Style,
    TnaMilestone,
)

from ..risk_judgement_reset import forget
from .agreement import Agreement
from .assign import assign
from .cells import Row, parse_currency, parse_date, parse_incoterm, parse_money
from .cells import parse_positive_count as parse_quantity
from .errors import ImportFailed, RowError
from .scope import import_done, open_sheet
from .summary import ImportResult, ProgressHook, Tally, no_progress, tallies

TNA_COLUMNS: dict[Milestone, str] = {m: f"tna_{m.value}" for m in MILESTONES}
REQUIRED = (
    "brand",
    "po_number",
    "factory",
    "style",
    "colorway",
    "quantity",
    "unit_price",
    "currency",
    "committed_exf",
)
OPTIONAL = (
    "style_name",
    "season",
    "selling_price",
    "in_dc",
    "incoterm",
    "production_order",
    *TNA_COLUMNS.values(),
    "gate_approved",
)
CANCELLED = "cancelled"
INSERT_CHUNK = 500

T = TypeVar("T")


@dataclass(frozen=True)
class PoRow:
    line: int
    po_number: str
    factory: Factory
    style: str
    style_name: str | None
    colorway: str
    quantity: int
    unit_price: Decimal
    currency: str
    selling_price: Decimal | None
    committed_exf: date
    in_dc: date | None
    incoterm: str | None
    production_order: str
    tna: dict[Milestone, date]
    gate_approved: date | None = None
    season: str | None = None


@dataclass
class _Order:
    number: str
    quantity: int = 0
    tna: dict[Milestone, date] = field(default_factory=dict)
    gate_approved: date | None = None


@dataclass
class _Line:
    style: str
    colorway: str
    unit_price: Decimal
    order_key: str
    quantity: int = 0
    selling_price: Decimal | None = None


@dataclass
class _Po:
    number: str
    factory: Factory
    currency: str
    committed_exf: date
    rows: int = 0
    in_dc: date | None = None
    incoterm: str | None = None
    lines: dict[tuple[str, str], _Line] = field(default_factory=dict)
    orders: dict[str, _Order] = field(default_factory=dict)


async def import_pos(
    session: AsyncSession,
    path: Path,
    *,
    brand: str | None = None,
    progress: ProgressHook = no_progress,
    file: str | None = None,
) -> ImportResult:
    """Checks every row, then writes in three phases that each go to the database once: the
    POs (whose ids their lines and production orders need), then the lines and production
    orders (whose ids plans and gates need), then the plans and gates. What the brand already
    has is loaded once up front, so no row asks the database anything of its own."""
    opened = await open_sheet(session, path, REQUIRED, OPTIONAL, wanted=brand, file=file)
    sheet, errors, target = opened.sheet, opened.errors, opened.brand
    factories: dict[str, Factory] | None = None
    owners: dict[str, str] = {}
    if target is not None:
        found = (await session.exec(select(Factory).where(Factory.brand_id == target.id))).all()
        factories = {key(f.code): f for f in found}
        owners = await _production_order_owners(session, target)

    pos: dict[str, _Po] = {}
    styles: dict[str, tuple[str, str | None, str | None]] = {}
    agree = Agreement()
    seen: dict[tuple[str, ...], int] = {}
    total = len(sheet.rows)
    for done, source in enumerate(sheet.rows, start=1):
        row = Row(sheet.file, source, errors)
        item = _parse(row, factories)
        if item is not None:
            _collect(row, item, pos, styles, agree, seen, owners)
        progress("checking", done, total)
    _check_plans(sheet.file, pos, agree, errors)
    if errors or target is None:
        raise ImportFailed(errors)

    counts = tallies("purchase orders", "lines", "production orders", "T&A plans", "gates")
    style_ids = await _upsert_styles(session, target, styles)
    existing = await _load_existing(session, target)
    records = await _write_purchase_orders(session, target, pos, existing, counts)
    new_lines: list[dict[str, object]] = []
    planned: list[_PlannedOrder] = []
    done = 0
    for po_key, po in pos.items():
        planned += _write_orders(session, target, records[po_key], po, existing, counts)
    await session.flush()
    order_ids = {(order.record.po_id, key(order.item.number)): order.record.id for order in planned}
    for po_key, po in pos.items():
        record_ = records[po_key]
        new_lines += await _write_lines(
            session, record_, po, existing, style_ids, order_ids, counts
        )
        done += po.rows
        progress("writing", done, total)
    await _insert_rows(session, PurchaseOrderLine, new_lines)
    await _write_plans_and_gates(session, planned, existing, counts)
    return await import_done(session, "pos", opened, target, counts, pos=len(pos))


def _parse(row: Row, factories: dict[str, Factory] | None) -> PoRow | None:
    """`factories` is None when the brand is unknown: then no factory can be checked."""
    po_number = row.text("po_number", max_length=40)
    factory_code = row.text("factory", max_length=32)
    factory = None
    if factory_code is not None and factories is not None:
        factory = factories.get(key(factory_code))
        if factory is None:
            known = ", ".join(sorted(f.code for f in factories.values())) or "none yet"
            row.error("factory", f"unknown factory {factory_code!r}; known codes: {known}")
    style = row.text("style", max_length=40)
    style_name = row.text("style_name", required=False, max_length=160)
    season = row.text("season", required=False, max_length=16)
    colorway = row.text("colorway", max_length=60)
    quantity = row.value("quantity", parse_quantity)
    unit_price = row.value("unit_price", parse_money)
    currency = row.value("currency", parse_currency)
    selling_price = row.value("selling_price", parse_money, required=False)
    committed = row.value("committed_exf", parse_date)
    in_dc = row.value("in_dc", parse_date, required=False)
    incoterm = row.value("incoterm", parse_incoterm, required=False)
    production_order = row.text("production_order", required=False, max_length=48)
    tna = {m: row.value(column, parse_date, required=False) for m, column in TNA_COLUMNS.items()}
    gate_approved = row.value("gate_approved", parse_date, required=False)
    if committed and in_dc and in_dc < committed:
        row.error("in_dc", f"{in_dc.isoformat()} is before committed_exf {committed.isoformat()}")
    if (
        not row.ok
        or po_number is None
        or factory is None
        or style is None
        or colorway is None
        or quantity is None
        or unit_price is None
        or currency is None
        or committed is None
    ):
        return None
    return PoRow(
        line=row.line,
        po_number=po_number,
        factory=factory,
        style=style,
        style_name=style_name,
        colorway=colorway,
        quantity=quantity,
        unit_price=unit_price,
        currency=currency,
        selling_price=selling_price,
        committed_exf=committed,
        in_dc=in_dc,
        incoterm=incoterm,
        production_order=production_order or f"{po_number}-A",
        tna={m: d for m, d in tna.items() if d is not None},
        gate_approved=gate_approved,
        season=season,
    )


def _collect(
    row: Row,
    item: PoRow,
    pos: dict[str, _Po],
    styles: dict[str, tuple[str, str | None, str | None]],
    agree: Agreement,
    seen: dict[tuple[str, ...], int],
    owners: dict[str, str],
) -> None:
    """Fold one row into its PO, checking it against every earlier row it must agree with."""
    po_key, order_key = key(item.po_number), key(item.production_order)
    line_key = (key(item.style), key(item.colorway))
    row_key = (po_key, order_key, *line_key)
    if row_key in seen:
        row.error(
            "production_order",
            f"{item.production_order} {item.style} {item.colorway} is already on line "
            f"{seen[row_key]}; add the quantities into one row",
        )
        return
    seen[row_key] = row.line

    po_label = item.po_number
    agree.check(row, po_key, po_label, "factory", item.factory.code)
    agree.check(row, po_key, po_label, "currency", item.currency)
    agree.check(row, po_key, po_label, "committed_exf", item.committed_exf)
    agree.check(row, po_key, po_label, "in_dc", item.in_dc)
    agree.check(row, po_key, po_label, "incoterm", item.incoterm)
    agree.check(row, f"order {order_key}", item.production_order, "po_number", item.po_number)
    for milestone, day in item.tna.items():
        agree.check(row, f"order {order_key}", item.production_order, TNA_COLUMNS[milestone], day)
    agree.check(
        row, f"order {order_key}", item.production_order, "gate_approved", item.gate_approved
    )
    line_group = f"line {po_key} {line_key}"
    line_label = f"{item.po_number} {item.style} {item.colorway}"
    agree.check(row, line_group, line_label, "unit_price", item.unit_price)
    agree.check(row, line_group, line_label, "selling_price", item.selling_price)
    agree.check(row, f"style {line_key[0]}", item.style, "style_name", item.style_name)
    agree.check(row, f"style {line_key[0]}", item.style, "season", item.season)
    owner = owners.get(order_key)
    if owner is not None and owner != po_key:
        row.error(
            "production_order", f"{item.production_order} already belongs to another PO ({owner})"
        )
    if not row.ok:
        return

    po = pos.setdefault(
        po_key, _Po(item.po_number, item.factory, item.currency, item.committed_exf)
    )
    po.rows += 1
    po.in_dc = po.in_dc or item.in_dc
    po.incoterm = po.incoterm or item.incoterm
    order = po.orders.setdefault(order_key, _Order(item.production_order))
    order.quantity += item.quantity
    order.tna.update(item.tna)
    order.gate_approved = order.gate_approved or item.gate_approved
    line = po.lines.setdefault(
        line_key, _Line(item.style, item.colorway, item.unit_price, order_key)
    )
    line.quantity += item.quantity
    line.selling_price = line.selling_price or item.selling_price
    known_code, known_name, known_season = styles.get(line_key[0], (item.style, None, None))
    styles[line_key[0]] = (
        known_code,
        known_name or item.style_name,
        known_season or item.season,
    )


def _check_plans(file: str, pos: dict[str, _Po], agree: Agreement, errors: list[RowError]) -> None:
    """Planned dates must run forwards and end no later than the committed ex-factory date."""
    for po in pos.values():
        for order_key, order in po.orders.items():
            group = f"order {order_key}"
            earlier: tuple[Milestone, date] | None = None
            for milestone in MILESTONES:
                day = order.tna.get(milestone)
                if day is None:
                    continue
                column = TNA_COLUMNS[milestone]
                given = agree.get(group, column)
                line = given[1] if given else 1
                if earlier is not None and day < earlier[1]:
                    errors.append(
                        RowError(
                            file,
                            line,
                            column,
                            f"{day.isoformat()} is before {TNA_COLUMNS[earlier[0]]} "
                            f"{earlier[1].isoformat()}; milestones run in order",
                        )
                    )
                earlier = (milestone, day)
            shipped = order.tna.get(Milestone.SHIPPED)
            if shipped is not None and shipped > po.committed_exf:
                given = agree.get(group, TNA_COLUMNS[Milestone.SHIPPED])
                errors.append(
                    RowError(
                        file,
                        given[1] if given else 1,
                        "tna_shipped",
                        f"{shipped.isoformat()} is after committed_exf "
                        f"{po.committed_exf.isoformat()}",
                    )
                )


async def _production_order_owners(session: AsyncSession, brand: Brand) -> dict[str, str]:
    """Production-order number -> its PO number, for every production order of the brand."""
    pairs = (
        await session.exec(
            select(ProductionOrder.number, PurchaseOrder.po_number)
            .join(PurchaseOrder, col(PurchaseOrder.id) == col(ProductionOrder.po_id))
            .where(PurchaseOrder.brand_id == brand.id)
        )
    ).all()
    return {key(number): key(po_number) for number, po_number in pairs}


async def _upsert_styles(
    session: AsyncSession, brand: Brand, styles: dict[str, tuple[str, str | None, str | None]]
) -> dict[str, int]:
    assert brand.id is not None
    existing = {
        key(s.code): s
        for s in (await session.exec(select(Style).where(Style.brand_id == brand.id))).all()
    }
    for style_key, (code, name, season) in styles.items():
        style = existing.get(style_key)
        if style is None:
            style = Style(brand_id=brand.id, code=code, name=name or "", season=season or "")
            session.add(style)
            existing[style_key] = style
        else:
            if name:
                style.name = name
            if season:
                style.season = season
    await session.flush()
    return {k: s.id for k, s in existing.items() if s.id is not None}


@dataclass(frozen=True)
class _Existing:
    """What the brand already has, loaded once per file, so that writing asks the database
    nothing row by row and each phase of the write flushes once."""

    pos: dict[str, PurchaseOrder]
    """By PO number (as `key` spells it)."""
    lines: dict[int, list[PurchaseOrderLine]]
    """By PO id."""
    orders: dict[int, list[ProductionOrder]]
    """By PO id."""
    plans: dict[int, list[TnaMilestone]]
    """By production-order id."""
    gates: dict[int, Gate]
    """By production-order id."""


@dataclass(frozen=True)
class _PlannedOrder:
    """A production order written, waiting for its id before its plan and gate are written."""

    record: ProductionOrder
    item: _Order
    shipped: date


async def _insert_rows(
    session: AsyncSession, model: type[SQLModel], rows: list[dict[str, object]]
) -> None:
    """Rows nobody reads back (lines, plan milestones) go in without ORM objects: on SQLite the
    ORM inserts one row per statement to learn each id. Chunks bound the memory it takes."""
    for start in range(0, len(rows), INSERT_CHUNK):
        await session.exec(insert(model), params=rows[start : start + INSERT_CHUNK])


def _grouped(rows: Iterable[T], by: Callable[[T], int]) -> dict[int, list[T]]:
    groups: dict[int, list[T]] = {}
    for row in rows:
        groups.setdefault(by(row), []).append(row)
    return groups


async def _load_existing(session: AsyncSession, brand: Brand) -> _Existing:
    return _Existing(
        pos=await _load_purchase_orders(session, brand),
        lines=await _load_lines(session, brand),
        orders=await _load_production_orders(session, brand),
        plans=await _load_plans(session, brand),
        gates=await _load_gates(session, brand),
    )


async def _load_purchase_orders(session: AsyncSession, brand: Brand) -> dict[str, PurchaseOrder]:
    found = await session.exec(select(PurchaseOrder).where(PurchaseOrder.brand_id == brand.id))
    return {key(po.po_number): po for po in found.all()}


async def _load_lines(session: AsyncSession, brand: Brand) -> dict[int, list[PurchaseOrderLine]]:
    found = await session.exec(
        select(PurchaseOrderLine)
        .join(PurchaseOrder, col(PurchaseOrder.id) == col(PurchaseOrderLine.po_id))
        .where(PurchaseOrder.brand_id == brand.id)
    )
    return _grouped(found.all(), lambda line: line.po_id)


async def _load_production_orders(
    session: AsyncSession, brand: Brand
) -> dict[int, list[ProductionOrder]]:
    found = await session.exec(
        select(ProductionOrder)
        .join(PurchaseOrder, col(PurchaseOrder.id) == col(ProductionOrder.po_id))
        .where(PurchaseOrder.brand_id == brand.id)
    )
    return _grouped(found.all(), lambda order: order.po_id)


async def _load_plans(session: AsyncSession, brand: Brand) -> dict[int, list[TnaMilestone]]:
    found = await session.exec(
        select(TnaMilestone)
        .join(ProductionOrder, col(ProductionOrder.id) == col(TnaMilestone.production_order_id))
        .join(PurchaseOrder, col(PurchaseOrder.id) == col(ProductionOrder.po_id))
        .where(PurchaseOrder.brand_id == brand.id)
    )
    return _grouped(found.all(), lambda milestone: milestone.production_order_id)


async def _load_gates(session: AsyncSession, brand: Brand) -> dict[int, Gate]:
    found = await session.exec(
        select(Gate)
        .join(ProductionOrder, col(ProductionOrder.id) == col(Gate.production_order_id))
        .join(PurchaseOrder, col(PurchaseOrder.id) == col(ProductionOrder.po_id))
        .where(PurchaseOrder.brand_id == brand.id)
    )
    return {gate.production_order_id: gate for gate in found.all()}


async def _write_purchase_orders(
    session: AsyncSession,
    brand: Brand,
    pos: dict[str, _Po],
    existing: _Existing,
    counts: dict[str, Tally],
) -> dict[str, PurchaseOrder]:
    """Every PO of the file, flushed together so that their lines and orders can name them."""
    assert brand.id is not None
    records: dict[str, PurchaseOrder] = {}
    for po_key, po in pos.items():
        assert po.factory.id is not None
        record_ = existing.pos.get(po_key)
        created = record_ is None
        if record_ is None:
            record_ = PurchaseOrder(
                brand_id=brand.id,
                po_number=po.number,
                factory_id=po.factory.id,
                committed_exf=po.committed_exf,
            )
            session.add(record_)
        changed = assign(
            record_,
            factory_id=po.factory.id,
            currency=po.currency,
            committed_exf=po.committed_exf,
            in_dc_date=po.in_dc,
            incoterm=po.incoterm or "FOB",
        )
        counts["purchase orders"].count(created=created, changed=changed)
        records[po_key] = record_
    await session.flush()
    return records


async def _write_lines(
    session: AsyncSession,
    record_: PurchaseOrder,
    po: _Po,
    existing: _Existing,
    style_ids: dict[str, int],
    order_ids: dict[tuple[int, str], int | None],
    counts: dict[str, Tally],
) -> list[dict[str, object]]:
    """Updates the PO's lines there are, deletes the ones gone, returns the new ones to insert.

    Each line names the production order that makes it, so a contact's check-in shows that
    order's own style and colour."""
    assert record_.id is not None
    tally = counts["lines"]
    current = existing.lines.get(record_.id, [])
    by_key = {(line.style_id, key(line.colorway)): line for line in current}
    wanted: set[tuple[int, str]] = set()
    new: list[dict[str, object]] = []
    for (style_key, colorway_key), line in po.lines.items():
        style_id = style_ids[style_key]
        wanted.add((style_id, colorway_key))
        values = {
            "colorway": line.colorway,
            "quantity": line.quantity,
            "unit_price": line.unit_price,
            "selling_price": line.selling_price,
            "production_order_id": order_ids.get((record_.id, line.order_key)),
        }
        found = by_key.get((style_id, colorway_key))
        if found is None:
            new.append({"po_id": record_.id, "style_id": style_id, **values})
            tally.count(created=True, changed=True)
        else:
            tally.count(created=False, changed=assign(found, **values))
    for line_key, stale in by_key.items():
        if line_key not in wanted:
            await session.delete(stale)
            tally.removed += 1
    return new


def _write_orders(
    session: AsyncSession,
    brand: Brand,
    record_: PurchaseOrder,
    po: _Po,
    existing: _Existing,
    counts: dict[str, Tally],
) -> list[_PlannedOrder]:
    """The PO's production orders; the ones no longer in the file are cancelled, not deleted."""
    assert record_.id is not None and po.factory.id is not None
    tally = counts["production orders"]
    by_key = {key(order.number): order for order in existing.orders.get(record_.id, [])}
    planned: list[_PlannedOrder] = []
    for order_key, order in po.orders.items():
        found = by_key.get(order_key)
        created = found is None
        if found is None:
            found = ProductionOrder(
                po_id=record_.id,
                factory_id=po.factory.id,
                number=order.number,
                quantity=order.quantity,
            )
            session.add(found)
        changed = assign(
            found,
            number=order.number,
            factory_id=po.factory.id,
            quantity=order.quantity,
            status=found.status if found.status != CANCELLED else "open",
        )
        tally.count(created=created, changed=changed)
        shipped = planned_ex_factory(record_.committed_exf, order.tna, brand.buffer_days)
        planned.append(_PlannedOrder(found, order, shipped))
    for order_key, stale in by_key.items():
        if order_key not in po.orders and stale.status != CANCELLED:
            stale.status = CANCELLED
            tally.removed += 1
    return planned


async def _write_plans_and_gates(
    session: AsyncSession,
    planned: list[_PlannedOrder],
    existing: _Existing,
    counts: dict[str, Tally],
) -> None:
    """The last phase: its gates go to the database with the audit row that ends the import."""
    new_milestones: list[dict[str, object]] = []
    for order in planned:
        assert order.record.id is not None
        current = existing.plans.get(order.record.id, [])
        new_milestones += _write_plan(order, current, counts["T&A plans"])
        if order.item.gate_approved is not None:
            gate = existing.gates.get(order.record.id)
            _write_gate(session, order.record, order.item.gate_approved, gate, counts["gates"])
    await _insert_rows(session, TnaMilestone, new_milestones)
    # Plan dates are edited in place, which the risk scan's fingerprint would not see.
    await forget(session, [o.record.id for o in planned if o.record.id in existing.plans])


def _write_gate(
    session: AsyncSession,
    order: ProductionOrder,
    approved_on: date,
    gate: Gate | None,
    tally: Tally,
) -> None:
    """A gate approved before wipbot: recorded as approved on that day, by the import."""
    assert order.id is not None
    created = gate is None
    if gate is None:
        gate = Gate(production_order_id=order.id)
        session.add(gate)
    decided_at = datetime.combine(approved_on, time(12), UTC)
    changed = assign(
        gate,
        status="approved",
        decided_at=decided_at if gate.status != "approved" else gate.decided_at or decided_at,
        decided_by=gate.decided_by or "import",
    )
    tally.count(created=created, changed=changed)


def _write_plan(
    order: _PlannedOrder, current: list[TnaMilestone], tally: Tally
) -> list[dict[str, object]]:
    """Given dates are kept; the rest are derived backwards and marked derived. Updates the
    milestones there are and returns the ones to insert."""
    assert order.record.id is not None
    given = order.item.tna
    by_milestone = {row.milestone: row for row in current}
    new: list[dict[str, object]] = []
    changed = False
    for milestone, day in derive_plan(order.shipped, given).items():
        derived = milestone not in given
        existing = by_milestone.get(milestone.value)
        if existing is None:
            new.append(
                {
                    "production_order_id": order.record.id,
                    "milestone": milestone.value,
                    "planned_date": day,
                    "derived": derived,
                }
            )
        else:
            changed = assign(existing, planned_date=day, derived=derived) or changed
    tally.count(created=not by_milestone, changed=changed or bool(new))
    return new
