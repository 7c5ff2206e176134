"""`wipbot report defects`: defect rates per style, category and factory, first-pass yield of
final inspections, and the styles whose defects repeat across factories."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

import typer
from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from wipbot.handlers.defect_report import DefectFilter, DefectReport, defect_report
from wipbot.production.defects import Rate
from wipbot.store.db import SessionFactory
from wipbot.store.wip import BrandNotFound, resolve_brand

from .common import JsonOption, console, fail, not_blank, print_json, run, with_database

app = typer.Typer(help="Reports for the brand's teams.", no_args_is_help=True)

CSV_HEADER = (
    "section",
    "key",
    "name",
    "inspections",
    "sampled",
    "defects",
    "defects_per_100",
    "first_finals",
    "first_pass_yield_pct",
    "factories",
)


@app.command("defects")
def defects_command(
    season: str | None = typer.Option(None, "--season", help="Only styles of this season."),
    style: str | None = typer.Option(None, "--style", help="Only this style code."),
    factory: str | None = typer.Option(None, "--factory", help="Only this factory code."),
    brand: str | None = typer.Option(None, "--brand", help="Brand name; defaults to the only one."),
    as_json: bool = JsonOption,
    as_csv: bool = typer.Option(False, "--csv", help="Print CSV (one row per style, factory…)."),
) -> None:
    """Defects per style, category and factory over the sampled pieces (defects per 100)."""
    if as_json and as_csv:
        raise fail("choose one of --json and --csv")
    for value, option in ((season, "--season"), (style, "--style"), (factory, "--factory")):
        if value is not None:
            not_blank(value, option)

    async def work(sessions: SessionFactory) -> DefectReport:
        async with sessions() as session:
            found = await resolve_brand(session, brand)
            assert found.id is not None
            return await defect_report(session, found.id, DefectFilter(season, style, factory))

    try:
        report = run(with_database(work))
    except BrandNotFound as error:
        raise fail(str(error)) from None
    if as_json:
        print_json(report_to_json(report))
    elif as_csv:
        typer.echo(report_to_csv(report), nl=False)
    else:
        console.print(report_view(report))


def report_view(report: DefectReport) -> RenderableType:
    if not report.overall.inspections:
        return Text("No inspections match; nothing to report yet.", style="yellow")
    overall = report.overall
    fpy = overall.first_pass_yield
    parts: list[RenderableType] = [
        Text(
            f"{overall.inspections} inspections · {overall.sampled:,} pieces sampled · "
            f"{overall.defects} defects · {overall.per_hundred} per 100",
            style="bold",
        ),
        Text(
            "First-pass yield of final inspections: "
            + (f"{fpy} %" if fpy is not None else "- (no final yet)")
        ),
        _rates("By style", report.styles),
        _rates("By factory", report.factories),
        _rates("By category", report.categories, yield_column=False),
    ]
    if report.repeated:
        table = Table(title="Repeating across factories: a design problem", box=box.SIMPLE)
        for column in ("Style", "Category", "Factories", "Defects"):
            table.add_column(column)
        for r in report.repeated:
            table.add_row(
                Text(f"{r.style} {r.style_name}".strip()),
                Text(r.category),
                Text(", ".join(r.factories)),
                str(r.defects),
            )
        parts.append(table)
    else:
        parts.append(Text("No defect repeats on one style across factories.", style="green"))
    return Group(*parts)


def _rates(title: str, rates: tuple[Rate, ...], *, yield_column: bool = True) -> Table:
    table = Table(title=title, box=box.SIMPLE, title_justify="left")
    table.add_column(title.removeprefix("By ").capitalize())
    table.add_column("Inspections", justify="right")
    table.add_column("Defects", justify="right")
    table.add_column("Per 100", justify="right")
    if yield_column:
        table.add_column("First-pass yield", justify="right")
    for rate in rates:
        name = rate.key if rate.name in ("", rate.key) else f"{rate.key} {rate.name}"
        row: list[RenderableType] = [
            Text(name),
            str(rate.inspections),
            str(rate.defects),
            str(rate.per_hundred),
        ]
        if yield_column:
            fpy = rate.first_pass_yield
            row.append(f"{fpy} %" if fpy is not None else "-")
        table.add_row(*row)
    return table


def _rate_json(rate: Rate) -> dict[str, Any]:
    fpy = rate.first_pass_yield
    return {
        "key": rate.key,
        "name": rate.name,
        "inspections": rate.inspections,
        "sampled": rate.sampled,
        "defects": rate.defects,
        "defects_per_100": str(rate.per_hundred),
        "first_finals": rate.first_finals,
        "first_finals_passed": rate.first_finals_passed,
        "first_pass_yield_pct": str(fpy) if fpy is not None else None,
    }


def report_to_json(report: DefectReport) -> dict[str, Any]:
    return {
        "overall": _rate_json(report.overall),
        "styles": [_rate_json(r) for r in report.styles],
        "factories": [_rate_json(r) for r in report.factories],
        "categories": [_rate_json(r) for r in report.categories],
        "repeated_across_factories": [
            {
                "style": r.style,
                "style_name": r.style_name,
                "category": r.category,
                "factories": list(r.factories),
                "defects": r.defects,
            }
            for r in report.repeated
        ],
    }


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""What makes a spreadsheet read a cell as a formula: names and defect categories come from
import files and from factory chats, and a category typed as `=HYPERLINK(...)` would run in
whoever opens the export."""


def _cell(value: object) -> object:
    """A text cell that would read as a formula, quoted as text (OWASP's CSV-injection advice);
    numbers are left as numbers."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


class _PlainCells:
    def __init__(self, writer: Any) -> None:
        self.writer = writer

    def writerow(self, row: Sequence[object]) -> None:
        self.writer.writerow([_cell(value) for value in row])


def report_to_csv(report: DefectReport) -> str:
    out = io.StringIO()
    writer = _PlainCells(csv.writer(out, lineterminator="\n"))
    writer.writerow(CSV_HEADER)
    sections = (("style", report.styles), ("factory", report.factories))
    for section, rates in (*sections, ("category", report.categories)):
        for rate in rates:
            fpy = rate.first_pass_yield if section != "category" else None
            writer.writerow(
                (
                    section,
                    rate.key,
                    rate.name,
                    rate.inspections,
                    rate.sampled,
                    rate.defects,
                    rate.per_hundred,
                    rate.first_finals if section != "category" else "",
                    fpy if fpy is not None else "",
                    "",
                )
            )
    for r in report.repeated:
        writer.writerow(
            ("repeated", r.style, r.category, "", "", r.defects, "", "", "", " ".join(r.factories))
        )
    return out.getvalue()
