"""QC inspections: record one, judge it by ISO 2859-1, and keep the `qc_failed` alert honest.

A failed inspection means rework and a new inspection, so the alert stays open until a later
inspection of the same kind passes (a passed final also clears an inline failure). The alert
follows the whole history, so an inspection recorded late never reopens what a newer one closed.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import Select

from wipbot.production.aql import AqlConfig, InspectionVerdict, SamplingPlan, Severity, judge
from wipbot.production.names import key
from wipbot.store import audit
from wipbot.store.importing.qc import (
    INSPECTOR_MAX_LENGTH,
    NOTE_MAX_LENGTH,
    AlertChange,
    DefectCount,
    InspectionKind,
    aql_config,
    defects_of,
    failures,
    found_by_severity,
    merge_defects,
    parse_kind,
    parse_severity,
    save_inspection,
    stored_config,
    sync_qc_alert,
    verdict_of,
)
from wipbot.store.models import Factory, ProductionOrder, PurchaseOrder, QcInspection, QcPhoto

__all__ = [
    "AlertChange",
    "DefectCount",
    "Inspection",
    "InspectionKind",
    "OrderRef",
    "PhotoRef",
    "QcError",
    "QcResult",
    "SeverityLine",
    "find_production_order",
    "inspection_history",
    "parse_defect",
    "recent_inspections",
    "record_inspection",
]

CANCELLED = "cancelled"
RECENT = 50


class QcError(ValueError):
    """The inspection was refused, or what was asked for does not exist; nothing was written."""


@dataclass(frozen=True)
class OrderRef:
    """A production order of the brand, with what an inspection report shows about it."""

    id: int
    number: str
    quantity: int
    po_number: str
    factory_code: str
    factory_name: str
    timezone: str


@dataclass(frozen=True)
class SeverityLine:
    """One severity of the verdict: its plan, what was found, and whether it passed."""

    severity: Severity
    aql: Decimal
    plan: SamplingPlan
    found: int

    @property
    def passed(self) -> bool:
        return self.found <= self.plan.accept


@dataclass(frozen=True)
class PhotoRef:
    """A photo kept by the chat platform it was sent on."""

    platform: str
    file_id: str
    id: int | None = None
    """The stored row's id once saved: what a signed link to the photo names."""


@dataclass(frozen=True)
class Inspection:
    id: int
    order: OrderRef
    kind: InspectionKind
    inspected_at: datetime
    inspector: str
    lot_size: int
    config: AqlConfig
    defects: tuple[DefectCount, ...]
    verdict: InspectionVerdict
    note: str
    photos: tuple[PhotoRef, ...] = ()

    @property
    def passed(self) -> bool:
        return self.verdict.passed

    @property
    def sample_size(self) -> int:
        return self.verdict.sample_size

    @property
    def lines(self) -> tuple[SeverityLine, ...]:
        return tuple(
            SeverityLine(s, self.config.aql_for(s), self.verdict.plans[s], self.verdict.found[s])
            for s in Severity
        )

    @property
    def failures(self) -> tuple[str, ...]:
        """`major 4 > 3 (AQL 2.5, sample 50)` for each failing severity."""
        return failures(self.verdict, self.config)

    @property
    def local_time(self) -> datetime:
        """When it happened at the factory: inspection reports are dated in local time."""
        return self.inspected_at.astimezone(ZoneInfo(self.order.timezone))


@dataclass(frozen=True)
class QcResult:
    inspection: Inspection
    alert: AlertChange
    alert_id: int | None
    alert_summary: str

    @property
    def passed(self) -> bool:
        return self.inspection.passed


MAX_DEFECT_DIGITS = 8
"""More defects than any lot holds; also keeps int() from the 4,300-digit strings it refuses."""


def parse_defect(text: str) -> DefectCount:
    """`open seam:major:3`: category, severity and count, as typed on a command line."""
    parts = text.rsplit(":", 2)
    if len(parts) != 3:
        raise ValueError(f"{text!r}: expected CATEGORY:SEVERITY:COUNT, e.g. 'open seam:major:3'")
    category, severity_text, count_text = (p.strip() for p in parts)
    if not category:
        raise ValueError(f"{text!r}: the category is missing, e.g. 'open seam:major:3'")
    try:
        severity = parse_severity(severity_text)
    except ValueError as error:
        raise ValueError(f"{text!r}: {error}") from None
    if not (count_text.isascii() and count_text.isdigit()) or not count_text.strip("0"):
        raise ValueError(f"{text!r}: the count {count_text!r} must be a whole number >= 1")
    if len(count_text) > MAX_DEFECT_DIGITS:
        raise ValueError(f"{text!r}: the count must be at most {10**MAX_DEFECT_DIGITS - 1:,}")
    return merge_defects([DefectCount(category, severity, int(count_text))])[0]


async def find_production_order(session: AsyncSession, brand_id: int, number: str) -> OrderRef:
    """The brand's production order by its number, or by its PO's number when it has only one.

    Another brand's orders are not found: they are not this brand's business.
    """
    wanted = number.strip().upper()
    rows = (
        await session.exec(
            select(ProductionOrder, PurchaseOrder, Factory)
            .join(PurchaseOrder, col(PurchaseOrder.id) == col(ProductionOrder.po_id))
            .join(Factory, col(Factory.id) == col(ProductionOrder.factory_id))
            .where(PurchaseOrder.brand_id == brand_id)
            .where(
                (func.upper(ProductionOrder.number) == wanted)
                | (func.upper(PurchaseOrder.po_number) == wanted)
            )
            .order_by(col(ProductionOrder.number))
        )
    ).all()
    exact = [r for r in rows if key(r[0].number) == key(number)]
    live = exact or [r for r in rows if r[0].status != CANCELLED]
    if not live:
        raise QcError(await _not_found(session, brand_id, number))
    if len(live) > 1:
        names = ", ".join(r[0].number for r in live)
        raise QcError(f"{number} has several production orders ({names}); name one")
    order, po, factory = live[0]
    if order.status == CANCELLED:
        raise QcError(f"production order {order.number} is cancelled")
    assert order.id is not None
    return OrderRef(
        order.id,
        order.number,
        order.quantity,
        po.po_number,
        factory.code,
        factory.name,
        factory.timezone,
    )


async def record_inspection(
    session: AsyncSession,
    *,
    brand_id: int,
    production_order_number: str,
    kind: str,
    lot_size: int,
    defects: Sequence[DefectCount | tuple[str, str, int]],
    inspector: str,
    inspected_at: datetime,
    level: str = "II",
    aql_critical: Decimal | str | None = None,
    aql_major: Decimal | str | None = None,
    aql_minor: Decimal | str | None = None,
    note: str = "",
    photos: Sequence[PhotoRef] = (),
) -> QcResult:
    """Judge and store one inspection, with its audit entry and alert, in the caller's
    transaction. Everything is checked first: a refused inspection writes nothing."""
    try:
        inspection_kind = parse_kind(kind)
        config = aql_config(level, critical=aql_critical, major=aql_major, minor=aql_minor)
        found = merge_defects(_defect(d) for d in defects)
        verdict = judge(lot_size, found_by_severity(found), config)
    except ValueError as error:
        raise QcError(str(error)) from None
    if inspected_at.tzinfo is None:
        raise QcError("the inspection time must carry a timezone")
    inspector = " ".join(inspector.split())
    if len(inspector) > INSPECTOR_MAX_LENGTH:
        raise QcError(f"the inspector's name is longer than {INSPECTOR_MAX_LENGTH} characters")
    if len(note) > NOTE_MAX_LENGTH:
        raise QcError(f"the note is longer than {NOTE_MAX_LENGTH} characters")
    order = await find_production_order(session, brand_id, production_order_number)
    await _refuse_duplicate(session, order, inspection_kind, inspected_at)

    row = await session.get(ProductionOrder, order.id)
    assert row is not None
    stored, verdict, _ = await save_inspection(
        session,
        None,
        production_order_id=order.id,
        kind=inspection_kind,
        inspected_at=inspected_at,
        inspector=inspector,
        lot_size=lot_size,
        config=config,
        defects=found,
        note=note.strip(),
    )
    assert stored.id is not None
    session.add_all(
        QcPhoto(inspection_id=stored.id, platform=p.platform, file_id=p.file_id) for p in photos
    )
    inspection = _inspection(stored, order, found, tuple(photos))
    audit.record(
        session,
        actor=inspector or "qc",
        action="qc.inspection",
        subject=order.number,
        brand_id=brand_id,
        details={
            "inspection_id": stored.id,
            "kind": inspection_kind.value,
            "lot_size": lot_size,
            "sample_size": verdict.sample_size,
            "found": {s.value: verdict.found[s] for s in Severity},
            "passed": verdict.passed,
        },
    )
    synced = await sync_qc_alert(session, brand_id, row)
    return QcResult(inspection, synced.change, synced.alert_id, synced.summary)


async def inspection_history(
    session: AsyncSession, brand_id: int, production_order_number: str
) -> list[Inspection]:
    """Every inspection of a production order (or of all orders of a PO), oldest first."""
    wanted = production_order_number.strip().upper()
    rows = (
        await session.exec(
            _inspections_query(brand_id).where(
                (func.upper(ProductionOrder.number) == wanted)
                | (func.upper(PurchaseOrder.po_number) == wanted)
            )
        )
    ).all()
    if not rows and not await _any_order(session, brand_id, wanted):
        raise QcError(await _not_found(session, brand_id, production_order_number))
    return await _inspections(session, rows)


async def recent_inspections(
    session: AsyncSession, brand_id: int, limit: int = RECENT
) -> list[Inspection]:
    """The brand's latest inspections, newest first."""
    rows = (
        await session.exec(
            _inspections_query(brand_id)
            .order_by(None)
            .order_by(col(QcInspection.inspected_at).desc(), col(QcInspection.id).desc())
            .limit(limit)
        )
    ).all()
    return await _inspections(session, rows)


_Row = tuple[QcInspection, ProductionOrder, PurchaseOrder, Factory]


def _inspections_query(
    brand_id: int,
) -> Select[QcInspection, ProductionOrder, PurchaseOrder, Factory]:
    return (
        select(QcInspection, ProductionOrder, PurchaseOrder, Factory)
        .join(ProductionOrder, col(ProductionOrder.id) == col(QcInspection.production_order_id))
        .join(PurchaseOrder, col(PurchaseOrder.id) == col(ProductionOrder.po_id))
        .join(Factory, col(Factory.id) == col(ProductionOrder.factory_id))
        .where(PurchaseOrder.brand_id == brand_id)
        .order_by(col(QcInspection.inspected_at), col(ProductionOrder.number), col(QcInspection.id))
    )


async def _inspections(session: AsyncSession, rows: Sequence[_Row]) -> list[Inspection]:
    ids = [r[0].id for r in rows if r[0].id is not None]
    defects = await defects_of(session, ids)
    photos = await _photos_of(session, ids)
    found = []
    for inspection, order, po, factory in rows:
        assert order.id is not None
        ref = OrderRef(
            order.id,
            order.number,
            order.quantity,
            po.po_number,
            factory.code,
            factory.name,
            factory.timezone,
        )
        found.append(
            _inspection(
                inspection,
                ref,
                defects.get(inspection.id or 0, ()),
                photos.get(inspection.id or 0, ()),
            )
        )
    return found


async def _photos_of(
    session: AsyncSession, inspection_ids: Sequence[int]
) -> dict[int, tuple[PhotoRef, ...]]:
    if not inspection_ids:
        return {}
    rows = (
        await session.exec(
            select(QcPhoto)
            .where(col(QcPhoto.inspection_id).in_(inspection_ids))
            .order_by(col(QcPhoto.id))
        )
    ).all()
    found: dict[int, list[PhotoRef]] = {}
    for row in rows:
        found.setdefault(row.inspection_id, []).append(PhotoRef(row.platform, row.file_id, row.id))
    return {k: tuple(v) for k, v in found.items()}


def _inspection(
    stored: QcInspection,
    order: OrderRef,
    defects: tuple[DefectCount, ...],
    photos: tuple[PhotoRef, ...] = (),
) -> Inspection:
    assert stored.id is not None
    return Inspection(
        id=stored.id,
        order=order,
        kind=InspectionKind(stored.kind),
        inspected_at=stored.inspected_at,
        inspector=stored.inspector,
        lot_size=stored.lot_size,
        config=stored_config(stored),
        defects=defects,
        verdict=verdict_of(stored, defects),
        note=stored.note,
        photos=photos,
    )


def _defect(value: DefectCount | tuple[str, str, int]) -> DefectCount:
    if isinstance(value, DefectCount):
        return value
    category, severity, count = value
    return DefectCount(category, parse_severity(severity), count)


async def _refuse_duplicate(
    session: AsyncSession, order: OrderRef, kind: InspectionKind, inspected_at: datetime
) -> None:
    """The same order, kind and time is the same inspection: recording it twice is a retry."""
    earlier = (
        await session.exec(
            select(QcInspection.id)
            .where(QcInspection.production_order_id == order.id)
            .where(QcInspection.kind == kind.value)
            .where(QcInspection.inspected_at == inspected_at)
        )
    ).first()
    if earlier is not None:
        when = inspected_at.astimezone(ZoneInfo(order.timezone)).strftime("%Y-%m-%d %H:%M")
        raise QcError(
            f"a {kind.value} inspection of {order.number} at {when} is already recorded "
            f"(#{earlier})"
        )


async def _any_order(session: AsyncSession, brand_id: int, wanted: str) -> bool:
    found = (
        await session.exec(
            select(ProductionOrder.id)
            .join(PurchaseOrder, col(PurchaseOrder.id) == col(ProductionOrder.po_id))
            .where(PurchaseOrder.brand_id == brand_id)
            .where(
                (func.upper(ProductionOrder.number) == wanted)
                | (func.upper(PurchaseOrder.po_number) == wanted)
            )
        )
    ).first()
    return found is not None


async def _not_found(session: AsyncSession, brand_id: int, number: str) -> str:
    numbers = (
        await session.exec(
            select(ProductionOrder.number)
            .join(PurchaseOrder, col(PurchaseOrder.id) == col(ProductionOrder.po_id))
            .where(PurchaseOrder.brand_id == brand_id)
        )
    ).all()
    close = difflib.get_close_matches(number.strip().upper(), [n.upper() for n in numbers], n=3)
    by_upper = {n.upper(): n for n in numbers}
    hint = f"; did you mean {', '.join(by_upper[c] for c in close)}?" if close else ""
    return f"no production order {number.strip()!r}{hint}"
