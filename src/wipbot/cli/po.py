"""`wipbot po`: what a production manager wants at a glance, as tables or as JSON."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from typing import TypeVar

import typer
from rich import box
from rich.console import Group, RenderableType
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from wipbot.production.milestones import QUANTITY_FIELDS, Milestone
from wipbot.production.risk import RiskStatus
from wipbot.store.db import SessionFactory, reading
from wipbot.store.wip import (
    BrandNotFound,
    OrderStatus,
    PoStatus,
    close_matches,
    matching_factories,
    po_status,
    resolve_brand,
    status_to_json,
    wip_board,
)

from .common import (
    JsonOption,
    fail,
    not_blank,
    print_json,
    run,
    show,
    shown_value,
    with_database,
    within_calendar,
)

T = TypeVar("T")

app = typer.Typer(help="Purchase orders: status at a glance.", no_args_is_help=True)

BrandOption = typer.Option(None, "--brand", help="Brand name; defaults to the only brand.")
AsOfOption = typer.Option(
    None,
    "--as-of",
    help="Judge as of this date (YYYY-MM-DD), from what was known then; default: today.",
)
TodayOption = typer.Option(
    None, "--today", hidden=True, help="Older spelling of --as-of, kept for scripts."
)

STATUS_STYLE: dict[RiskStatus, str] = {
    RiskStatus.LATE: "bold red",
    RiskStatus.AT_RISK: "yellow",
    RiskStatus.ON_TRACK: "green",
}
STATUS_LABEL: dict[RiskStatus, str] = {
    RiskStatus.LATE: "late",
    RiskStatus.AT_RISK: "at risk",
    RiskStatus.ON_TRACK: "on track",
}


class NotFound(Exception):
    """What the user asked for does not exist; the message says what does."""


@app.command("status")
def status_command(
    po_number: str = typer.Argument(..., metavar="PO", help="PO number, e.g. PO-1042."),
    brand: str | None = BrandOption,
    as_of: str | None = AsOfOption,
    today: str | None = TodayOption,
    as_json: bool = JsonOption,
) -> None:
    """One PO: factory, committed vs projected ex-factory, milestones, quantities, drivers."""
    day, known = _day(today, "--today") or date.today(), _day(as_of, "--as-of")

    async def work(factory: SessionFactory) -> PoStatus:
        async with reading(factory) as session:
            found = await resolve_brand(session, brand)
            assert found.id is not None
            status = await po_status(session, found.id, po_number, today=day, as_of=known)
            if status is None:
                matches = await close_matches(session, found.id, po_number)
                hint = f"; did you mean {', '.join(matches)}?" if matches else ""
                raise NotFound(f"no PO {shown_value(po_number)} for {found.name}{hint}")
            return status

    status = _run(work)
    if as_json:
        print_json(status_to_json(status))
    else:
        show(status_view(status))


@app.command("list")
def list_command(
    late: bool = typer.Option(False, "--late", help="Only POs projected to ship late."),
    factory_name: str | None = typer.Option(
        None, "--factory", help="Factory code or (part of its) name."
    ),
    brand: str | None = BrandOption,
    as_of: str | None = AsOfOption,
    today: str | None = TodayOption,
    as_json: bool = JsonOption,
) -> None:
    """Every PO, most urgent first: projected vs committed ex-factory, milestone, progress."""
    if factory_name is not None:
        not_blank(factory_name, "--factory")
    day, known = _day(today, "--today") or date.today(), _day(as_of, "--as-of")

    async def work(factory: SessionFactory) -> list[PoStatus]:
        async with reading(factory) as session:
            found = await resolve_brand(session, brand)
            assert found.id is not None
            if factory_name is not None and not await matching_factories(
                session, found.id, factory_name
            ):
                raise NotFound(f"no factory matching {shown_value(factory_name)} for {found.name}")
            return await wip_board(
                session, found.id, today=day, factory=factory_name, late_only=late, as_of=known
            )

    board = _run(work)
    if as_json:
        print_json([status_to_json(s) for s in board])
        return
    show(board_table(board, title=_board_title(board, day, known, late)))


def _run(work: Callable[[SessionFactory], Awaitable[T]]) -> T:
    try:
        return run(with_database(work))
    except (BrandNotFound, NotFound) as error:
        raise fail(str(error)) from None


def _board_title(board: list[PoStatus], today: date, as_of: date | None, late: bool) -> str:
    what = "Late POs" if late else "WIP board"
    brand = f" · {escape(board[0].brand)}" if board else ""
    when = f"as of {as_of.isoformat()}" if as_of else f"on {today.isoformat()}"
    return f"{what}{brand} {when}"


def board_table(board: list[PoStatus], *, title: str = "WIP board") -> RenderableType:
    """One row per PO, most urgent first; the same renderer serves `po list` and the demo."""
    if not board:
        return Text("No POs to show.", style="dim")
    table = _table(title)
    table.add_column("PO", no_wrap=True)
    table.add_column("Factory", no_wrap=True)
    table.add_column("Qty", justify="right", no_wrap=True)
    table.add_column("Committed", no_wrap=True)
    table.add_column("Projected", no_wrap=True)
    table.add_column("Slack", justify="right", no_wrap=True)
    table.add_column("Status", no_wrap=True)
    table.add_column("Milestone", no_wrap=True)
    table.add_column("Done", justify="right", no_wrap=True)
    table.add_column("Check-in", justify="right", no_wrap=True)
    table.add_column("Main driver", min_width=12)
    for status in board:
        risk = status.risk
        cells: list[RenderableType] = [
            Text(status.po_number),
            Text(status.factory.code),
            f"{status.total_quantity:,}",
            status.committed_exf.isoformat(),
            Text(risk.projected_exf.isoformat(), style=STATUS_STYLE[risk.status]),
            _signed(risk.slack_days),
            Text(STATUS_LABEL[risk.status], style=STATUS_STYLE[risk.status]),
            _milestone(status.current_milestone),
            f"{status.percent_complete:.0f}%",
            _age(status.last_checkin_age_days, risk.stale),
            Text(risk.drivers[0] if risk.drivers else ""),
        ]
        table.add_row(*cells)
    return table


def status_view(status: PoStatus) -> RenderableType:
    """Header with the verdict and why, then production orders, milestones, lines and issues."""
    parts: list[RenderableType] = [_header(status), _orders_table(status), _milestones(status)]
    parts.append(_lines_table(status))
    if status.open_issues:
        named = len(status.orders) > 1
        issues = Text("Open issues: ", style="bold")
        issues.append(
            "; ".join(
                f"{i.flag.value}"
                + (f" +{i.delay_days} d" if i.delay_days else "")
                + (f" ({i.production_order})" if named else "")
                for i in status.open_issues
            )
        )
        parts.append(issues)
    return Group(*parts)


def _table(title: str) -> Table:
    return Table(
        title=title,
        title_justify="left",
        title_style="bold",
        header_style="bold",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        collapse_padding=True,
    )


def _header(status: PoStatus) -> RenderableType:
    risk, factory = status.risk, status.factory
    verdict = Text(STATUS_LABEL[risk.status].upper(), style=STATUS_STYLE[risk.status])
    verdict.append(f"  slack {_signed(risk.slack_days)} d", style="bold")
    colorways = len(status.colorways)
    lines = [
        Text.assemble(
            ("Factory     ", "dim"),
            f"{factory.name} ({factory.code}) · {factory.country} · {factory.timezone}",
        ),
        Text.assemble(
            ("Committed   ", "dim"),
            f"{status.committed_exf.isoformat()} ex-factory · in DC "
            f"{status.in_dc_date.isoformat() if status.in_dc_date else '-'} · {status.incoterm}",
        ),
        Text.assemble(
            ("Projected   ", "dim"), (risk.projected_exf.isoformat(), STATUS_STYLE[risk.status])
        ),
        Text.assemble(
            ("Quantity    ", "dim"),
            f"{status.total_quantity:,} pcs · {', '.join(status.styles)} · "
            f"{colorways} colorway{'s' if colorways != 1 else ''}",
        ),
        Text.assemble(
            ("Progress    ", "dim"),
            f"{_milestone(status.current_milestone)} · {status.percent_complete:g} % · "
            "last check-in ",
            _age(status.last_checkin_age_days, risk.stale),
            (f" ({risk.stale_reason})" if risk.stale_reason else "", "dim"),
        ),
        verdict,
    ]
    if status.revised_exf:
        lines.append(Text(f"Factory revised ex-factory to {status.revised_exf.isoformat()}"))
    lines += [Text(f"  • {driver}") for driver in risk.drivers]
    when = f"as of {status.as_of.isoformat()}" if status.as_of else status.judged_on.isoformat()
    return Panel(
        Group(*lines),
        title=f"[bold]{escape(status.po_number)}[/bold] · {escape(status.brand)}",
        subtitle=f"judged {when}",
        title_align="left",
    )


def _orders_table(status: PoStatus) -> RenderableType:
    table = _table("Production orders")
    table.add_column("Order", no_wrap=True)
    table.add_column("Qty", justify="right", no_wrap=True)
    table.add_column("Gate", no_wrap=True)
    table.add_column("Milestone", no_wrap=True)
    table.add_column("Done", justify="right", no_wrap=True)
    table.add_column("Quantities")
    table.add_column("Check-in", justify="right", no_wrap=True)
    table.add_column("Projected", no_wrap=True)
    table.add_column("Status", no_wrap=True)
    for order in status.orders:
        risk = order.risk
        table.add_row(
            Text(order.number),
            f"{order.quantity:,}",
            Text(order.gate_status),
            _milestone(order.current_milestone),
            f"{order.percent_complete:.0f}%",
            _quantities(order),
            _age(order.last_checkin_age_days, risk.stale),
            risk.projected_exf.isoformat(),
            Text(STATUS_LABEL[risk.status], style=STATUS_STYLE[risk.status]),
        )
    return table


def _milestones(status: PoStatus) -> RenderableType:
    """Planned → actual per production order; ~ marks a plan date derived, not given."""
    table = _table("Milestones: planned → actual")
    table.add_column("Milestone", no_wrap=True)
    for order in status.orders:
        table.add_column(escape(order.number) if len(status.orders) > 1 else "Plan → actual")
    names = [m.milestone for m in status.orders[0].milestones] if status.orders else []
    for index, milestone in enumerate(names):
        cells: list[RenderableType] = [_milestone(milestone)]
        for order in status.orders:
            info = order.milestones[index]
            cell = Text(("~" if info.derived else "") + _short(info.planned))
            if info.actual is not None:
                late = info.days_late or 0
                style = "red" if late > 0 else "green"
                cell.append(f" → {_short(info.actual)}", style=style)
                if late:
                    cell.append(f" ({_signed(late)} d)", style=style)
            elif info.days_late:
                cell.append(f" → overdue {info.days_late} d", style="red")
            cells.append(cell)
        table.add_row(*cells)
    return table


def _lines_table(status: PoStatus) -> RenderableType:
    table = _table("Lines")
    table.add_column("Style", no_wrap=True)
    table.add_column("Name")
    table.add_column("Colorway")
    table.add_column("Qty", justify="right", no_wrap=True)
    table.add_column(f"FOB {status.currency}", justify="right", no_wrap=True)
    for line in status.lines:
        table.add_row(
            Text(line.style),
            Text(line.style_name),
            Text(line.colorway),
            f"{line.quantity:,}",
            f"{line.unit_price:.2f}",
        )
    return table


def _quantities(order: OrderStatus) -> str:
    return " · ".join(
        f"{name} {order.quantities[name]:,}" for name in QUANTITY_FIELDS if name in order.quantities
    )


def _short(day: date) -> str:
    return day.strftime("%d %b")


def _milestone(milestone: Milestone | None) -> str:
    return milestone.value.replace("_", " ") if milestone else "not started"


def _age(days: int | None, stale: bool) -> Text:
    if days is None:
        return Text("never", style="dim")
    return Text("today" if days == 0 else f"{days} d ago", style="bold red" if stale else "")


def _signed(days: int) -> str:
    return f"{days:+d}" if days else "0"


def _day(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    from wipbot.store.importing.cells import parse_date  # the importers' date rules, when asked

    try:
        day = parse_date(value)
    except ValueError as error:
        raise fail(f"{option}: {error}") from None
    return within_calendar(day, option, value)
