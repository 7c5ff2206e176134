"""generate → import → backtest through the real command line, on a small simulated season."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from wipbot.cli.main import app


def wipbot(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def database(sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    return sqlite_url


def test_generated_season_imports_and_backtests(database: str, tmp_path: Path) -> None:
    season = tmp_path / "season"
    code, out, err = wipbot("season", "generate", "--seed", "11", "--out", str(season),
                            "--orders", "40")  # fmt: skip
    assert code == 0, out + err
    assert "40 production orders" in out
    for kind in ("factories", "pos", "checkins"):
        code, out, err = wipbot("import", kind, str(season / f"{kind}.csv"))
        assert code == 0, out + err
    code, out, err = wipbot("backtest", "--json")
    assert code == 0, out + err
    report = json.loads(out)
    rules = {r["rule"]: r for r in report["rules"]}
    assert set(rules) == {"wipbot at_risk|late", "wipbot late only", "plain overdue rule"}

    with (season / "truth.csv").open(encoding="utf-8") as handle:
        truth = list(csv.DictReader(handle))
    last = report["to"]
    first = report["from"]
    # The backtest's real ex-factory is the truth's: the late orders it scores are truly late.
    scored_late = {
        t["production_order"]
        for t in truth
        if t["late"] == "yes" and first <= t["committed_exf"] <= last
    }
    assert rules["plain overdue rule"]["late"] <= len(scored_late)
    assert rules["plain overdue rule"]["late"] >= 1
    for rule in rules.values():
        assert rule["true_positives"] <= min(rule["late"], rule["flagged"])
        assert 0 <= rule["flags_per_order_week"] <= 1
    assert report["alerts"]["posts"] >= 1

    code, out, _ = wipbot("backtest")
    assert code == 0
    assert "plain overdue rule" in out and "recall" in out


def test_backtest_without_history_says_what_to_do(database: str) -> None:
    code, _, err = wipbot(
        "import", "factories", str(Path(__file__).parents[2] / "examples" / "factories.csv")
    )
    assert code == 0, err
    code, _, err = wipbot("backtest")
    assert code == 1
    assert "no check-ins yet" in err
    code, _, err = wipbot("backtest", "--from", "2026-13-01")
    assert code == 1 and "--from" in err
