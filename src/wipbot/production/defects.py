"""Defect roll-ups for the people who design the next season.

Rates are defects per hundred pieces sampled (DHU over the AQL samples), so a style inspected
often is not blamed for being inspected often. First-pass yield counts the production orders
whose first final inspection passed. A defect category found on one style at two or more
factories points at the design (pattern, construction, fabric) rather than at one factory.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

RATE_PLACES = Decimal("0.01")
REPEAT_FACTORIES = 2
"""A category must show up at this many factories for one style to count as a design problem."""


@dataclass(frozen=True)
class InspectionTally:
    """Inspections of one style at one factory, as the database sums them."""

    style: str
    style_name: str
    factory: str
    inspections: int
    sampled: int
    first_finals: int
    """Production orders with a final inspection."""
    first_finals_passed: int
    """...whose first final inspection passed."""


@dataclass(frozen=True)
class DefectTally:
    style: str
    factory: str
    category: str
    count: int


@dataclass(frozen=True)
class Rate:
    """Defects against pieces sampled, for one style, factory or category."""

    key: str
    name: str
    inspections: int
    sampled: int
    defects: int
    first_finals: int
    first_finals_passed: int

    @property
    def per_hundred(self) -> Decimal:
        return per_hundred(self.defects, self.sampled)

    @property
    def first_pass_yield(self) -> Decimal | None:
        """Percent of orders whose first final passed; None without any final."""
        if not self.first_finals:
            return None
        return per_hundred(self.first_finals_passed, self.first_finals)


@dataclass(frozen=True)
class RepeatedDefect:
    """One category on one style at several factories: fix the style, not the factory."""

    style: str
    style_name: str
    category: str
    factories: tuple[str, ...]
    defects: int


@dataclass(frozen=True)
class DefectReport:
    styles: tuple[Rate, ...]
    factories: tuple[Rate, ...]
    categories: tuple[Rate, ...]
    """Per category: defects against every piece sampled in the report."""
    repeated: tuple[RepeatedDefect, ...]
    overall: Rate


def per_hundred(part: int, whole: int) -> Decimal:
    if not whole:
        return Decimal(0).quantize(RATE_PLACES)
    return (Decimal(100) * part / whole).quantize(RATE_PLACES, ROUND_HALF_UP)


def roll_up(inspections: Iterable[InspectionTally], defects: Iterable[DefectTally]) -> DefectReport:
    """Worst first in every list: the highest rate, then the most defects, then by name."""
    tallies = list(inspections)
    found = list(defects)
    names = {t.style: t.style_name for t in tallies}
    by_style = _sum(tallies, found, lambda t: t.style, lambda d: d.style, names)
    by_factory = _sum(tallies, found, lambda t: t.factory, lambda d: d.factory, {})
    overall = _sum(tallies, found, lambda t: "", lambda d: "", {}).get("") or Rate(
        "", "all", 0, 0, 0, 0, 0
    )
    category_counts: dict[str, int] = defaultdict(int)
    for d in found:
        category_counts[d.category] += d.count
    categories = [
        Rate(c, c, overall.inspections, overall.sampled, n, 0, 0)
        for c, n in category_counts.items()
    ]
    return DefectReport(
        styles=_worst_first(by_style.values()),
        factories=_worst_first(by_factory.values()),
        categories=_worst_first(categories),
        repeated=repeated_defects(found, names),
        overall=overall,
    )


def repeated_defects(
    defects: Iterable[DefectTally], names: dict[str, str] | None = None
) -> tuple[RepeatedDefect, ...]:
    factories: dict[tuple[str, str], set[str]] = defaultdict(set)
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for d in defects:
        if d.count > 0:
            factories[(d.style, d.category)].add(d.factory)
            counts[(d.style, d.category)] += d.count
    repeated = [
        RepeatedDefect(style, (names or {}).get(style, ""), category, tuple(sorted(f)), counts[k])
        for k, f in factories.items()
        if len(f) >= REPEAT_FACTORIES
        for style, category in (k,)
    ]
    return tuple(sorted(repeated, key=lambda r: (-len(r.factories), -r.defects, r.style)))


def _sum(
    tallies: list[InspectionTally],
    found: list[DefectTally],
    tally_key: Callable[[InspectionTally], str],
    defect_key: Callable[[DefectTally], str],
    names: dict[str, str],
) -> dict[str, Rate]:
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    for t in tallies:
        row = totals[tally_key(t)]
        row[0] += t.inspections
        row[1] += t.sampled
        row[3] += t.first_finals
        row[4] += t.first_finals_passed
    for d in found:
        totals[defect_key(d)][2] += d.count
    return {k: Rate(k, names.get(k, k), *v) for k, v in totals.items()}


def _worst_first(rates: Iterable[Rate]) -> tuple[Rate, ...]:
    return tuple(sorted(rates, key=lambda r: (-r.per_hundred, -r.defects, r.key)))
