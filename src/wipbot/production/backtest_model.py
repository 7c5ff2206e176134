"""The learned probability replayed week by week, trained only on what was known each day.

On each judged day the model is retrained from the judgements of earlier days of the orders
whose lateness was known by that day (shipped and reported, or past their committed date
without a shipped report), then judges that day's orders. Until the history is thick enough
(risk_model.train), the rules decide. Nothing after the judged day is read: neither a later
judgement nor an outcome that was not yet known.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date

from wipbot.production.backtest import Flag
from wipbot.production.risk_model import (
    FEATURES,
    FLAG_AT,
    LateModel,
    factory_late_share,
    train,
)

SHARE = FEATURES.index("factory_late_share")
RETRAIN_GROWTH = 1.1
"""Refit once the orders with a known outcome have grown by a tenth since the last fit: a few
more orders move the weights by little, and a fit over a season's judgements is the cost."""


@dataclass(frozen=True)
class Judged:
    """One order judged on one day: the rules' flag and the model's inputs. The factory's late
    share is filled in by `replay`, from the outcomes known that day."""

    order: str
    day: date
    factory: str
    rules_flag: bool
    inputs: tuple[float, ...]
    live: bool = True
    """False once a shipment is reported: the rules' verdict stands, nothing is learned."""


@dataclass(frozen=True)
class Outcome:
    """Whether an order shipped late, and the first day that was known."""

    late: bool
    known_on: date


@dataclass
class Replay:
    flags: list[Flag] = field(default_factory=list)
    probabilities: dict[tuple[str, date], float] = field(default_factory=dict)
    model_days: int = 0
    """Judged days on which a model existed (the others fell back to the rules)."""
    last_model: LateModel | None = None


def replay(
    judged: Iterable[Judged],
    outcomes: Mapping[str, Outcome],
    factories: Mapping[str, str],
    days: Sequence[date],
) -> Replay:
    """Flags of the learned rule on every judged day; `factories` maps order to factory.
    Judgements on days before the first of `days` only train (a previous season)."""
    by_day: dict[date, list[Judged]] = defaultdict(list)
    for j in judged:
        by_day[j.day].append(j)
    scored = set(days)
    result = Replay()
    pool: list[Judged] = []
    model: LateModel | None = None
    fitted_on = 0
    for day in sorted(by_day.keys() | scored):
        known = [(o, out) for o, out in outcomes.items() if out.known_on <= day]
        brand_share = (sum(out.late for _, out in known) + 1) / (len(known) + 2)
        per_factory: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for order, out in known:
            tally = per_factory[factories[order]]
            tally[0] += 1
            tally[1] += out.late
        today = [
            replace(j, inputs=_with_share(j.inputs, per_factory[j.factory], brand_share))
            for j in by_day.get(day, [])
        ]
        if day in scored:
            if len(known) >= fitted_on * RETRAIN_GROWTH:
                labelled = [j for j in pool if outcomes[j.order].known_on <= day]
                model = train(
                    [j.inputs for j in labelled],
                    [outcomes[j.order].late for j in labelled],
                    [j.order for j in labelled],
                    start=model,
                )
                fitted_on = len(known) if model is not None else 0
            result.model_days += model is not None
            result.last_model = model or result.last_model
            for j in today:
                raised = j.rules_flag
                if model is not None and j.live:
                    p = model.probability(j.inputs)
                    result.probabilities[(j.order, day)] = p
                    raised = p >= FLAG_AT
                result.flags.append(Flag(j.order, day, raised))
        pool.extend(j for j in today if j.live and j.order in outcomes)
    return result


def _with_share(
    inputs: tuple[float, ...], tally: list[int], brand_share: float
) -> tuple[float, ...]:
    share = factory_late_share(tally[0], tally[1], brand_share)
    return (*inputs[:SHARE], share, *inputs[SHARE + 1 :])
