"""The best the brand's own observations allow: `python -m bench.observable_frontier`.

bench/oracle_frontier.py bounds any engine by a judge that knows everything the world had
decided, hidden problems included. This one asks the other question: how well can *anything*
judge from what a brand really sees (the check-ins as they were on the judging Monday, the
plan, the factory's record and calendar)? It fits a flexible model, gradient-boosted trees, on
the on-the-day judgements of other seasons of the same world (`--train` seeds, thousands of
orders, far more history than a brand has), and scores it on held-out seasons (`--test`) beside
the rules. The model is tuned to this very generator, so its frontier is an optimistic estimate
of what the observations hold; if even it cannot reach a recall and a precision at once, no
rule over the same observations will on this world.

Each scored order is judged once, on the last Monday at least `lead` days before its committed
date, from the board `wipbot po list --as-of` shows (the judgement's own inputs ride along on
each entry as `risk_input`). The inputs (`observed`) use nothing reported after that day. Two
models are fitted: on every input, and on the rules' own verdict only (slack, status, the kinds
of driver, staleness, days to the committed date), to tell new evidence from re-weighing.

Needs scikit-learn (`pip install -e ".[frontier]"`); the project itself never imports it.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time as clock
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

from bench.backtest_seasons import VARIANTS, imported_season, judged_at_lead, season_history
from bench.misses_by_cause import driver_class
from wipbot.production.backtest import is_late, scored_orders
from wipbot.production.milestones import MILESTONES, Milestone
from wipbot.production.progress import derive_state
from wipbot.production.risk import RiskInput, RiskStatus, assess
from wipbot.production.tna import derive_plan
from wipbot.seasons import SeasonAssumptions, generate_season

KINDS = (
    "a revised date",
    "a closure",
    "factory history",
    "measured pace or a quantity reading",
    "an overdue or late-reached milestone",
    "an announced delay",
)
VERDICT = (
    "slack",
    "status",
    "stale",
    "data_age",
    "drivers",
    "days_to_committed",
    *(f"driver: {kind}" for kind in KINDS),
)
"""The inputs that are the rules' own verdict; the rest is evidence the rules may not weigh."""
THRESHOLDS = (0.3, 0.4, 0.5)
TARGET_RECALL, TARGET_PRECISION = 0.80, 0.70


@dataclass(frozen=True)
class Judged:
    """One scored order on its judging Monday: what was observed, the rules' flag, the truth."""

    seed: int
    order: str
    inputs: dict[str, float]
    rules_flag: bool
    late: bool


def observed(inp: RiskInput, day: date) -> dict[str, float]:
    """What a brand sees of one order on `day`, as numbers. Reports after `day` are dropped
    here, whatever the caller passes, so nothing later can leak in."""
    inp = replace(inp, reports=tuple(r for r in inp.reports if r.day <= day))
    risk = assess(inp, day)
    reports = sorted(inp.reports, key=lambda r: r.reported_at)
    state = derive_state(inp.order_quantity, reports, datetime.combine(day, time.max, UTC))
    plan = derive_plan(inp.plan.get(Milestone.SHIPPED, inp.committed_exf), inp.plan)
    stage = -1 if state.milestone is None else state.milestone.index
    due = max((m.index for m in MILESTONES if plan[m] <= day), default=-1)
    upcoming = MILESTONES[stage + 1] if stage + 1 < len(MILESTONES) else None
    kinds = {driver_class(d) for d in risk.drivers}
    announced = [i.delay_days or 0 for r in reports for i in r.issues]
    slips = list(inp.factory_slip_days)
    n_announced, came_true = inp.announced_delays
    first = reports[0].day if reports else day
    features: dict[str, float] = {
        "slack": risk.slack_days,
        "status": {RiskStatus.ON_TRACK: 0, RiskStatus.AT_RISK: 1, RiskStatus.LATE: 2}[risk.status],
        "stale": float(risk.stale),
        "data_age": risk.data_age_days if risk.data_age_days is not None else 99,
        "drivers": len(risk.drivers),
        "days_to_committed": (inp.committed_exf - day).days,
        **{f"driver: {kind}": float(kind in kinds) for kind in KINDS},
        "buffer": (inp.committed_exf - plan[Milestone.SHIPPED]).days,
        "stage": stage,
        "stages_behind_plan": due - stage,
        "percent_complete": state.percent_complete,
        "next_milestone_due_in": (plan[upcoming] - day).days if upcoming else 0,
        "latest_milestone_seen_late": max(
            ((seen - plan[m]).days for m, seen in state.milestone_dates.items()), default=0
        ),
        "open_delay": max((i.delay_days or 0 for i in state.open_issues), default=0),
        "open_issues": len(state.open_issues),
        "longest_delay_ever_announced": max(announced, default=0),
        "reports_naming_an_issue": sum(1 for r in reports if r.issues),
        "reports_per_week": len(reports) / ((day - first).days // 7 + 1),
        "revised_past_committed": (
            (state.revised_exf - inp.committed_exf).days if state.revised_exf else -99
        ),
        "factory_finished_orders": len(slips),
        "factory_median_slip": statistics.median(slips) if slips else 0,
        "factory_mean_slip": statistics.mean(slips) if slips else 0,
        "factory_announced_delays": n_announced,
        "factory_announced_came_true": (came_true + 1) / (n_announced + 2),
        "derived_plan": float(bool(inp.derived_milestones)),
        "quantity": inp.order_quantity,
        "closed_days_ahead": sum(1 for c in inp.non_working_days if day <= c <= inp.committed_exf),
    }
    return features


async def judged_on_the_day(
    seed: int, assumptions: SeasonAssumptions, lead: int, folder: Path
) -> list[Judged]:
    """Every scored order of a generated season, as judged on its last Monday at the lead."""
    async with (
        imported_season(generate_season(seed, assumptions), folder) as sessions,
        sessions() as session,
    ):
        brand_id, history, days, last = await season_history(session)
        scored = scored_orders(history.outcomes, days[0], last, lead)
        late = {o.order for o in scored if is_late(o, last)}
        wanted = {o.order for o in scored}
        on_the_day: dict[str, Judged] = {}
        async for day, key, order in judged_at_lead(session, brand_id, days, lead):
            if key in wanted and order.risk_input is not None:
                flag = order.risk.status is not RiskStatus.ON_TRACK
                inputs = observed(order.risk_input, day)
                on_the_day[key] = Judged(seed, key, inputs, flag, key in late)
    return list(on_the_day.values())


def scores(flags: Sequence[bool], late: Sequence[bool]) -> tuple[float, float]:
    hits = sum(f and t for f, t in zip(flags, late, strict=True))
    flagged, positives = sum(flags), sum(late)
    return hits / positives if positives else 0.0, hits / flagged if flagged else 0.0


def best_recall_at(probabilities: Sequence[float], late: Sequence[bool], precision: float) -> float:
    """The highest recall any threshold reaches at `precision` or better, chosen in hindsight
    on the season itself: optimistic."""
    best = 0.0
    for cut in sorted(set(probabilities)):
        recall, reached = scores([p >= cut for p in probabilities], late)
        if reached >= precision:
            best = max(best, recall)
    return best


def fitted(rows: Sequence[Judged], names: Sequence[str]) -> Any:
    from sklearn.ensemble import HistGradientBoostingClassifier

    model = HistGradientBoostingClassifier(
        max_iter=300,
        learning_rate=0.05,
        max_leaf_nodes=15,
        min_samples_leaf=30,
        l2_regularization=1.0,
        random_state=0,
    )
    return model.fit([[r.inputs[n] for n in names] for r in rows], [r.late for r in rows])


def report(train: list[Judged], test: dict[int, list[Judged]]) -> None:
    every = list(train[0].inputs)
    models = {
        "every input": (fitted(train, every), every),
        "verdict only": (fitted(train, VERDICT), VERDICT),
    }
    print(f"trained on {len(train)} orders ({sum(r.late for r in train)} late)")
    head = " | ".join(f"p>={t}" for t in THRESHOLDS)
    print(f"seed | rules | model | {head} | best recall at precision >= {TARGET_PRECISION}")
    means: dict[str, list[tuple[float, float]]] = {}
    for seed, rows in test.items():
        late = [r.late for r in rows]
        rules = scores([r.rules_flag for r in rows], late)
        means.setdefault("rules", []).append(rules)
        for label, (model, names) in models.items():
            p = [
                float(x)
                for x in model.predict_proba([[r.inputs[n] for n in names] for r in rows])[:, 1]
            ]
            at = [scores([x >= t for x in p], late) for t in THRESHOLDS]
            for t, point in zip(THRESHOLDS, at, strict=True):
                means.setdefault(f"{label} p>={t}", []).append(point)
            best = best_recall_at(p, late, TARGET_PRECISION)
            cells = " | ".join(f"{r:.2f}/{q:.2f}" for r, q in at)
            print(f"{seed} | {rules[0]:.2f}/{rules[1]:.2f} | {label} | {cells} | {best:.2f}")
    for label, points in means.items():
        recall = statistics.mean(r for r, _ in points)
        precision = statistics.mean(q for _, q in points)
        print(f"mean of held-out seeds | {label} | {recall:.3f}/{precision:.3f}")


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--train", type=int, nargs="+", default=list(range(7, 17)))
    parser.add_argument("--test", type=int, nargs="+", default=[1, 2, 3, 4, 5, 6])
    parser.add_argument("--orders", type=int, default=350)
    parser.add_argument("--lead", type=int, default=14)
    parser.add_argument("--variant", choices=list(VARIANTS), default="default")
    args = parser.parse_args()
    try:
        import sklearn  # noqa: F401
    except ImportError:
        raise SystemExit('needs scikit-learn: pip install -e ".[frontier]"') from None
    assumptions = replace(
        SeasonAssumptions(**VARIANTS[args.variant]), production_orders=args.orders
    )
    started = clock.perf_counter()
    rows: dict[int, list[Judged]] = {}
    for seed in [*args.train, *args.test]:
        with tempfile.TemporaryDirectory() as folder:
            rows[seed] = await judged_on_the_day(seed, assumptions, args.lead, Path(folder))
    train = [r for seed in args.train for r in rows[seed]]
    report(train, {seed: rows[seed] for seed in args.test})
    print(f"{clock.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    asyncio.run(main())
