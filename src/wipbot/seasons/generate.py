"""A whole season: factories, POs and their production orders, check-ins, and the truth."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from wipbot.production.milestones import Milestone

from .assumptions import FactoryHabits, SeasonAssumptions
from .reports import CheckInRow, weekly_checkins
from .world import OrderTruth, simulate_order

STYLES: tuple[tuple[str, str, Decimal, Decimal], ...] = (
    ("KP", "Pique knit polo", Decimal("6.85"), Decimal("29.00")),
    ("TS", "Organic cotton tee", Decimal("3.40"), Decimal("19.00")),
    ("HD", "Brushed fleece hoodie", Decimal("11.20"), Decimal("55.00")),
    ("CH", "Stretch chino", Decimal("9.60"), Decimal("49.00")),
    ("DJ", "Denim trucker jacket", Decimal("16.50"), Decimal("89.00")),
    ("QV", "Quilted liner vest", Decimal("16.80"), Decimal("69.00")),
    ("SH", "Oxford shirt", Decimal("8.10"), Decimal("45.00")),
    ("LG", "Performance legging", Decimal("7.30"), Decimal("39.00")),
)
COLORWAYS = ("Navy", "Black", "White", "Stone", "Olive", "Heather grey", "Rust", "Sky")
QUANTITY = (600, 4200)
PREVIOUS_SEASON_DAYS = 182
FIRST_PO_NUMBER = 2000
SEASON_NUMBERS = 1000
"""PO numbers a previous season has before it would reach the next season's."""


@dataclass(frozen=True)
class OrderLine:
    production_order: str
    style: str
    style_name: str
    colorway: str
    quantity: int
    unit_price: Decimal
    selling_price: Decimal


@dataclass(frozen=True)
class PurchaseOrderPlan:
    po_number: str
    factory: FactoryHabits
    committed: date
    in_dc: date
    lines: tuple[OrderLine, ...]
    gate_approved: date


@dataclass(frozen=True)
class Season:
    assumptions: SeasonAssumptions
    seed: int
    purchase_orders: tuple[PurchaseOrderPlan, ...]
    orders: tuple[OrderTruth, ...]
    checkins: tuple[CheckInRow, ...]

    @property
    def late_share(self) -> float:
        return sum(o.days_late > 0 for o in self.orders) / max(1, len(self.orders))


def generate_season(seed: int, assumptions: SeasonAssumptions | None = None) -> Season:
    """The same seed and assumptions always give the same season. Previous seasons, if asked
    for, come from their own random streams, so they never change the current one."""
    season = assumptions or SeasonAssumptions()
    pos: list[PurchaseOrderPlan] = []
    orders: list[OrderTruth] = []
    checkins: list[CheckInRow] = []
    for back in range(season.previous_seasons, -1, -1):
        rng = random.Random(seed) if back == 0 else random.Random(f"{seed}-previous-{back}")
        earlier = season.start - timedelta(days=PREVIOUS_SEASON_DAYS * back)
        prefix, first = po_numbering(back, season.production_orders)
        found_pos, found_orders = _orders(rng, season, earlier, prefix, first)
        pos += found_pos
        orders += found_orders
        checkins += [row for order in found_orders for row in weekly_checkins(rng, season, order)]
    return Season(season, seed, tuple(pos), tuple(orders), tuple(checkins))


def po_numbering(back: int, production_orders: int) -> tuple[str, int]:
    """Each season's PO numbers as (prefix, the number before the first): PO-2001… for the
    season, PO-1001… for the one before. A season further back, or any before a season of
    1,000 POs or more, carries its distance in the number (PO-S2-1001…), so no two seasons
    share a number however many there are."""
    if back == 0:
        return "PO-", FIRST_PO_NUMBER
    if back == 1 and production_orders < SEASON_NUMBERS:
        return "PO-", FIRST_PO_NUMBER - SEASON_NUMBERS
    return f"PO-S{back}-", SEASON_NUMBERS


def _orders(
    rng: random.Random, season: SeasonAssumptions, start: date, prefix: str, number: int
) -> tuple[list[PurchaseOrderPlan], list[OrderTruth]]:
    """One season's POs and production orders, committed from `start` on."""
    factories = season.factories
    weights = [f.share for f in factories]
    pos: list[PurchaseOrderPlan] = []
    orders: list[OrderTruth] = []
    while len(orders) < season.production_orders:
        number += 1
        factory = rng.choices(factories, weights)[0]
        committed = start + timedelta(
            days=rng.randint(season.committed_from_days, season.committed_to_days)
        )
        parts = 2 if rng.random() < season.split_share else 1
        parts = min(parts, season.production_orders - len(orders))
        code, name, price, selling = rng.choice(STYLES)
        style = f"NW-{code}-{rng.randint(100, 999)}"
        lines = []
        for part in range(parts):
            order_number = f"{prefix}{number}-{'AB'[part]}"
            colorways = rng.sample(COLORWAYS, rng.randint(1, 2))
            quantities = [rng.randrange(QUANTITY[0], QUANTITY[1], 100) for _ in colorways]
            lines += [
                OrderLine(order_number, style, name, c, q, price, selling)
                for c, q in zip(colorways, quantities, strict=True)
            ]
            orders.append(
                simulate_order(rng, season, factory, order_number, sum(quantities), committed)
            )
        first_materials = min(o.plan[Milestone.MATERIALS_IN] for o in orders[-parts:])
        pos.append(
            PurchaseOrderPlan(
                po_number=f"{prefix}{number}",
                factory=factory,
                committed=committed,
                in_dc=committed + timedelta(days=rng.randint(21, 35)),
                lines=tuple(lines),
                gate_approved=first_materials - timedelta(days=rng.randint(3, 20)),
            )
        )
    return pos, orders
