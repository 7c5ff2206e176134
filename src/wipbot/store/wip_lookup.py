"""Finding what was typed: a PO by its number or a production order's, the POs that look like a
mistyped number, factories by code or name, the brand meant."""

from __future__ import annotations

import difflib
import re

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from wipbot.production.names import key

from .brand_names import find_brand
from .models import Brand, Factory, ProductionOrder, PurchaseOrder
from .models.orders import PO_NUMBER_WIDTH

CLOSE_MATCHES = 5
MAX_TYPED = 2 * PO_NUMBER_WIDTH
"""Longer than any mistyped PO number: no suggestions. The missed-key pattern doubles what was
typed, and SQLite refuses a LIKE pattern over 50,000 bytes (`/landed` with 100 kB of text)."""


async def close_matches(session: AsyncSession, brand_id: int, po_number: str) -> list[str]:
    """PO numbers of the brand that look like what was typed, best first.

    Ranked among a few candidates the (brand, PO number) index finds: the numbers next to the
    typed one in sort order, those containing it or its digits, and those containing its
    characters in order (a missed key); so a typo reads the same few rows
    whether the brand has ten POs or a hundred thousand."""
    wanted = key(po_number)
    if not wanted or len(po_number) > MAX_TYPED:
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
    """The brand named, or the only brand there is; BrandNotFound says what to do otherwise
    (naming the brands on one line: a name holding a line break or a control is quoted)."""
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
    names = ", ".join(b.name if b.name.isprintable() else repr(b.name) for b in brands)
    raise BrandNotFound(f"several brands ({names}); choose one with --brand")


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
