"""Late-risk alerts replayed over past judgements: what a brand's channel would have received.

It runs the real policy on each judgement in turn: the risk scan decides whether an order has an
open alert and what it says (`risk_scan`), the card is what Slack shows (`alert_cards`), a new
alert is a post, a change edits the post in place, and a thread reply goes out only when
`news_since` finds news. Nothing is written: the replay keeps its own state per order.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

from wipbot.production.backtest import Outcome, is_live
from wipbot.store.alerts import AlertKind
from wipbot.store.models import ProductionOrder, PurchaseOrder
from wipbot.store.wip import PoStatus

from .alert_cards import AlertCard, detail_facts, news_since, snapshot
from .risk_scan import SEVERITY, alert_resolution, late_risk_alert_content


@dataclass(frozen=True)
class Noise:
    posts: int
    edits: int
    replies: int
    order_weeks: float

    @property
    def posts_per_order_week(self) -> float:
        return round(self.posts / self.order_weeks, 3) if self.order_weeks else 0.0

    @property
    def replies_per_order_week(self) -> float:
        return round(self.replies / self.order_weeks, 3) if self.order_weeks else 0.0


@dataclass
class _Open:
    summary: str
    severity: str
    details: dict[str, Any]
    revision: int
    opened_at: datetime
    noted: dict[str, Any]


@dataclass
class _Tally:
    posts: int = 0
    edits: int = 0
    replies: int = 0
    order_days: int = 0
    alerts: dict[str, _Open] = field(default_factory=dict)


def replay_alerts(
    boards: Iterable[tuple[date, list[PoStatus]]],
    records: Mapping[str, tuple[ProductionOrder, PurchaseOrder]],
    outcomes: Mapping[str, Outcome],
    *,
    days_per_board: int = 7,
) -> Noise:
    """Posts, silent edits and thread replies over the boards, in order of day.

    `records` and `outcomes` are keyed like store.backtest.order_key; `days_per_board` is how
    many days each board stands for, to count order-weeks.
    """
    tally = _Tally()
    for day, board in boards:
        at = datetime.combine(day, time(12), UTC)
        for status in board:
            for judged in status.orders:
                key = f"{status.po_number}/{judged.number}"
                found = records.get(key)
                outcome = outcomes.get(key)
                if found is None or outcome is None:
                    continue
                if is_live(outcome, day):
                    tally.order_days += days_per_board
                order, po = found
                reason = alert_resolution(order, po, judged)
                current = tally.alerts.get(key)
                if reason is not None:
                    if current is not None:
                        _resolve(tally, key, current, order.number, reason, at)
                    continue
                summary, details = late_risk_alert_content(order, po, status, judged)
                severity = SEVERITY[judged.risk.status]
                if current is None:
                    card = _card(order.number, summary, severity, details, 1, at, at)
                    tally.alerts[key] = _Open(summary, severity, details, 1, at, snapshot(card))
                    tally.posts += 1
                    continue
                if (current.summary, current.severity, current.details) == (
                    summary,
                    severity,
                    details,
                ):
                    continue
                current.summary, current.severity, current.details = summary, severity, details
                current.revision += 1
                tally.edits += 1
                card = _card(
                    order.number,
                    summary,
                    severity,
                    details,
                    current.revision,
                    current.opened_at,
                    at,
                )
                if news_since(current.noted, card):
                    tally.replies += 1
                    current.noted = snapshot(card, reply=True)
    return Noise(tally.posts, tally.edits, tally.replies, tally.order_days / 7)


def _resolve(
    tally: _Tally, key: str, current: _Open, subject: str, reason: str, at: datetime
) -> None:
    details = {**current.details, "resolution": reason}
    card = _card(
        subject, current.summary, current.severity, details, current.revision + 1,
        current.opened_at, at, resolved=reason,
    )  # fmt: skip
    tally.edits += 1
    if news_since(current.noted, card):
        tally.replies += 1
    del tally.alerts[key]


def _card(
    subject: str,
    summary: str,
    severity: str,
    details: dict[str, Any],
    revision: int,
    opened_at: datetime,
    at: datetime,
    *,
    resolved: str | None = None,
) -> AlertCard:
    return AlertCard(
        alert_id=0,
        brand_id=0,
        kind=AlertKind.LATE_RISK,
        subject=subject,
        severity=severity,
        summary=summary,
        facts=detail_facts(details),
        revision=revision,
        opened_at=opened_at,
        updated_at=at,
        resolved_at=at if resolved is not None else None,
        resolution=resolved or "",
    )
