"""The state of a production order, derived from its append-only history of check-ins."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from wipbot.production.milestones import (
    MILESTONES,
    QUANTITY_FIELDS,
    STAGE_WEIGHT,
    IssueFlag,
    Milestone,
)


@dataclass(frozen=True)
class ReportedIssue:
    flag: IssueFlag
    delay_days: int | None = None
    note: str | None = None

    def __post_init__(self) -> None:
        if self.delay_days is not None and self.delay_days < 0:
            raise ValueError(f"delay_days must not be negative, got {self.delay_days}")


@dataclass(frozen=True)
class Report:
    """One check-in. Quantities hold only the fields the contact answered.

    `milestone` None means "not started yet": materials are not in, but the report can still
    name the issues holding them up. `shipped_on` is the day the goods really left, when known.
    """

    reported_at: datetime
    milestone: Milestone | None
    quantities: Mapping[str, int] = field(default_factory=dict)
    issues: tuple[ReportedIssue, ...] = ()
    revised_exf: date | None = None
    shipped_on: date | None = None

    def __post_init__(self) -> None:
        if self.reported_at.tzinfo is None:
            raise ValueError("reported_at must be timezone-aware")
        unknown = set(self.quantities) - set(QUANTITY_FIELDS)
        if unknown:
            expected = ", ".join(QUANTITY_FIELDS)
            raise ValueError(f"unknown quantities {sorted(unknown)}; expected {expected}")
        negative = {k: v for k, v in self.quantities.items() if v < 0}
        if negative:
            raise ValueError(f"quantities must not be negative: {negative}")

    @property
    def stage_index(self) -> int:
        """Position in the milestone schema; -1 for "not started yet", before materials_in."""
        return milestone_index(self.milestone)

    @property
    def day(self) -> date:
        """The report's calendar day in the timezone it carries (UTC, as the store returns it)."""
        return self.reported_at.date()


def milestone_index(milestone: Milestone | None) -> int:
    """Position in the schema, with "not started yet" (None) before the first milestone."""
    return -1 if milestone is None else milestone.index


@dataclass(frozen=True)
class ProductionState:
    milestone: Milestone | None
    quantities: dict[str, int]
    percent_complete: float
    last_report_at: datetime | None
    days_since_last_report: int | None
    milestone_dates: dict[Milestone, date]
    open_issues: tuple[ReportedIssue, ...]
    revised_exf: date | None


def derive_state(order_quantity: int, reports: Sequence[Report], now: datetime) -> ProductionState:
    """Fold the check-ins, oldest first, into the current picture of the order.

    The current milestone is the furthest ever reached. A later check-in naming an earlier
    milestone is nearly always about a remaining part of the order or a mis-tap; work already
    cut or sewn cannot be undone, so progress never goes backwards. Its quantities still count.
    """
    if order_quantity <= 0:
        raise ValueError(f"order quantity must be positive, got {order_quantity}")
    ordered = sorted(reports, key=lambda r: r.reported_at)
    milestone: Milestone | None = None
    quantities: dict[str, int] = {}
    milestone_dates: dict[Milestone, date] = {}
    revised_exf: date | None = None
    for report in ordered:
        if report.stage_index > milestone_index(milestone):
            milestone = report.milestone
        quantities.update(report.quantities)
        for reached in MILESTONES[: report.stage_index + 1]:
            milestone_dates.setdefault(reached, report.day)
        if report.shipped_on is not None and report.milestone is Milestone.SHIPPED:
            # The real day beats the day it was first reported (weekly check-ins lag it).
            first_seen = milestone_dates[Milestone.SHIPPED]
            milestone_dates[Milestone.SHIPPED] = min(first_seen, report.shipped_on)
        if report.revised_exf is not None:
            revised_exf = report.revised_exf

    last = ordered[-1] if ordered else None
    return ProductionState(
        milestone=milestone,
        quantities=quantities,
        percent_complete=percent_complete(order_quantity, milestone, quantities),
        last_report_at=last.reported_at if last else None,
        days_since_last_report=max(0, (now - last.reported_at).days) if last else None,
        milestone_dates=milestone_dates,
        open_issues=last.issues if last else (),
        revised_exf=revised_exf,
    )


@dataclass(frozen=True)
class StagePace:
    """Output per calendar day inside one stage, as of the last quantity reading."""

    units_per_day: float
    last_day: date
    last_quantity: float


def stage_pace(
    reports: Sequence[Report],
    stage: Milestone,
    started: date,
    as_even: Callable[[int], float] = float,
) -> StagePace | None:
    """The pace between the last two readings of the stage's quantity taken inside the stage.

    Only reports at or past the stage count: a reading from before the stage began ("sewn 0"
    while still cutting) would stretch the first interval over days nobody sewed. One reading
    is not enough: the stage began somewhere in the week before it, so the days it took are
    unknown. When the last two readings show nothing (a quiet week) it falls back to the
    average since the stage began (`started`), so one idle week does not make the stage look
    endless. `as_even` maps a quantity to the one even output would show by the same day (see
    production/ramp.py), so the pace is measured in time, not in pieces.
    """
    readings = {day: as_even(done) for day, done in stage_readings(reports, stage).items()}
    if len(readings) < 2:
        return None
    days = sorted(readings)
    last_day, last_quantity = days[-1], readings[days[-1]]
    pace = (last_quantity - readings[days[-2]]) / (last_day - days[-2]).days
    if pace <= 0:
        elapsed = (last_day - started).days
        pace = last_quantity / elapsed if elapsed > 0 else 0.0
    return StagePace(pace, last_day, last_quantity)


def last_reading(reports: Sequence[Report], stage: Milestone) -> tuple[date, int] | None:
    """The last reading of the stage's quantity taken inside the stage: its day and quantity."""
    readings = stage_readings(reports, stage)
    if not readings:
        return None
    last_day = max(readings)
    return last_day, readings[last_day]


def stage_readings(reports: Sequence[Report], stage: Milestone) -> dict[date, int]:
    """The stage's quantity by day, read only from reports at or past the stage (a reading from
    before it began says nothing about it); the day's last report wins."""
    field_name = stage.quantity_field
    if field_name is None:
        return {}
    return {
        r.day: r.quantities[field_name]
        for r in sorted(reports, key=lambda r: r.reported_at)
        if field_name in r.quantities and r.stage_index >= stage.index
    }


def percent_complete(
    order_quantity: int, milestone: Milestone | None, quantities: Mapping[str, int]
) -> float:
    """Weighted share of the job done: finished stages fully, the current one by its quantity."""
    if milestone is None:
        return 0.0
    done = sum(STAGE_WEIGHT[m] for m in MILESTONES[: milestone.index])
    share = _stage_share(order_quantity, milestone, quantities)
    return round(min(100.0, done + STAGE_WEIGHT[milestone] * share), 1)


def _stage_share(order_quantity: int, milestone: Milestone, quantities: Mapping[str, int]) -> float:
    field_name = milestone.quantity_field
    if field_name is None:
        return 1.0
    quantity = quantities.get(field_name)
    if quantity is None:
        return 1.0 if milestone is Milestone.SHIPPED else 0.0
    return min(1.0, quantity / order_quantity)
