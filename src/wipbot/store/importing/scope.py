"""Which brand a file belongs to: every import is scoped to exactly one brand."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from wipbot.store.models import Brand

from .cells import key
from .errors import RowError
from .sheet import HEADER_LINE, Sheet

BRAND_MAX_LENGTH = 120


@dataclass(frozen=True)
class BrandChoice:
    name: str
    brand: Brand | None
    """None when the brand does not exist yet and the file may create it."""


async def find_brand(session: AsyncSession, name: str) -> Brand | None:
    """Brands are matched like every other name: case and spacing do not matter."""
    brands = (await session.exec(select(Brand))).all()
    return next((b for b in brands if key(b.name) == key(name)), None)


async def choose_brand(
    session: AsyncSession,
    sheet: Sheet,
    errors: list[RowError],
    *,
    wanted: str | None,
    may_create: bool = False,
) -> BrandChoice | None:
    """The one brand named in the `brand` column, or `wanted`, or the only brand there is."""
    found: tuple[str, int] | None = None
    if "brand" in sheet.columns:
        for row in sheet.rows:
            value = " ".join(row.cells.get("brand", "").split())
            if not value:
                errors.append(RowError(sheet.file, row.line, "brand", "required"))
            elif len(value) > BRAND_MAX_LENGTH:
                errors.append(
                    RowError(sheet.file, row.line, "brand", f"longer than {BRAND_MAX_LENGTH}")
                )
            elif found is None:
                found = (value, row.line)
            elif key(value) != key(found[0]):
                errors.append(
                    RowError(
                        sheet.file,
                        row.line,
                        "brand",
                        f"{value!r} differs from {found[0]!r} on line {found[1]}; "
                        "one file holds one brand",
                    )
                )
    if found and wanted and key(found[0]) != key(wanted):
        errors.append(
            RowError(sheet.file, found[1], "brand", f"the file is for {found[0]!r}, not {wanted!r}")
        )
        return None
    name = found[0] if found else wanted
    line = found[1] if found else HEADER_LINE
    if name is None:
        brands = (await session.exec(select(Brand))).all()
        if len(brands) == 1:
            return BrandChoice(brands[0].name, brands[0])
        reason = (
            "no brand exists yet; import the factories file first"
            if not brands
            else "several brands exist; add a brand column or pass --brand"
        )
        errors.append(RowError(sheet.file, line, "brand", reason))
        return None
    brand = await find_brand(session, name)
    if brand is None and not may_create:
        errors.append(
            RowError(
                sheet.file, line, "brand", f"unknown brand {name!r}; import its factories first"
            )
        )
        return None
    return BrandChoice(brand.name if brand else name, brand)
