"""`wipbot cost PO`: the landed cost of a PO line by line, and the margin it leaves."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import typer
from rich import box
from rich.console import Group, RenderableType
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from wipbot.handlers.landed_cost import LandedCostError, PoLandedCost, landed_cost
from wipbot.production.landed_cost import ChargeKind
from wipbot.store.db import SessionFactory
from wipbot.store.wip import BrandNotFound, resolve_brand

from .common import JsonOption, console, fail, print_json, run, with_database

CENTS = Decimal("0.01")
WIDE = 120
"""Terminal width from which every charge kind gets its own column."""
CHARGE_HEADERS: dict[ChargeKind, str] = {
    ChargeKind.FREIGHT: "Freight",
    ChargeKind.INSURANCE: "Insur.",
    ChargeKind.DUTY: "Duty",
    ChargeKind.BROKER: "Broker",
    ChargeKind.OTHER: "Other",
}


def cost_command(
    po_number: str = typer.Argument(..., metavar="PO", help="PO number, e.g. PO-1036."),
    brand: str | None = typer.Option(None, "--brand", help="Brand name; defaults to the only one."),
    as_json: bool = JsonOption,
) -> None:
    """Landed cost per line: FOB, freight, insurance, duty, broker, other; margin vs selling.

    Charges come from `wipbot import charges` and must be in the PO's currency.
    """

    async def work(factory: SessionFactory) -> PoLandedCost:
        async with factory() as session:
            found = await resolve_brand(session, brand)
            assert found.id is not None
            return await landed_cost(session, found.id, po_number)

    try:
        cost = run(with_database(work))
    except (BrandNotFound, LandedCostError) as error:
        raise fail(str(error)) from None
    if as_json:
        print_json(cost_to_json(cost))
    else:
        console.print(cost_view(cost))


def cost_view(cost: PoLandedCost, width: int | None = None) -> RenderableType:
    """The line table with a totals row, then how the total is made up and what was spread.

    From WIDE columns every charge kind has its own column; narrower, kinds with no charge are
    left out, and with more than two left the charges share one column.
    """
    totals = cost.totals
    kinds = list(CHARGE_HEADERS)
    if (width or console.width) < WIDE:
        kinds = [kind for kind in kinds if totals.charges[kind]]
        if len(kinds) > 2:
            kinds = []
    table = _table(cost, kinds)
    for line in cost.lines:
        table.add_row(
            Text(f"{line.style} {line.colorway}"),
            f"{line.units:,}",
            money(line.fob_unit_price),
            *_charge_cells(line.charges, line.charges_total, kinds),
            Text(money(line.landed_unit_cost), style="bold"),
            _optional(line.selling_price),
            _margin(line.margin_per_unit),
            _percent(line.margin_pct),
        )
    table.add_section()
    table.add_row(
        Text("Total", style="bold"),
        f"{totals.units:,}",
        money(totals.fob_unit_price),
        *_charge_cells(totals.charges, totals.charges_total, kinds),
        Text(money(totals.landed_unit_cost), style="bold"),
        _optional(totals.selling_price),
        _margin(totals.margin_per_unit),
        _percent(totals.margin_pct),
    )
    summary = Text.assemble(
        ("FOB ", "dim"),
        money(totals.fob_total),
        (" + charges ", "dim"),
        money(totals.charges_total),
        (" = landed ", "dim"),
        (f"{money(totals.landed_total)} {cost.currency}", "bold"),
    )
    if totals.margin_total is not None and totals.revenue is not None:
        summary.append(" · selling value ", style="dim")
        summary.append(money(totals.revenue))
        summary.append(" · margin ", style="dim")
        summary.append(money(totals.margin_total), style=_margin_style(totals.margin_total))
        summary.append(f" ({_percent(totals.margin_pct)})")
    parts: list[RenderableType] = [table, summary]
    if cost.charges:
        parts += [
            Text(
                f"  {c.kind.value} {money(c.amount)} {c.currency} by {c.basis.value}"
                + (f" · {c.reference}" if c.reference else "")
                + (f" · {c.stage}" if c.stage != "actual" else ""),
                style="dim",
            )
            for c in cost.charges
        ]
    else:
        parts.append(
            Text(
                f"No charges for {cost.po_number} yet: landed cost is the FOB price. "
                "Import them with `wipbot import charges FILE`.",
                style="yellow",
            )
        )
    return Group(*parts)


def _table(cost: PoLandedCost, kinds: list[ChargeKind]) -> Table:
    where = f"{cost.factory} · {cost.incoterm} · {cost.currency}"
    table = Table(
        title=escape(f"Landed cost · {cost.po_number} · {where}"),
        title_justify="left",
        title_style="bold",
        header_style="bold",
        caption="Charges are each line's share in total; /u columns are per unit "
        "(averages on the total row).",
        caption_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        collapse_padding=True,
    )
    table.add_column("Style / colorway", min_width=12, overflow="fold")
    table.add_column("Units", justify="right", no_wrap=True)
    table.add_column("FOB/u", justify="right", no_wrap=True)
    if kinds:
        for kind in kinds:
            table.add_column(CHARGE_HEADERS[kind], justify="right", no_wrap=True)
    else:
        table.add_column("Charges", justify="right", no_wrap=True)
    table.add_column("Landed/u", justify="right", no_wrap=True)
    table.add_column("Sell/u", justify="right", no_wrap=True)
    table.add_column("Margin/u", justify="right", no_wrap=True)
    table.add_column("Margin %", justify="right", no_wrap=True)
    return table


def _charge_cells(
    charges: dict[ChargeKind, Decimal], total: Decimal, kinds: list[ChargeKind]
) -> list[str]:
    if not kinds:
        return [money(total)]
    return [money(charges[kind]) for kind in kinds]


def cost_to_json(cost: PoLandedCost) -> dict[str, Any]:
    """Money as strings, so no digit is lost on the way to a spreadsheet."""
    totals = cost.totals
    return {
        "po_number": cost.po_number,
        "factory": cost.factory,
        "incoterm": cost.incoterm,
        "currency": cost.currency,
        "lines": [
            {
                "style": line.style,
                "style_name": line.style_name,
                "colorway": line.colorway,
                "units": line.units,
                "fob_unit_price": _json(line.fob_unit_price),
                "fob_total": _json(line.fob_total),
                "charges": {kind.value: _json(line.charges[kind]) for kind in ChargeKind},
                "charges_total": _json(line.charges_total),
                "landed_total": _json(line.landed_total),
                "landed_unit_cost": str(line.landed_unit_cost),
                "selling_price": _json(line.selling_price),
                "margin_per_unit": _exact(line.margin_per_unit),
                "margin_pct": _exact(line.margin_pct),
            }
            for line in cost.lines
        ],
        "totals": {
            "units": totals.units,
            "fob_total": _json(totals.fob_total),
            "charges": {kind.value: _json(totals.charges[kind]) for kind in ChargeKind},
            "charges_total": _json(totals.charges_total),
            "landed_total": _json(totals.landed_total),
            "landed_unit_cost": str(totals.landed_unit_cost),
            "revenue": _json(totals.revenue),
            "margin_total": _json(totals.margin_total),
            "margin_pct": _exact(totals.margin_pct),
        },
        "charges": [
            {
                "kind": c.kind.value,
                "amount": _json(c.amount),
                "currency": c.currency,
                "basis": c.basis.value,
                "reference": c.reference,
                "stage": c.stage,
            }
            for c in cost.charges
        ],
    }


def money(amount: Decimal) -> str:
    """Two decimals, or every decimal there is when an amount is finer than cents."""
    cents = amount.quantize(CENTS)
    if cents == amount:
        return f"{cents:,.2f}"
    return f"{amount.normalize():,f}"


def _json(amount: Decimal | None) -> str | None:
    if amount is None:
        return None
    cents = amount.quantize(CENTS)
    return str(cents) if cents == amount else f"{amount.normalize():f}"


def _exact(value: Decimal | None) -> str | None:
    """Unit costs and percentages keep the places they were rounded to."""
    return str(value) if value is not None else None


def _optional(amount: Decimal | None) -> str:
    return money(amount) if amount is not None else "-"


def _margin(amount: Decimal | None) -> Text:
    if amount is None:
        return Text("-", style="dim")
    return Text(money(amount), style=_margin_style(amount))


def _margin_style(amount: Decimal) -> str:
    return "red" if amount < 0 else ""


def _percent(value: Decimal | None) -> str:
    return f"{value} %" if value is not None else "-"
