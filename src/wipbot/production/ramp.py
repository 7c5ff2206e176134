"""How a factory's output grows inside a stage, learned from its own finished orders.

A quantity reading says where a stage stands only if one knows how output grows through it.
Taken as even (a third of the time gone, a third of the pieces done), a line that ramps up as
operators learn a new style reads behind plan early in every stage and catches up by its end:
a false alarm on every order. Each factory's curve is read from its finished orders instead:
the share of the pieces done against the share of the stage's time gone, done = time ** ramp,
so ramp 1 is even output and 1.5 a learning curve (a third of the time gone, a fifth of the
pieces done). A reading is then placed at the share of the stage's time its quantity implies.

- A stage's start and end are the days its milestone and the next were reached, estimated as
  the weekly reports bound them (production/stage_times.reach_days); readings inside it give
  (time gone, pieces done) pairs, both strictly between 0 and 1.
- The exponent is the least-squares slope of log(done) on log(time) through the origin: a
  curve through (0, 0) and (1, 1). It is shrunk toward even output by RAMP_PRIOR_READINGS
  readings' worth, so a short record counts little, and kept within RAMP_BOUNDS.

Nothing here is fitted to a generator: on seasons with even output it learns 0.94-1.19 and on
seasons whose output follows time ** 1.5 it learns 1.2-1.55 (docs/risk.md, assumption 12).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import date

from wipbot.production.milestones import MILESTONES
from wipbot.production.stage_times import reach_days

RAMP_PRIOR_READINGS = 50
"""Readings of prior that output is even: with 50 readings the record counts half."""
RAMP_BOUNDS = (0.5, 2.0)
MIN_STAGE_DAYS = 3
"""Stages measured shorter than this say too little about the shape of their output."""

FinishedReadings = tuple[int, Sequence[tuple[date, str | None, Mapping[str, int]]]]
"""An order's quantity and its reports (local day, milestone name or None, quantities so far)
in the order they were made."""


def learn_ramp(orders: Sequence[FinishedReadings]) -> float:
    """The factory's output exponent from its finished orders; 1.0 (even) without a record."""
    slope = spread = 0.0
    readings = 0
    for quantity, reports in orders:
        reached = reach_days([(day, name) for day, name, _ in reports])
        for stage in MILESTONES[1:-1]:
            field_name = stage.quantity_field
            following = MILESTONES[stage.index + 1]
            if field_name is None or stage not in reached or following not in reached:
                continue
            began, ended = reached[stage], reached[following]
            days = (ended - began).days
            if days < MIN_STAGE_DAYS:
                continue
            for day, name, quantities in reports:
                done = quantities.get(field_name)
                if name != stage.value or not done:
                    continue
                gone, share = (day - began).days / days, done / quantity
                if 0 < gone < 1 and 0 < share < 1:
                    slope += math.log(share) * math.log(gone)
                    spread += math.log(gone) ** 2
                    readings += 1
    if not readings:
        return 1.0
    measured = slope / spread
    shrunk = 1 + (measured - 1) * readings / (readings + RAMP_PRIOR_READINGS)
    low, high = RAMP_BOUNDS
    return min(high, max(low, shrunk))


def time_share(done: float, quantity: int, ramp: float) -> float:
    """The share of a stage's time that `done` of `quantity` pieces implies on this curve."""
    share = min(1.0, max(0.0, done / quantity))
    return share ** (1 / ramp)
