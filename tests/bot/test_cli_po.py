"""The real `wipbot` command line against a temporary SQLite DATABASE_URL: imports, `po`, demo."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from wipbot.cli.main import app
from wipbot.demo.command import ACTS

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
TODAY = ["--today", "2026-11-26"]


def wipbot(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def database(sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    return sqlite_url


@pytest.fixture(scope="module")
def imported_db(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The examples imported once through the CLI; the `po` tests below only read copies."""
    path = tmp_path_factory.mktemp("cli") / "examples.db"
    shutil.copyfile(sqlite_template, path)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{path}")
        for kind in ("factories", "pos", "checkins", "charges"):
            code, out, err = wipbot("import", kind, str(EXAMPLES / f"{kind}.csv"))
            assert code == 0, out + err
    return path


@pytest.fixture
def examples(imported_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    copy = tmp_path / "examples.db"
    shutil.copyfile(imported_db, copy)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{copy}")


def test_import_prints_a_summary_and_reimport_changes_nothing(database: str) -> None:
    code, out, _ = wipbot("import", "factories", str(EXAMPLES / "factories.csv"))
    assert code == 0
    assert "factories: 4 created, 0 updated" in out
    code, out, _ = wipbot("import", "pos", str(EXAMPLES / "pos.xlsx"), "--json")
    summary = json.loads(out)
    assert (code, summary["kind"], summary["rows"]) == (0, "pos", 46)
    tallies = summary["tallies"]
    assert tallies["gates"]["created"] == 12  # released to bulk before wipbot
    assert tallies["purchase orders"]["created"] == summary["created"] - 46 - 31 - 31 - 12
    code, out, _ = wipbot("import", "pos", str(EXAMPLES / "pos.csv"), "--json")
    again = json.loads(out)
    assert (code, again["created"], again["updated"]) == (0, 0, 0)
    assert (
        again["tallies"]["purchase orders"]["unchanged"]
        == summary["tallies"]["purchase orders"]["created"]
    )


def test_a_bad_file_lists_every_bad_line_exits_1_and_imports_nothing(
    database: str, tmp_path: Path
) -> None:
    assert wipbot("import", "factories", str(EXAMPLES / "factories.csv"))[0] == 0
    bad = tmp_path / "pos.csv"
    with (EXAMPLES / "pos.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    rows[1]["quantity"] = "-3000"  # line 3
    rows[3]["factory"] = "LAGOS"  # line 5
    with bad.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    code, out, err = wipbot("import", "pos", str(bad))
    assert code == 1
    assert f"{bad}:3: quantity: '-3000' must not be negative" in err.splitlines()
    assert any(
        line.startswith(f"{bad}:5: factory: unknown factory 'LAGOS'") for line in err.splitlines()
    )
    assert "2 bad lines; nothing was imported" in err
    code, out, _ = wipbot("po", "list", *TODAY, "--json")
    assert (code, json.loads(out)) == (0, [])

    code, out, _ = wipbot("import", "pos", str(bad), "--json")
    errors = json.loads(out)["errors"]
    assert code == 1
    assert [(e["line"], e["field"]) for e in errors] == [(3, "quantity"), (5, "factory")]


def test_po_list_json_is_the_board_most_urgent_first(examples: None) -> None:
    code, out, _ = wipbot("po", "list", *TODAY, "--json")
    board = json.loads(out)
    assert code == 0 and len(board) >= 20
    statuses = [row["risk"]["status"] for row in board]
    assert statuses[0] == "late" and statuses[-1] == "on_track"
    assert {"late", "at_risk", "on_track"} == set(statuses)
    first = board[0]
    assert {"po_number", "factory", "total_quantity", "committed_exf", "orders"} <= set(first)
    assert {"projected_exf", "slack_days", "drivers", "stale"} <= set(first["risk"])

    code, out, _ = wipbot("po", "list", *TODAY, "--late", "--factory", "DHK1", "--json")
    late = json.loads(out)
    assert code == 0 and late
    assert {(r["factory"]["code"], r["risk"]["status"]) for r in late} == {("DHK1", "late")}


def test_po_list_as_of_judges_from_what_was_known(examples: None) -> None:
    now = {r["po_number"]: r for r in json.loads(wipbot("po", "list", *TODAY, "--json")[1])}
    code, out, _ = wipbot("po", "list", *TODAY, "--as-of", "2026-11-20", "--json")
    then = {r["po_number"]: r for r in json.loads(out)}
    assert code == 0
    assert now["PO-1046"]["risk"]["status"] == "at_risk"
    assert then["PO-1046"]["risk"]["status"] == "on_track"
    assert (then["PO-1046"]["as_of"], then["PO-1046"]["judged_on"]) == ("2026-11-20", "2026-11-20")


def test_po_list_table(examples: None) -> None:
    code, out, _ = wipbot("po", "list", *TODAY)
    assert code == 0
    assert "WIP board · Northwind Apparel on 2026-11-26" in out
    row = next(line for line in out.splitlines() if "PO-1042" in line)
    assert "2027-01-08" in row and "on track" in row and "NGB1" in row
    assert "PO-1042-B: cutting 10 d overdue" in row


def test_stale_data_says_why_beside_the_status(examples: None) -> None:
    code, out, _ = wipbot("po", "status", "po-1052", *TODAY)
    assert code == 0
    assert "(no check-in for 17 d)" in out and "ON TRACK" in out
    board = {r["po_number"]: r for r in json.loads(wipbot("po", "list", *TODAY, "--json")[1])}
    assert board["PO-1052"]["risk"]["stale_reason"] == "no check-in for 17 d"
    assert board["PO-1044"]["risk"]["stale_reason"] == "no check-in yet"
    assert board["PO-1042"]["risk"]["stale_reason"] is None


def test_po_status_table_and_json(examples: None) -> None:
    code, out, _ = wipbot("po", "status", "po-1042", *TODAY)
    assert code == 0
    for shown in (
        "PO-1042 · Northwind Apparel",
        "Ningbo Seaside Garments (NGB1) · CN · Asia/Shanghai",
        "ON TRACK  slack +4 d",
        "PO-1042-B: sample re-approval +10 d",
        "cut 2,400 · sewn 150",
        "20 Nov → 23 Nov (+3 d)",
        "Quilted liner vest",
    ):
        assert shown in out
    code, out, _ = wipbot("po", "status", "PO-1042", *TODAY, "--json")
    data = json.loads(out)
    assert code == 0
    assert (data["po_number"], data["risk"]["status"], data["risk"]["slack_days"]) == (
        "PO-1042",
        "on_track",
        4,
    )
    assert [o["number"] for o in data["orders"]] == ["PO-1042-A", "PO-1042-B"]
    assert data["orders"][0]["quantities"] == {"cut": 2400, "sewn": 150}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["po", "status", "PO-142"], "no PO 'PO-142' for Northwind Apparel; did you mean PO-1042"),
        (["po", "list", "--factory", "Lagos"], "no factory matching 'Lagos'"),
        (["po", "list", "--brand", "Acme"], "no brand named 'Acme'"),
        (["po", "list", "--as-of", "someday"], "--as-of: 'someday' is not a date"),
    ],
)
def test_mistakes_exit_1_with_a_helpful_message(
    examples: None, args: list[str], message: str
) -> None:
    code, _, err = wipbot(*args, *TODAY)
    assert code == 1
    assert message in " ".join(err.split())


def test_demo_runs_every_act_in_order_and_each_shows_its_outcome(database: str) -> None:
    code, out, err = wipbot("demo")
    assert code == 0, err
    text = " ".join(out.split())
    headings = [text.find(f"Act {n} · ") for n in range(1, len(ACTS) + 1)]
    assert -1 not in headings and headings == sorted(headings)
    assert f"Act {len(ACTS) + 1} · " not in text
    outcomes = [
        ["Spreadsheets in, WIP board out (2026-11-26)", "purchase orders: 23 created"],
        ["WIP board · Northwind Apparel", "$ wipbot po status PO-1042"],
        ["Welcome, Wei! This chat is now linked to Ningbo Seaside Garments."],
        ["Gate approved for PO-1042/PO-1042-B: bulk production may start."],
        ["qc_failed alert raised for PO-1036-A", "qc_failed alert resolved for PO-1036-A"],
        ["Landed cost · PO-1036", "QC failed: PO-1036-B", "PASS: PO-1036-B"],
        ["weekly prompt → Wei (NGB1)", "three weeks later"],
        ["Backtest: how good would the alerts have been on last season?"],
        ["plain overdue rule", "Alerts channel"],
    ]
    missing = [line for lines in outcomes for line in lines if line not in text]
    assert missing == []
    assert text.find("Welcome, Wei!") in range(headings[1], headings[2])
    assert text.find("Gate approved for PO-1042/PO-1042-B") in range(headings[2], headings[3])
    assert text.find("qc_failed alert resolved for PO-1036-A") in range(headings[3], headings[4])
    assert text.find("three weeks later") in range(headings[5], headings[6])


def test_demo_refuses_a_database_with_a_real_brand(database: str, tmp_path: Path) -> None:
    other = tmp_path / "acme.csv"
    other.write_text(
        "brand,code,name,country,timezone\nAcme Outdoor,POR1,Porto Knit,PT,Europe/Lisbon\n"
    )
    assert wipbot("import", "factories", str(other))[0] == 0
    code, _, err = wipbot("demo")
    assert code == 1
    assert "already holds Acme Outdoor" in " ".join(err.split())
