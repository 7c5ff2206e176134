"""`wipbot qc`: record an inline or final inspection and see the verdict; list inspections."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from typing import Any, TypeVar

import typer
from rich import box
from rich.console import Group, RenderableType
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from wipbot.handlers.qc import (
    AlertChange,
    DefectCount,
    Inspection,
    QcError,
    QcResult,
    find_production_order,
    inspection_history,
    parse_defect,
    recent_inspections,
    record_inspection,
)
from wipbot.store.db import SessionFactory, transaction
from wipbot.store.importing.cells import MAX_COUNT, parse_datetime
from wipbot.store.importing.checkins import to_utc
from wipbot.store.wip import BrandNotFound, resolve_brand

from .common import JsonOption, console, fail, print_json, run, with_database, within_calendar

T = TypeVar("T")

app = typer.Typer(help="QC inspections (AQL, ISO 2859-1): record, list.", no_args_is_help=True)

WIDE = 100
"""Terminal width from which the inspection list shows the time of day and the sample."""
BrandOption = typer.Option(None, "--brand", help="Brand name; defaults to the only brand.")
RESULT_STYLE = {True: "bold green", False: "bold red"}
ALERT_WORDS: dict[AlertChange, str] = {
    AlertChange.RAISED: "qc_failed alert raised",
    AlertChange.UPDATED: "qc_failed alert updated",
    AlertChange.STILL_OPEN: "qc_failed alert still open",
    AlertChange.RESOLVED: "qc_failed alert resolved",
}


@app.command("record")
def record_command(
    number: str = typer.Argument(
        ..., metavar="ORDER", help="Production order, e.g. PO-1042-A (or a PO with one order)."
    ),
    kind: str = typer.Option("final", "--kind", help="inline or final."),
    lot: int = typer.Option(..., "--lot", help="Lot size: pieces offered for inspection."),
    defects: list[str] = typer.Option(
        [],
        "--defect",
        help="CATEGORY:SEVERITY:COUNT, e.g. 'open seam:major:3'; repeat for each category.",
    ),
    inspector: str = typer.Option("", "--inspector", help="Who inspected."),
    level: str = typer.Option("II", "--level", help="Inspection level: I, II, III, S-1..S-4."),
    aql_critical: str | None = typer.Option(None, "--aql-critical", help="Default 0."),
    aql_major: str | None = typer.Option(None, "--aql-major", help="Default 2.5."),
    aql_minor: str | None = typer.Option(None, "--aql-minor", help="Default 4.0."),
    at: str | None = typer.Option(
        None, "--at", help="When: ISO date and time; without an offset, the factory's local time."
    ),
    note: str = typer.Option("", "--note", help="Free text kept with the inspection."),
    brand: str | None = BrandOption,
    as_json: bool = JsonOption,
) -> None:
    """Judge an inspection by AQL: sampling plans, found vs accept/reject, PASS or FAIL.

    A failure raises the qc_failed alert; a later passing inspection of the same kind resolves it.
    """
    found = _defects(defects)
    when = _when(at)
    if lot > MAX_COUNT:
        raise fail(f"--lot: {lot} is too large; at most {MAX_COUNT:,} pieces")

    async def work(factory: SessionFactory) -> QcResult:
        async with transaction(factory) as session:
            chosen = await resolve_brand(session, brand)
            assert chosen.id is not None
            order = await find_production_order(session, chosen.id, number)
            inspected_at = to_utc(when, order.timezone) if when else datetime.now(UTC)
            return await record_inspection(
                session,
                brand_id=chosen.id,
                production_order_number=order.number,
                kind=kind,
                lot_size=lot,
                defects=found,
                inspector=inspector,
                inspected_at=inspected_at,
                level=level,
                aql_critical=aql_critical,
                aql_major=aql_major,
                aql_minor=aql_minor,
                note=note,
            )

    result = _run(work)
    if as_json:
        print_json({**inspection_to_json(result.inspection), "alert": _alert_json(result)})
        return
    console.print(inspection_view(result.inspection))
    alert = alert_line(result)
    if alert is not None:
        console.print(alert)


@app.command("list")
def list_command(
    number: str | None = typer.Argument(
        None, metavar="[ORDER]", help="A production order or PO; default: the latest of all."
    ),
    brand: str | None = BrandOption,
    as_json: bool = JsonOption,
) -> None:
    """Inspections of one production order or PO (oldest first), or the brand's latest."""

    async def work(factory: SessionFactory) -> list[Inspection]:
        async with factory() as session:
            chosen = await resolve_brand(session, brand)
            assert chosen.id is not None
            if number is None:
                return await recent_inspections(session, chosen.id)
            return await inspection_history(session, chosen.id, number)

    inspections = _run(work)
    if as_json:
        print_json([inspection_to_json(i) for i in inspections])
        return
    title = f"QC inspections · {escape(number)}" if number else "Latest QC inspections"
    console.print(inspections_table(inspections, title=title))


def inspection_view(inspection: Inspection) -> RenderableType:
    """The report an inspector hands over: what was inspected, each plan, and the verdict."""
    order = inspection.order
    head = Text.assemble(
        (("PASS" if inspection.passed else "FAIL"), RESULT_STYLE[inspection.passed]),
        "  ",
        (f"{order.number}", "bold"),
        f" · {inspection.kind.value} inspection · lot {inspection.lot_size:,} pcs"
        f" · level {inspection.config.level}",
    )
    where = Text(
        f"{order.po_number} · {order.factory_name} ({order.factory_code}) · "
        f"{inspection.local_time:%Y-%m-%d %H:%M} {order.timezone}"
        + (f" · {inspection.inspector}" if inspection.inspector else ""),
        style="dim",
    )
    table = Table(box=box.SIMPLE_HEAD, header_style="bold", pad_edge=False, collapse_padding=True)
    table.add_column("Severity", no_wrap=True)
    table.add_column("AQL", justify="right", no_wrap=True)
    table.add_column("Code", justify="center", no_wrap=True)
    table.add_column("Sample", justify="right", no_wrap=True)
    table.add_column("Found", justify="right", no_wrap=True)
    table.add_column("Accept", justify="right", no_wrap=True)
    table.add_column("Reject", justify="right", no_wrap=True)
    table.add_column("Result", no_wrap=True)
    for line in inspection.lines:
        table.add_row(
            line.severity.value,
            str(line.aql),
            line.plan.code_letter,
            str(line.plan.sample_size),
            Text(str(line.found), style="" if line.passed else "bold red"),
            str(line.plan.accept),
            str(line.plan.reject),
            Text("pass" if line.passed else "FAIL", style=RESULT_STYLE[line.passed]),
        )
    parts: list[RenderableType] = [head, where, table]
    parts.append(Text(f"Pull {inspection.sample_size} pieces at random from the lot.", "dim"))
    if inspection.defects:
        parts.append(Text.assemble(("Defects  ", "bold"), _defects_text(inspection.defects)))
    else:
        parts.append(Text("No defects found.", style="dim"))
    if inspection.passed:
        parts.append(Text("PASS: the lot is accepted.", style=RESULT_STYLE[True]))
    else:
        parts.append(
            Text(
                f"FAIL: {'; '.join(inspection.failures)}. Rework and re-inspect.",
                style=RESULT_STYLE[False],
            )
        )
    if inspection.note:
        parts.append(Text(f"Note: {inspection.note}", style="dim"))
    return Group(*parts)


def alert_line(result: QcResult) -> Text | None:
    words = ALERT_WORDS.get(result.alert)
    if words is None:
        return None
    style = "green" if result.alert is AlertChange.RESOLVED else "yellow"
    line = Text(f"{words} for {result.inspection.order.number}", style=style)
    if result.alert is not AlertChange.RESOLVED and result.alert_summary:
        line.append(f": {result.alert_summary}")
    return line


def inspections_table(
    inspections: list[Inspection], *, title: str, width: int | None = None
) -> RenderableType:
    """In the order given; below WIDE columns the time of day and the sample size are left out."""
    if not inspections:
        return Text("No inspections recorded yet.", style="dim")
    wide = (width or console.width) >= WIDE
    table = Table(
        title=title,
        title_justify="left",
        title_style="bold",
        header_style="bold",
        caption="Found/accept per severity; times are the factory's.",
        caption_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        collapse_padding=True,
    )
    table.add_column("Inspected", no_wrap=True)
    table.add_column("Order", no_wrap=True)
    table.add_column("Kind", no_wrap=True)
    table.add_column("Lot", justify="right", no_wrap=True)
    if wide:
        table.add_column("Sample", justify="right", no_wrap=True)
    for severity in ("Crit", "Major", "Minor"):
        table.add_column(severity, justify="right", no_wrap=True)
    table.add_column("Result", no_wrap=True)
    table.add_column("Inspector", overflow="fold")
    for inspection in inspections:
        cells: list[RenderableType] = [
            inspection.local_time.strftime("%Y-%m-%d %H:%M" if wide else "%Y-%m-%d"),
            Text(inspection.order.number),
            inspection.kind.value,
            f"{inspection.lot_size:,}",
        ]
        if wide:
            cells.append(str(inspection.sample_size))
        cells += [
            Text(f"{line.found}/{line.plan.accept}", style="" if line.passed else "bold red")
            for line in inspection.lines
        ]
        cells += [
            Text("pass" if inspection.passed else "FAIL", style=RESULT_STYLE[inspection.passed]),
            Text(inspection.inspector),
        ]
        table.add_row(*cells)
    return table


def inspection_to_json(inspection: Inspection) -> dict[str, Any]:
    order = inspection.order
    return {
        "id": inspection.id,
        "production_order": order.number,
        "po_number": order.po_number,
        "factory": order.factory_code,
        "kind": inspection.kind.value,
        "inspected_at": inspection.inspected_at.isoformat(),
        "inspected_at_local": inspection.local_time.isoformat(),
        "inspector": inspection.inspector,
        "lot_size": inspection.lot_size,
        "level": inspection.config.level,
        "sample_size": inspection.sample_size,
        "result": "pass" if inspection.passed else "fail",
        "passed": inspection.passed,
        "severities": {
            line.severity.value: {
                "aql": str(line.aql),
                "code_letter": line.plan.code_letter,
                "sample_size": line.plan.sample_size,
                "accept": line.plan.accept,
                "reject": line.plan.reject,
                "found": line.found,
                "passed": line.passed,
            }
            for line in inspection.lines
        },
        "defects": [
            {"category": d.category, "severity": d.severity.value, "count": d.count}
            for d in inspection.defects
        ],
        "failures": list(inspection.failures),
        "note": inspection.note,
    }


def _alert_json(result: QcResult) -> dict[str, Any]:
    return {"change": result.alert.value, "id": result.alert_id, "summary": result.alert_summary}


def _defects_text(defects: tuple[DefectCount, ...]) -> str:
    return " · ".join(f"{d.category} ({d.severity.value}) {d.count}" for d in defects)


def _defects(values: list[str]) -> list[DefectCount]:
    """Checked before the database is touched: a typo writes nothing."""
    found = []
    for value in values:
        try:
            found.append(parse_defect(value))
        except ValueError as error:
            raise fail(f"--defect {error}") from None
    return found


def _when(value: str | None) -> datetime | date | None:
    if value is None:
        return None
    try:
        when = parse_datetime(value)
    except ValueError as error:
        raise fail(f"--at: {error}") from None
    within_calendar(when.date() if isinstance(when, datetime) else when, "--at", value)
    return when


def _run(work: Callable[[SessionFactory], Awaitable[T]]) -> T:
    try:
        return run(with_database(work))
    except (BrandNotFound, QcError) as error:
        raise fail(str(error)) from None
