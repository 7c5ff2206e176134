"""generate → import → backtest through the real command line, on a small simulated season."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from wipbot.cli.backtest import print_report
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
    assert set(rules) == {
        "wipbot at_risk|late",
        "wipbot late only",
        "plain overdue rule",
        "wipbot learned p≥0.5",
    }
    # 40 orders are too thin a history to learn from: the learned rule is the rules' verdict.
    assert report["model"]["mondays_with_model"] == 0 and report["model"]["weights"] is None
    learned, rules_flag = rules["wipbot learned p≥0.5"], rules["wipbot at_risk|late"]
    assert (learned["recall"], learned["precision"]) == (
        rules_flag["recall"],
        rules_flag["precision"],
    )

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
        # on the day is a narrower reading of the same flags
        assert rule["on_the_day_flagged"] <= rule["flagged"]
        assert rule["on_the_day_true_positives"] <= rule["true_positives"]
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


def test_a_brand_learns_from_last_season_and_is_scored_on_this_one(
    database: str, tmp_path: Path
) -> None:
    season = tmp_path / "season"
    code, out, err = wipbot("season", "generate", "--seed", "4", "--out", str(season),
                            "--orders", "60", "--previous-seasons", "1")  # fmt: skip
    assert code == 0, out + err
    assert "120 production orders" in out
    for kind in ("factories", "pos", "checkins"):
        code, out, err = wipbot("import", kind, str(season / f"{kind}.csv"))
        assert code == 0, out + err
    code, out, err = wipbot("backtest", "--json", "--from", "2026-08-03", "--train-from",
                            "2025-01-01")  # fmt: skip
    assert code == 0, out + err
    report = json.loads(out)
    model = report["model"]
    # Last season's finished orders train a model from the first weeks scored (this season's
    # 60 orders alone never would: see the test above).
    assert model["mondays_with_model"] >= 0.8 * report["mondays"]
    assert model["last_trained_on_orders"] >= 50
    weights = model["weights"]
    assert set(weights) >= {"intercept", "days_projected_late", "factory_late_share"}
    # Days already lost make lateness likelier, as in the world. (Slack and how many days a
    # projection runs late are not reliable signs on a season this small: they share what they
    # say with each other and with the plan's origin, and their weights take either sign from
    # one season to the next; docs/backtest.md lists them for seeds 1-6.)
    assert weights["late_on_observed_days"] > 0
    rules = {r["rule"]: r for r in report["rules"]}
    learned = rules["wipbot learned p≥0.5"]
    assert learned["recall"] is not None and learned["precision"] is not None
    assert learned["flags_per_order_week"] < rules["plain overdue rule"]["flags_per_order_week"]
    curve = model["curve"]
    assert [c["flag_at"] for c in curve] == sorted(c["flag_at"] for c in curve)
    recalls = [c["recall"] for c in curve]
    assert recalls == sorted(recalls, reverse=True)

    printed = Console(file=io.StringIO(), width=200)
    print_report(report, printed)
    text = printed.file.getvalue()
    largest = max((k for k in weights if k != "intercept"), key=lambda k: abs(weights[k]))
    assert "Learned rule" in text and largest in text

    code, out, err = wipbot("backtest", "--from", "2026-08-03", "--train-from", "2026-09-01")
    assert code == 1 and "--train-from" in err
