"""`wipbot import` with columns its kind of file does not know: the summary (and --json) names
those it ignored; a misspelt known column refuses the file, said on the header line."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from .conftest import EXAMPLES, wipbot


def _factories_with(
    tmp_path: Path, extra: list[str], renamed: dict[str, str] | None = None
) -> Path:
    """The sample factories with `extra` columns added, each cell holding `[bold]x[/]`, and
    columns `renamed`."""
    with (EXAMPLES / "factories.csv").open(encoding="utf-8", newline="") as source:
        header, *rows = list(csv.reader(source))
    header = [(renamed or {}).get(column, column) for column in header]
    path = tmp_path / "factories.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow([*header, *extra])
        writer.writerows([*row, *["[bold]x[/]"] * len(extra)] for row in rows)
    return path


def test_ignored_columns_are_named_in_the_summary(database: str, tmp_path: Path) -> None:
    path = _factories_with(tmp_path, ["Buyer", "[red]Notes[/red]"])
    outcome = wipbot("import", "factories", str(path))
    assert outcome.code == 0, outcome.stderr
    # Wrapped at the console's width, a long temporary path even inside itself.
    text = "".join(outcome.stdout.split())
    assert text.startswith(f"{path}:4rowsforNorthwindApparelfactories:4created".replace(" ", ""))
    assert text.endswith("closures:3created,0updatedignoredcolumns:buyer,[red]notes[/red]")
    outcome = wipbot("import", "factories", str(path), "--json")
    assert outcome.code == 0
    summary = json.loads(outcome.stdout)
    assert summary["ignored_columns"] == ["buyer", "[red]notes[/red]"]
    assert summary["tallies"]["factories"]["unchanged"] == 4
    plain = wipbot("import", "factories", str(EXAMPLES / "factories.csv"), "--json")
    assert json.loads(plain.stdout)["ignored_columns"] == []
    assert "ignored" not in wipbot("import", "factories", str(EXAMPLES / "factories.csv")).stdout


def test_a_misspelt_column_is_refused_on_the_header_line(database: str, tmp_path: Path) -> None:
    path = _factories_with(tmp_path, ["buyer"], {"closures": "Closure"})
    outcome = wipbot("import", "factories", str(path))
    assert outcome.code == 1
    assert outcome.stderr.splitlines() == [
        f"{path}:1: closure: unknown column; did you mean closures?",
        f"{path}: 1 bad line; nothing was imported",
    ]
    board = wipbot("po", "list", "--json")  # not even the brand was created
    assert board.stderr == "error: no brand yet; import a factories file first\n"
