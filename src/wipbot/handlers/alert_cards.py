"""Alerts as the brand's alerts channel shows them, and what changed since the last post."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from wipbot.store.alerts import AlertKind
from wipbot.store.models import Alert, Factory, ProductionOrder, PurchaseOrder

KIND_TITLES: dict[AlertKind, str] = {
    AlertKind.LATE_RISK: "Late risk",
    AlertKind.MISSED_CHECKIN: "Missed check-in",
    AlertKind.GATE_PENDING: "Gate pending",
    AlertKind.GATE_BREACH: "Gate breach",
    AlertKind.QC_FAILED: "QC failed",
}

DETAIL_LABELS: dict[str, str] = {
    "status": "Risk",
    "committed_exf": "Committed ex-factory",
    "projected_exf": "Projected ex-factory",
    "slack_days": "Slack (days)",
    "drivers": "Drivers",
    "data_age_days": "Last check-in (days ago)",
    "stale": "Data stale",
    "milestone": "Milestone",
    "due_at": "Check-in due",
    "factory": "Factory",
    "po_number": "PO",
    "gate_status": "Gate",
    "reported_at": "Reported",
}

# Keys that describe the alert's bookkeeping rather than the situation.
_HIDDEN_DETAILS = frozenset({"resolution"})


@dataclass(frozen=True)
class AlertCard:
    alert_id: int
    brand_id: int
    kind: AlertKind
    subject: str
    severity: str
    summary: str
    facts: tuple[tuple[str, str], ...]
    revision: int
    opened_at: datetime
    updated_at: datetime
    resolved_at: datetime | None = None
    resolution: str = ""
    po_number: str | None = None
    production_order_number: str | None = None
    factory_name: str | None = None

    @property
    def resolved(self) -> bool:
        return self.resolved_at is not None

    @property
    def title(self) -> str:
        return f"{KIND_TITLES.get(self.kind, self.kind.value)}: {self.subject}"


async def alert_card(session: AsyncSession, alert_id: int) -> AlertCard | None:
    alert = await session.get(Alert, alert_id)
    if alert is None:
        return None
    order = (
        await session.get(ProductionOrder, alert.production_order_id)
        if alert.production_order_id
        else None
    )
    po = await session.get(PurchaseOrder, order.po_id) if order else None
    factory = await session.get(Factory, order.factory_id) if order else None
    return AlertCard(
        alert_id=alert_id,
        brand_id=alert.brand_id,
        kind=AlertKind(alert.kind),
        subject=alert.subject,
        severity=alert.severity,
        summary=alert.summary,
        facts=detail_facts(alert.details),
        revision=alert.revision,
        opened_at=alert.opened_at,
        updated_at=alert.updated_at,
        resolved_at=alert.resolved_at,
        resolution=str(alert.details.get("resolution") or ""),
        po_number=po.po_number if po else None,
        production_order_number=order.number if order else None,
        factory_name=factory.name if factory else None,
    )


def detail_facts(details: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    """The alert's details as label/value pairs, known keys first in a stable order."""
    known = [k for k in DETAIL_LABELS if k in details]
    rest = sorted(k for k in details if k not in DETAIL_LABELS and k not in _HIDDEN_DETAILS)
    facts = []
    for key in known + rest:
        value = _fact_value(details[key])
        if value:
            facts.append((DETAIL_LABELS.get(key, key.replace("_", " ").capitalize()), value))
    return tuple(facts)


def _fact_value(value: Any) -> str:
    if value is None or value is False:
        return ""
    if value is True:
        return "yes"
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k} {v}" for k, v in value.items())
    return str(value).replace("_", " ") if isinstance(value, str) else str(value)


def snapshot(card: AlertCard, *, reply: bool = False) -> dict[str, Any]:
    """What a post (or, with `reply`, a thread reply) showed, kept so the next update can say
    what changed and when the thread last heard from this alert."""
    shown: dict[str, Any] = {
        "severity": card.severity,
        "summary": card.summary,
        "facts": [list(fact) for fact in card.facts],
        "resolved": card.resolved,
    }
    if reply:
        shown["replied_at"] = card.updated_at.isoformat()
    return shown


def changes_since(shown: Mapping[str, Any] | None, card: AlertCard) -> tuple[str, ...]:
    """Material changes between what was last posted and the alert now; empty when none.

    Nothing known about the last post (it predates snapshots) reads as one change: the summary.
    """
    if not shown:
        return (card.summary,) if card.summary else ()
    lines: list[str] = []
    if card.resolved and not shown.get("resolved"):
        lines.append(f"Resolved{': ' + card.resolution if card.resolution else ''}")
    if shown.get("severity") != card.severity:
        lines.append(f"Severity: {shown.get('severity')} → {card.severity}")
    before = {str(label): str(value) for label, value in shown.get("facts", [])}
    for label, value in card.facts:
        if before.get(label) != value:
            was = before.get(label)
            lines.append(f"{label}: {was} → {value}" if was else f"{label}: {value}")
    if shown.get("summary") != card.summary and card.summary:
        lines.append(card.summary)
    return tuple(lines)


# Facts whose change is news for the channel; the rest (counts of days, ages) drift daily and
# are only corrected in place.
NEWSWORTHY_FACTS = frozenset({"Risk", "Milestone", "Gate", "Data stale"})
PROJECTED_SHIFT_WORTH_A_REPLY_DAYS = 3
# A status change is always news; any other news waits this long after the last thread reply,
# so an order a brand already knows is slipping costs its channel at most one reply a week.
STATUS_FACTS = frozenset({"Risk"})
QUIET_BETWEEN_REPLIES = timedelta(days=7)


def news_since(noted: Mapping[str, Any] | None, card: AlertCard) -> tuple[str, ...]:
    """The changes worth a thread reply since the last one (or the post itself).

    What people act on: resolution, severity, risk status, the milestone, a new cause, and a
    projected date that moved by days, not the one-day drift of an overdue date. Edits in place
    carry everything else silently, so a slipping order does not post a reply every day. Within
    a week of the last thread reply only a change of status (resolution, severity, risk) is
    news; the rest waits and goes out together once the week is over.
    """
    if not noted:
        return ()
    if not _status_changed(noted, card) and _replied_recently(noted, card):
        return ()
    lines: list[str] = []
    if card.resolved and not noted.get("resolved"):
        lines.append(f"Resolved{': ' + card.resolution if card.resolution else ''}")
    if noted.get("severity") != card.severity:
        lines.append(f"Severity: {noted.get('severity')} → {card.severity}")
    before = {str(label): str(value) for label, value in noted.get("facts", [])}
    for label, value in card.facts:
        was = before.get(label)
        if label in NEWSWORTHY_FACTS and was != value:
            lines.append(f"{label}: {was} → {value}" if was else f"{label}: {value}")
        elif label == "Drivers" and was is not None and _causes(was) != _causes(value):
            lines.append(f"{label}: {value}")
        elif (
            label == "Projected ex-factory"
            and was
            and _days_apart(was, value) >= (PROJECTED_SHIFT_WORTH_A_REPLY_DAYS)
        ):
            lines.append(f"{label}: {was} → {value}")
    return tuple(lines)


def _status_changed(noted: Mapping[str, Any], card: AlertCard) -> bool:
    if card.resolved and not noted.get("resolved"):
        return True
    if noted.get("severity") != card.severity:
        return True
    before = {str(label): str(value) for label, value in noted.get("facts", [])}
    return any(label in STATUS_FACTS and before.get(label) != value for label, value in card.facts)


def _replied_recently(noted: Mapping[str, Any], card: AlertCard) -> bool:
    replied = noted.get("replied_at")
    if not isinstance(replied, str):
        return False
    try:
        return card.updated_at - datetime.fromisoformat(replied) < QUIET_BETWEEN_REPLIES
    except (ValueError, TypeError):
        return False


def _causes(drivers: str) -> str:
    """The drivers without their figures: "cutting 10 d overdue" and "… 11 d …" are one cause."""
    return "".join(ch for ch in drivers if not ch.isdigit())


def _days_apart(before: str, after: str) -> int:
    try:
        return abs((date.fromisoformat(after) - date.fromisoformat(before)).days)
    except ValueError:
        return 0 if before == after else PROJECTED_SHIFT_WORTH_A_REPLY_DAYS
