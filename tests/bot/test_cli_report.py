"""`wipbot report defects` as a user types it, on a temp SQLite file: table, JSON and CSV."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from sqlmodel import update
from typer.testing import CliRunner

from tests.bot.test_cli_qc_cost import on_database
from tests.handlers.test_defect_report import seed
from wipbot.cli.main import app
from wipbot.store.db import SessionFactory, transaction
from wipbot.store.models import QcDefect, Style


@pytest.fixture
def cli_database(sqlite_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    on_database(sqlite_url, seed)
    return sqlite_url


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["report", "defects", *args])
    return result.exit_code, result.output


def test_table_names_rates_yield_and_the_design_problem(cli_database: str) -> None:
    code, output = invoke("--brand", "Northwind")
    assert code == 0, output
    assert "4 inspections · 290 pieces sampled · 9 defects · 3.10 per 100" in output
    assert "First-pass yield of final inspections: 66.67 %" in output
    assert "TEE Crew tee" in output and "4.29" in output and "50.00 %" in output
    assert "Repeating across factories" in output
    assert "open seam" in output and "DAC1, SGN1" in output


def test_json_and_csv_carry_the_same_figures(cli_database: str) -> None:
    code, output = invoke("--brand", "Northwind", "--season", "SS27", "--json")
    assert code == 0, output
    data = json.loads(output)
    assert [s["key"] for s in data["styles"]] == ["TEE"]
    assert data["styles"][0]["defects_per_100"] == "4.29"
    assert data["repeated_across_factories"][0]["factories"] == ["DAC1", "SGN1"]

    code, output = invoke("--brand", "Northwind", "--csv")
    assert code == 0, output
    rows = list(csv.DictReader(io.StringIO(output)))
    tee = next(r for r in rows if r["section"] == "style" and r["key"] == "TEE")
    assert (tee["defects"], tee["sampled"], tee["first_pass_yield_pct"]) == ("9", "210", "50.00")
    repeated = [r for r in rows if r["section"] == "repeated"]
    assert [(r["key"], r["name"], r["factories"]) for r in repeated] == [
        ("TEE", "open seam", "DAC1 SGN1")
    ]


def test_bad_input_is_a_clear_message(cli_database: str) -> None:
    code, output = invoke("--json", "--csv", "--brand", "Northwind")
    assert code == 1 and "choose one of --json and --csv" in output
    code, output = invoke("--brand", "Nobody")
    assert code == 1 and "no brand named 'Nobody'" in output
    code, output = invoke("--brand", "Northwind", "--factory", "XXX")
    assert code == 0 and "No inspections match" in output


def test_csv_cells_that_would_run_as_formulas_are_quoted(cli_database: str) -> None:
    """A style name from an import file, or a defect category typed in a factory chat, that
    begins like a formula is exported as text, not run by the spreadsheet that opens it."""

    async def rename(sessions: SessionFactory) -> None:
        async with transaction(sessions) as session:
            await session.exec(update(Style).values(name='=HYPERLINK("http://x.example","y")'))
            await session.exec(update(QcDefect).values(category="@sum(1+1)*cmd|' /c calc'!a0"))

    on_database(cli_database, rename)
    code, output = invoke("--brand", "Northwind", "--csv")
    assert code == 0, output
    rows = list(csv.reader(io.StringIO(output)))
    cells = [cell for row in rows[1:] for cell in row]
    assert not [cell for cell in cells if cell.startswith(("=", "+", "@"))], cells
    assert '\'=HYPERLINK("http://x.example","y")' in cells
    assert "'@sum(1+1)*cmd|' /c calc'!a0" in cells
