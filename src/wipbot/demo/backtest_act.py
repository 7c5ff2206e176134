"""Demo act: would the alerts have been worth trusting? A simulated season, backtested.

It generates a small season with `wipbot.seasons`, imports it into a database of its own (the
demo's sample brand stays untouched), and prints `wipbot backtest`: the rules beside the plain rule
and the learned probability, with the weights it learned.
"""

from __future__ import annotations

import io
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console

from wipbot.bot.config import Settings
from wipbot.cli.backtest import backtest, print_report
from wipbot.cli.common import database
from wipbot.cli.importing import import_file
from wipbot.seasons import SeasonAssumptions, generate_season, write_season

if TYPE_CHECKING:
    from .context import DemoContext

DEMO_SEASON_SEED = 2027
DEMO_SEASON_ORDERS = 60
IMPORTED = ("factories", "pos", "checkins")


async def act_backtest(ctx: DemoContext) -> None:
    """Last season replayed week by week: recall and precision beside the plain rule."""
    ctx.heading("Backtest: how good would the alerts have been on last season?")
    with tempfile.TemporaryDirectory(prefix="wipbot-season-") as workdir:
        folder = Path(workdir)
        assumptions = SeasonAssumptions(
            brand="Simulated Apparel", production_orders=DEMO_SEASON_ORDERS
        )
        season = generate_season(DEMO_SEASON_SEED, assumptions)
        write_season(season, folder)
        ctx.console.print(
            f"[dim]$ wipbot season generate --seed {DEMO_SEASON_SEED} --orders "
            f"{DEMO_SEASON_ORDERS} --out season/[/dim]  {len(season.purchase_orders)} POs, "
            f"{len(season.checkins)} check-ins, {season.late_share:.0%} really shipped late",
            highlight=False,
        )
        settings = Settings(database_url=f"sqlite+aiosqlite:///{folder / 'season.db'}")
        async with database(settings) as sessions:
            quiet = Console(file=io.StringIO())  # the progress bars only leave blank lines here
            for kind in IMPORTED:
                await import_file(sessions, kind, folder / f"{kind}.csv", out=quiet)
            ctx.console.print("[dim]$ wipbot backtest[/dim]")
            report = await backtest(sessions, assumptions.brand, None, None, 14)
    print_report(report, ctx.console)
