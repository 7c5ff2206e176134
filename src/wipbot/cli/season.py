"""`wipbot season generate`: a simulated season as the files `wipbot import` reads.

For tests, benchmarks, the demo and anyone who wants to see how the alerts would behave before
trusting them with a real season. docs/seasons.md lists the assumptions behind it.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import typer

from wipbot.production.checkin_cadence import MIDWEEK_WINDOW_DAYS
from wipbot.seasons import SeasonAssumptions, generate_season, write_season

from .common import console, fail, shown_value, within_calendar

app = typer.Typer(help="Simulated seasons for backtests and demos.", no_args_is_help=True)

MAX_ORDERS = 100_000
"""The benchmarks' largest season; a larger number only makes the command run for hours."""


@app.command("generate")
def generate_command(
    seed: int = typer.Option(..., "--seed", help="The same seed gives the same season."),
    out: Path = typer.Option(..., "--out", help="Directory for the four CSV files."),
    orders: int = typer.Option(
        350, "--orders", min=1, max=MAX_ORDERS, help="Production orders in the season."
    ),
    start: str = typer.Option(
        SeasonAssumptions.start.isoformat(), "--start", help="First Monday of the season."
    ),
    trouble: float = typer.Option(
        1.0, "--trouble", min=0.0, help="Multiplier on every disruption's chance."
    ),
    hide: float = typer.Option(
        1.0, "--hide", min=0.0, help="Multiplier on the share of problems contacts hide."
    ),
    missed: float = typer.Option(
        1.0, "--missed", min=0.0, help="Multiplier on the share of check-ins missed."
    ),
    worry: float = typer.Option(
        1.0, "--worry", min=0.0, help="Multiplier on worries that come to nothing."
    ),
    ramp_up: float = typer.Option(
        1.0,
        "--ramp-up",
        min=0.5,
        max=3.0,
        help="Output inside a stage follows time ** this: 1, evenly; 1.5, a learning curve.",
    ),
    midweek: int = typer.Option(
        MIDWEEK_WINDOW_DAYS,
        "--midweek-days",
        min=0,
        max=365,
        help="Orders this near their committed date are asked mid-week too, as wipbot asks "
        "(WIPBOT_MIDWEEK_CHECKIN_DAYS); 0, weekly check-ins only.",
    ),
    previous: int = typer.Option(
        0,
        "--previous-seasons",
        min=0,
        max=4,
        help="Also generate this many earlier seasons of the same factories (history to learn "
        "from: backtest with --from START --train-from the first check-in).",
    ),
    legacy: bool = typer.Option(
        False,
        "--legacy",
        help="No 'not started yet' rows and no shipped_on column (importers without them).",
    ),
) -> None:
    """Write factories.csv, pos.csv, checkins.csv (to import) and truth.csv (real ship dates)."""
    try:
        first = date.fromisoformat(start)
    except ValueError:
        raise fail(f"--start: {shown_value(start)} is not a date (YYYY-MM-DD)") from None
    within_calendar(first, "--start", start)
    if out.exists() and not out.is_dir():
        raise fail(f"--out: {str(out)!r} is a file, not a directory")
    assumptions = SeasonAssumptions(
        start=first,
        production_orders=orders,
        trouble_scale=trouble,
        hide_scale=hide,
        missed_scale=missed,
        worry_scale=worry,
        ramp_up=ramp_up,
        midweek_checkin_days=midweek,
        previous_seasons=previous,
    )
    if legacy:
        assumptions = assumptions.for_today_importer()
    season = generate_season(seed, assumptions)
    try:
        paths = write_season(season, out)
    except OSError as error:
        raise fail(f"--out: cannot write to {str(out)!r}: {error.strerror}") from None
    console.print(
        f"Season {seed}: {len(season.purchase_orders)} POs, {len(season.orders)} production "
        f"orders, {len(season.checkins)} check-ins, {season.late_share:.0%} shipped late.",
        highlight=False,
    )
    for path in paths:
        console.print(f"  {path}", highlight=False, markup=False, soft_wrap=True)
