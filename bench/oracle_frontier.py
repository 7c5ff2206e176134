"""The best any late-risk engine could do on a generated season: `python -m bench.oracle_frontier`.

An engine judges an order on the last Monday at least `lead` days before its committed date
from what is known that day. The best possible judge knows *everything* the world had decided
by then (the factory's own plan, every problem the factory knew of, hidden or not, the real day
each milestone was reached, and the sewing pace once sewing has begun) and nothing that had not
happened yet (a QC rejection after inspection, a missed vessel, a supplier delay not yet
announced). Its best judgement is the probability of shipping late given that knowledge, which
this script estimates by replaying the rest of the order many times from the generator's own
distributions, conditioned on what was known (samples that contradict it are rejected).

Any engine's flags, on that Monday or on any earlier one, are a function of less than this
knowledge, so flagging by this probability traces an upper bound of the recall/precision
frontier (Neyman-Pearson: for any number of flags, the most probable orders hold the most late
ones in expectation). The script prints, per season, the best precision at the target recall
and the best recall at the target precision, both as realised on the season's own outcomes
(threshold chosen in hindsight, so optimistic) and in expectation.
"""

from __future__ import annotations

import argparse
import math
import random
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, timedelta

from bench.backtest_seasons import VARIANTS
from wipbot.production.backtest import mondays
from wipbot.production.milestones import IssueFlag, Milestone
from wipbot.seasons import SeasonAssumptions, generate_season
from wipbot.seasons.assumptions import Disruption
from wipbot.seasons.world import CAPACITY_PACE, Calendar, OrderTruth

M = Milestone


@dataclass(frozen=True)
class Work:
    """Working days of each stage, read back from the factory's plan."""

    prep: int
    cut: int
    sew: int
    finish: int
    inspect: int


def open_days(calendar: Calendar, start: date, end: date) -> int:
    """Open days in [start, end): the count `Calendar.backward` walked to plan `start`."""
    closed = calendar._closed
    return sum(1 for n in range((end - start).days) if start + timedelta(days=n) not in closed)


def work_of(calendar: Calendar, plan: dict[Milestone, date]) -> Work:
    return Work(
        prep=open_days(calendar, plan[M.MATERIALS_IN], plan[M.CUTTING]),
        cut=open_days(calendar, plan[M.CUTTING], plan[M.SEWING]),
        sew=open_days(calendar, plan[M.SEWING], plan[M.FINISHING]),
        finish=open_days(calendar, plan[M.FINISHING], plan[M.INSPECTION]),
        inspect=open_days(calendar, plan[M.INSPECTION], plan[M.SHIPPED]),
    )


class Rejected(Exception):
    """The sampled future contradicts what was known on the judging day."""


def sampler(
    order: OrderTruth, season: SeasonAssumptions, day: date
) -> Callable[[random.Random], date]:
    """A function drawing one real ship date for `order` given what was known on `day`."""
    calendar = Calendar(order.factory)
    plan, actual, work = order.plan, order.actual, work_of(calendar, order.plan)
    known = {p.flag: p for p in order.problems if p.known_on <= day}
    trouble = order.factory.trouble * season.trouble_scale
    d = season.disruptions

    def strikes(rng: random.Random, disruption: Disruption) -> int:
        if rng.random() >= min(1.0, disruption.chance * trouble):
            return 0
        extra = rng.expovariate(1 / disruption.mean_extra_days) if disruption.mean_extra_days else 0
        return min(disruption.max_days, disruption.min_days + round(extra))

    def known_days(flag: IssueFlag) -> int:
        return known[flag].days if flag in known else 0

    def draw(rng: random.Random) -> date:
        if actual[M.MATERIALS_IN] <= day:
            materials = actual[M.MATERIALS_IN]
        else:
            if IssueFlag.FABRIC_LATE in known or IssueFlag.TRIMS_LATE in known:
                delay = max(known_days(IssueFlag.FABRIC_LATE), known_days(IssueFlag.TRIMS_LATE))
            else:
                warned = plan[M.MATERIALS_IN] - timedelta(
                    days=rng.randint(*season.problem_known_days)
                )
                delay = max(strikes(rng, d.fabric_late), strikes(rng, d.trims_late))
                if delay and warned <= day:
                    raise Rejected
            materials = plan[M.MATERIALS_IN] + timedelta(days=delay + rng.randint(-2, 1))
            if materials <= day:
                raise Rejected
        if actual[M.CUTTING] <= day:
            cutting = actual[M.CUTTING]
        else:
            reapproval = known_days(IssueFlag.SAMPLE_REAPPROVAL)
            if IssueFlag.SAMPLE_REAPPROVAL not in known:
                reapproval = strikes(rng, d.sample_reapproval)
                if reapproval and materials + timedelta(days=rng.randint(0, 3)) <= day:
                    raise Rejected
            cutting = calendar.forward(materials, work.prep)
            if reapproval:
                cutting = calendar.forward(cutting, reapproval)
            if cutting <= day:
                raise Rejected
        sewing = calendar.forward(cutting, work.cut)
        if (sewing <= day) != (actual[M.SEWING] <= day):
            raise Rejected
        if actual[M.SEWING] <= day:
            finishing = actual[M.FINISHING]
        else:
            pace = rng.uniform(*order.factory.pace)
            if rng.random() < min(1.0, d.capacity.chance * trouble):
                pace = min(pace, rng.uniform(*CAPACITY_PACE))
            sew_days = round(work.sew / pace)
            lost = max(0, (sewing - plan[M.SEWING]).days)
            sew_days = max(
                math.ceil(work.sew * 0.7), sew_days - round(lost * order.factory.recovery)
            )
            finishing = calendar.forward(sewing, sew_days)
        inspection = calendar.forward(finishing, work.finish)
        ready = calendar.forward(inspection, work.inspect)
        rework = known_days(IssueFlag.QC_REJECTION)
        if IssueFlag.QC_REJECTION not in known:
            rework = strikes(rng, d.qc_rejection)
            if rework and ready <= day:
                raise Rejected
        if rework:
            ready = calendar.forward(ready, rework)
        if ready < plan[M.SHIPPED]:
            booked = max(ready, plan[M.SHIPPED] - timedelta(days=order.factory.early_ship_days))
            ready = calendar.open_on_or_before(booked, ready)
        vessel = known_days(IssueFlag.SHIPPING_DELAY)
        if IssueFlag.SHIPPING_DELAY not in known:
            vessel = strikes(rng, d.shipping_delay)
            if vessel and ready - timedelta(days=rng.randint(0, 2)) <= day:
                raise Rejected
        return ready + timedelta(days=vessel)

    return draw


def replays(
    order: OrderTruth, season: SeasonAssumptions, day: date, rng: random.Random, samples: int
) -> list[date]:
    """`samples` ship dates drawn given what was known on `day`."""
    draw = sampler(order, season, day)
    kept: list[date] = []
    for _ in range(samples * 200):
        try:
            kept.append(draw(rng))
        except Rejected:
            continue
        if len(kept) == samples:
            return kept
    raise RuntimeError(f"{order.number}: the knowledge on {day} is never reproduced")


def late_probability(
    order: OrderTruth, season: SeasonAssumptions, day: date, rng: random.Random, samples: int
) -> float:
    shipped = replays(order, season, day, rng, samples)
    return sum(on > order.committed for on in shipped) / samples


@dataclass(frozen=True)
class Point:
    threshold: float
    flagged: int
    hits: int
    expected_hits: float

    def recall(self, late: int) -> float:
        return self.hits / late

    def precision(self) -> float:
        return self.hits / self.flagged


def frontier(judged: list[tuple[float, bool]]) -> list[Point]:
    """Flag every order at or above each distinct probability, most probable first."""
    ordered = sorted(judged, key=lambda pair: -pair[0])
    points: list[Point] = []
    hits = 0
    expected = 0.0
    for flagged, (p, late) in enumerate(ordered, start=1):
        hits += late
        expected += p
        if flagged == len(ordered) or ordered[flagged][0] < p:
            points.append(Point(p, flagged, hits, expected))
    return points


def best_precision_at(points: list[Point], late: int, recall: float) -> Point | None:
    reaching = [p for p in points if p.recall(late) >= recall]
    return max(reaching, key=Point.precision) if reaching else None


def best_recall_at(points: list[Point], late: int, precision: float) -> Point | None:
    reaching = [p for p in points if p.precision() >= precision]
    return max(reaching, key=lambda p: p.recall(late)) if reaching else None


def best_expected(
    points: list[Point], expected_late: float, recall: float
) -> tuple[float, float] | None:
    """Expected precision at the first threshold whose expected recall reaches `recall`."""
    for p in points:
        if p.expected_hits / expected_late >= recall:
            return p.expected_hits / p.flagged, p.threshold
    return None


@dataclass(frozen=True)
class SeasonFrontier:
    orders: int
    late: int
    expected_late: float
    points: list[Point]
    brier: float

    def line(self) -> str:
        expected = best_expected(self.points, self.expected_late, 0.80)
        return " | ".join(
            (
                f"{self.orders}",
                f"{self.late}",
                f"{self.expected_late:.1f}",
                f"{self.brier:.3f}",
                describe(best_precision_at(self.points, self.late, 0.80), self.late),
                describe(best_recall_at(self.points, self.late, 0.70), self.late),
                "-" if expected is None else f"{expected[0]:.2f} (p>={expected[1]:.2f})",
            )
        )


def season_frontier(
    seed: int, assumptions: SeasonAssumptions, lead: int, samples: int
) -> SeasonFrontier:
    season = generate_season(seed, assumptions)
    days = sorted(row.reported_at.date() for row in season.checkins)
    first_monday, last_day = mondays(days[0], days[-1])[0], days[-1]
    rng = random.Random(f"oracle-{seed}")
    judged: list[tuple[float, bool]] = []
    for order in season.orders:
        if not first_monday + timedelta(days=lead) <= order.committed <= last_day:
            continue
        latest = order.committed - timedelta(days=lead)
        day = latest - timedelta(days=latest.weekday())
        p = late_probability(order, assumptions, day, rng, samples)
        judged.append((p, order.days_late > 0))
    return SeasonFrontier(
        orders=len(judged),
        late=sum(is_late for _, is_late in judged),
        expected_late=sum(p for p, _ in judged),
        points=frontier(judged),
        brier=sum((p - is_late) ** 2 for p, is_late in judged) / len(judged),
    )


def describe(point: Point | None, late: int) -> str:
    if point is None:
        return "-"
    return (
        f"{point.recall(late):.2f} / {point.precision():.2f} "
        f"(p>={point.threshold:.2f}, {point.flagged} flagged)"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=350)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4, 5, 6])
    parser.add_argument("--variants", nargs="+", default=["default"])
    parser.add_argument("--lead", type=int, default=14)
    parser.add_argument("--samples", type=int, default=400)
    args = parser.parse_args()
    print(
        "season | seed | orders | late | expected late | brier | "
        "best precision at recall 0.80 | best recall at precision 0.70 | "
        "expected precision at expected recall 0.80"
    )
    for name in args.variants:
        for seed in args.seeds:
            assumptions = replace(
                SeasonAssumptions(production_orders=args.orders), **VARIANTS[name]
            )
            found = season_frontier(seed, assumptions, args.lead, args.samples)
            print(f"{name} | {seed} | {found.line()}", flush=True)


if __name__ == "__main__":
    main()
