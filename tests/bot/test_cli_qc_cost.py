"""`wipbot qc`, `wipbot cost` and `wipbot import qc` as a user types them, on a temp SQLite file."""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import pytest
from rich.console import Console
from sqlalchemy import func
from sqlmodel import SQLModel, select
from typer.testing import CliRunner

from tests.handlers.test_landed_cost import add_charges
from tests.handlers.test_qc import Seeded, seed, write_qc
from wipbot.bot.config import Settings
from wipbot.cli.main import app
from wipbot.demo.command import act_spreadsheets_to_board, run_demo
from wipbot.demo.qc_act import act_qc_and_landed_cost
from wipbot.store.db import SessionFactory, make_engine, make_session_factory
from wipbot.store.models import Alert, AuditLog, QcDefect, QcInspection

T = TypeVar("T")
FAILING = ["--defect", "open seam:major:3", "--defect", "broken stitch:major:1"]


def on_database(url: str, work: Callable[[SessionFactory], Awaitable[T]]) -> T:
    async def run() -> T:
        engine = make_engine(url)
        try:
            return await work(make_session_factory(engine))
        finally:
            await engine.dispose()

    return asyncio.run(run())


@pytest.fixture
def cli_database(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> tuple[str, Seeded]:
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    return sqlite_url, on_database(sqlite_url, seed)


def rows(url: str, model: type[SQLModel]) -> int:
    async def work(factory: SessionFactory) -> int:
        async with factory() as session:
            return (await session.exec(select(func.count()).select_from(model))).one()

    return on_database(url, work)


def invoke(*args: str) -> tuple[int, str]:
    """As Northwind: the seed holds a second brand, so every command names it."""
    brand = ["--brand", "Northwind"] if args[0] != "--help" else []
    result = CliRunner().invoke(app, [*args, *brand])
    return result.exit_code, result.output


def test_qc_record_prints_the_plans_and_the_verdict(cli_database: tuple[str, Seeded]) -> None:
    code, output = invoke(
        "qc", "record", "PO-1042-A", "--lot", "500", "--inspector", "Lan", *FAILING
    )
    assert code == 0, output
    assert "FAIL  PO-1042-A · final inspection · lot 500 pcs · level II" in output
    assert "major     2.5   H        50      4       3       4  FAIL" in output
    assert "FAIL: major 4 > 3 (AQL 2.5, sample 50). Rework and re-inspect." in output
    assert "qc_failed alert raised for PO-1042-A" in output


def test_qc_record_and_list_as_json(cli_database: tuple[str, Seeded]) -> None:
    code, output = invoke(
        "qc",
        "record",
        "po-1042-a",
        "--kind",
        "final",
        "--lot",
        "1200",
        "--at",
        "2026-11-20 10:00",
        "--json",
        *FAILING,
        "--defect",
        "stain:minor:5",
    )
    assert code == 0, output
    recorded = json.loads(output)
    assert (recorded["production_order"], recorded["result"], recorded["sample_size"]) == (
        "PO-1042-A",
        "pass",
        80,
    )
    assert recorded["inspected_at"] == "2026-11-20T03:00:00+00:00"  # 10:00 in Ho Chi Minh City
    assert recorded["severities"]["major"] == {
        "aql": "2.5",
        "code_letter": "J",
        "sample_size": 80,
        "accept": 5,
        "reject": 6,
        "found": 4,
        "passed": True,
    }
    assert recorded["alert"]["change"] == "none"

    code, output = invoke(
        "qc", "record", "PO-1042-A", "--lot", "1200", "--at", "2026-11-21", "--json", *FAILING * 2
    )
    assert code == 0, output
    failed = json.loads(output)
    assert failed["failures"] == ["major 8 > 5 (AQL 2.5, sample 80)"]
    assert failed["alert"]["change"] == "raised"
    assert failed["defects"] == [
        {"category": "open seam", "severity": "major", "count": 6},
        {"category": "broken stitch", "severity": "major", "count": 2},
    ]

    code, output = invoke("qc", "list", "PO-1042", "--json")
    assert code == 0, output
    assert [(i["result"], i["lot_size"]) for i in json.loads(output)] == [
        ("pass", 1200),
        ("fail", 1200),
    ]


@pytest.mark.parametrize(
    ("defect", "message"),
    [
        ("open seam:major", "--defect 'open seam:major': expected CATEGORY:SEVERITY:COUNT"),
        ("open seam:serious:2", "'serious' is not a defect severity"),
        ("open seam:major:two", "the count 'two' must be a whole number >= 1"),
        ("open seam:major:²", "the count '²' must be a whole number >= 1"),
        ("open seam:major:" + "9" * 5000, "the count must be at most 99,999,999"),
    ],
)
def test_a_bad_defect_exits_1_with_a_clear_message_and_writes_nothing(
    cli_database: tuple[str, Seeded], defect: str, message: str
) -> None:
    url, _ = cli_database
    code, output = invoke("qc", "record", "PO-1042-A", "--lot", "500", *FAILING, "--defect", defect)
    assert code == 1
    assert message in " ".join(output.split())
    for model in (QcInspection, QcDefect, AuditLog, Alert):
        assert rows(url, model) == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["PO-2001-A", "--lot", "500"], "no production order 'PO-2001-A'"),
        (["PO-1042", "--lot", "500"], "several production orders"),
        (["PO-1042-A", "--lot", "1"], "at least 2 pieces"),
        (["PO-1042-A", "--lot", "500", "--kind", "pre-final"], "not an inspection kind"),
        (["PO-1042-A", "--lot", "500", "--at", "tomorrow"], "--at: 'tomorrow' is not a date"),
    ],
)
def test_refused_inspections_exit_1(
    cli_database: tuple[str, Seeded], args: list[str], message: str
) -> None:
    url, _ = cli_database
    code, output = invoke("qc", "record", *args)
    assert code == 1
    assert message in " ".join(output.split())
    assert rows(url, QcInspection) == 0


def test_cost_prints_a_table_with_totals_and_json_money_as_strings(
    cli_database: tuple[str, Seeded],
) -> None:
    url, seeded = cli_database

    async def charges(factory: SessionFactory) -> None:
        await add_charges(
            factory,
            seeded.po_id,
            [
                ("freight", "1000.00", "USD", "units", "MAEU-1"),
                ("insurance", "33.33", "USD", "value", ""),
            ],
        )

    on_database(url, charges)
    code, output = invoke("cost", "PO-1042")
    assert code == 0, output
    assert "Landed cost · PO-1042 · SGN1 · FOB · USD" in output
    assert "NW-QV-720" in output and "Black" in output and "Total" in output
    assert "FOB 16,800.00 + charges 1,033.33 = landed 17,833.33 USD" in " ".join(output.split())

    code, output = invoke("cost", "po-1042", "--json")
    assert code == 0, output
    cost = json.loads(output)
    assert cost["totals"]["charges"] == {
        "freight": "1000.00",
        "insurance": "33.33",
        "duty": "0.00",
        "broker": "0.00",
        "other": "0.00",
    }
    assert cost["totals"]["landed_total"] == "17833.33"
    black = cost["lines"][0]
    assert (black["colorway"], black["fob_unit_price"], black["charges"]["freight"]) == (
        "Black",
        "16.80",
        "600.00",
    )
    assert (black["landed_unit_cost"], black["margin_pct"]) == ("17.8333", "74.15")


def test_cost_refuses_a_charge_in_another_currency(cli_database: tuple[str, Seeded]) -> None:
    url, seeded = cli_database

    async def charges(factory: SessionFactory) -> None:
        await add_charges(factory, seeded.po_id, [("duty", "940.50", "EUR", "value", "E-77")])

    on_database(url, charges)
    code, output = invoke("cost", "PO-1042", "--json")
    assert code == 1
    assert "duty 940.50 EUR (E-77)" in " ".join(output.split())

    code, output = invoke("cost", "PO-9")
    assert code == 1 and "no PO 'PO-9'" in output


def test_import_qc_reports_bad_lines_and_imports_good_files(
    cli_database: tuple[str, Seeded], tmp_path: Path
) -> None:
    url, _ = cli_database
    bad = write_qc(
        tmp_path,
        [["PO-1042-A", "final", "2026-11-22", "500", "stain", "minor", "", "Lan"]],
    )
    code, output = invoke("import", "qc", str(bad))
    assert code == 1
    assert f"{bad}:2: count: required with a category" in output
    assert "nothing was imported" in output
    assert rows(url, QcInspection) == 0

    good = write_qc(
        tmp_path,
        [["PO-1042-A", "final", "2026-11-22", "500", "stain", "critical", "1", "Lan"]],
    )
    code, output = invoke("import", "qc", str(good), "--json")
    assert code == 0, output
    assert json.loads(output)["tallies"] == {
        "inspections": {"created": 1, "updated": 0, "unchanged": 0, "removed": 0}
    }
    code, output = invoke("qc", "list")
    assert code == 0 and "PO-1042-A" in output and "FAIL" in output


def test_help_lists_the_new_commands(cli_database: tuple[str, Seeded]) -> None:
    code, output = invoke("--help")
    assert code == 0
    assert "qc" in output and "cost" in output


async def test_the_demo_act_fails_a_final_passes_the_re_inspection_and_costs_the_po(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    out = Console(record=True, width=120, file=io.StringIO())
    acts = [act_spreadsheets_to_board, act_qc_and_landed_cost]
    await run_demo(Settings(database_url=sqlite_url), out=out, acts=acts)
    text = out.export_text()
    assert "Act 2 · QC and landed cost" in text
    assert "FAIL: major 12 > 10 (AQL 2.5, sample 200). Rework and re-inspect." in text
    assert "qc_failed alert raised for PO-1036-A" in text
    assert "qc_failed alert resolved for PO-1036-A" in text
    assert "Landed cost · PO-1036 · HCM1 · FOB · USD" in text
    assert "FOB 47,400.00 + charges 9,248.40 = landed 56,648.40 USD" in text

    engine = make_engine(sqlite_url)
    try:
        async with make_session_factory(engine)() as session:
            alerts = (await session.exec(select(Alert).where(Alert.kind == "qc_failed"))).all()
    finally:
        await engine.dispose()
    assert [(a.subject, a.resolved_at is not None) for a in alerts] == [("PO-1036-A", True)]
