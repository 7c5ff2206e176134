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

The rows are checked and folded in `pos_rows`, then written by `pos_write`.
"""

from __future__ import annotations

from pathlib import Path

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from wipbot.production.names import key
from wipbot.store.models import Brand, Factory, ProductionOrder, PurchaseOrder, PurchaseOrderLine

from .agreement import Agreement
from .cells import Row
from .errors import ImportFailed
from .pos_rows import OPTIONAL, REQUIRED, ParsedPo, check_plans, collect_row, parse_row
from .pos_write import (
    PlannedOrder,
    insert_rows,
    load_existing,
    upsert_styles,
    write_lines,
    write_orders,
    write_plans_and_gates,
    write_purchase_orders,
)
from .scope import import_done, open_sheet
from .summary import ImportResult, ProgressHook, no_progress, tallies


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

    pos: dict[str, ParsedPo] = {}
    styles: dict[str, tuple[str, str | None, str | None]] = {}
    agree = Agreement()
    seen: dict[tuple[str, ...], int] = {}
    total = len(sheet.rows)
    for done, source in enumerate(sheet.rows, start=1):
        row = Row(sheet.file, source, errors)
        item = parse_row(row, factories)
        if item is not None:
            collect_row(row, item, pos, styles, agree, seen, owners)
        progress("checking", done, total)
    check_plans(sheet.file, pos, agree, errors)
    if errors or target is None:
        raise ImportFailed(errors)

    counts = tallies("purchase orders", "lines", "production orders", "T&A plans", "gates")
    style_ids = await upsert_styles(session, target, styles)
    existing = await load_existing(session, target)
    records = await write_purchase_orders(session, target, pos, existing, counts)
    new_lines: list[dict[str, object]] = []
    planned: list[PlannedOrder] = []
    done = 0
    for po_key, po in pos.items():
        planned += write_orders(session, target, records[po_key], po, existing, counts)
    await session.flush()
    order_ids = {(order.record.po_id, key(order.item.number)): order.record.id for order in planned}
    for po_key, po in pos.items():
        record_ = records[po_key]
        new_lines += await write_lines(session, record_, po, existing, style_ids, order_ids, counts)
        done += po.rows
        progress("writing", done, total)
    await insert_rows(session, PurchaseOrderLine, new_lines)
    await write_plans_and_gates(session, planned, existing, counts)
    return await import_done(session, "pos", opened, target, counts, pos=len(pos))


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
