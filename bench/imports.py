"""import: a season's factories and POs files into a fresh database, as `wipbot import` does.

Each file is imported in one transaction of its own (all or nothing), into a new SQLite file
migrated by `store.migrate.upgrade`. Baseline: reading the same files with the importers' own
sheet reader and nothing else, so the ratio is the cost of checking and writing a row.

The import runs in a fresh process, as a `wipbot import` does: memory freed by an earlier
benchmark would otherwise be reused and hide how far the import raises the peak resident set
(tracemalloc would tell without a process of its own, but slows the import down several times).
"""

from __future__ import annotations

import asyncio
import multiprocessing
import random
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from wipbot.store.db import SessionFactory, transaction
from wipbot.store.importing import IMPORTERS
from wipbot.store.importing.sheet import read_sheet

from .common import (
    Figure,
    Result,
    RssWatch,
    at_least,
    best_of,
    cost_ratio,
    scratch_database,
    scratch_folder,
)
from .synthetic import factories_file, pos_file, season_orders

NAME = "import"
POS, QUICK_POS = 1_000, 20
TARGET_ROWS_PER_S = 500.0
READ_REPEATS = 5
SEED = 1042


async def import_files(session_factory: SessionFactory, files: list[tuple[str, Path]]) -> int:
    """Every file in its own transaction, in order; returns the rows imported."""
    rows = 0
    for kind, path in files:
        async with transaction(session_factory) as session:
            result = await IMPORTERS[kind](session, path, file=path.name)
        rows += result.rows
    return rows


def season_files(folder: Path, pos: int) -> list[tuple[str, Path]]:
    orders = season_orders(pos, random.Random(SEED))
    return [("factories", factories_file(folder)), ("pos", pos_file(folder, orders))]


async def _timed_import(database: Path, files: list[tuple[str, Path]]) -> tuple[int, float, float]:
    """Rows imported, seconds taken, and MiB the peak resident set grew by."""
    async with scratch_database(database) as session_factory:
        rss = RssWatch.start()
        started = time.perf_counter()
        rows = await import_files(session_factory, files)
        return rows, time.perf_counter() - started, rss.increase_mib()


def _import_in_fresh_process(
    database: Path, files: list[tuple[str, Path]]
) -> tuple[int, float, float]:
    return asyncio.run(_timed_import(database, files))


def run(quick: bool = False) -> Result:
    with scratch_folder() as tmp:
        folder = Path(tmp)
        files = season_files(folder, QUICK_POS if quick else POS)
        spawn = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=1, mp_context=spawn) as child:
            measured = child.submit(_import_in_fresh_process, folder / "bench.db", files)
            rows, seconds, rss_mib = measured.result()
        read_s = best_of(READ_REPEATS, lambda: [read_sheet(path) for _, path in files])
    rate = rows / seconds
    baseline = rows / read_s
    return Result(
        name=NAME,
        what="import factories + pos CSV (2 lines per PO) into fresh SQLite vs read_sheet",
        n=rows,
        figure=Figure("import", rate, "rows/s"),
        baseline=Figure("read_sheet", baseline, "rows/s"),
        ratio=cost_ratio(baseline, rate),
        target=at_least(rate, TARGET_ROWS_PER_S, "rows/s"),
        extras=(
            Figure("import took", seconds, "s"),
            Figure("peak RSS increase", rss_mib, "MiB"),
        ),
    )
