"""Values from files are shown as typed: rich markup in a PO number or a style name neither
crashes the terminal output nor renders as a link."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from typer.testing import CliRunner

from wipbot.cli.main import app

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
HOSTILE_PO = "PO-[/]7[link=https://evil.example]x"
HOSTILE_STYLE = "[bold red]Tee[/] [link=https://evil.example]click[/link]"


def wipbot(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout + result.stderr


@pytest.fixture
def hostile(sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    assert wipbot("import", "factories", str(EXAMPLES / "factories.csv"))[0] == 0
    with (EXAMPLES / "pos.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    first = {**rows[0], "po_number": HOSTILE_PO, "style_name": HOSTILE_STYLE}
    first["production_order"] = HOSTILE_PO + "-A"
    path = tmp_path / "pos.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerow(first)
    code, out = wipbot("import", "pos", str(path))
    assert code == 0, out


def test_po_list_shows_markup_in_a_po_number_as_text(hostile: None) -> None:
    code, out = wipbot("po", "list", "--as-of", "2026-11-26")
    assert code == 0, out
    assert HOSTILE_PO in out
    assert "\x1b]8;" not in out


def test_po_status_shows_markup_in_a_style_name_as_text(hostile: None) -> None:
    code, out = wipbot("po", "status", HOSTILE_PO, "--as-of", "2026-11-26")
    assert code == 0, out
    assert HOSTILE_PO in out and "[bold red]Tee[/]" in out
    assert "\x1b]8;" not in out


def test_judging_as_of_a_date_is_one_documented_option() -> None:
    code, out = wipbot("po", "list", "--help")
    assert code == 0 and "--as-of" in out and "--today" not in out
    readme = (EXAMPLES / "README.md").read_text(encoding="utf-8")
    assert "--as-of 2026-11-26" in readme and "--today" not in readme
