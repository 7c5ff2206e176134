"""board: `store.wip.wip_board` for a brand with a season of POs and their check-in history.

The data goes in through the importers (factories, POs, check-ins), as a brand would load it.
The board is what `/po` lists, `wipbot po list` prints and the risk scan walks: every production
order planned, folded and assessed. Baseline: loading every production order and check-in of
the database with a plain ORM SELECT, the rows the board cannot do without; the ratio is what
the judging costs on top. Each call gets a fresh session; one untimed board call first fills
the public-holiday cache, as any long-running process has it filled.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from sqlmodel import select

from wipbot.store.db import SessionFactory
from wipbot.store.models import CheckIn, ProductionOrder
from wipbot.store.wip import resolve_brand, wip_board

from .common import (
    Figure,
    Result,
    at_most,
    cost_ratio,
    median,
    scratch_database,
    scratch_folder,
)
from .imports import import_files
from .synthetic import TODAY, checkins_file, factories_file, pos_file, season_orders

NAME = "board"
POS, QUICK_POS = 1_000, 20
CHECKINS_PER_ORDER = 3
REPEATS, QUICK_REPEATS = 3, 1
TARGET_MS = 2_000.0
SEED = 1043


async def _board(session_factory: SessionFactory, brand_id: int) -> int:
    async with session_factory() as session:
        return len(await wip_board(session, brand_id, today=TODAY))


async def _plain_select(session_factory: SessionFactory) -> int:
    async with session_factory() as session:
        orders = (await session.exec(select(ProductionOrder))).all()
        checkins = (await session.exec(select(CheckIn))).all()
    return len(orders) + len(checkins)


async def _median_seconds(repeats: int, work: Callable[[], Awaitable[int]]) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        await work()
        times.append(time.perf_counter() - started)
    return median(times)


async def _measure(folder: Path, pos: int, repeats: int) -> tuple[int, int, float, float, float]:
    """POs on the board, check-ins, cold board, warm board and baseline seconds."""
    rng = random.Random(SEED)
    orders = season_orders(pos, rng)
    checkins, checkin_rows = checkins_file(folder, orders, CHECKINS_PER_ORDER, rng)
    files = [
        ("factories", factories_file(folder)),
        ("pos", pos_file(folder, orders)),
        ("checkins", checkins),
    ]
    async with scratch_database(folder / "bench.db") as session_factory:
        await import_files(session_factory, files)
        async with session_factory() as session:
            brand = await resolve_brand(session, None)
        assert brand.id is not None
        brand_id = brand.id
        started = time.perf_counter()
        shown = await _board(session_factory, brand_id)
        cold = time.perf_counter() - started
        board = await _median_seconds(repeats, lambda: _board(session_factory, brand_id))
        baseline = await _median_seconds(repeats, lambda: _plain_select(session_factory))
    if shown != pos:
        raise RuntimeError(f"the board shows {shown} POs, expected {pos}")
    return shown, checkin_rows, cold, board, baseline


def run(quick: bool = False) -> Result:
    pos, repeats = (QUICK_POS, QUICK_REPEATS) if quick else (POS, REPEATS)
    with scratch_folder() as tmp:
        shown, checkins, cold, board_s, baseline_s = asyncio.run(_measure(Path(tmp), pos, repeats))
    board_ms, baseline_ms = board_s * 1000, baseline_s * 1000
    return Result(
        name=NAME,
        what=f"wip_board of {shown} POs with {checkins} check-ins vs SELECT orders + check-ins",
        n=shown,
        figure=Figure("wip_board", board_ms, "ms/board"),
        baseline=Figure("plain SELECT", baseline_ms, "ms"),
        ratio=cost_ratio(board_ms, baseline_ms),
        target=at_most(board_ms, TARGET_MS, "ms/board"),
        extras=(
            Figure("per PO", board_ms / shown, "ms/PO"),
            Figure("first board (cold caches)", cold * 1000, "ms"),
        ),
    )
