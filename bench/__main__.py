"""`python -m bench [NAME ...] [--quick] [--json]`: run benchmarks, print a table of results."""

from __future__ import annotations

import argparse
import json
import sys
import time
import traceback
import warnings
from collections.abc import Sequence

from rich.console import Console
from rich.table import Table

from . import BENCHMARKS
from .common import Result

VERDICT_STYLE = {"PASS": "green", "MISS": "bold red", "-": "dim"}
PIPED_WIDTH = 120


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="wipbot benchmarks: figures, same-run baselines, ratios, targets.",
    )
    parser.add_argument(
        "names", nargs="*", metavar="NAME", help=f"which to run: {', '.join(BENCHMARKS)} (all)"
    )
    parser.add_argument("--quick", action="store_true", help="tiny sizes, to check they still run")
    parser.add_argument("--json", action="store_true", help="also one JSON line per result")
    args = parser.parse_args(argv)
    unknown = [name for name in args.names if name not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}")
    return args


def table(results: Sequence[Result]) -> Table:
    grid = Table(title="wipbot benchmarks", title_justify="left", show_lines=True)
    grid.add_column("benchmark", style="bold")
    grid.add_column("n", justify="right")
    grid.add_column("figure", justify="right")
    grid.add_column("baseline", justify="right")
    grid.add_column("ratio", justify="right")
    grid.add_column("target")
    grid.add_column("also")
    for r in results:
        style = VERDICT_STYLE[r.verdict]
        grid.add_row(
            r.name,
            f"{r.n:,}",
            f"{r.figure.text()}\n[dim]{r.figure.label}[/dim]",
            f"{r.baseline.text()}\n[dim]{r.baseline.label}[/dim]",
            f"{r.ratio:.1f}×",
            f"{r.target.text if r.target else ''}\n[{style}]{r.verdict}[/{style}]",
            "\n".join(f"{f.label}: {f.text()}" for f in r.extras),
        )
    return grid


def main(argv: Sequence[str]) -> int:
    args = parse_args(argv)
    # The same warning pyproject filters for the tests: SQLite keeps Decimals as text on purpose.
    warnings.filterwarnings("ignore", message="Dialect sqlite\\+aiosqlite does \\*not\\* support")
    console = Console(highlight=False)
    if not console.is_terminal:
        console.width = PIPED_WIDTH
    results: list[Result] = []
    failed: list[str] = []
    started = time.perf_counter()
    for name in args.names or list(BENCHMARKS):
        began = time.perf_counter()
        console.print(f"[bold]{name}[/bold] …")
        try:
            result = BENCHMARKS[name](args.quick)
        except Exception:
            console.print(f"[bold red]{name} failed[/bold red]")
            traceback.print_exc()
            failed.append(name)
            continue
        results.append(result)
        console.print(
            f"  {result.what}: {result.figure.text()}, {result.ratio:.1f}× "
            f"{result.baseline.label}, {result.verdict} "
            f"[dim]({time.perf_counter() - began:.1f} s)[/dim]"
        )
    if results:
        console.print(table(results))
    console.print(f"[dim]{len(results)} benchmarks in {time.perf_counter() - started:.1f} s[/dim]")
    if args.json:
        for result in results:
            print(json.dumps(result.as_json(), ensure_ascii=False))
    if failed:
        console.print(f"[bold red]failed: {', '.join(failed)}[/bold red]")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
