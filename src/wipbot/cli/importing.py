"""`wipbot import`: factories, POs, check-ins, landed-cost charges and QC inspections (CSV/XLSX).

Each file is imported whole or not at all; every bad row is printed as `file:line: field: reason`
so it can be fixed in the spreadsheet and the file imported again. Re-importing updates.
Columns a kind of file does not know are ignored and named in the summary; one that looks like a
misspelt known column is refused.
"""

from __future__ import annotations

import stat
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from wipbot.store.db import SessionFactory, transaction
from wipbot.store.importing import IMPORTERS, ImportFailed, ImportResult, RowError
from wipbot.store.importing.sheet import HEADER_LINE

from .common import JsonOption, console, print_json, run, with_database

app = typer.Typer(
    help="Import factories, POs, check-in history and charges (CSV or XLSX; all or nothing).",
    no_args_is_help=True,
)

FileArgument = typer.Argument(..., help="A .csv or .xlsx file; line 1 is the header.")
BrandOption = typer.Option(
    None, "--brand", help="Brand name; needed only for files without a brand column."
)


async def import_file(
    session_factory: SessionFactory,
    kind: str,
    path: Path,
    *,
    brand: str | None = None,
    out: Console = console,
) -> ImportResult:
    """Import one file in one transaction, with a progress bar over its rows."""
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, console=out, transient=True) as progress:
        task = progress.add_task(f"{kind}: reading", total=None)

        def advance(phase: str, done: int, total: int) -> None:
            progress.update(task, description=f"{kind}: {phase}", completed=done, total=total)

        async with transaction(session_factory) as session:
            return await IMPORTERS[kind](
                session, path, brand=brand, progress=advance, file=str(path)
            )


def print_summary(result: ImportResult, out: Console = console) -> None:
    out.print(
        f"[bold]{escape(result.file)}[/bold]: {result.rows} rows for {escape(result.brand)}",
        highlight=False,
    )
    for name, tally in result.tallies.items():
        out.print(f"  {name}: {tally.describe()}", highlight=False)
    if result.ignored:
        out.print(f"  ignored columns: {escape(', '.join(result.ignored))}", highlight=False)


def summary_json(result: ImportResult) -> dict[str, object]:
    return {
        "kind": result.kind,
        "file": result.file,
        "brand": result.brand,
        "rows": result.rows,
        "created": result.created,
        "updated": result.updated,
        "tallies": {
            name: {
                "created": t.created,
                "updated": t.updated,
                "unchanged": t.unchanged,
                "removed": t.removed,
            }
            for name, t in result.tallies.items()
        },
        "ignored_columns": list(result.ignored),
    }


def not_a_file(path: Path) -> ImportFailed | None:
    """What the path is, when it is there but no file to read: a folder, a pipe or a device
    (read, they would block or never end), or a name the system refuses (too long)."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return None  # the importer's own "no such file"
    except OSError as error:
        reason = (error.strerror or type(error).__name__).lower()
    else:
        if stat.S_ISREG(mode):
            return None
        reason = "a folder, not a file" if stat.S_ISDIR(mode) else "not a regular file"
    return ImportFailed([RowError(str(path), HEADER_LINE, "file", reason)])


def _import(kind: str, path: Path, brand: str | None, as_json: bool) -> None:
    async def work(session_factory: SessionFactory) -> ImportResult:
        failed = not_a_file(path)
        if failed is not None:
            raise failed
        return await import_file(session_factory, kind, path, brand=brand)

    try:
        result = run(with_database(work))
    except ImportFailed as failed:
        if as_json:
            print_json({"errors": [vars(e) for e in failed.errors]})
        else:
            for error in failed.errors:
                typer.echo(str(error), err=True)
            count = len({e.line for e in failed.errors})
            typer.echo(
                f"{path}: {count} bad line{'s' if count != 1 else ''}; nothing was imported",
                err=True,
            )
        raise typer.Exit(1) from None
    if as_json:
        print_json(summary_json(result))
    else:
        print_summary(result)


@app.command("factories")
def factories(
    file: Path = FileArgument, brand: str | None = BrandOption, as_json: bool = JsonOption
) -> None:
    """Factories: brand, code, name, country, timezone, language, check-in slot, closures."""
    _import("factories", file, brand, as_json)


@app.command("pos")
def pos(
    file: Path = FileArgument, brand: str | None = BrandOption, as_json: bool = JsonOption
) -> None:
    """Purchase orders: one row per production-order line, optional T&A dates."""
    _import("pos", file, brand, as_json)


@app.command("checkins")
def checkins(
    file: Path = FileArgument, brand: str | None = BrandOption, as_json: bool = JsonOption
) -> None:
    """Check-in history: production order, reported_at, milestone, quantities, issues."""
    _import("checkins", file, brand, as_json)


@app.command("charges")
def charges(
    file: Path = FileArgument, brand: str | None = BrandOption, as_json: bool = JsonOption
) -> None:
    """Landed-cost charges per PO: freight, insurance, duty, broker, other."""
    _import("charges", file, brand, as_json)


@app.command("qc")
def qc(
    file: Path = FileArgument, brand: str | None = BrandOption, as_json: bool = JsonOption
) -> None:
    """QC inspections: one row per defect category; the AQL verdict is computed."""
    _import("qc", file, brand, as_json)
