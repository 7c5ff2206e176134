"""Alerts: one open per brand, kind and subject; raised, updated in place, resolved.

Each change also asks the outbox to post or update the brand's Slack message in the same
transaction, so the channel always catches up with the table, even after a crash.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from .models import Alert, Brand
from .models._base import utcnow
from .outbox import enqueue


class AlertKind(StrEnum):
    LATE_RISK = "late_risk"
    MISSED_CHECKIN = "missed_checkin"
    GATE_PENDING = "gate_pending"
    GATE_BREACH = "gate_breach"
    QC_FAILED = "qc_failed"


async def open_alert(
    session: AsyncSession, brand_id: int, kind: AlertKind, subject: str
) -> Alert | None:
    return (
        await session.exec(
            select(Alert)
            .where(Alert.brand_id == brand_id)
            .where(Alert.kind == kind.value)
            .where(Alert.subject == subject)
            .where(Alert.resolved_at == None)  # noqa: E711
        )
    ).first()


async def raise_alert(
    session: AsyncSession,
    *,
    brand_id: int,
    kind: AlertKind,
    subject: str,
    summary: str,
    severity: str = "warning",
    details: dict[str, Any] | None = None,
    production_order_id: int | None = None,
) -> Alert:
    """Open the alert, or update the open one; nothing is sent when nothing changed."""
    details = details or {}
    alert = await open_alert(session, brand_id, kind, subject)
    if alert is None:
        alert = Alert(
            brand_id=brand_id,
            kind=kind.value,
            subject=subject,
            summary=summary,
            severity=severity,
            details=details,
            production_order_id=production_order_id,
        )
        session.add(alert)
        await session.flush()
        await _notify(session, alert, "send")
        return alert
    if alert.summary == summary and alert.severity == severity and alert.details == details:
        return alert
    alert.summary = summary
    alert.severity = severity
    alert.details = details
    alert.revision += 1
    alert.updated_at = utcnow()
    await session.flush()
    await _notify(session, alert, "update")
    return alert


async def resolve_alert(
    session: AsyncSession, *, brand_id: int, kind: AlertKind, subject: str, reason: str = ""
) -> Alert | None:
    alert = await open_alert(session, brand_id, kind, subject)
    if alert is None:
        return None
    alert.resolved_at = utcnow()
    alert.updated_at = alert.resolved_at
    alert.revision += 1
    alert.details = {**alert.details, "resolution": reason}
    await session.flush()
    await _notify(session, alert, "update")
    return alert


async def _notify(session: AsyncSession, alert: Alert, action: str) -> None:
    """Post (or update) the alert in the brand's alerts channel, when it has one.

    The payload carries only the alert id and revision: the Slack transport renders the alert
    as it is when sending, so a burst of updates shows the latest state.
    """
    brand = await session.get(Brand, alert.brand_id)
    if brand is None or not brand.alerts_channel:
        return
    assert alert.id is not None
    enqueue(
        session,
        "slack",
        brand.alerts_channel,
        {"kind": "alert", "alert_id": alert.id, "revision": alert.revision},
        action=action,
        dedupe_key=f"alert:{alert.id}:{alert.revision}",
        alert_id=alert.id,
    )
