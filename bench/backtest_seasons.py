"""Backtest figures over generated seasons: `python -m bench.backtest_seasons [--orders N]`.

Each season (seed, and assumption changes such as `hide_scale=2`) is generated, imported into a
fresh SQLite database and backtested at a 14-day lead, as `wipbot season generate`, `wipbot
import` and `wipbot backtest` would. Prints one line per season and rule, and the time taken.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from wipbot.cli.backtest import backtest
from wipbot.production.backtest import mondays
from wipbot.seasons import Season, SeasonAssumptions, generate_season, write_season
from wipbot.seasons.assumptions import DEFAULT_FACTORIES
from wipbot.store.backtest import History, boards_on, load_history, order_key
from wipbot.store.db import SessionFactory, make_engine, make_session_factory, transaction
from wipbot.store.importing import IMPORTERS
from wipbot.store.migrate import upgrade
from wipbot.store.wip import OrderStatus, resolve_brand

VARIANTS: dict[str, dict[str, Any]] = {
    "default": {},
    "hide x2": {"hide_scale": 2.0},
    "hide x0": {"hide_scale": 0.0},
    "missed x2": {"missed_scale": 2.0},
    "trouble x1.5": {"trouble_scale": 1.5},
    "trouble x0.6": {"trouble_scale": 0.6},
    "worry x3": {"worry_scale": 3.0},
    # Lines that ramp up: output inside a stage follows a learning curve, not a straight line.
    "ramp-up": {"ramp_up": 1.5},
    # Weekly check-ins only, no mid-week one near the end: the world.
    "weekly only": {"midweek_checkin_days": 0},
    # Check-ins every other week, or every three days, for every order.
    "fortnightly": {"checkin_every_days": 14},
    "twice weekly": {"checkin_every_days": 3},
    # Contacts who never hide a problem, never miss a check-in and never worry for nothing:
    # what weekly reports alone allow, with nothing held back.
    "candid": {"hide_scale": 0.0, "missed_scale": 0.0, "worry_scale": 0.0},
    # Structural changes to the world, not scales of one habit: every factory sends its own
    # T&A (no derived plans), none does, or no factory closes (no Chinese New Year, no Eid).
    "all own T&A": {"factories": tuple(replace(f, shares_tna=True) for f in DEFAULT_FACTORIES)},
    "no own T&A": {"factories": tuple(replace(f, shares_tna=False) for f in DEFAULT_FACTORIES)},
    "no closures": {"factories": tuple(replace(f, closures=()) for f in DEFAULT_FACTORIES)},
}


@asynccontextmanager
async def imported_season(season: Season, folder: Path) -> AsyncIterator[SessionFactory]:
    """The season's files written to `folder` and imported into a fresh SQLite database there,
    as `wipbot season generate`, `wipbot db upgrade` and `wipbot import` would."""
    write_season(season, folder)
    url = f"sqlite+aiosqlite:///{folder / 'season.db'}"
    await upgrade(url)
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    try:
        for kind in ("factories", "pos", "checkins"):
            async with transaction(sessions) as session:
                await IMPORTERS[kind](session, folder / f"{kind}.csv", file=kind)
        yield sessions
    finally:
        await engine.dispose()


async def season_history(session: AsyncSession) -> tuple[int, History, list[date], date]:
    """The imported season's brand, its history, the Mondays `wipbot backtest` judges, and the
    last check-in's day."""
    brand = await resolve_brand(session, None)
    assert brand.id is not None
    history = await load_history(session, brand.id)
    assert history.first_checkin is not None and history.last_checkin is not None
    last = history.last_checkin
    return brand.id, history, mondays(history.first_checkin, last), last


async def judged_at_lead(
    session: AsyncSession, brand_id: int, days: Sequence[date], lead: int
) -> AsyncIterator[tuple[date, str, OrderStatus]]:
    """Every production order as judged on every Monday at least `lead` days before its
    committed date, with its backtest key, from the boards `wipbot backtest` replays."""
    async for day, board in boards_on(session, brand_id, days):
        for status in board:
            if day <= status.committed_exf - timedelta(days=lead):
                for order in status.orders:
                    yield day, order_key(status.po_number, order.number), order


async def one(
    seed: int, assumptions: SeasonAssumptions, folder: Path
) -> tuple[dict[str, Any], float]:
    """With previous seasons, only the last one is scored; the learned rule trains on all."""
    async with imported_season(generate_season(seed, assumptions), folder) as sessions:
        started = time.perf_counter()
        if assumptions.previous_seasons:
            report = await backtest(
                sessions, None, assumptions.start, None, 14, train_from=date(1970, 1, 1)
            )
        else:
            report = await backtest(sessions, None, None, None, 14)
        return report, time.perf_counter() - started


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=350)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS))
    parser.add_argument(
        "--last-season",
        action="store_true",
        help="Generate one previous season too; the learned rule trains on it from day one.",
    )
    args = parser.parse_args()
    print("season | seed | rule | orders | late | recall | precision | lead | flags/wk | "
          "posts/wk | replies/wk | on the day recall/precision | backtest s")  # fmt: skip
    for name in args.variants:
        for seed in args.seeds:
            assumptions = replace(
                SeasonAssumptions(
                    production_orders=args.orders, previous_seasons=int(args.last_season)
                ),
                **VARIANTS[name],
            )
            with tempfile.TemporaryDirectory() as workdir:
                report, seconds = await one(seed, assumptions, Path(workdir))
            alerts = report["alerts"]
            for rule in report["rules"]:
                print(
                    f"{name} | {seed} | {rule['rule']} | {rule['orders']} | {rule['late']} | "
                    f"{rule['recall']} | {rule['precision']} | {rule['median_lead_days']} | "
                    f"{rule['flags_per_order_week']} | {alerts['posts_per_order_week']} | "
                    f"{alerts['replies_per_order_week']} | "
                    f"{rule['on_the_day_recall']}/{rule['on_the_day_precision']} | {seconds:.1f}",
                    flush=True,
                )
            model = report["model"]
            print(
                f"{name} | {seed} | model on {model['mondays_with_model']}/{model['mondays']} "
                f"Mondays | {model['weights']}",
                flush=True,
            )
            curve = " ".join(
                f"{c['flag_at']:g}:{c['recall']}/{c['precision']}" for c in model["curve"]
            )
            print(f"{name} | {seed} | p(late) curve, flag_at:recall/precision | {curve}")


if __name__ == "__main__":
    asyncio.run(main())
