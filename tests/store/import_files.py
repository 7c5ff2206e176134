"""Small spreadsheets for the import and WIP tests, and ways to look at what they changed."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import func
from sqlmodel import SQLModel, select

from wipbot.store.db import SessionFactory, transaction
from wipbot.store.importing import IMPORTERS, ImportFailed, ImportResult, RowError
from wipbot.store.models import (
    Brand,
    CheckIn,
    CheckInIssue,
    Factory,
    FactoryClosure,
    LandedCharge,
    ProductionOrder,
    PurchaseOrder,
    PurchaseOrderLine,
    Style,
    TnaMilestone,
)

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
BRAND = "Northwind Apparel"

FACTORY_HEADER = [
    "brand",
    "code",
    "name",
    "country",
    "timezone",
    "language",
    "checkin_weekday",
    "checkin_time",
    "closures",
]
FACTORIES = [
    [BRAND, "DHK1", "Dhaka Knitwear Ltd", "BD", "Asia/Dhaka", "bn", "sun", "10:00", ""],
    [
        BRAND,
        "NGB1",
        "Ningbo Seaside Garments",
        "CN",
        "Asia/Shanghai",
        "zh-Hans",
        "mon",
        "09:30",
        "2027-01-30..2027-02-21 Chinese New Year",
    ],
]
PO_HEADER = [
    "brand",
    "po_number",
    "factory",
    "style",
    "style_name",
    "colorway",
    "quantity",
    "unit_price",
    "currency",
    "committed_exf",
    "production_order",
]
POS = [
    [BRAND, "PO-1", "DHK1", "ST-1", "Knit polo", "Navy", "1000", "6.85", "USD", "2027-01-15", ""],
    [BRAND, "PO-2", "NGB1", "ST-2", "Vest", "Black", "600", "16.80", "USD", "2027-01-08", ""],
]
CHECKIN_HEADER = ["production_order", "reported_at", "milestone", "qty_cut", "issues"]

COUNTED: tuple[type[SQLModel], ...] = (
    Brand,
    Factory,
    FactoryClosure,
    Style,
    PurchaseOrder,
    PurchaseOrderLine,
    ProductionOrder,
    TnaMilestone,
    CheckIn,
    CheckInIssue,
    LandedCharge,
)


def write_csv(
    folder: Path, name: str, header: Sequence[str], rows: Sequence[Sequence[object]]
) -> Path:
    path = folder / name
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


async def run_import(
    session_factory: SessionFactory, kind: str, path: Path, *, brand: str | None = None
) -> ImportResult:
    async with transaction(session_factory) as session:
        return await IMPORTERS[kind](session, path, brand=brand, file=path.name)


async def import_errors(
    session_factory: SessionFactory, kind: str, path: Path, *, brand: str | None = None
) -> list[RowError]:
    try:
        await run_import(session_factory, kind, path, brand=brand)
    except ImportFailed as failed:
        return list(failed.errors)
    raise AssertionError(f"{path.name} imported although it should have been rejected")


async def seed(session_factory: SessionFactory, folder: Path) -> None:
    """Two factories and two POs of one brand."""
    await run_import(
        session_factory, "factories", write_csv(folder, "f.csv", FACTORY_HEADER, FACTORIES)
    )
    await run_import(session_factory, "pos", write_csv(folder, "p.csv", PO_HEADER, POS))


async def import_examples(session_factory: SessionFactory, *, pos: str = "pos.csv") -> None:
    for kind, name in (
        ("factories", "factories.csv"),
        ("pos", pos),
        ("checkins", "checkins.csv"),
        ("charges", "charges.csv"),
    ):
        await run_import(session_factory, kind, EXAMPLES / name)


async def row_counts(session_factory: SessionFactory) -> dict[str, int]:
    async with session_factory() as session:
        return {
            model.__name__: (await session.exec(select(func.count()).select_from(model))).one()
            for model in COUNTED
        }
