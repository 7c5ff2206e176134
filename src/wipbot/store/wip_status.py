"""What `/po`, `wipbot po` and the risk scan show about a PO and its production orders, and
how it goes out as JSON."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from wipbot.production.milestones import IssueFlag, Milestone
from wipbot.production.risk import RiskAssessment, RiskInput
from wipbot.production.rollup import SEVERITY


@dataclass(frozen=True)
class FactoryInfo:
    code: str
    name: str
    country: str
    timezone: str


@dataclass(frozen=True)
class LineInfo:
    style: str
    style_name: str
    colorway: str
    quantity: int
    unit_price: Decimal
    selling_price: Decimal | None


@dataclass(frozen=True)
class MilestoneInfo:
    milestone: Milestone
    planned: date
    derived: bool
    actual: date | None
    days_late: int | None
    """Reached: actual minus planned (negative is early). Not reached: days overdue, if any."""
    stored_planned: date | None = None
    """The date as stored (the imported T&A, or derived with standard durations) when the
    factory's learned stage times moved it: what the brand's own spreadsheet shows, which the
    backtest's plain rule reads."""


@dataclass(frozen=True)
class IssueInfo:
    production_order: str
    flag: IssueFlag
    delay_days: int | None
    note: str


@dataclass(frozen=True)
class OrderStatus:
    number: str
    quantity: int
    gate_status: str
    milestones: tuple[MilestoneInfo, ...]
    current_milestone: Milestone | None
    quantities: dict[str, int]
    percent_complete: float
    last_checkin_at: datetime | None
    last_checkin_age_days: int | None
    open_issues: tuple[IssueInfo, ...]
    revised_exf: date | None
    risk: RiskAssessment
    stands_until: date | None = None
    """The first day the judgement may differ (production.judgement_horizon); not shown."""
    risk_input: RiskInput | None = field(default=None, repr=False, compare=False)
    """What `risk` was judged from, for analyses of the judgement (bench/); not shown."""

    @property
    def plan(self) -> dict[Milestone, date]:
        return {m.milestone: m.planned for m in self.milestones}

    @property
    def actual(self) -> dict[Milestone, date]:
        return {m.milestone: m.actual for m in self.milestones if m.actual is not None}


@dataclass(frozen=True)
class PoStatus:
    po_number: str
    brand: str
    factory: FactoryInfo
    status: str
    incoterm: str
    currency: str
    lines: tuple[LineInfo, ...]
    total_quantity: int
    committed_exf: date
    in_dc_date: date | None
    orders: tuple[OrderStatus, ...]
    risk: RiskAssessment
    current_milestone: Milestone | None
    percent_complete: float
    last_checkin_at: datetime | None
    last_checkin_age_days: int | None
    open_issues: tuple[IssueInfo, ...]
    revised_exf: date | None
    judged_on: date
    as_of: date | None

    @property
    def styles(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(line.style for line in self.lines))

    @property
    def colorways(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(line.colorway for line in self.lines))


def urgency(status: PoStatus) -> tuple[int, int, date, str]:
    return (
        -SEVERITY[status.risk.status],
        status.risk.slack_days,
        status.committed_exf,
        status.po_number,
    )


def status_to_json(status: PoStatus) -> dict[str, Any]:
    """Plain JSON types: dates as ISO strings, money as strings so no digit is lost."""
    orders = tuple(replace(o, stands_until=None, risk_input=None) for o in status.orders)
    data = _plain(asdict(replace(status, orders=orders)))
    for order in data["orders"]:
        del order["stands_until"], order["risk_input"]
    data["styles"] = list(status.styles)
    data["colorways"] = list(status.colorways)
    return data


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(_plain(k)): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value
