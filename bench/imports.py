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
import csv
import multiprocessing
import random
import time
import uuid
from collections.abc import AsyncIterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from wipbot.store.db import SessionFactory, make_engine, make_session_factory, transaction
from wipbot.store.importing import IMPORTERS
from wipbot.store.importing.sheet import read_sheet, stream_sheet
from wipbot.store.migrate import upgrade

from .common import (
    Figure,
    Result,
    RssWatch,
    at_least,
    best_of,
    cost_ratio,
    postgres_admin,
    postgres_reachable,
    postgres_url,
    scratch_database,
    scratch_folder,
)
from .synthetic import Order, factories_file, pos_file, season_orders

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


CHECKINS_NAME = "import-checkins"
CHECKINS_PG_NAME = "import-checkins-pg"
CHECKINS, QUICK_CHECKINS = 500_000, 2_000
CHECKIN_POS, QUICK_CHECKIN_POS = 1_000, 20
TARGET_CHECKINS_PER_S = 20_000.0
MILESTONE_CYCLE = ("", "materials_in", "cutting", "sewing", "finishing", "inspection")


def checkins_csv(folder: Path, orders: list[Order], count: int) -> Path:
    """`count` check-ins spread over the orders, written straight to the file: one minute
    apart per order so every row is a check-in of its own, a third of them with issues."""
    path = folder / "checkins-big.csv"
    start = datetime(2026, 1, 5, 2, 0, tzinfo=UTC)
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(("production_order", "reported_at", "milestone", "qty_cut", "issues"))
        for i in range(count):
            order = orders[i % len(orders)]
            at = start + timedelta(minutes=i // len(orders))
            out.writerow(
                (
                    order.production_order,
                    at.strftime("%Y-%m-%d %H:%M+00:00"),
                    MILESTONE_CYCLE[i % len(MILESTONE_CYCLE)],
                    i % 997,
                    "fabric_late:3" if i % 3 == 0 else "",
                )
            )
    return path


@asynccontextmanager
async def _checkins_database(kind: str, folder: Path) -> AsyncIterator[SessionFactory]:
    """A fresh SQLite file, or a scratch PostgreSQL database, migrated and dropped after."""
    if kind == "sqlite":
        async with scratch_database(folder / "bench.db") as session_factory:
            yield session_factory
        return
    name = f"wipbot_bench_import_{uuid.uuid4().hex[:10]}"
    await postgres_admin(f"CREATE DATABASE {name}")
    engine = make_engine(postgres_url(name))
    try:
        await upgrade(postgres_url(name))
        yield make_session_factory(engine)
    finally:
        await engine.dispose()
        await postgres_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


async def _timed_checkins(kind: str, folder: Path, count: int, pos: int) -> tuple[float, float]:
    """Seconds the check-ins import took and MiB it raised the peak resident set by."""
    orders = season_orders(pos, random.Random(SEED))
    files = [("factories", factories_file(folder)), ("pos", pos_file(folder, orders))]
    big = checkins_csv(folder, orders, count)
    async with _checkins_database(kind, folder) as session_factory:
        await import_files(session_factory, files)
        rss = RssWatch.start()
        started = time.perf_counter()
        rows = await import_files(session_factory, [("checkins", big)])
        assert rows == count
        return time.perf_counter() - started, rss.increase_mib()


def _checkins_in_fresh_process(
    kind: str, folder: Path, count: int, pos: int
) -> tuple[float, float]:
    return asyncio.run(_timed_checkins(kind, folder, count, pos))


def _read_in_fresh_process(path: Path) -> tuple[float, float]:
    rss = RssWatch.start()
    started = time.perf_counter()
    rows = sum(1 for _ in stream_sheet(path).rows)
    assert rows > 0
    return time.perf_counter() - started, rss.increase_mib()


def run_checkins(quick: bool = False) -> Result:
    return _run_checkins(CHECKINS_NAME, "sqlite", quick)


def run_checkins_postgres(quick: bool = False) -> Result:
    if not asyncio.run(postgres_reachable()):
        raise RuntimeError("no PostgreSQL at WIPBOT_TEST_PG_DSN (127.0.0.1:5432 by default)")
    return _run_checkins(CHECKINS_PG_NAME, "postgresql", quick)


def _run_checkins(name: str, kind: str, quick: bool) -> Result:
    count, pos = (QUICK_CHECKINS, QUICK_CHECKIN_POS) if quick else (CHECKINS, CHECKIN_POS)
    with scratch_folder() as tmp:
        folder = Path(tmp)
        spawn = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=1, mp_context=spawn) as child:
            seconds, rss_mib = child.submit(
                _checkins_in_fresh_process, kind, folder, count, pos
            ).result()
        with ProcessPoolExecutor(max_workers=1, mp_context=spawn) as child:
            read_s, read_mib = child.submit(
                _read_in_fresh_process, folder / "checkins-big.csv"
            ).result()
    rate = count / seconds
    baseline = count / read_s
    return Result(
        name=name,
        what=f"import checkins CSV (streamed, one transaction) into {kind} vs streaming the file",
        n=count,
        figure=Figure("import", rate, "rows/s"),
        baseline=Figure("stream_sheet", baseline, "rows/s"),
        ratio=cost_ratio(baseline, rate),
        target=at_least(rate, TARGET_CHECKINS_PER_S, "rows/s"),
        extras=(
            Figure("import took", seconds, "s"),
            Figure("peak RSS increase", rss_mib, "MiB"),
            Figure("reading alone: peak RSS increase", read_mib, "MiB"),
        ),
    )
