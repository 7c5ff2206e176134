"""The observable frontier may read only what the brand saw on the judging day."""

from __future__ import annotations

import tempfile
from dataclasses import replace
from pathlib import Path

from bench.observable_frontier import best_recall_at, judged_on_the_day, observed, scores

from wipbot.seasons import SeasonAssumptions

SMALL = SeasonAssumptions(production_orders=60)


async def test_each_scored_order_is_judged_once_on_its_day_from_what_was_known() -> None:
    with tempfile.TemporaryDirectory() as folder:
        rows = await judged_on_the_day(1, SMALL, 14, Path(folder))
    assert len({r.order for r in rows}) == len(rows) > 40
    assert 0 < sum(r.late for r in rows) < len(rows)
    # The rules' flag rides along with the inputs it was judged from.
    for row in rows:
        assert row.rules_flag == (row.inputs["status"] > 0)
        assert row.inputs["days_to_committed"] >= 14


def test_observed_drops_what_was_reported_later() -> None:
    from tests.production.test_risk import COMMITTED, ON_PLAN, SLOW_SEWING, d, risk_input

    day = d(5, 26)
    known = risk_input(ON_PLAN)
    later = risk_input([*ON_PLAN, *SLOW_SEWING])
    assert observed(later, day) == observed(known, day)
    # On a later day the same reports do count: the check has teeth.
    after = d(6, 10)
    assert observed(later, after) != observed(replace(later, reports=ON_PLAN), after)
    assert observed(later, after)["status"] == 2  # late
    assert observed(later, after)["days_to_committed"] == (COMMITTED - after).days


def test_best_recall_at_a_precision_is_chosen_over_every_threshold() -> None:
    probabilities = [0.9, 0.8, 0.6, 0.5, 0.2]
    late = [True, False, True, True, False]
    assert scores([p >= 0.5 for p in probabilities], late) == (1.0, 0.75)
    assert best_recall_at(probabilities, late, 0.75) == 1.0
    assert best_recall_at(probabilities, late, 0.8) == 1 / 3
