"""The QC inspections file, and how inspections are kept and turned into `qc_failed` alerts.

Columns (header on line 1, any order, case and spaces ignored):

- brand (optional), e.g. `Northwind Apparel`: defaults to --brand or the only brand
- production_order (required), e.g. `PO-1046-B`
- kind (required), e.g. `final`: inline or final
- inspected_at (required), e.g. `2026-11-24 14:00`: naive times are the factory's local time;
  a date alone is taken as local noon
- inspector (optional), e.g. `Ayse Kaya (QIMA)`
- lot_size (required once per inspection), e.g. `1200`: pieces offered, 2 or more
- level (optional), e.g. `II`: ISO 2859-1 inspection level; default II
- aql_critical, aql_major, aql_minor (optional), e.g. `2.5`: defaults 0, 2.5 and 4.0
- category (optional), e.g. `open seam`: a defect found; blank on the row of a clean inspection
- severity (required with a category), e.g. `major`: critical, major, minor
- count (required with a category), e.g. `3`: defects of that category, 1 or more
- note (optional), e.g. `Rewash booked for 27/11`

One row per defect category. The rows of one inspection share production_order, kind and
inspected_at, and repeat (or leave blank) inspector, lot_size, level, AQLs and note. The verdict
is computed from the defects, never read from the file. Re-importing updates an inspection and
never duplicates it.

The rest of this module keeps inspections for `handlers.qc` too: writing one, and deriving the
one `qc_failed` alert of a production order from its whole inspection history, so that recording
inspections live and importing them later agree.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from wipbot.production.aql import (
    AQLS,
    ZERO_TOLERANCE,
    AqlConfig,
    InspectionVerdict,
    Severity,
    judge,
    normalize_level,
)
from wipbot.production.names import key
from wipbot.store.alerts import AlertKind, open_alert, raise_alert, resolve_alert
from wipbot.store.models import Factory, ProductionOrder, QcDefect, QcInspection

from .agreement import Agreement
from .assign import assign
from .cells import Row, parse_datetime, parse_positive_count
from .checkins import to_utc
from .errors import ImportFailed, RowError
from .scope import import_done, open_sheet, orders_with_timezones
from .summary import ImportResult, ProgressHook, Tally, no_progress, tallies

AQL_COLUMNS = ("aql_critical", "aql_major", "aql_minor")
REQUIRED = ("production_order", "kind", "inspected_at")
OPTIONAL = (
    "brand",
    "inspector",
    "lot_size",
    "level",
    *AQL_COLUMNS,
    "category",
    "severity",
    "count",
    "note",
)
CATEGORY_MAX_LENGTH = 60
INSPECTOR_MAX_LENGTH = 120
NOTE_MAX_LENGTH = 2000
MIN_LOT_SIZE = 2
_SEVERITY_WORDS: dict[str, Severity] = {
    "crit": Severity.CRITICAL,
    "cr": Severity.CRITICAL,
    "maj": Severity.MAJOR,
    "ma": Severity.MAJOR,
    "min": Severity.MINOR,
    "mi": Severity.MINOR,
}


class InspectionKind(StrEnum):
    """Inline inspections catch problems during sewing; the final one releases the lot."""

    INLINE = "inline"
    FINAL = "final"


@dataclass(frozen=True)
class DefectCount:
    category: str
    severity: Severity
    count: int


def parse_kind(value: str) -> InspectionKind:
    text = value.strip().lower()
    try:
        return InspectionKind(text)
    except ValueError:
        kinds = ", ".join(InspectionKind)
        raise ValueError(f"{value!r} is not an inspection kind; expected one of {kinds}") from None


def parse_severity(value: str) -> Severity:
    """`major`, `Major`, `maj`: reports abbreviate freely."""
    text = value.strip().lower()
    try:
        return Severity(text)
    except ValueError:
        pass
    if text in _SEVERITY_WORDS:
        return _SEVERITY_WORDS[text]
    names = ", ".join(Severity)
    raise ValueError(f"{value!r} is not a defect severity; expected one of {names}")


def parse_lot_size(value: str) -> int:
    lot = parse_positive_count(value)
    if lot < MIN_LOT_SIZE:
        raise ValueError(f"a lot of {lot} cannot be sampled; it must be at least {MIN_LOT_SIZE}")
    return lot


def parse_aql(value: str | Decimal) -> Decimal:
    """One of the AQL values of ISO 2859-1 (or 0 for zero tolerance), spelt as the table does."""
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(f"{value!r} is not an AQL such as 2.5") from None
    for known in (ZERO_TOLERANCE, *AQLS):
        if number == known:
            return known
    listed = ", ".join(str(a) for a in (ZERO_TOLERANCE, *AQLS))
    raise ValueError(f"{value!r} is not an ISO 2859-1 AQL; expected one of {listed}")


def aql_config(
    level: str = "II",
    *,
    critical: Decimal | str | None = None,
    major: Decimal | str | None = None,
    minor: Decimal | str | None = None,
) -> AqlConfig:
    """The standard plan (critical 0, major 2.5, minor 4.0 at level II) with any overrides."""
    default = AqlConfig()
    return AqlConfig(
        level=normalize_level(level),
        critical=default.critical if critical is None else parse_aql(critical),
        major=default.major if major is None else parse_aql(major),
        minor=default.minor if minor is None else parse_aql(minor),
    )


def merge_defects(defects: Iterable[DefectCount]) -> tuple[DefectCount, ...]:
    """Checked defects, one per category and severity: the same one listed twice is summed."""
    merged: dict[tuple[str, Severity], DefectCount] = {}
    for defect in defects:
        category = " ".join(defect.category.split())
        if not category:
            raise ValueError("a defect needs a category, e.g. open seam")
        if len(category) > CATEGORY_MAX_LENGTH:
            raise ValueError(
                f"defect category {category[:20]!r}… is longer than {CATEGORY_MAX_LENGTH}"
            )
        severity = parse_severity(str(defect.severity))
        count = defect.count
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise ValueError(f"{category} ({severity}): the count must be a whole number >= 1")
        slot = (key(category), severity)
        earlier = merged.get(slot)
        total = count + (earlier.count if earlier else 0)
        merged[slot] = DefectCount(earlier.category if earlier else category, severity, total)
    return tuple(merged.values())


def found_by_severity(defects: Iterable[DefectCount]) -> dict[Severity, int]:
    found = dict.fromkeys(Severity, 0)
    for defect in defects:
        found[defect.severity] += defect.count
    return found


def stored_config(inspection: QcInspection) -> AqlConfig:
    return aql_config(
        inspection.level,
        critical=inspection.aql_critical,
        major=inspection.aql_major,
        minor=inspection.aql_minor,
    )


def stored_defects(rows: Iterable[QcDefect]) -> tuple[DefectCount, ...]:
    return tuple(DefectCount(r.category, Severity(r.severity), r.count) for r in rows)


def verdict_of(inspection: QcInspection, defects: Iterable[DefectCount]) -> InspectionVerdict:
    """Judged again from what was stored: the tables, not a saved flag, are the authority."""
    return judge(inspection.lot_size, found_by_severity(defects), stored_config(inspection))


def failures(verdict: InspectionVerdict, config: AqlConfig) -> tuple[str, ...]:
    """`major 4 > 3 (AQL 2.5, sample 50)` for each severity over its acceptance number."""
    return tuple(
        f"{s.value} {verdict.found[s]} > {verdict.plans[s].accept} "
        f"(AQL {config.aql_for(s)}, sample {verdict.plans[s].sample_size})"
        for s in Severity
        if verdict.found[s] > verdict.plans[s].accept
    )


async def save_inspection(
    session: AsyncSession,
    inspection: QcInspection | None,
    *,
    production_order_id: int,
    kind: InspectionKind,
    inspected_at: datetime,
    inspector: str,
    lot_size: int,
    config: AqlConfig,
    defects: Sequence[DefectCount],
    note: str,
) -> tuple[QcInspection, InspectionVerdict, bool]:
    """Create or update one inspection and its defects; True when anything changed."""
    if inspected_at.tzinfo is None:
        raise ValueError("inspected_at must be timezone-aware")
    verdict = judge(lot_size, found_by_severity(defects), config)
    created = inspection is None
    if inspection is None:
        inspection = QcInspection(
            production_order_id=production_order_id,
            kind=kind.value,
            inspected_at=inspected_at,
            lot_size=lot_size,
            sample_size=verdict.sample_size,
            passed=verdict.passed,
        )
        session.add(inspection)
    changed = assign(
        inspection,
        inspector=inspector,
        lot_size=lot_size,
        level=config.level,
        aql_critical=config.critical,
        aql_major=config.major,
        aql_minor=config.minor,
        sample_size=verdict.sample_size,
        passed=verdict.passed,
        note=note,
    )
    await session.flush()
    assert inspection.id is not None
    current = (
        []
        if created
        else (
            await session.exec(
                select(QcDefect)
                .where(QcDefect.inspection_id == inspection.id)
                .order_by(col(QcDefect.id))
            )
        ).all()
    )
    if stored_defects(current) != tuple(defects):
        for row in current:
            await session.delete(row)
        session.add_all(
            QcDefect(
                inspection_id=inspection.id,
                category=d.category,
                severity=d.severity.value,
                count=d.count,
            )
            for d in defects
        )
        changed = True
    await session.flush()
    return inspection, verdict, created or changed


class AlertChange(StrEnum):
    NONE = "none"
    RAISED = "raised"
    UPDATED = "updated"
    STILL_OPEN = "still_open"
    RESOLVED = "resolved"


@dataclass(frozen=True)
class AlertSync:
    change: AlertChange
    alert_id: int | None = None
    summary: str = ""


@dataclass(frozen=True)
class JudgedInspection:
    """A stored inspection with its defects and the verdict they give."""

    inspection: QcInspection
    defects: tuple[DefectCount, ...]
    verdict: InspectionVerdict


def standing_failure(
    history: Sequence[JudgedInspection],
) -> tuple[JudgedInspection | None, JudgedInspection | None]:
    """The failed inspection still standing, and the pass that cleared the last failure.

    History is in inspection order. A pass clears the failure of its own kind; a passed final
    also clears an inline failure, the whole lot having been accepted. With both kinds failing,
    the final one is the one that matters.
    """
    failing: dict[str, JudgedInspection] = {}
    cleared_by: JudgedInspection | None = None
    for judged in history:
        kind = judged.inspection.kind
        if not judged.verdict.passed:
            failing[kind] = judged
            continue
        cleared = failing.pop(kind, None)
        if kind == InspectionKind.FINAL:
            cleared = failing.pop(InspectionKind.INLINE.value, None) or cleared
        if cleared is not None:
            cleared_by = judged
    standing = failing.get(InspectionKind.FINAL.value) or failing.get(InspectionKind.INLINE.value)
    return standing, cleared_by


async def judged_history(session: AsyncSession, production_order_id: int) -> list[JudgedInspection]:
    inspections = (
        await session.exec(
            select(QcInspection)
            .where(QcInspection.production_order_id == production_order_id)
            .order_by(col(QcInspection.inspected_at), col(QcInspection.id))
        )
    ).all()
    defects = await defects_of(session, [i.id for i in inspections if i.id is not None])
    history = []
    for inspection in inspections:
        found = defects.get(inspection.id or 0, ())
        history.append(JudgedInspection(inspection, found, verdict_of(inspection, found)))
    return history


async def defects_of(
    session: AsyncSession, inspection_ids: Sequence[int]
) -> dict[int, tuple[DefectCount, ...]]:
    if not inspection_ids:
        return {}
    rows = (
        await session.exec(
            select(QcDefect)
            .where(col(QcDefect.inspection_id).in_(inspection_ids))
            .order_by(col(QcDefect.id))
        )
    ).all()
    grouped: dict[int, list[QcDefect]] = defaultdict(list)
    for row in rows:
        grouped[row.inspection_id].append(row)
    return {inspection_id: stored_defects(found) for inspection_id, found in grouped.items()}


async def sync_qc_alert(session: AsyncSession, brand_id: int, order: ProductionOrder) -> AlertSync:
    """Open, update or resolve the order's `qc_failed` alert so it matches its inspections."""
    assert order.id is not None
    standing, cleared_by = standing_failure(await judged_history(session, order.id))
    before = await open_alert(session, brand_id, AlertKind.QC_FAILED, order.number)
    revision = before.revision if before else None
    if standing is None:
        if before is None:
            return AlertSync(AlertChange.NONE)
        resolved = await resolve_alert(
            session,
            brand_id=brand_id,
            kind=AlertKind.QC_FAILED,
            subject=order.number,
            reason=await _resolution(session, order, cleared_by),
        )
        assert resolved is not None
        return AlertSync(AlertChange.RESOLVED, resolved.id, resolved.summary)
    factory = await session.get(Factory, order.factory_id)
    zone = ZoneInfo(factory.timezone) if factory else ZoneInfo("UTC")
    alert = await raise_alert(
        session,
        brand_id=brand_id,
        kind=AlertKind.QC_FAILED,
        subject=order.number,
        summary=failure_summary(standing),
        severity=_severity(standing),
        details=_details(standing, zone),
        production_order_id=order.id,
    )
    if revision is None:
        change = AlertChange.RAISED
    elif alert.revision != revision:
        change = AlertChange.UPDATED
    else:
        change = AlertChange.STILL_OPEN
    return AlertSync(change, alert.id, alert.summary)


def failure_summary(judged: JudgedInspection) -> str:
    """`Final inspection failed: major 4 > 3 (AQL 2.5, sample 50) — rework and re-inspect`."""
    config = stored_config(judged.inspection)
    reasons = "; ".join(failures(judged.verdict, config))
    kind = judged.inspection.kind.capitalize()
    return f"{kind} inspection failed: {reasons} — rework and re-inspect"


def _severity(judged: JudgedInspection) -> str:
    verdict = judged.verdict
    if verdict.found[Severity.CRITICAL] > verdict.plans[Severity.CRITICAL].accept:
        return "critical"
    return "danger" if judged.inspection.kind == InspectionKind.FINAL else "warning"


def _details(judged: JudgedInspection, zone: ZoneInfo) -> dict[str, Any]:
    inspection, verdict = judged.inspection, judged.verdict
    when = inspection.inspected_at.astimezone(zone).strftime("%Y-%m-%d %H:%M")
    details: dict[str, Any] = {
        "inspection": inspection.kind,
        "inspected_at": when,
        "lot_size": inspection.lot_size,
        "sample_size": verdict.sample_size,
        "defects_found": {s.value: verdict.found[s] for s in Severity},
        "accept_up_to": {s.value: verdict.plans[s].accept for s in Severity},
    }
    if inspection.inspector:
        details["inspector"] = inspection.inspector
    return details


async def _resolution(
    session: AsyncSession, order: ProductionOrder, cleared_by: JudgedInspection | None
) -> str:
    if cleared_by is None:
        return "no failed inspection stands any more"
    factory = await session.get(Factory, order.factory_id)
    zone = ZoneInfo(factory.timezone) if factory else ZoneInfo("UTC")
    day = cleared_by.inspection.inspected_at.astimezone(zone).date().isoformat()
    return f"{cleared_by.inspection.kind} re-inspection passed on {day}"


# The import.

InspectionKey = tuple[int, str, datetime]


@dataclass
class _Group:
    """The rows of one inspection as they are read."""

    line: int
    order: ProductionOrder
    kind: InspectionKind
    inspected_at: datetime
    defects: list[DefectCount] = field(default_factory=list)
    defect_lines: dict[tuple[str, Severity], int] = field(default_factory=dict)


async def import_qc(
    session: AsyncSession,
    path: Path,
    *,
    brand: str | None = None,
    progress: ProgressHook = no_progress,
    file: str | None = None,
) -> ImportResult:
    opened = await open_sheet(session, path, REQUIRED, OPTIONAL, wanted=brand, file=file)
    sheet, errors, target = opened.sheet, opened.errors, opened.brand
    orders = await orders_with_timezones(session, target) if target is not None else None

    groups: dict[InspectionKey, _Group] = {}
    agreement = Agreement()
    total = len(sheet.rows)
    for done, source in enumerate(sheet.rows, start=1):
        row = Row(sheet.file, source, errors)
        _read_row(row, orders, groups, agreement)
        progress("checking", done, total)
    for group_key, group in groups.items():
        if agreement.get(_label(group_key), "lot_size") is None:
            errors.append(
                RowError(
                    sheet.file, group.line, "lot_size", "required on one row of the inspection"
                )
            )
    if errors or target is None:
        raise ImportFailed(errors)

    assert target.id is not None
    existing = await _existing(session, {g.order.id for g in groups.values() if g.order.id})
    counts = tallies("inspections")
    for done, (group_key, group) in enumerate(groups.items(), start=1):
        await _write(session, existing.get(group_key), group, agreement, group_key, counts)
        progress("writing", done, len(groups))
    touched = {g.order.id: g.order for g in groups.values()}
    for order in touched.values():
        await sync_qc_alert(session, target.id, order)
    return await import_done(session, "qc", opened, target, counts, inspections=len(groups))


def _label(group_key: InspectionKey) -> str:
    order_id, kind, when = group_key
    return f"{order_id}/{kind}/{when.isoformat()}"


def _read_row(
    row: Row,
    orders: dict[str, tuple[ProductionOrder, str]] | None,
    groups: dict[InspectionKey, _Group],
    agreement: Agreement,
) -> None:
    """`orders` is None when the brand is unknown: then no production order can be checked."""
    number = row.text("production_order", max_length=48)
    found = orders.get(key(number)) if number and orders is not None else None
    if number and orders is not None and found is None:
        row.error("production_order", f"unknown production order {number!r}")
    kind = row.value("kind", parse_kind)
    when = row.value("inspected_at", parse_datetime)
    inspector = row.text("inspector", required=False, max_length=INSPECTOR_MAX_LENGTH)
    lot_size = row.value("lot_size", parse_lot_size, required=False)
    level = row.value("level", normalize_level, required=False)
    aqls = {column: row.value(column, parse_aql, required=False) for column in AQL_COLUMNS}
    note = row.text("note", required=False, max_length=NOTE_MAX_LENGTH)
    defect = _read_defect(row)
    if found is None or kind is None or when is None:
        return
    order, timezone = found
    assert order.id is not None
    group_key = (order.id, kind.value, to_utc(when, timezone))
    group = groups.setdefault(group_key, _Group(row.line, order, kind, group_key[2]))
    label = f"{order.number} {kind.value} inspection at {when}"
    values = {"inspector": inspector, "lot_size": lot_size, "level": level, "note": note, **aqls}
    for name, value in values.items():
        agreement.check(row, _label(group_key), label, name, value)
    if defect is None:
        return
    slot = (key(defect.category), defect.severity)
    if slot in group.defect_lines:
        row.error(
            "category",
            f"{defect.category} ({defect.severity.value}) is already on line "
            f"{group.defect_lines[slot]} for this inspection",
        )
        return
    group.defect_lines[slot] = row.line
    group.defects.append(defect)


def _read_defect(row: Row) -> DefectCount | None:
    """A category with its severity and count, or a row with none of the three."""
    category = row.text("category", required=False, max_length=CATEGORY_MAX_LENGTH)
    severity = row.value("severity", parse_severity, required=False)
    count = row.value("count", parse_positive_count, required=False)
    if category is None:
        for name in ("severity", "count"):
            if row.raw(name):
                row.error("category", f"required with a {name}")
                break
        return None
    if not row.raw("severity"):
        row.error("severity", "required with a category")
    if not row.raw("count"):
        row.error("count", "required with a category")
    if severity is None or count is None:
        return None
    return DefectCount(" ".join(category.split()), severity, count)


async def _existing(
    session: AsyncSession, order_ids: set[int | None]
) -> dict[InspectionKey, QcInspection]:
    ids = [i for i in order_ids if i is not None]
    if not ids:
        return {}
    found = (
        await session.exec(
            select(QcInspection).where(col(QcInspection.production_order_id).in_(ids))
        )
    ).all()
    return {(i.production_order_id, i.kind, i.inspected_at): i for i in found}


async def _write(
    session: AsyncSession,
    existing: QcInspection | None,
    group: _Group,
    agreement: Agreement,
    group_key: InspectionKey,
    counts: dict[str, Tally],
) -> None:
    label = _label(group_key)

    def given(name: str) -> Any:
        first = agreement.get(label, name)
        return first[0] if first else None

    assert group.order.id is not None
    config = aql_config(
        given("level") or "II",
        critical=given("aql_critical"),
        major=given("aql_major"),
        minor=given("aql_minor"),
    )
    _, _, changed = await save_inspection(
        session,
        existing,
        production_order_id=group.order.id,
        kind=group.kind,
        inspected_at=group.inspected_at,
        inspector=given("inspector") or "",
        lot_size=given("lot_size"),
        config=config,
        defects=merge_defects(group.defects),
        note=given("note") or "",
    )
    counts["inspections"].count(created=existing is None, changed=changed)
