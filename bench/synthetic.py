"""Made-up but plausible seasons: factories, POs and check-in histories, seeded so every run
measures the same work. Histories follow the T&A plan with a per-order delay, so the risk engine
meets on-track, at-risk and late orders, quantities mid-stage and the usual issues."""

from __future__ import annotations

import csv
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from wipbot.production.milestones import MILESTONES, IssueFlag, Milestone
from wipbot.production.progress import Report, ReportedIssue
from wipbot.production.tna import derive_plan

BRAND = "Bench Apparel"
TODAY = date(2026, 11, 26)
"""The day every benchmark judges from (a Thursday, as in `wipbot demo`)."""
BUFFER_DAYS = 3
"""A new brand's default: plans are derived back from the committed date less these days."""

FACTORIES = (
    ("DHK1", "Dhaka Knitwear Ltd", "BD", "Asia/Dhaka", "bn", "sun", "10:00", ""),
    ("HCM1", "Saigon Garment Co.", "VN", "Asia/Ho_Chi_Minh", "vi", "mon", "09:00", ""),
    (
        "NGB1",
        "Ningbo Seaside Garments",
        "CN",
        "Asia/Shanghai",
        "zh-Hans",
        "mon",
        "09:30",
        "2027-01-30..2027-02-21 Chinese New Year",
    ),
    ("IZM1", "Izmir Denim Tekstil", "TR", "Europe/Istanbul", "tr", "tue", "10:00", ""),
)
FACTORY_HEADER = (
    "brand",
    "code",
    "name",
    "country",
    "timezone",
    "language",
    "checkin_weekday",
    "checkin_time",
    "closures",
)
PO_HEADER = (
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
)
CHECKIN_HEADER = (
    "production_order",
    "reported_at",
    "milestone",
    "qty_cut",
    "qty_sewn",
    "qty_finished",
    "qty_packed",
    "qty_shipped",
    "issues",
    "revised_exf",
)
COLORWAYS = ("Navy", "Black")
ISSUE_CHANCE = 0.3
REVISED_CHANCE = 0.3
"""Of orders running late, how many say so with a new ex-factory date."""


@dataclass(frozen=True)
class Order:
    po_number: str
    factory: str
    style: str
    quantity: int
    committed_exf: date

    @property
    def production_order(self) -> str:
        """The importer's default production-order number for a PO."""
        return f"{self.po_number}-A"


def season_orders(count: int, rng: random.Random, today: date = TODAY) -> list[Order]:
    """POs due from ten days ago to ten weeks out: most in production, some not started yet."""
    return [
        Order(
            po_number=f"PO-{10000 + i}",
            factory=FACTORIES[i % len(FACTORIES)][0],
            style=f"BA-{i % 40:03d}",
            quantity=rng.randrange(500, 5000, 50),
            committed_exf=today + timedelta(days=rng.randint(-10, 70)),
        )
        for i in range(count)
    ]


def history(
    plan: dict[Milestone, date],
    quantity: int,
    today: date,
    reports: int,
    rng: random.Random,
) -> list[Report]:
    """Up to `reports` check-ins from the planned start to this week, running `delay` days late."""
    start = plan[Milestone.MATERIALS_IN]
    end = min(today, plan[Milestone.SHIPPED] + timedelta(days=20))
    span = (end - start).days
    if span < 1:
        return []
    last = max(0, span - rng.randint(0, 3))  # the latest answer is this week's
    days = [*sorted(rng.sample(range(last), min(reports - 1, last))), last]
    delay = rng.choice((0, 0, 0, 2, 5, 9, 14))
    found = []
    for offset in days:
        day = start + timedelta(days=offset)
        milestone = _reached(plan, day, delay)
        found.append(
            Report(
                reported_at=datetime.combine(day, time(rng.randint(2, 10), 0), UTC),
                milestone=milestone,
                quantities=_quantities(plan, milestone, day, delay, quantity),
                issues=_issues(rng),
                revised_exf=(
                    plan[Milestone.SHIPPED] + timedelta(days=delay + rng.randint(0, 3))
                    if delay and offset == last and rng.random() < REVISED_CHANCE
                    else None
                ),
            )
        )
    return found


def _reached(plan: dict[Milestone, date], day: date, delay: int) -> Milestone:
    reached = Milestone.MATERIALS_IN
    for milestone in MILESTONES:
        if plan[milestone] + timedelta(days=delay) <= day:
            reached = milestone
    return reached


def _quantities(
    plan: dict[Milestone, date], milestone: Milestone, day: date, delay: int, quantity: int
) -> dict[str, int]:
    """The current stage's count, part-way through it, and the previous stage's as done."""
    counts: dict[str, int] = {}
    upcoming = milestone.next()
    previous = MILESTONES[milestone.index - 1] if milestone.index else None
    if previous is not None and previous.quantity_field is not None:
        counts[previous.quantity_field] = quantity
    field_name = milestone.quantity_field
    if field_name is not None:
        if upcoming is None:
            counts[field_name] = quantity
        else:
            length = max(1, (plan[upcoming] - plan[milestone]).days)
            elapsed = (day - plan[milestone]).days - delay
            counts[field_name] = min(quantity, max(0, quantity * elapsed // length))
    return counts


def _issues(rng: random.Random) -> tuple[ReportedIssue, ...]:
    if rng.random() >= ISSUE_CHANCE:
        return ()
    flags = rng.sample(list(IssueFlag), rng.choice((1, 1, 2)))
    return tuple(ReportedIssue(f, rng.choice((None, 2, 4, 7, 10))) for f in flags)


def write_csv(path: Path, header: Sequence[str], rows: Sequence[Sequence[object]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def factories_file(folder: Path) -> Path:
    return write_csv(folder / "factories.csv", FACTORY_HEADER, [(BRAND, *f) for f in FACTORIES])


def pos_file(folder: Path, orders: Sequence[Order]) -> Path:
    """Two colourway lines per PO, both made in its one production order."""
    rows = [
        (
            BRAND,
            order.po_number,
            order.factory,
            order.style,
            f"Style {order.style}",
            colorway,
            order.quantity // len(COLORWAYS),
            "6.85",
            "USD",
            order.committed_exf.isoformat(),
        )
        for order in orders
        for colorway in COLORWAYS
    ]
    return write_csv(folder / "pos.csv", PO_HEADER, rows)


def derived_plan(order: Order) -> dict[Milestone, date]:
    """The plan the POs import derives for an order given without T&A dates."""
    return derive_plan(order.committed_exf - timedelta(days=BUFFER_DAYS))


def checkins_file(
    folder: Path, orders: Sequence[Order], reports: int, rng: random.Random, today: date = TODAY
) -> tuple[Path, int]:
    """Up to `reports` check-ins per started order (times written as UTC); returns the rows."""
    rows = []
    for order in orders:
        plan = derived_plan(order)
        quantity = order.quantity // len(COLORWAYS) * len(COLORWAYS)
        for report in history(plan, quantity, today, reports, rng):
            q = report.quantities
            rows.append(
                (
                    order.production_order,
                    report.reported_at.strftime("%Y-%m-%d %H:%M+00:00"),
                    report.milestone.value if report.milestone else "",
                    *(q.get(name, "") for name in ("cut", "sewn", "finished", "packed", "shipped")),
                    "; ".join(
                        i.flag.value if i.delay_days is None else f"{i.flag.value}:{i.delay_days}"
                        for i in report.issues
                    ),
                    report.revised_exf.isoformat() if report.revised_exf else "",
                )
            )
    return write_csv(folder / "checkins.csv", CHECKIN_HEADER, rows), len(rows)
