"""The landed-cost charges file: freight, insurance, duty, broker and other charges per PO.

Columns (header on line 1, any order, case and spaces ignored):

- brand (optional), e.g. `Northwind Apparel`: defaults to --brand or the only brand
- po_number (required), e.g. `PO-1042`
- kind (required), e.g. `freight`: freight, insurance, duty, broker, other
- amount (required), e.g. `1850.00`: 0 or more, point for decimals, up to 4 decimals
- currency (required), e.g. `USD`: ISO 4217
- basis (optional), e.g. `value`: how the charge is spread over the PO's lines: units or value
  (default)
- reference (optional), e.g. `MAEU-2211`: invoice or booking reference
- stage (optional), e.g. `estimate`: estimate (while costing) or actual (the invoice; default).
  Per kind, actual charges replace the estimates once they arrive; `/landed` compares the two

The same PO, kind, stage and reference is the same charge: re-importing updates its amount.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from wipbot.production.landed_cost import AllocationBasis, ChargeKind
from wipbot.production.names import key
from wipbot.store.models import LandedCharge, PurchaseOrder

from .assign import assign
from .cells import Row, choice, parse_currency, parse_money
from .errors import ImportFailed
from .scope import import_done, open_sheet
from .summary import ImportResult, ProgressHook, no_progress, tallies

REQUIRED = ("po_number", "kind", "amount", "currency")
OPTIONAL = ("brand", "basis", "reference", "stage")
STAGES = ("estimate", "actual")
KINDS = tuple(k.value for k in ChargeKind)
BASES = tuple(b.value for b in AllocationBasis)

ChargeKey = tuple[int, str, str, str]


@dataclass(frozen=True)
class ChargeRow:
    line: int
    po_id: int
    kind: str
    amount: Decimal
    currency: str
    basis: str
    reference: str
    stage: str = "actual"

    @property
    def key(self) -> ChargeKey:
        return (self.po_id, self.kind, self.stage, key(self.reference))


async def import_charges(
    session: AsyncSession,
    path: Path,
    *,
    brand: str | None = None,
    progress: ProgressHook = no_progress,
    file: str | None = None,
) -> ImportResult:
    opened = await open_sheet(session, path, REQUIRED, OPTIONAL, wanted=brand, file=file)
    sheet, errors, target = opened.sheet, opened.errors, opened.brand
    pos: dict[str, PurchaseOrder] | None = None
    if target is not None:
        found = await session.exec(select(PurchaseOrder).where(PurchaseOrder.brand_id == target.id))
        pos = {key(po.po_number): po for po in found.all()}

    parsed: list[ChargeRow] = []
    seen: dict[ChargeKey, int] = {}
    total = len(sheet.rows)
    for done, source in enumerate(sheet.rows, start=1):
        row = Row(sheet.file, source, errors)
        item = _parse(row, pos)
        if item is not None:
            if item.key in seen:
                row.error(
                    "reference",
                    f"the same PO, kind, stage and reference is already on line {seen[item.key]}",
                )
            else:
                seen[item.key] = row.line
                parsed.append(item)
        progress("checking", done, total)
    if errors or target is None:
        raise ImportFailed(errors)

    po_ids = {item.po_id for item in parsed}
    current = (
        (await session.exec(select(LandedCharge).where(col(LandedCharge.po_id).in_(po_ids)))).all()
        if po_ids
        else []
    )
    existing = {(c.po_id, c.kind, c.stage, key(c.reference)): c for c in current}
    counts = tallies("charges")
    for done, item in enumerate(parsed, start=1):
        charge = existing.get(item.key)
        created = charge is None
        if charge is None:
            charge = LandedCharge(
                po_id=item.po_id, kind=item.kind, amount=item.amount, stage=item.stage
            )
            session.add(charge)
        changed = assign(
            charge,
            amount=item.amount,
            currency=item.currency,
            basis=item.basis,
            reference=item.reference,
        )
        counts["charges"].count(created=created, changed=changed)
        progress("writing", done, total)
    return await import_done(session, "charges", opened, target, counts)


def _parse(row: Row, pos: dict[str, PurchaseOrder] | None) -> ChargeRow | None:
    """`pos` is None when the brand is unknown: then no PO can be checked."""
    number = row.text("po_number", max_length=40)
    po = pos.get(key(number)) if number and pos is not None else None
    if number and pos is not None and po is None:
        row.error("po_number", f"unknown PO {number!r}; import it in the POs file first")
    kind = row.value("kind", choice(KINDS))
    amount = row.value("amount", parse_money)
    currency = row.value("currency", parse_currency)
    basis = row.value("basis", choice(BASES), required=False) or AllocationBasis.VALUE.value
    reference = row.text("reference", required=False) or ""
    stage = row.value("stage", choice(STAGES), required=False) or "actual"
    if not row.ok or po is None or po.id is None or kind is None or amount is None:
        return None
    if currency is None:
        return None
    return ChargeRow(row.line, po.id, kind, amount, currency, basis, reference, stage)
