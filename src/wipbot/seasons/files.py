"""A season written as the files `wipbot import` reads, plus the truth the importer never sees."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from pathlib import Path

from wipbot.production.milestones import MILESTONES, Milestone

from .generate import Season

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
FACTORY_COLUMNS = (
    "brand", "code", "name", "country", "timezone", "language",
    "checkin_weekday", "checkin_time", "closures",
)  # fmt: skip
PO_COLUMNS = (
    "brand", "po_number", "factory", "style", "style_name", "colorway", "quantity",
    "unit_price", "currency", "selling_price", "committed_exf", "in_dc", "incoterm",
    "production_order", *(f"tna_{m.value}" for m in MILESTONES), "gate_approved",
)  # fmt: skip
CHECKIN_COLUMNS = (
    "production_order", "reported_at", "milestone", "qty_cut", "qty_sewn", "qty_finished",
    "qty_packed", "qty_shipped", "issues", "revised_exf", "note",
)  # fmt: skip
TRUTH_COLUMNS = (
    "production_order", "po_number", "factory", "habit", "quantity", "committed_exf",
    "planned_ship", "shipped_on", "days_late", "late", "causes", "hidden",
)  # fmt: skip
FILES = ("factories.csv", "pos.csv", "checkins.csv", "truth.csv")


def write_season(season: Season, out: Path) -> list[Path]:
    """The four files in `out` (created if missing); returns their paths."""
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / name for name in FILES]
    _write(paths[0], FACTORY_COLUMNS, _factories(season))
    _write(paths[1], PO_COLUMNS, _pos(season))
    columns: tuple[str, ...] = CHECKIN_COLUMNS
    if season.assumptions.shipped_on_column:
        columns = (*CHECKIN_COLUMNS, "shipped_on")
    _write(paths[2], columns, _checkins(season))
    _write(paths[3], TRUTH_COLUMNS, _truth(season))
    return paths


def _write(path: Path, columns: Sequence[str], rows: Iterable[dict[str, object]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(columns), extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: "" if v is None else v for k, v in row.items()})


def _factories(season: Season) -> Iterable[dict[str, object]]:
    for f in season.assumptions.factories:
        yield {
            "brand": season.assumptions.brand,
            "code": f.code,
            "name": f.name,
            "country": f.country,
            "timezone": f.timezone,
            "language": f.language,
            "checkin_weekday": WEEKDAYS[f.checkin_weekday],
            "checkin_time": f.checkin_time,
            "closures": "; ".join(f"{c.start}..{c.end} {c.name}" for c in f.closures),
        }


def _pos(season: Season) -> Iterable[dict[str, object]]:
    truth = {o.number: o for o in season.orders}
    for po in season.purchase_orders:
        for line in po.lines:
            order = truth[line.production_order]
            plan = {
                f"tna_{m.value}": order.plan[m] if po.factory.shares_tna else None
                for m in MILESTONES
            }
            yield {
                "brand": season.assumptions.brand,
                "po_number": po.po_number,
                "factory": po.factory.code,
                "style": line.style,
                "style_name": line.style_name,
                "colorway": line.colorway,
                "quantity": line.quantity,
                "unit_price": line.unit_price,
                "currency": "USD",
                "selling_price": line.selling_price,
                "committed_exf": po.committed,
                "in_dc": po.in_dc,
                "incoterm": "FOB",
                "production_order": line.production_order,
                **plan,
                "gate_approved": po.gate_approved,
            }


def _checkins(season: Season) -> Iterable[dict[str, object]]:
    for row in season.checkins:
        issues = "; ".join(
            f"{flag.value}:{days}" if days else flag.value for flag, days in row.issues
        )
        yield {
            "production_order": row.production_order,
            "reported_at": row.reported_at.strftime("%Y-%m-%d %H:%M"),
            "milestone": row.milestone.value if row.milestone else "",
            **{f"qty_{name}": qty for name, qty in row.quantities.items()},
            "issues": issues,
            "revised_exf": row.revised_exf,
            "note": row.note,
            "shipped_on": row.shipped_on,
        }


def _truth(season: Season) -> Iterable[dict[str, object]]:
    po_of = {
        line.production_order: po.po_number for po in season.purchase_orders for line in po.lines
    }
    for order in season.orders:
        yield {
            "production_order": order.number,
            "po_number": po_of[order.number],
            "factory": order.factory.code,
            "habit": order.factory.habit,
            "quantity": order.quantity,
            "committed_exf": order.committed,
            "planned_ship": order.plan[Milestone.SHIPPED],
            "shipped_on": order.shipped_on,
            "days_late": order.days_late,
            "late": "yes" if order.days_late > 0 else "no",
            "causes": "; ".join(f"{p.flag.value}:{p.days}" for p in order.problems),
            "hidden": "; ".join(p.flag.value for p in order.problems if p.hidden),
        }
