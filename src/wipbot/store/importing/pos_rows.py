"""Checking the purchase-orders file row by row and folding the rows into their POs, production
orders and lines (see `pos` for the columns), before anything is written."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from wipbot.production.milestones import MILESTONES, Milestone
from wipbot.production.names import key
from wipbot.store.models import Factory

from .agreement import Agreement
from .cells import Row, parse_currency, parse_date, parse_incoterm, parse_money
from .cells import parse_positive_count as parse_quantity
from .errors import RowError

TNA_COLUMNS: dict[Milestone, str] = {m: f"tna_{m.value}" for m in MILESTONES}
REQUIRED = (
    "brand",
    "po_number",
    "factory",
    "style",
    "colorway",
    "quantity",
    "unit_price",
    "currency",
    "committed_exf",
)
OPTIONAL = (
    "style_name",
    "season",
    "selling_price",
    "in_dc",
    "incoterm",
    "production_order",
    *TNA_COLUMNS.values(),
    "gate_approved",
)


@dataclass(frozen=True)
class PoRow:
    line: int
    po_number: str
    factory: Factory
    style: str
    style_name: str | None
    colorway: str
    quantity: int
    unit_price: Decimal
    currency: str
    selling_price: Decimal | None
    committed_exf: date
    in_dc: date | None
    incoterm: str | None
    production_order: str
    tna: dict[Milestone, date]
    gate_approved: date | None = None
    season: str | None = None


@dataclass
class ParsedOrder:
    number: str
    quantity: int = 0
    tna: dict[Milestone, date] = field(default_factory=dict)
    gate_approved: date | None = None


@dataclass
class ParsedLine:
    style: str
    colorway: str
    unit_price: Decimal
    order_key: str
    quantity: int = 0
    selling_price: Decimal | None = None


@dataclass
class ParsedPo:
    number: str
    factory: Factory
    currency: str
    committed_exf: date
    rows: int = 0
    in_dc: date | None = None
    incoterm: str | None = None
    lines: dict[tuple[str, str], ParsedLine] = field(default_factory=dict)
    orders: dict[str, ParsedOrder] = field(default_factory=dict)


def parse_row(row: Row, factories: dict[str, Factory] | None) -> PoRow | None:
    """`factories` is None when the brand is unknown: then no factory can be checked."""
    po_number = row.text("po_number", max_length=40)
    factory_code = row.text("factory", max_length=32)
    factory = None
    if factory_code is not None and factories is not None:
        factory = factories.get(key(factory_code))
        if factory is None:
            known = ", ".join(sorted(f.code for f in factories.values())) or "none yet"
            row.error("factory", f"unknown factory {factory_code!r}; known codes: {known}")
    style = row.text("style", max_length=40)
    style_name = row.text("style_name", required=False, max_length=160)
    season = row.text("season", required=False, max_length=16)
    colorway = row.text("colorway", max_length=60)
    quantity = row.value("quantity", parse_quantity)
    unit_price = row.value("unit_price", parse_money)
    currency = row.value("currency", parse_currency)
    selling_price = row.value("selling_price", parse_money, required=False)
    committed = row.value("committed_exf", parse_date)
    in_dc = row.value("in_dc", parse_date, required=False)
    incoterm = row.value("incoterm", parse_incoterm, required=False)
    production_order = row.text("production_order", required=False, max_length=48)
    tna = {m: row.value(column, parse_date, required=False) for m, column in TNA_COLUMNS.items()}
    gate_approved = row.value("gate_approved", parse_date, required=False)
    if committed and in_dc and in_dc < committed:
        row.error("in_dc", f"{in_dc.isoformat()} is before committed_exf {committed.isoformat()}")
    if (
        not row.ok
        or po_number is None
        or factory is None
        or style is None
        or colorway is None
        or quantity is None
        or unit_price is None
        or currency is None
        or committed is None
    ):
        return None
    return PoRow(
        line=row.line,
        po_number=po_number,
        factory=factory,
        style=style,
        style_name=style_name,
        colorway=colorway,
        quantity=quantity,
        unit_price=unit_price,
        currency=currency,
        selling_price=selling_price,
        committed_exf=committed,
        in_dc=in_dc,
        incoterm=incoterm,
        production_order=production_order or f"{po_number}-A",
        tna={m: d for m, d in tna.items() if d is not None},
        gate_approved=gate_approved,
        season=season,
    )


def collect_row(
    row: Row,
    item: PoRow,
    pos: dict[str, ParsedPo],
    styles: dict[str, tuple[str, str | None, str | None]],
    agree: Agreement,
    seen: dict[tuple[str, ...], int],
    owners: dict[str, str],
) -> None:
    """Fold one row into its PO, checking it against every earlier row it must agree with."""
    po_key, order_key = key(item.po_number), key(item.production_order)
    line_key = (key(item.style), key(item.colorway))
    row_key = (po_key, order_key, *line_key)
    if row_key in seen:
        row.error(
            "production_order",
            f"{item.production_order} {item.style} {item.colorway} is already on line "
            f"{seen[row_key]}; add the quantities into one row",
        )
        return
    seen[row_key] = row.line

    po_label = item.po_number
    agree.check(row, po_key, po_label, "factory", item.factory.code)
    agree.check(row, po_key, po_label, "currency", item.currency)
    agree.check(row, po_key, po_label, "committed_exf", item.committed_exf)
    agree.check(row, po_key, po_label, "in_dc", item.in_dc)
    agree.check(row, po_key, po_label, "incoterm", item.incoterm)
    agree.check(row, f"order {order_key}", item.production_order, "po_number", item.po_number)
    for milestone, day in item.tna.items():
        agree.check(row, f"order {order_key}", item.production_order, TNA_COLUMNS[milestone], day)
    agree.check(
        row, f"order {order_key}", item.production_order, "gate_approved", item.gate_approved
    )
    line_group = f"line {po_key} {line_key}"
    line_label = f"{item.po_number} {item.style} {item.colorway}"
    agree.check(row, line_group, line_label, "unit_price", item.unit_price)
    agree.check(row, line_group, line_label, "selling_price", item.selling_price)
    agree.check(row, f"style {line_key[0]}", item.style, "style_name", item.style_name)
    agree.check(row, f"style {line_key[0]}", item.style, "season", item.season)
    owner = owners.get(order_key)
    if owner is not None and owner != po_key:
        row.error(
            "production_order", f"{item.production_order} already belongs to another PO ({owner})"
        )
    if not row.ok:
        return

    po = pos.setdefault(
        po_key, ParsedPo(item.po_number, item.factory, item.currency, item.committed_exf)
    )
    po.rows += 1
    po.in_dc = po.in_dc or item.in_dc
    po.incoterm = po.incoterm or item.incoterm
    order = po.orders.setdefault(order_key, ParsedOrder(item.production_order))
    order.quantity += item.quantity
    order.tna.update(item.tna)
    order.gate_approved = order.gate_approved or item.gate_approved
    line = po.lines.setdefault(
        line_key, ParsedLine(item.style, item.colorway, item.unit_price, order_key)
    )
    line.quantity += item.quantity
    line.selling_price = line.selling_price or item.selling_price
    known_code, known_name, known_season = styles.get(line_key[0], (item.style, None, None))
    styles[line_key[0]] = (
        known_code,
        known_name or item.style_name,
        known_season or item.season,
    )


def check_plans(
    file: str, pos: dict[str, ParsedPo], agree: Agreement, errors: list[RowError]
) -> None:
    """Planned dates must run forwards and end no later than the committed ex-factory date."""
    for po in pos.values():
        for order_key, order in po.orders.items():
            group = f"order {order_key}"
            earlier: tuple[Milestone, date] | None = None
            for milestone in MILESTONES:
                day = order.tna.get(milestone)
                if day is None:
                    continue
                column = TNA_COLUMNS[milestone]
                given = agree.get(group, column)
                line = given[1] if given else 1
                if earlier is not None and day < earlier[1]:
                    errors.append(
                        RowError(
                            file,
                            line,
                            column,
                            f"{day.isoformat()} is before {TNA_COLUMNS[earlier[0]]} "
                            f"{earlier[1].isoformat()}; milestones run in order",
                        )
                    )
                earlier = (milestone, day)
            shipped = order.tna.get(Milestone.SHIPPED)
            if shipped is not None and shipped > po.committed_exf:
                given = agree.get(group, TNA_COLUMNS[Milestone.SHIPPED])
                errors.append(
                    RowError(
                        file,
                        given[1] if given else 1,
                        "tna_shipped",
                        f"{shipped.isoformat()} is after committed_exf "
                        f"{po.committed_exf.isoformat()}",
                    )
                )
