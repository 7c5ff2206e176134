"""Where the late-risk flags' misses and false alarms come from, counted against the truth.

`python -m bench.misses_by_cause [--seeds 1 2 3] [--orders 350] [--lead 14]`

Each season is generated, imported and judged every Monday exactly as `bench.backtest_seasons`
and `wipbot backtest` do (the same boards, rules and scored orders; a flag counts if raised on
any Monday at least `lead` days before the committed date). Then the scored orders are read
beside the generator's truth (`truth.csv`: the disruptions that struck each order, in the order
they struck, and which of them the contact hid), which the engine never sees:

- a late order wipbot did not flag in time is a *miss*, classed by its first cause: none at
  all; a QC rejection or a missed vessel (no report shows one 14 days ahead); a problem the
  contact hid; a problem the contact reported (which the buffer seemed to absorb);
- an order flagged in time that shipped on time is a *false alarm*, classed by the first driver
  wipbot named the first Monday it flagged it, and counted under every kind of driver it named
  that Monday.

docs/seasons.md and docs/risk.md quote these counts. Nothing here changes what is judged.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path

from bench.backtest_seasons import imported_season, judged_at_lead, season_history
from wipbot.cli.backtest import RULES
from wipbot.production.backtest import is_late, scored_orders
from wipbot.production.milestones import IssueFlag, Milestone
from wipbot.seasons import Season, SeasonAssumptions, generate_season
from wipbot.seasons.world import OrderTruth
from wipbot.store.backtest import order_key

WIPBOT = "wipbot at_risk|late"
PLAIN = "plain overdue rule"
SEEN_LATE = frozenset({IssueFlag.QC_REJECTION, IssueFlag.SHIPPING_DELAY})
"""Causes that appear only in an order's last days: no report shows them at a 14-day lead."""
ANNOUNCED = {
    "fabric late": "fabric",
    "trims late": "trims",
    "sample re-approval": "sample",
    "capacity short": "capacity",
    "other issue": "other",
    "QC rejection": "QC",
    "shipping delay": "vessel",
}


@dataclass
class Counts:
    """Counts for one or more seasons; `add` sums them."""

    late: int = 0
    late_in_truth: int = 0
    late_only_qc_or_vessel: int = 0
    wipbot_in_time: int = 0
    plain_in_time: int = 0
    wipbot_flagged: int = 0
    misses: Counter[str] = field(default_factory=Counter)
    misses_without_cause_at_a_closure: int = 0
    plain_only: Counter[str] = field(default_factory=Counter)
    neither: int = 0
    false_alarms: Counter[str] = field(default_factory=Counter)
    announced_false_alarms: Counter[str] = field(default_factory=Counter)
    named_in_false_alarms: Counter[str] = field(default_factory=Counter)
    announced_named: Counter[str] = field(default_factory=Counter)
    plain_flagged: Counter[str] = field(default_factory=Counter)
    plain_hits: Counter[str] = field(default_factory=Counter)

    def add(self, other: Counts) -> None:
        for name, value in vars(other).items():
            mine = getattr(self, name)
            if isinstance(mine, Counter):
                mine.update(value)
            else:
                setattr(self, name, mine + value)


def first_cause(truth: OrderTruth) -> str:
    if not truth.problems:
        return "no disruption"
    first = truth.problems[0]
    if first.flag in SEEN_LATE:
        return "QC rejection or missed vessel"
    return "a problem the contact hid" if first.hidden else "a reported problem"


def driver_class(driver: str) -> str:
    """The kind of evidence a driver's words name (production/risk.py writes them)."""
    if driver.startswith("factory revised"):
        return "a revised date"
    if "holiday" in driver or driver.startswith("factory closed"):
        return "a closure"
    if driver.startswith("factory history"):
        return "factory history"
    if "planned rate" in driver or "behind plan" in driver:
        return "measured pace or a quantity reading"
    if "overdue" in driver or "after plan" in driver or driver.startswith("ex-factory passed"):
        return "an overdue or late-reached milestone"
    if any(driver.startswith(words) for words in ANNOUNCED):
        return "an announced delay"
    return "other"


def announced_flag(driver: str) -> str:
    return next(short for words, short in ANNOUNCED.items() if driver.startswith(words))


def at_a_closure(truth: OrderTruth) -> bool:
    """A plan that ships on a closed day, or a last stage that ran into a closure."""
    closed = {
        c.start + timedelta(days=i)
        for c in truth.factory.closures
        for i in range((c.end - c.start).days + 1)
    }
    last_stage = {
        truth.actual[Milestone.INSPECTION] + timedelta(days=i)
        for i in range((truth.shipped_on - truth.actual[Milestone.INSPECTION]).days + 1)
    }
    return truth.plan[Milestone.SHIPPED] in closed or bool(closed & last_stage)


def truth_by_key(season: Season) -> dict[str, OrderTruth]:
    po_of = {
        line.production_order: po.po_number for po in season.purchase_orders for line in po.lines
    }
    return {order_key(po_of[o.number], o.number): o for o in season.orders}


async def count_season(seed: int, assumptions: SeasonAssumptions, lead: int) -> Counts:
    season = generate_season(seed, assumptions)
    truth = truth_by_key(season)
    first_flag: dict[str, dict[str, tuple[date, tuple[str, ...]]]] = {WIPBOT: {}, PLAIN: {}}
    with tempfile.TemporaryDirectory() as folder:
        async with imported_season(season, Path(folder)) as sessions, sessions() as session:
            brand_id, history, days, last = await season_history(session)
            async for day, key, order in judged_at_lead(session, brand_id, days, lead):
                for rule, flags in first_flag.items():
                    if key not in flags and RULES[rule](order, day):
                        flags[key] = (day, order.risk.drivers)
    scored = scored_orders(history.outcomes, days[0], last, lead)
    late = {o.order for o in scored if is_late(o, last)}
    return tally([o.order for o in scored], late, truth, first_flag)


def tally(
    scored: list[str],
    late: set[str],
    truth: Mapping[str, OrderTruth],
    first_flag: Mapping[str, Mapping[str, tuple[date, tuple[str, ...]]]],
) -> Counts:
    wipbot, plain = first_flag[WIPBOT], first_flag[PLAIN]
    counts = Counts(late=len(late))
    late_truth = [t for t in truth.values() if t.days_late > 0]
    counts.late_in_truth = len(late_truth)
    counts.late_only_qc_or_vessel = sum(
        all(p.flag in SEEN_LATE for p in t.problems) and bool(t.problems) for t in late_truth
    )
    for key in scored:
        order = truth[key]
        counts.wipbot_flagged += key in wipbot
        own = "own T&A" if order.factory.shares_tna else "derived plan"
        if key in plain:
            counts.plain_flagged[own] += 1
            counts.plain_hits[own] += key in late
        if key in late:
            counts.wipbot_in_time += key in wipbot
            counts.plain_in_time += key in plain
            if key not in wipbot:
                cause = first_cause(order)
                counts.misses[cause] += 1
                if cause == "no disruption" and at_a_closure(order):
                    counts.misses_without_cause_at_a_closure += 1
                if key in plain:
                    counts.plain_only[cause] += 1
                else:
                    counts.neither += 1
        elif key in wipbot:
            drivers = wipbot[key][1]
            kind = driver_class(drivers[0]) if drivers else "other"
            counts.false_alarms[kind] += 1
            if kind == "an announced delay":
                counts.announced_false_alarms[announced_flag(drivers[0])] += 1
            counts.named_in_false_alarms.update({driver_class(d) for d in drivers})
            counts.announced_named.update(
                {announced_flag(d) for d in drivers if driver_class(d) == "an announced delay"}
            )
    return counts


def show(title: str, counts: Counts) -> None:
    def listed(counter: Counter[str]) -> str:
        return ", ".join(f"{k} {v}" for k, v in counter.most_common())

    def share(hits: int, flagged: int) -> str:
        return f"{hits / flagged:.2f}" if flagged else "-"

    print(f"{title}: {counts.late} late scored ({counts.late_in_truth} late in the truth)")
    print(
        f"  late only through a QC rejection or a missed vessel: "
        f"{counts.late_only_qc_or_vessel} of {counts.late_in_truth} late in the truth"
    )
    print(
        f"  late orders flagged in time: wipbot {counts.wipbot_in_time} (of "
        f"{counts.wipbot_flagged} flagged), the plain rule {counts.plain_in_time} (of "
        f"{sum(counts.plain_flagged.values())} flagged)"
    )
    print(f"  misses {sum(counts.misses.values())}: {listed(counts.misses)}")
    print(
        f"  misses with no disruption whose plan ships on a closed day or whose last stage ran "
        f"into a closure: {counts.misses_without_cause_at_a_closure}"
    )
    print(f"  flagged by the plain rule alone {sum(counts.plain_only.values())}: "
          f"{listed(counts.plain_only)}; by neither {counts.neither}")  # fmt: skip
    print(f"  false alarms {sum(counts.false_alarms.values())}: {listed(counts.false_alarms)}")
    print(f"  announced delays among them: {listed(counts.announced_false_alarms)}")
    print(
        "  false alarms naming each kind on their first flag (an order may name several): "
        f"{listed(counts.named_in_false_alarms)}; announced: {listed(counts.announced_named)}"
    )
    print(
        "  plain rule precision, own T&A · derived plan: "
        + " · ".join(
            share(counts.plain_hits[k], counts.plain_flagged[k])
            for k in ("own T&A", "derived plan")
        )
    )


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=350)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--lead", type=int, default=14)
    args = parser.parse_args()
    assumptions = replace(SeasonAssumptions(), production_orders=args.orders)
    total = Counts()
    for seed in args.seeds:
        counts = await count_season(seed, assumptions, args.lead)
        show(f"seed {seed}", counts)
        total.add(counts)
    show("seeds " + " ".join(str(s) for s in args.seeds), total)


if __name__ == "__main__":
    asyncio.run(main())
