"""risk: `production.risk.assess` over a season of orders in production.

Baseline: `production.progress.derive_state` over the same orders, the fold of the check-ins that
every assessment starts from; the ratio is what projecting, pacing and explaining costs on top.
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, datetime, time, timedelta

from wipbot.production.progress import derive_state
from wipbot.production.risk import RiskInput, assess
from wipbot.production.tna import derive_plan
from wipbot.store.wip import public_holidays

from .common import Figure, Result, at_most, best_of, cost_ratio
from .synthetic import BUFFER_DAYS, FACTORIES, TODAY, history

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
