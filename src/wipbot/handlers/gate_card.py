"""A gate as the approvals channel shows it: the order, the checklist with who ticked what, the
request and the decision, with names for the Slack ids stored on the gate."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from wipbot.production.gates import (
    ChecklistEntry,
    GateItem,
    GateRefusal,
    GateStatus,
    missing_items,
)
from wipbot.production.roles import Role
from wipbot.store.gates import checklist_rows, member_names, order_of
from wipbot.store.models import Factory, Gate, GateChecklistItem


@dataclass(frozen=True)
class Person:
    """Someone named on a card: a brand member (Slack id and name) or a factory contact."""

    name: str
    slack_user_id: str | None = None


@dataclass(frozen=True)
class ChecklistLine:
    item: GateItem
    done: bool
    by: Person | None = None
    at: datetime | None = None

    @property
    def label(self) -> str:
        return self.item.label


@dataclass(frozen=True)
class GateCard:
    """A gate as the approvals channel shows it."""

    gate_id: int
    brand_id: int
    po_number: str
    production_order_number: str
    factory_name: str
    factory_country: str
    quantity: int
    status: GateStatus
    checklist: tuple[ChecklistLine, ...]
    requested_by: Person | None = None
    requested_at: datetime | None = None
    decided_by: Person | None = None
    decided_at: datetime | None = None
    reason: str = ""

    @property
    def order_label(self) -> str:
        return f"{self.po_number} / {self.production_order_number}"

    @property
    def missing(self) -> tuple[GateItem, ...]:
        entries = [ChecklistEntry(line.item, line.done) for line in self.checklist]
        return missing_items(entries)

    @property
    def complete(self) -> bool:
        return not self.missing


async def gate_card(session: AsyncSession, gate_id: int) -> GateCard | None:
    gate = await session.get(Gate, gate_id)
    if gate is None:
        return None
    target = await order_of(session, gate)
    if target is None:
        return None
    factory = await session.get(Factory, target.order.factory_id)
    names = await member_names(session, target.po.brand_id)
    rows = await checklist_rows(session, gate)
    done = {r.item: r for r in rows if r.done}
    checklist = tuple(_line(item, done.get(item.value), names) for item in GateItem)
    return GateCard(
        gate_id=gate_id,
        brand_id=target.po.brand_id,
        po_number=target.po.po_number,
        production_order_number=target.order.number,
        factory_name=factory.name if factory else "",
        factory_country=factory.country if factory else "",
        quantity=target.order.quantity,
        status=GateStatus(gate.status),
        checklist=checklist,
        requested_by=_person(gate.requested_by, names),
        requested_at=gate.requested_at,
        decided_by=_person(gate.decided_by, names),
        decided_at=gate.decided_at,
        reason=gate.decision_reason,
    )


def refusal_text(card: GateCard, refusal: GateRefusal, role: Role) -> str:
    """Why a click on Approve or Reject was refused, for the person who clicked."""
    if refusal is GateRefusal.NOT_APPROVER:
        return (
            f"Only this brand's approvers can decide gates (your role: {role.value}). "
            f"Ask an approver to look at {card.order_label}."
        )
    if refusal is GateRefusal.ALREADY_DECIDED:
        who = card.decided_by.name if card.decided_by else "someone"
        when = card.decided_at.strftime("%Y-%m-%d %H:%M UTC") if card.decided_at else ""
        return f"{card.order_label} was already {card.status.value} by {who} at {when}."
    if refusal is GateRefusal.CHECKLIST_INCOMPLETE:
        labels = "; ".join(item.label for item in card.missing)
        return (
            f"{card.order_label} cannot be approved yet: {labels}. "
            "Only an admin, giving a reason, may approve an incomplete checklist."
        )
    return "A rejection needs a reason the factory can act on."


def _line(item: GateItem, done: GateChecklistItem | None, names: dict[str, str]) -> ChecklistLine:
    if done is None:
        return ChecklistLine(item, done=False)
    return ChecklistLine(item, done=True, by=_person(done.done_by, names), at=done.done_at)


def _person(value: str | None, names: dict[str, str]) -> Person | None:
    """A stored actor: a member's Slack id gets their name; anything else is a plain name."""
    if not value:
        return None
    if value in names:
        return Person(names[value] or value, slack_user_id=value)
    return Person(value)
