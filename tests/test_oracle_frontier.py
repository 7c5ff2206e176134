"""The best-judge replay must stay a faithful copy of the generator's world."""

from __future__ import annotations

import random
import statistics
from datetime import date

from bench.oracle_frontier import best_precision_at, best_recall_at, frontier, replays

from wipbot.seasons import SeasonAssumptions, generate_season

SEASON = SeasonAssumptions(production_orders=200)
LONG_AFTER = date(2099, 1, 1)
LONG_BEFORE = date(2000, 1, 1)


def test_knowing_everything_the_replay_ships_each_order_on_its_real_day() -> None:
    orders = generate_season(1, SEASON).orders
    rng = random.Random(0)
    shipped = [replays(o, SEASON, LONG_AFTER, rng, 3) for o in orders]
    assert shipped == [[o.shipped_on] * 3 for o in orders]


def test_knowing_nothing_the_replay_ships_as_the_world_does() -> None:
    """Replayed from its plan alone, an order ships late as often and by as much as the
    generator's own orders do. Seeded, so deterministic: the bounds leave room for the
    replay's sampling noise (1,000 orders against 10,000 replays) and still catch a part of
    the world left out of the copy (without overtime recovery the mean moves by 0.4 days,
    without capacity shortfalls by 0.35)."""
    orders = [o for seed in (1, 2, 3, 4, 5) for o in generate_season(seed, SEASON).orders]
    rng = random.Random(0)
    replayed = [
        (on - o.committed).days for o in orders for on in replays(o, SEASON, LONG_BEFORE, rng, 10)
    ]
    real = [o.days_late for o in orders]
    assert abs(share_late(replayed) - share_late(real)) < 0.02
    assert abs(statistics.fmean(replayed) - statistics.fmean(real)) < 0.25


def share_late(days_late: list[int]) -> float:
    return sum(days > 0 for days in days_late) / len(days_late)


def test_the_frontier_flags_the_most_probable_orders_first() -> None:
    judged = [(0.9, True), (0.9, False), (0.6, True), (0.2, True), (0.1, False)]
    points = frontier(judged)
    assert [(p.threshold, p.flagged, p.hits) for p in points] == [
        (0.9, 2, 1),
        (0.6, 3, 2),
        (0.2, 4, 3),
        (0.1, 5, 3),
    ]
    late = 3
    best = best_precision_at(points, late, 0.66)
    assert best is not None and (best.flagged, best.precision()) == (4, 0.75)
    widest = best_recall_at(points, late, 0.66)
    assert widest is not None and (widest.flagged, widest.recall(late)) == (4, 1.0)
    assert best_recall_at(points, late, 0.8) is None
