"""Scoring late-risk flags against what really happened: recall, precision, lead and noise.

An order is *late* when its real ex-factory date is after the committed one (or it had still not
shipped when the history ends, past its committed date). It is *flagged at a lead of L days*
when some judgement made on a day at least L days before its committed date flagged it. Recall
is the share of late orders flagged at that lead; precision the share of orders flagged at that
lead that were late. docs/backtest.md says the same with examples.

The same flags are also read *on the day*: an order counts as flagged only if the last
judgement made at least L days before its committed date flagged it (a flag raised earlier and
withdrawn by then does not count). "Scored 14 days before the committed date" can mean either;
both are printed so neither reading flatters the rules.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class Outcome:
    """What really happened to one production order."""

    order: str
    committed: date
    shipped: date | None
    """The real ex-factory date; None when it had not shipped by the end of the history."""


@dataclass(frozen=True)
class Flag:
    """One judgement of one order on one day: raised or not."""

    order: str
    day: date
    raised: bool


@dataclass(frozen=True)
class Score:
    rule: str
    orders: int
    late: int
    flagged: int
    true_positives: int
    recall: float | None
    precision: float | None
    median_lead_days: float | None
    order_weeks: int
    flags_per_order_week: float
    on_the_day_flagged: int = 0
    on_the_day_true_positives: int = 0
    on_the_day_recall: float | None = None
    on_the_day_precision: float | None = None


def is_late(outcome: Outcome, history_end: date) -> bool | None:
    """True or False once known; None while it cannot be known (not shipped, not yet due)."""
    if outcome.shipped is not None:
        return outcome.shipped > outcome.committed
    return True if history_end > outcome.committed else None


def scored_orders(
    outcomes: Iterable[Outcome], first_day: date, last_day: date, lead_days: int
) -> list[Outcome]:
    """Orders whose committed date leaves the judged span room to flag them at the lead, and
    whose lateness is known."""
    earliest = first_day + timedelta(days=lead_days)
    return [
        o
        for o in outcomes
        if earliest <= o.committed <= last_day and is_late(o, last_day) is not None
    ]


def is_live(outcome: Outcome, day: date) -> bool:
    """An order counts towards noise on the days it has not really shipped yet."""
    return outcome.shipped is None or day < outcome.shipped


def score(
    rule: str,
    outcomes: Sequence[Outcome],
    flags: Iterable[Flag],
    *,
    first_day: date,
    last_day: date,
    lead_days: int,
) -> Score:
    by_order = {o.order: o for o in outcomes}
    first_flag: dict[str, date] = {}
    last_in_time: dict[str, Flag] = {}
    weeks = raised_weeks = 0
    for flag in flags:
        outcome = by_order.get(flag.order)
        if outcome is None or not first_day <= flag.day <= last_day:
            continue
        if is_live(outcome, flag.day):
            weeks += 1
            raised_weeks += flag.raised
        if flag.day > outcome.committed - timedelta(days=lead_days):
            continue
        if flag.raised:
            first_flag[flag.order] = min(flag.day, first_flag.get(flag.order, flag.day))
        latest = last_in_time.get(flag.order)
        if latest is None or flag.day > latest.day:
            last_in_time[flag.order] = flag
    scored = scored_orders(outcomes, first_day, last_day, lead_days)
    late = {o.order for o in scored if is_late(o, last_day)}
    flagged = {o.order for o in scored if o.order in first_flag}
    hits = late & flagged
    on_the_day = {
        o.order for o in scored if o.order in last_in_time and last_in_time[o.order].raised
    }
    on_the_day_hits = late & on_the_day
    leads = [(by_order[n].committed - first_flag[n]).days for n in hits]
    return Score(
        rule=rule,
        orders=len(scored),
        late=len(late),
        flagged=len(flagged),
        true_positives=len(hits),
        recall=_ratio(len(hits), len(late)),
        precision=_ratio(len(hits), len(flagged)),
        median_lead_days=statistics.median(leads) if leads else None,
        order_weeks=weeks,
        flags_per_order_week=round(raised_weeks / weeks, 3) if weeks else 0.0,
        on_the_day_flagged=len(on_the_day),
        on_the_day_true_positives=len(on_the_day_hits),
        on_the_day_recall=_ratio(len(on_the_day_hits), len(late)),
        on_the_day_precision=_ratio(len(on_the_day_hits), len(on_the_day)),
    )


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 3) if whole else None


def mondays(first: date, last: date) -> list[date]:
    """Every Monday from `first` (or the Monday after it) through `last`."""
    day = first + timedelta(days=(7 - first.weekday()) % 7)
    found = []
    while day <= last:
        found.append(day)
        day += timedelta(days=7)
    return found


def by_rule(flags: Iterable[tuple[str, Flag]]) -> Mapping[str, list[Flag]]:
    grouped: dict[str, list[Flag]] = {}
    for rule, flag in flags:
        grouped.setdefault(rule, []).append(flag)
    return grouped
