"""Late-risk alerts from the risk engine: raised, updated in place, resolved.

The judgement is `store.wip`'s, the same one `/po` and `wipbot po list --as-of` show, so an alert
never disagrees with the board. Each open production order that is late or at risk has one open
late_risk alert (subject: its number); it is updated only when the picture changes and resolved
when the order is back on track, shipped, or no longer open. Running a scan twice, or after a
restart, changes nothing: store.alerts keeps one open alert per subject and notifies on change.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from wipbot.production.judgement_horizon import gate_watch_stands_until
from wipbot.production.milestones import Milestone
from wipbot.production.risk import RiskAssessment, RiskStatus
from wipbot.store.alerts import AlertKind, open_alert, raise_alert, resolve_alert
from wipbot.store.factory_history import FactoryHistory
from wipbot.store.models import Alert, Brand, Factory, ProductionOrder, PurchaseOrder
from wipbot.store.risk_judgements import current_inputs, remember, still_standing
from wipbot.store.wip import OrderStatus, PoStatus, judge_brand, po_status

from .gate_watch import LEAD_DAYS, needs_gate_decision, watch_gates

OPEN = "open"
SCAN_CHUNK = 500
"""POs judged together: few enough that a chunk's rows stay small, enough to amortise a query."""
SEVERITY: dict[RiskStatus, str] = {RiskStatus.LATE: "danger", RiskStatus.AT_RISK: "warning"}
STATUS_WORDS: dict[RiskStatus, str] = {
    RiskStatus.LATE: "late",
    RiskStatus.AT_RISK: "at risk",
    RiskStatus.ON_TRACK: "on track",
}


@dataclass(frozen=True)
class ScanResult:
    """`assessed`: orders judged anew; `kept`: orders whose last judgement still stands (same
    inputs, its horizon not reached), so their alerts cannot have changed."""

    assessed: int = 0
    raised: int = 0
    updated: int = 0
    resolved: int = 0
    kept: int = 0

    def __add__(self, other: ScanResult) -> ScanResult:
        return ScanResult(
            self.assessed + other.assessed,
            self.raised + other.raised,
            self.updated + other.updated,
            self.resolved + other.resolved,
            self.kept + other.kept,
        )


async def rescore_production_order(
    session: AsyncSession, production_order_id: int, *, today: date
) -> RiskAssessment | None:
    """Judge one production order again (after a check-in) and bring its alert in line."""
    order = await session.get(ProductionOrder, production_order_id)
    if order is None:
        return None
    po = await session.get(PurchaseOrder, order.po_id)
    if po is None:
        return None
    status = await po_status(session, po.brand_id, po.po_number, today=today)
    judged = _order_in(status, order.number)
    current = await open_alert(session, po.brand_id, AlertKind.LATE_RISK, order.number)
    await _apply(session, po.brand_id, order, po, status, judged, current)
    return judged.risk if judged is not None else None


async def scan_brand(session: AsyncSession, brand_id: int, *, today: date) -> ScanResult:
    """Judge every production order of the brand; resolve the alerts of vanished orders."""
    result, seen = await _scan(session, brand_id, today, None)
    return result + await _resolve_vanished(session, brand_id, seen)


async def rescore_all(session: AsyncSession, *, today: date) -> ScanResult:
    result = ScanResult()
    for brand_id in (await session.exec(select(Brand.id).order_by(col(Brand.id)))).all():
        assert brand_id is not None
        result += await scan_brand(session, brand_id, today=today)
    return result


async def rescore_all_local(session: AsyncSession, *, now: datetime) -> ScanResult:
    """Every factory judged on its own calendar day, as the check-in flow judges its orders,
    so that a scan and a check-in never disagree across the date line. Factories that share a
    day (most of the time, all of a brand's) are judged in one pass."""
    days: dict[int, dict[date, set[int]]] = {}
    for factory in (await session.exec(select(Factory))).all():
        assert factory.id is not None
        by_day = days.setdefault(factory.brand_id, {})
        by_day.setdefault(local_today(now, factory.timezone), set()).add(factory.id)
    result = ScanResult()
    for brand_id, by_day in sorted(days.items()):
        seen: set[str] = set()
        for today, factory_ids in sorted(by_day.items()):
            scanned, judged = await _scan(session, brand_id, today, factory_ids)
            result += scanned
            seen |= judged
        result += await _resolve_vanished(session, brand_id, seen)
    return result


def local_today(now: datetime, timezone: str) -> date:
    return now.astimezone(ZoneInfo(timezone)).date()


async def _scan(
    session: AsyncSession, brand_id: int, today: date, factory_ids: set[int] | None
) -> tuple[ScanResult, set[str]]:
    """Judged SCAN_CHUNK POs at a time (store.wip.judge_brand): memory stays flat however many
    orders the brand has, and each chunk reads only its own orders and their open alerts."""
    counts: Counter[str] = Counter()
    judged_ids: set[int] = set()
    brand = await session.get(Brand, brand_id)
    if brand is None:
        return ScanResult(), set()
    history = FactoryHistory(brand.buffer_days, None)
    inputs = await current_inputs(session, brand_id, brand.buffer_days, history, today, factory_ids)
    standing = await still_standing(session, inputs, today)
    seen = {inputs[order_id].number for order_id in standing}
    stale_pos = {found.po_id for order_id, found in inputs.items() if order_id not in standing}
    if not stale_pos:
        return ScanResult(kept=len(standing)), seen
    async for chunk in judge_brand(
        session,
        brand_id,
        today=today,
        chunk=SCAN_CHUNK,
        factory_ids=factory_ids,
        po_ids=stale_pos,
        history=history,
    ):
        numbers = [o.number for s in chunk for o in s.orders]
        rows = (
            await session.exec(
                select(ProductionOrder, PurchaseOrder)
                .join(PurchaseOrder, col(PurchaseOrder.id) == ProductionOrder.po_id)
                .where(PurchaseOrder.brand_id == brand_id)
                .where(col(PurchaseOrder.po_number).in_([s.po_number for s in chunk]))
            )
        ).all()
        orders = {(po.po_number, order.number): (order, po) for order, po in rows}
        open_alerts = {
            a.subject: a
            for a in await _open_alerts(session, brand_id, AlertKind.LATE_RISK, numbers)
        }
        gate_alerts = {
            a.subject
            for a in await _open_alerts(session, brand_id, AlertKind.GATE_PENDING, numbers)
        }
        # Only orders whose gate alert may change: one that needs a decision or has an alert.
        watched = [
            s
            for s in chunk
            if any(o.number in gate_alerts or needs_gate_decision(o, today) for o in s.orders)
        ]
        await watch_gates(session, brand_id, watched, today)
        judged_now: list[tuple[int, str, date]] = []
        for status in chunk:
            for judged in status.orders:
                found = orders.get((status.po_number, judged.number))
                if found is None:
                    continue
                order, po = found
                seen.add(order.number)
                current = open_alerts.get(order.number)
                counts[await _apply(session, brand_id, order, po, status, judged, current)] += 1
                counts["assessed"] += 1
                if order.id in inputs:
                    judged_ids.add(order.id)
                    judged_now.append(
                        (order.id, inputs[order.id].inputs, _stands_until(judged, today))
                    )
        await remember(session, judged_now, today)
    return (
        ScanResult(
            counts["assessed"],
            counts["raised"],
            counts["updated"],
            counts["resolved"],
            len(standing - judged_ids),
        ),
        seen,
    )


async def _resolve_vanished(session: AsyncSession, brand_id: int, seen: set[str]) -> ScanResult:
    resolved = 0
    subjects = await session.exec(
        select(Alert.subject)
        .where(Alert.brand_id == brand_id)
        .where(Alert.kind == AlertKind.LATE_RISK.value)
        .where(Alert.resolved_at == None)  # noqa: E711
    )
    for subject in subjects.all():
        if subject not in seen:
            await resolve_alert(
                session,
                brand_id=brand_id,
                kind=AlertKind.LATE_RISK,
                subject=subject,
                reason="no longer an open production order",
            )
            resolved += 1
    return ScanResult(resolved=resolved)


def late_risk_alert_content(
    order: ProductionOrder, po: PurchaseOrder, status: PoStatus, judged: OrderStatus
) -> tuple[str, dict[str, Any]]:
    """Summary and details; nothing in them changes unless the judgement does."""
    risk = judged.risk
    drivers = "; ".join(risk.drivers) or "no driver named"
    summary = (
        f"{order.number} (PO {po.po_number}, {status.factory.name}) is "
        f"{STATUS_WORDS[risk.status]}: ex-factory projected {risk.projected_exf.isoformat()} "
        f"against {po.committed_exf.isoformat()} committed, {_days(risk.slack_days)} slack. "
        f"{drivers}"
    )[:500]
    details: dict[str, Any] = {
        "status": risk.status.value,
        "committed_exf": po.committed_exf.isoformat(),
        "projected_exf": risk.projected_exf.isoformat(),
        "slack_days": risk.slack_days,
        "drivers": list(risk.drivers),
        "stale": _stale_words(risk.stale, judged.last_checkin_at, status.factory.timezone),
        "milestone": judged.current_milestone.value if judged.current_milestone else None,
        "factory": f"{status.factory.name} ({status.factory.code})",
    }
    return summary, details


async def _apply(
    session: AsyncSession,
    brand_id: int,
    order: ProductionOrder,
    po: PurchaseOrder,
    status: PoStatus | None,
    judged: OrderStatus | None,
    current: Alert | _OpenAlert | None,
) -> str:
    """Raise, update or resolve the order's alert (`current`: its open one); says what it did."""
    reason = alert_resolution(order, po, judged)
    if reason is not None:
        if current is None:
            return "unchanged"
        await resolve_alert(
            session,
            brand_id=brand_id,
            kind=AlertKind.LATE_RISK,
            subject=order.number,
            reason=reason,
        )
        return "resolved"
    assert status is not None and judged is not None
    summary, details = late_risk_alert_content(order, po, status, judged)
    severity = SEVERITY[judged.risk.status]
    if current is not None and (current.summary, current.severity, current.details) == (
        summary,
        severity,
        details,
    ):
        return "unchanged"
    await raise_alert(
        session,
        brand_id=brand_id,
        kind=AlertKind.LATE_RISK,
        subject=order.number,
        summary=summary,
        severity=severity,
        details=details,
        production_order_id=order.id,
    )
    return "raised" if current is None else "updated"


def alert_resolution(
    order: ProductionOrder, po: PurchaseOrder, judged: OrderStatus | None
) -> str | None:
    """Why the order needs no late-risk alert, or None when the judgement decides."""
    if judged is None or order.status != OPEN or po.status == "cancelled":
        return "no longer an open production order"
    if judged.current_milestone is Milestone.SHIPPED:
        return "shipped"
    if judged.risk.status is RiskStatus.ON_TRACK:
        return f"back on track: {_days(judged.risk.slack_days)} slack"
    return None


def _stands_until(judged: OrderStatus, today: date) -> date:
    """The first day the order's late-risk or gate alert may change with no new input."""
    risk = judged.stands_until or today + timedelta(days=1)
    gate = gate_watch_stands_until(judged.plan.get(Milestone.CUTTING), today, LEAD_DAYS)
    return min(risk, gate) if gate is not None else risk


def _order_in(status: PoStatus | None, number: str) -> OrderStatus | None:
    if status is None:
        return None
    return next((o for o in status.orders if o.number == number), None)


@dataclass(frozen=True)
class _OpenAlert:
    """What the scan compares of an open alert: read as columns, not as tracked objects."""

    subject: str
    summary: str
    severity: str
    details: Mapping[str, Any]


async def _open_alerts(
    session: AsyncSession, brand_id: int, kind: AlertKind, subjects: list[str]
) -> list[_OpenAlert]:
    found = await session.exec(
        select(Alert.subject, Alert.summary, Alert.severity, Alert.details)  # type: ignore[call-overload]
        .where(Alert.brand_id == brand_id)
        .where(Alert.kind == kind.value)
        .where(col(Alert.subject).in_(subjects))
        .where(Alert.resolved_at == None)  # noqa: E711
    )
    return [_OpenAlert(*row) for row in found.all()]


def _days(days: int) -> str:
    return f"{days} day" if abs(days) == 1 else f"{days} days"


def _stale_words(stale: bool, last_checkin_at: datetime | None, timezone: str) -> str | bool:
    """Why the data is stale, in words that stay the same from day to day (a count of days would
    edit the card every day): the factory's day of the last check-in."""
    if not stale:
        return False
    if last_checkin_at is None:
        return "no check-in yet"
    return f"no check-in since {last_checkin_at.astimezone(ZoneInfo(timezone)).date().isoformat()}"
