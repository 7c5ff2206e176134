"""risk: `production.risk.assess` over a season of orders in production.

Baseline: `production.progress.derive_state` over the same orders, the fold of the check-ins that
every assessment starts from; the ratio is what projecting, pacing and explaining costs on top.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import random
import time as clock
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

from sqlalchemy import insert
from sqlmodel import col, select

from wipbot.handlers.risk_scan import rescore_all
from wipbot.production.calendar import public_holidays
from wipbot.production.milestones import Milestone
from wipbot.production.progress import derive_state
from wipbot.production.risk import RiskInput, assess
from wipbot.production.tna import derive_plan
from wipbot.store.db import SessionFactory, transaction
from wipbot.store.importing import IMPORTERS
from wipbot.store.models import Brand, CheckIn, Factory, ProductionOrder

from .common import (
    Figure,
    Result,
    RssWatch,
    at_most,
    best_of,
    both,
    cost_ratio,
    insert_open_orders,
    scratch_database,
    scratch_folder,
)
from .synthetic import BUFFER_DAYS, FACTORIES, TODAY, factories_file, history

NAME = "risk"
ORDERS, QUICK_ORDERS = 10_000, 200
REPEATS, QUICK_REPEATS = 3, 1
TARGET_US = 200.0
SEED = 20261126

SLIPS: dict[str, tuple[int, ...]] = {
    "DHK1": (4, 2, 7, 3),
    "NGB1": (1, 0, 2),
    "HCM1": (),
    "IZM1": (),
}
"""Days each factory's finished orders shipped late: enough history for two of them."""


def risk_inputs(count: int, rng: random.Random) -> list[RiskInput]:
    """Orders due from a few days ago to five weeks out, each with 3 to 6 check-ins."""
    years = (TODAY.year, TODAY.year + 1)
    closed = {code: public_holidays(country, years) for code, _, country, *_ in FACTORIES}
    inputs = []
    for i in range(count):
        factory = FACTORIES[i % len(FACTORIES)][0]
        committed = TODAY + timedelta(days=rng.randint(-3, 38))
        plan = derive_plan(committed - timedelta(days=BUFFER_DAYS))
        quantity = rng.randrange(500, 5000, 50)
        inputs.append(
            RiskInput(
                committed_exf=committed,
                plan=plan,
                order_quantity=quantity,
                reports=history(plan, quantity, TODAY, rng.randint(3, 6), rng),
                factory_slip_days=SLIPS[factory],
                non_working_days=closed[factory],
            )
        )
    return inputs


def run(quick: bool = False) -> Result:
    count, repeats = (QUICK_ORDERS, QUICK_REPEATS) if quick else (ORDERS, REPEATS)
    inputs = risk_inputs(count, random.Random(SEED))
    end_of_day = datetime.combine(TODAY, time.max, UTC)

    assess_s = best_of(repeats, lambda: [assess(inp, TODAY) for inp in inputs])
    state_s = best_of(
        repeats,
        lambda: [derive_state(inp.order_quantity, inp.reports, end_of_day) for inp in inputs],
    )
    per_order = assess_s / count * 1e6
    baseline = state_s / count * 1e6
    mix = Counter(assess(inp, TODAY).status.value for inp in inputs)
    return Result(
        name=NAME,
        what="risk.assess per order (3-6 check-ins) vs derive_state",
        n=count,
        figure=Figure("assess", per_order, "µs/order"),
        baseline=Figure("derive_state", baseline, "µs/order"),
        ratio=cost_ratio(per_order, baseline),
        target=at_most(per_order, TARGET_US, "µs/order"),
        extras=(
            Figure("scan of all orders", assess_s, "s"),
            Figure("late", 100 * mix["late"] / count, "%"),
            Figure("at risk", 100 * mix["at_risk"] / count, "%"),
        ),
    )


SCAN_NAME = "risk-scan"
SCAN_ORDERS, QUICK_SCAN_ORDERS = 100_000, 400
TARGET_SCAN_S = 10.0
TARGET_SCAN_MIB = 300.0
SCAN_STAGES = (Milestone.MATERIALS_IN, Milestone.CUTTING, Milestone.SEWING)


async def seed_open_orders(session_factory: SessionFactory, folder: Path, count: int) -> None:
    """`count` open POs of one production order each, due over the next ten weeks, with three
    check-ins each (materials in, cutting, sewing) on plan or up to two weeks behind it.
    Written with bulk inserts: an import of this size is measured by `import-checkins`."""
    async with transaction(session_factory) as session:
        await IMPORTERS["factories"](session, factories_file(folder))
    async with transaction(session_factory) as session:
        brand_id = (await session.exec(select(Brand.id))).one()
        factory_ids = list((await session.exec(select(Factory.id).order_by(col(Factory.id)))).all())
        connection = await session.connection()
        now = datetime.now(UTC)
        rng = random.Random(SEED)
        committed = [TODAY + timedelta(days=rng.randint(20, 70)) for _ in range(count)]
        await insert_open_orders(connection, brand_id, factory_ids, committed, now)
        checkins = []
        for i in range(count):
            plan = derive_plan(committed[i] - timedelta(days=BUFFER_DAYS))
            delay = timedelta(days=rng.choice((0, 0, 0, 3, 7, 14)))
            for stage in SCAN_STAGES:
                day = min(plan[stage] + delay, TODAY - timedelta(days=1))
                checkins.append(
                    {
                        "production_order_id": i + 1,
                        "contact_id": None,
                        "source": "import",
                        "reported_at": datetime.combine(day, time(4, 0), UTC),
                        "milestone": stage.value,
                        "qty_cut": 400 if stage is Milestone.CUTTING else None,
                        "note": "",
                        "created_at": now,
                    }
                )
        await connection.execute(insert(CheckIn), checkins)


async def _timed_scan(database: Path, folder: Path, count: int) -> tuple[float, float, float]:
    """Seconds of the first scan (raises the alerts), of the next one (steady state), and the
    MiB both raised the peak resident set by."""
    async with scratch_database(database) as session_factory:
        await seed_open_orders(session_factory, folder, count)
        rss = RssWatch.start()
        timings = []
        for _ in range(2):
            started = clock.perf_counter()
            async with transaction(session_factory) as session:
                await rescore_all(session, today=TODAY)
            timings.append(clock.perf_counter() - started)
        return timings[0], timings[1], rss.increase_mib()


def _scan_in_fresh_process(database: Path, folder: Path, count: int) -> tuple[float, float, float]:
    return asyncio.run(_timed_scan(database, folder, count))


async def _read_rows(database: Path) -> float:
    """The baseline: every open order and its check-ins read as plain rows, nothing judged."""
    async with scratch_database(database) as session_factory:
        started = clock.perf_counter()
        async with session_factory() as session:
            await session.exec(select(ProductionOrder.id, ProductionOrder.number))
            found = await session.exec(
                select(CheckIn.production_order_id, CheckIn.reported_at, CheckIn.milestone)
            )
            found.all()
        return clock.perf_counter() - started


def run_scan(quick: bool = False) -> Result:
    count = QUICK_SCAN_ORDERS if quick else SCAN_ORDERS
    with scratch_folder() as tmp:
        folder = Path(tmp)
        spawn = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=1, mp_context=spawn) as child:
            first_s, steady_s, rss_mib = child.submit(
                _scan_in_fresh_process, folder / "bench.db", folder, count
            ).result()
        read_s = asyncio.run(_read_rows(folder / "bench.db"))
    return Result(
        name=SCAN_NAME,
        what="risk scan (rescore_all) of open production orders, 3 check-ins each, vs reading them",
        n=count,
        figure=Figure("steady scan", steady_s, "s"),
        baseline=Figure("read rows", read_s, "s"),
        ratio=cost_ratio(steady_s, read_s),
        target=both(
            at_most(steady_s, TARGET_SCAN_S, "s"),
            at_most(rss_mib, TARGET_SCAN_MIB, "MiB"),
        ),
        extras=(
            Figure("first scan (raises alerts)", first_s, "s"),
            Figure("peak RSS increase", rss_mib, "MiB"),
        ),
    )
