"""QC inspections: the verdict is stored, the qc_failed alert follows the history, and a
refused inspection writes nothing. The import of inspection files follows the same rules."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import col, select

from tests.rows import count
from tests.store.import_files import EXAMPLES, import_examples
from wipbot.handlers.qc import (
    AlertChange,
    QcError,
    QcResult,
    find_production_order,
    inspection_history,
    parse_defect,
    recent_inspections,
    record_inspection,
)
from wipbot.production.aql import Severity
from wipbot.store.alerts import AlertKind
from wipbot.store.db import SessionFactory, transaction
from wipbot.store.importing import ImportFailed, ImportResult
from wipbot.store.importing.qc import import_qc
from wipbot.store.models import (
    Alert,
    AuditLog,
    Brand,
    Factory,
    LandedCharge,
    OutboxMessage,
    ProductionOrder,
    PurchaseOrder,
    PurchaseOrderLine,
    QcDefect,
    QcInspection,
    Style,
)

NOW = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)  # 10:00 in Ho Chi Minh City


@dataclass(frozen=True)
class Seeded:
    brand_id: int
    other_brand_id: int
    po_id: int


async def seed(factory: SessionFactory) -> Seeded:
    """Northwind: PO-1042 split in two production orders, PO-1043 in one; Contoso: PO-2001."""
    async with transaction(factory) as session:
        brand = Brand(name="Northwind", alerts_channel="C_ALERTS")
        other = Brand(name="Contoso")
        session.add_all([brand, other])
        await session.flush()
        assert brand.id is not None and other.id is not None
        saigon = Factory(
            brand_id=brand.id,
            code="SGN1",
            name="Saigon Stitch",
            country="VN",
            timezone="Asia/Ho_Chi_Minh",
            language="vi",
        )
        istanbul = Factory(
            brand_id=other.id,
            code="IST1",
            name="Bosphorus Tekstil",
            country="TR",
            timezone="Europe/Istanbul",
            language="tr",
        )
        session.add_all([saigon, istanbul])
        await session.flush()
        assert saigon.id is not None and istanbul.id is not None
        vest = Style(brand_id=brand.id, code="NW-QV-720", name="Quilted liner vest")
        tee = Style(brand_id=other.id, code="CT-TS-1", name="Tee")
        session.add_all([vest, tee])
        await session.flush()
        assert vest.id is not None and tee.id is not None
        exf = date(2027, 1, 8)
        po = PurchaseOrder(
            brand_id=brand.id, po_number="PO-1042", factory_id=saigon.id, committed_exf=exf
        )
        single = PurchaseOrder(
            brand_id=brand.id, po_number="PO-1043", factory_id=saigon.id, committed_exf=exf
        )
        foreign = PurchaseOrder(
            brand_id=other.id, po_number="PO-2001", factory_id=istanbul.id, committed_exf=exf
        )
        session.add_all([po, single, foreign])
        await session.flush()
        assert po.id is not None and single.id is not None and foreign.id is not None
        session.add_all(
            [
                PurchaseOrderLine(
                    po_id=po.id,
                    style_id=vest.id,
                    colorway=colorway,
                    quantity=quantity,
                    unit_price=Decimal("16.8000"),
                    selling_price=Decimal("69.0000"),
                )
                for colorway, quantity in (("Black", 600), ("Navy", 400))
            ]
            + [
                PurchaseOrderLine(
                    po_id=foreign.id,
                    style_id=tee.id,
                    colorway="White",
                    quantity=1000,
                    unit_price=Decimal("3.1000"),
                ),
                ProductionOrder(
                    po_id=po.id, factory_id=saigon.id, number="PO-1042-A", quantity=600
                ),
                ProductionOrder(
                    po_id=po.id, factory_id=saigon.id, number="PO-1042-B", quantity=400
                ),
                ProductionOrder(
                    po_id=single.id, factory_id=saigon.id, number="PO-1043-A", quantity=800
                ),
                ProductionOrder(
                    po_id=foreign.id, factory_id=istanbul.id, number="PO-2001-A", quantity=1000
                ),
            ]
        )
        return Seeded(brand.id, other.id, po.id)


@pytest.fixture
async def db(sqlite_session_factory: SessionFactory) -> tuple[SessionFactory, Seeded]:
    return sqlite_session_factory, await seed(sqlite_session_factory)


async def record(
    factory: SessionFactory,
    brand_id: int,
    *,
    order: str = "PO-1042-A",
    kind: str = "final",
    lot: int = 500,
    defects: tuple[tuple[str, str, int], ...] = (),
    at: datetime = NOW,
    **options: Any,
) -> QcResult:
    async with transaction(factory) as session:
        return await record_inspection(
            session,
            brand_id=brand_id,
            production_order_number=order,
            kind=kind,
            lot_size=lot,
            defects=defects,
            inspector="Thu Nguyen",
            inspected_at=at,
            **options,
        )


async def qc_alerts(factory: SessionFactory) -> list[Alert]:
    async with factory() as session:
        query = select(Alert).where(Alert.kind == AlertKind.QC_FAILED.value)
        return list((await session.exec(query.order_by(col(Alert.id)))).all())


@pytest.mark.parametrize(
    ("text", "category", "severity", "count_"),
    [
        ("open seam:major:3", "open seam", Severity.MAJOR, 3),
        (" Stain : Minor : 5 ", "Stain", Severity.MINOR, 5),
        ("label: wrong size:crit:1", "label: wrong size", Severity.CRITICAL, 1),
        ("broken  stitch:MAJ:12", "broken stitch", Severity.MAJOR, 12),
    ],
)
def test_defects_are_parsed_from_category_severity_count(
    text: str, category: str, severity: Severity, count_: int
) -> None:
    defect = parse_defect(text)
    assert (defect.category, defect.severity, defect.count) == (category, severity, count_)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("open seam:major", "expected CATEGORY:SEVERITY:COUNT"),
        ("open seam:huge:3", "not a defect severity"),
        ("open seam:major:0", "must be a whole number >= 1"),
        ("open seam:major:x", "must be a whole number >= 1"),
        (":major:3", "the category is missing"),
    ],
)
def test_bad_defects_say_what_is_wrong(text: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        parse_defect(text)


async def test_a_failed_final_is_stored_and_raises_the_alert_a_passing_one_resolves_it(
    session_factory: SessionFactory,
) -> None:
    seeded = await seed(session_factory)
    failed = await record(
        session_factory,
        seeded.brand_id,
        defects=(("open seam", "major", 3), ("broken stitch", "major", 1), ("stain", "minor", 2)),
    )
    assert not failed.passed and failed.alert is AlertChange.RAISED
    assert failed.inspection.sample_size == 50
    assert failed.inspection.failures == ("major 4 > 3 (AQL 2.5, sample 50)",)
    async with session_factory() as session:
        stored = (await session.exec(select(QcInspection))).one()
        defects = (await session.exec(select(QcDefect).order_by(col(QcDefect.id)))).all()
        audit = (await session.exec(select(AuditLog))).one()
        posted = (await session.exec(select(OutboxMessage))).all()
    assert (stored.kind, stored.lot_size, stored.sample_size, stored.passed) == (
        "final",
        500,
        50,
        False,
    )
    assert (stored.level, stored.aql_major, stored.aql_minor) == ("II", Decimal("2.5"), 4)
    assert stored.inspected_at == NOW
    assert [(d.category, d.severity, d.count) for d in defects] == [
        ("open seam", "major", 3),
        ("broken stitch", "major", 1),
        ("stain", "minor", 2),
    ]
    assert (audit.action, audit.subject, audit.details["passed"]) == (
        "qc.inspection",
        "PO-1042-A",
        False,
    )
    assert [(m.platform, m.chat_id) for m in posted] == [("slack", "C_ALERTS")]
    [alert] = await qc_alerts(session_factory)
    assert (alert.subject, alert.severity, alert.resolved_at) == ("PO-1042-A", "danger", None)
    assert alert.summary == (
        "Final inspection failed: major 4 > 3 (AQL 2.5, sample 50) — rework and re-inspect"
    )
    assert alert.details["defects_found"] == {"critical": 0, "major": 4, "minor": 2}

    passed = await record(
        session_factory,
        seeded.brand_id,
        defects=(("open seam", "major", 1),),
        at=NOW + timedelta(days=2),
    )
    assert passed.passed and passed.alert is AlertChange.RESOLVED
    [alert] = await qc_alerts(session_factory)
    assert alert.resolved_at is not None
    assert alert.details["resolution"] == "final re-inspection passed on 2026-11-22"


InspectionStep = tuple[str, bool]
FAIL_MAJOR = (("open seam", "major", 9),)


@pytest.mark.parametrize(
    ("steps", "open_after"),
    [
        ([("final", False)], "final"),
        ([("final", True)], None),
        ([("inline", False), ("inline", True)], None),
        ([("inline", False), ("final", True)], None),
        ([("final", False), ("inline", True)], "final"),
        ([("final", False), ("inline", False), ("inline", True)], "final"),
        ([("inline", False), ("final", False), ("final", True)], None),
        ([("final", False), ("final", True), ("final", False)], "final"),
        ([("inline", False), ("inline", False)], "inline"),
    ],
)
async def test_the_alert_stays_open_until_a_later_pass_of_the_same_kind_or_a_final(
    db: tuple[SessionFactory, Seeded], steps: list[InspectionStep], open_after: str | None
) -> None:
    factory, seeded = db
    for day, (kind, passes) in enumerate(steps):
        await record(
            factory,
            seeded.brand_id,
            kind=kind,
            defects=() if passes else FAIL_MAJOR,
            at=NOW + timedelta(days=day),
        )
    still_open = [a for a in await qc_alerts(factory) if a.resolved_at is None]
    assert [a.details["inspection"] for a in still_open] == ([open_after] if open_after else [])


async def test_an_older_pass_recorded_late_does_not_resolve_a_newer_failure(
    db: tuple[SessionFactory, Seeded],
) -> None:
    factory, seeded = db
    await record(factory, seeded.brand_id, defects=FAIL_MAJOR)
    older = await record(factory, seeded.brand_id, at=NOW - timedelta(days=3))
    assert older.passed and older.alert is AlertChange.STILL_OPEN
    [alert] = await qc_alerts(factory)
    assert alert.resolved_at is None


async def test_a_critical_defect_fails_at_any_count_and_marks_the_alert_critical(
    db: tuple[SessionFactory, Seeded],
) -> None:
    factory, seeded = db
    result = await record(
        factory, seeded.brand_id, kind="inline", defects=(("needle in garment", "critical", 1),)
    )
    assert not result.passed
    [alert] = await qc_alerts(factory)
    assert alert.severity == "critical"
    assert alert.summary.startswith("Inline inspection failed: critical 1 > 0 (AQL 0, sample 50)")


async def test_aql_overrides_and_level_change_the_plan(db: tuple[SessionFactory, Seeded]) -> None:
    factory, seeded = db
    result = await record(
        factory,
        seeded.brand_id,
        lot=1200,
        level="I",
        aql_major="1.5",
        defects=(("open seam", "major", 2),),
    )
    plan = result.inspection.verdict.plans[Severity.MAJOR]
    assert (plan.code_letter, plan.sample_size, plan.accept, plan.reject) == ("G", 32, 1, 2)
    assert not result.passed
    async with factory() as session:
        stored = (await session.exec(select(QcInspection))).one()
    assert (stored.level, stored.aql_major) == ("I", Decimal("1.5"))


async def test_another_brands_order_is_refused_and_nothing_is_written(
    session_factory: SessionFactory,
) -> None:
    seeded = await seed(session_factory)
    with pytest.raises(QcError, match="no production order 'PO-2001-A'"):
        await record(session_factory, seeded.brand_id, order="PO-2001-A", defects=FAIL_MAJOR)
    for model in (QcInspection, QcDefect, AuditLog, Alert):
        assert await count(session_factory, model) == 0


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"order": "PO-1042-X"}, "did you mean PO-1042-B, PO-1042-A"),
        ({"order": "PO-1042"}, "several production orders (PO-1042-A, PO-1042-B)"),
        ({"kind": "midline"}, "not an inspection kind"),
        ({"lot": 1}, "at least 2 pieces"),
        ({"level": "IV"}, "unknown inspection level"),
        ({"aql_major": "3"}, "not an ISO 2859-1 AQL"),
        ({"at": datetime(2026, 11, 20, 10, 0)}, "must carry a timezone"),
        ({"defects": (("", "major", 2),)}, "needs a category"),
        ({"defects": (("stain", "minor", -1),)}, "whole number >= 1"),
    ],
)
async def test_refused_inspections_write_nothing(
    db: tuple[SessionFactory, Seeded], changes: dict[str, Any], reason: str
) -> None:
    factory, seeded = db
    with pytest.raises(QcError) as refused:
        await record(factory, seeded.brand_id, **changes)
    assert reason in str(refused.value)
    for model in (QcInspection, QcDefect, AuditLog, Alert):
        assert await count(factory, model) == 0


async def test_the_same_inspection_twice_is_refused_as_a_retry(
    db: tuple[SessionFactory, Seeded],
) -> None:
    factory, seeded = db
    await record(factory, seeded.brand_id)
    with pytest.raises(QcError, match="already recorded"):
        await record(factory, seeded.brand_id, order="po-1042-a")
    assert await count(factory, QcInspection) == 1


async def test_a_po_with_one_production_order_names_it(db: tuple[SessionFactory, Seeded]) -> None:
    factory, seeded = db
    result = await record(factory, seeded.brand_id, order="po-1043")
    assert result.inspection.order.number == "PO-1043-A"
    assert result.inspection.order.timezone == "Asia/Ho_Chi_Minh"
    assert result.inspection.local_time.hour == 10


async def test_history_is_per_order_or_po_oldest_first_and_brand_scoped(
    db: tuple[SessionFactory, Seeded],
) -> None:
    factory, seeded = db
    await record(factory, seeded.brand_id, order="PO-1042-B", at=NOW + timedelta(days=1))
    await record(factory, seeded.brand_id, order="PO-1042-A", defects=FAIL_MAJOR)
    await record(factory, seeded.brand_id, order="PO-1043-A", at=NOW + timedelta(days=2))
    async with factory() as session:
        po = await inspection_history(session, seeded.brand_id, "PO-1042")
        one = await inspection_history(session, seeded.brand_id, "PO-1042-B")
        none = await inspection_history(session, seeded.brand_id, "PO-1043")
        recent = await recent_inspections(session, seeded.brand_id)
        foreign = await recent_inspections(session, seeded.other_brand_id)
        with pytest.raises(QcError, match="no production order"):
            await inspection_history(session, seeded.other_brand_id, "PO-1042")
        with pytest.raises(QcError, match="no production order"):
            await find_production_order(session, seeded.other_brand_id, "PO-1042-A")
    assert [(i.order.number, i.passed) for i in po] == [("PO-1042-A", False), ("PO-1042-B", True)]
    assert [i.order.number for i in one] == ["PO-1042-B"]
    assert [i.order.number for i in none] == ["PO-1043-A"]
    assert [i.order.number for i in recent] == ["PO-1043-A", "PO-1042-B", "PO-1042-A"]
    assert foreign == []


QC_HEADER = [
    "production_order",
    "kind",
    "inspected_at",
    "lot_size",
    "category",
    "severity",
    "count",
    "inspector",
]


def write_qc(folder: Path, rows: list[list[str]]) -> Path:
    path = folder / "qc.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(QC_HEADER)
        writer.writerows(rows)
    return path


async def import_file(
    factory: SessionFactory, path: Path, brand: str = "Northwind"
) -> ImportResult:
    async with transaction(factory) as session:
        return await import_qc(session, path, brand=brand, file=path.name)


async def test_the_example_file_imports_cleanly_and_again_changes_nothing(
    session_factory: SessionFactory,
) -> None:
    await import_examples(session_factory)
    first = await import_file(session_factory, EXAMPLES / "qc.csv", "Northwind Apparel")
    assert first.tallies["inspections"].created == 6
    async with session_factory() as session:
        stored = (await session.exec(select(QcInspection))).all()
    assert len(stored) == 6 and sum(not i.passed for i in stored) == 1
    [alert] = await qc_alerts(session_factory)
    assert (alert.subject, alert.resolved_at) == ("PO-1046-B", None)
    assert alert.summary.startswith("Final inspection failed: major 14 > 5 (AQL 2.5, sample 80)")
    defects = await count(session_factory, QcDefect)

    again = await import_file(session_factory, EXAMPLES / "qc.csv", "Northwind Apparel")
    assert again.tallies["inspections"].unchanged == 6
    assert await count(session_factory, QcInspection) == 6
    assert await count(session_factory, QcDefect) == defects
    assert len(await qc_alerts(session_factory)) == 1


async def test_an_imported_pass_resolves_the_alert_of_an_earlier_failure(
    db: tuple[SessionFactory, Seeded], tmp_path: Path
) -> None:
    factory, seeded = db
    await record(factory, seeded.brand_id, defects=FAIL_MAJOR)
    path = write_qc(
        tmp_path,
        [
            ["PO-1042-A", "final", "2026-11-22 10:00", "500", "open seam", "major", "1", "Lan"],
            ["PO-1042-A", "final", "2026-11-22 10:00", "", "stain", "minor", "2", ""],
            ["PO-1043-A", "inline", "21/11/2026", "800", "", "", "", ""],
        ],
    )
    await import_file(factory, path)
    async with factory() as session:
        imported = await inspection_history(session, seeded.brand_id, "PO-1042-A")
        clean = await inspection_history(session, seeded.brand_id, "PO-1043-A")
    assert [(i.passed, len(i.defects), i.inspector) for i in imported] == [
        (False, 1, "Thu Nguyen"),
        (True, 2, "Lan"),
    ]
    assert imported[1].inspected_at == datetime(2026, 11, 22, 3, 0, tzinfo=UTC)
    assert (clean[0].defects, clean[0].local_time.hour) == ((), 12)
    [alert] = await qc_alerts(factory)
    assert alert.resolved_at is not None


async def test_bad_rows_are_reported_by_line_and_field_and_nothing_is_imported(
    db: tuple[SessionFactory, Seeded], tmp_path: Path
) -> None:
    factory, _ = db
    path = write_qc(
        tmp_path,
        [
            ["PO-1042-A", "final", "2026-11-22 10:00", "500", "open seam", "major", "1", ""],
            ["PO-1042-A", "final", "2026-11-22 10:00", "600", "stain", "minor", "2", ""],
            ["PO-2001-A", "final", "2026-11-22", "500", "", "", "", ""],
            ["PO-1042-B", "midline", "2026-11-22", "1", "stain", "huge", "", ""],
            ["PO-1043-A", "final", "2026-11-23", "", "", "major", "", ""],
            ["PO-1042-A", "final", "2026-11-22 10:00", "", "Open  seam", "major", "4", ""],
        ],
    )
    with pytest.raises(ImportFailed) as failed:
        await import_file(factory, path)
    assert [str(e) for e in failed.value.errors] == [
        "qc.csv:3: lot_size: '600' differs from '500' on line 2 for PO-1042-A final inspection "
        "at 2026-11-22 10:00:00",
        "qc.csv:4: production_order: unknown production order 'PO-2001-A'",
        "qc.csv:5: count: required with a category",
        "qc.csv:5: kind: 'midline' is not an inspection kind; expected one of inline, final",
        "qc.csv:5: lot_size: a lot of 1 cannot be sampled; it must be at least 2",
        "qc.csv:5: severity: 'huge' is not a defect severity; expected one of critical, major, "
        "minor",
        "qc.csv:6: category: required with a severity",
        "qc.csv:6: lot_size: required on one row of the inspection",
        "qc.csv:7: category: Open seam (major) is already on line 2 for this inspection",
    ]
    for model in (QcInspection, QcDefect, Alert, LandedCharge):
        assert await count(factory, model) == 0
