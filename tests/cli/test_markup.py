"""Square brackets in names typed by people (a PO, a style, a defect, an inspector, a brand, a
Slack id, a folder) are printed as typed by every command: rich read them as markup, so a
closing tag crashed the command after its work was written, and an opening one ate the text."""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import EXAMPLES, use_database, wipbot

PO = "[/p]1036"
STYLE_NAME = "Tee [navy]"
DEFECT = "[/d]pucker"
INSPECTOR = "[/i]Thu"


def _hostile(name: str, text: str, tmp_path: Path) -> Path:
    path = tmp_path / name
    path.write_text(
        text.replace("PO-1036", PO)
        .replace("Merino rib beanie", STYLE_NAME)
        .replace("puckering at side seam", DEFECT)
        .replace("Thu Nguyen (QIMA)", INSPECTOR),
        encoding="utf-8",
    )
    return path


@pytest.fixture
def bracketed(sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    use_database(sqlite_url, tmp_path, monkeypatch)
    for kind in ("factories", "pos", "checkins", "charges", "qc"):
        text = (EXAMPLES / f"{kind}.csv").read_text(encoding="utf-8")
        assert wipbot("import", kind, str(_hostile(f"{kind}.csv", text, tmp_path))).code == 0


def _shown(*args: str) -> str:
    outcome = wipbot(*args)
    assert outcome.code == 0, outcome.stderr
    return outcome.stdout


def test_qc_cost_and_report_show_brackets_as_typed(bracketed: None) -> None:
    assert f"{PO}-A" in _shown("qc", "list")
    listed = _shown("qc", "list", f"{PO}-A")
    assert f"QC inspections · {PO}-A" in listed and INSPECTOR in listed
    assert f"Landed cost · {PO} · " in _shown("cost", PO)
    report = _shown("report", "defects")
    assert DEFECT in report
    assert STYLE_NAME in _shown("report", "defects", "--style", "NW-BN-760")


def test_brand_commands_show_brackets_as_typed(database: str) -> None:
    added = _shown("brand", "add", "[/b]Acme", "--slack-team", "[red]T1", "--timezone", "UTC")
    assert "brand [/b]Acme: team [red]T1," in added
    assert _shown("brand", "member", "[/b]Acme", "[/u]", "--name", "[/n]").startswith(
        "[/u] is now viewer of [/b]Acme"
    )
    listed = _shown("brand", "list")
    assert "[/b]Acme team=[red]T1" in listed and "[/u] [/n] (viewer)" in listed


def test_shell_and_season_show_brackets_as_typed(examples: Path, tmp_path: Path) -> None:
    assert _shown(
        "contact", "invite", "--factory", "HCM1", "--name", "[/n]", "--platform", "console"
    )
    outcome = wipbot("shell", "--contact", "[/n]")
    assert outcome.code == 0 and "console chat as [/n]:" in outcome.stdout
    out = tmp_path / "[/x]season"
    shown = _shown("season", "generate", "--seed", "1", "--orders", "3", "--out", str(out))
    assert f"{out}/pos.csv" in shown
