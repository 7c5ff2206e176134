"""Sample-to-bulk gate approvals: request, tick the checklist, decide.

Every change asks the outbox to post or update the approval message in the brand's approvals
channel in the same transaction; the transport renders the gate as it is when it sends, so a
burst of ticks shows the latest checklist. Refusals are values, not exceptions: the adapter
turns them into a polite reply for the person who clicked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from wipbot.handlers.i18n import resolve_language, translator
from wipbot.handlers.messages import Reply, reply_to_payload
from wipbot.production.gates import (
    ChecklistEntry,
    GateDecisionError,
    GateItem,
    GateRefusal,
    GateStatus,
    can_request,
    check_decision,
    missing_items,
)
from wipbot.production.roles import Role
from wipbot.store import audit
from wipbot.store.alerts import AlertKind, resolve_alert
from wipbot.store.brands import member_role
from wipbot.store.gates import ensure_gate
from wipbot.store.models import (
    Alert,
    Brand,
    BrandMember,
    Contact,
    ConversationState,
    Factory,
    Gate,
    GateChecklistItem,
    ProductionOrder,
    PurchaseOrder,
)
from wipbot.store.outbox import enqueue

GATE_REQUEST_KIND = "gate_request"

_ITEM_WORDS: dict[str, GateItem] = {
    "golden": GateItem.GOLDEN_SAMPLE_SEALED,
    "sample": GateItem.GOLDEN_SAMPLE_SEALED,
    "sealed": GateItem.GOLDEN_SAMPLE_SEALED,
    "techpack": GateItem.TECH_PACK_SIGNED_OFF,
    "tech": GateItem.TECH_PACK_SIGNED_OFF,
    "bom": GateItem.BOM_SIGNED_OFF,
    "fit": GateItem.FIT_COMMENTS_CAPTURED,
}


def parse_item(text: str) -> GateItem:
    """A checklist item by its name or a short word: "golden", "tech pack", "bom", "fit"."""
    key = text.strip().lower().replace("-", "_").replace(" ", "_")
    try:
        return GateItem(key)
    except ValueError:
        pass
    word = key.replace("_", "")
    for prefix, item in _ITEM_WORDS.items():
        if word.startswith(prefix):
            return item
    names = ", ".join(item.value for item in GateItem)
    raise ValueError(f"unknown checklist item {text!r}; expected one of {names}")


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


class RequestOutcome(StrEnum):
    REQUESTED = "requested"
    ALREADY_REQUESTED = "already_requested"
    ALREADY_APPROVED = "already_approved"
    UPDATED = "updated"
    NOT_FOUND = "not_found"
    AMBIGUOUS = "ambiguous"


@dataclass(frozen=True)
class GateRequestResult:
    outcome: RequestOutcome
    card: GateCard | None = None
    choices: tuple[str, ...] = ()
    approvals_channel: str | None = None


class DecisionOutcome(StrEnum):
    DECIDED = "decided"
    REFUSED = "refused"
    NEEDS_REASON = "needs_reason"
    NOT_FOUND = "not_found"


@dataclass(frozen=True)
class GateDecisionResult:
    """What happened to a click on Approve or Reject.

    NEEDS_REASON means the decision is allowed once a reason is given: a rejection, or an admin
    approving past an incomplete checklist (`override` is True then).
    """

    outcome: DecisionOutcome
    card: GateCard | None = None
    refusal: GateRefusal | None = None
    message: str = ""
    override: bool = False


@dataclass(frozen=True)
class _Order:
    order: ProductionOrder
    po: PurchaseOrder


async def find_orders(session: AsyncSession, brand_id: int, number: str) -> list[_Order]:
    """Production orders named by their own number or by their PO number, in this brand only."""
    key = number.strip().upper()
    rows = (
        await session.exec(
            select(ProductionOrder, PurchaseOrder)
            .join(PurchaseOrder, col(PurchaseOrder.id) == col(ProductionOrder.po_id))
            .where(PurchaseOrder.brand_id == brand_id)
            .where(
                (func.upper(ProductionOrder.number) == key)
                | (func.upper(PurchaseOrder.po_number) == key)
            )
            .order_by(col(PurchaseOrder.po_number), col(ProductionOrder.number))
        )
    ).all()
    exact = [_Order(o, p) for o, p in rows if o.number.upper() == key]
    return exact or [_Order(o, p) for o, p in rows]


async def may_prepare(session: AsyncSession, brand_id: int, slack_user_id: str) -> bool:
    """Requesting a gate and ticking its checklist is merchandising work; viewers only read."""
    role = await member_role(session, brand_id, slack_user_id)
    return role is not None and Role(role).at_least(Role.MERCHANDISER)


async def request_gate(
    session: AsyncSession,
    brand_id: int,
    production_order_number: str,
    *,
    requested_by: str,
    now: datetime,
) -> GateRequestResult:
    """Ask the brand's approvers to release a production order to bulk.

    Takes a production order number, or a PO number with a single production order. Asking
    again while a request is open refreshes the message instead of posting a second one; after
    a rejection it posts a fresh request, leaving the rejected one in the channel as a record.
    """
    found = await find_orders(session, brand_id, production_order_number)
    if not found:
        return GateRequestResult(RequestOutcome.NOT_FOUND)
    if len(found) > 1:
        return GateRequestResult(
            RequestOutcome.AMBIGUOUS, choices=tuple(f.order.number for f in found)
        )
    target = found[0]
    brand = await _brand(session, brand_id)
    gate = await _gate_for(session, target.order)
    status = GateStatus(gate.status)
    if status is GateStatus.APPROVED:
        return await _request_result(session, RequestOutcome.ALREADY_APPROVED, brand, gate)
    if status is GateStatus.REQUESTED:
        _post_gate(session, brand, gate, "update")
        return await _request_result(session, RequestOutcome.ALREADY_REQUESTED, brand, gate)
    assert can_request(status)
    if status is GateStatus.REJECTED:
        gate.slack_channel = gate.slack_ts = None
    gate.status = GateStatus.REQUESTED.value
    gate.requested_at = now
    gate.requested_by = requested_by[:64]
    gate.decided_at = gate.decided_by = None
    gate.decision_reason = ""
    audit.record(
        session,
        actor=requested_by,
        action="gate.request",
        subject=_subject(target),
        brand_id=brand_id,
        details={"gate_id": gate.id},
    )
    _post_gate(session, brand, gate, "send")
    return await _request_result(session, RequestOutcome.REQUESTED, brand, gate)


async def tick_item(
    session: AsyncSession,
    brand_id: int,
    production_order_number: str,
    item: GateItem,
    *,
    by: str,
    now: datetime,
    done: bool = True,
) -> GateRequestResult:
    """Mark one checklist item done (or not) by someone, and refresh an open request.

    A decided gate is history: its checklist is not changed afterwards.
    """
    found = await find_orders(session, brand_id, production_order_number)
    if len(found) != 1:
        outcome = RequestOutcome.NOT_FOUND if not found else RequestOutcome.AMBIGUOUS
        return GateRequestResult(outcome, choices=tuple(f.order.number for f in found))
    brand = await _brand(session, brand_id)
    gate = await _gate_for(session, found[0].order)
    if GateStatus(gate.status) is GateStatus.APPROVED:
        return await _request_result(session, RequestOutcome.ALREADY_APPROVED, brand, gate)
    row = (
        await session.exec(
            select(GateChecklistItem)
            .where(GateChecklistItem.gate_id == gate.id)
            .where(GateChecklistItem.item == item.value)
        )
    ).one()
    row.done = done
    row.done_by = by[:120] if done else None
    row.done_at = now if done else None
    audit.record(
        session,
        actor=by,
        action="gate.check" if done else "gate.uncheck",
        subject=_subject(found[0]),
        brand_id=brand_id,
        details={"gate_id": gate.id, "item": item.value},
    )
    await session.flush()
    if GateStatus(gate.status) is GateStatus.REQUESTED:
        _post_gate(session, brand, gate, "update")
    return await _request_result(session, RequestOutcome.UPDATED, brand, gate)


async def decide_gate(
    session: AsyncSession,
    brand_id: int,
    gate_id: int,
    *,
    approve: bool,
    slack_user_id: str,
    reason: str | None,
    now: datetime,
) -> GateDecisionResult:
    """Approve or reject, once, by one of the brand's approvers (see production.gates)."""
    gate = (await session.exec(select(Gate).where(Gate.id == gate_id).with_for_update())).first()
    target = await _order_of(session, gate) if gate else None
    if gate is None or target is None or target.po.brand_id != brand_id:
        return GateDecisionResult(DecisionOutcome.NOT_FOUND, message="No such gate.")
    role = Role(await member_role(session, brand_id, slack_user_id) or Role.VIEWER.value)
    rows = await _checklist_rows(session, gate)
    entries = [ChecklistEntry(GateItem(r.item), r.done) for r in rows]
    try:
        check_decision(
            approve=approve,
            status=GateStatus(gate.status),
            checklist=entries,
            role=role,
            reason=reason,
        )
    except GateDecisionError as error:
        return await _refusal(session, gate, error, role)
    missing = missing_items(entries)
    gate.status = (GateStatus.APPROVED if approve else GateStatus.REJECTED).value
    gate.decided_at = now
    gate.decided_by = slack_user_id[:64]
    gate.decision_reason = (reason or "").strip()[:1000]
    action = "gate.reject"
    if approve:
        action = "gate.approve_override" if missing else "gate.approve"
    audit.record(
        session,
        actor=slack_user_id,
        action=action,
        subject=_subject(target),
        brand_id=brand_id,
        details={
            "gate_id": gate.id,
            "reason": gate.decision_reason,
            "missing": [item.value for item in missing],
            "role": role.value,
        },
    )
    brand = await _brand(session, brand_id)
    _post_gate(session, brand, gate, "update")
    await _tell_factory(session, gate, target, approve=approve)
    await _resolve_gate_alerts(session, brand_id, target, approved=approve)
    await session.flush()
    card = await gate_card(session, gate.id or 0)
    return GateDecisionResult(DecisionOutcome.DECIDED, card=card)


async def gate_for_order(session: AsyncSession, brand_id: int, number: str) -> GateRequestResult:
    """The gate of one production order (created, open, when it has none yet)."""
    found = await find_orders(session, brand_id, number)
    if len(found) != 1:
        outcome = RequestOutcome.AMBIGUOUS if found else RequestOutcome.NOT_FOUND
        return GateRequestResult(outcome, choices=tuple(f.order.number for f in found))
    brand = await _brand(session, brand_id)
    gate = await _gate_for(session, found[0].order)
    return await _request_result(session, RequestOutcome.UPDATED, brand, gate)


async def gate_card(session: AsyncSession, gate_id: int) -> GateCard | None:
    gate = await session.get(Gate, gate_id)
    if gate is None:
        return None
    target = await _order_of(session, gate)
    if target is None:
        return None
    factory = await session.get(Factory, target.order.factory_id)
    names = await _member_names(session, target.po.brand_id)
    rows = await _checklist_rows(session, gate)
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


def _line(item: GateItem, done: GateChecklistItem | None, names: dict[str, str]) -> ChecklistLine:
    if done is None:
        return ChecklistLine(item, done=False)
    return ChecklistLine(item, done=True, by=_person(done.done_by, names), at=done.done_at)


def refusal_text(card: GateCard, refusal: GateRefusal, role: Role) -> str:
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


async def _refusal(
    session: AsyncSession, gate: Gate, error: GateDecisionError, role: Role
) -> GateDecisionResult:
    card = await gate_card(session, gate.id or 0)
    assert card is not None
    if error.reason is GateRefusal.REASON_REQUIRED:
        return GateDecisionResult(DecisionOutcome.NEEDS_REASON, card=card, refusal=error.reason)
    if error.reason is GateRefusal.CHECKLIST_INCOMPLETE and role is Role.ADMIN:
        return GateDecisionResult(
            DecisionOutcome.NEEDS_REASON, card=card, refusal=error.reason, override=True
        )
    return GateDecisionResult(
        DecisionOutcome.REFUSED,
        card=card,
        refusal=error.reason,
        message=refusal_text(card, error.reason, role),
    )


async def _brand(session: AsyncSession, brand_id: int) -> Brand:
    brand = await session.get(Brand, brand_id)
    if brand is None:
        raise LookupError(f"no brand {brand_id}")
    return brand


async def _gate_for(session: AsyncSession, order: ProductionOrder) -> Gate:
    """The order's gate with its four checklist rows, created on first use."""
    assert order.id is not None
    return await ensure_gate(session, order.id, [item.value for item in GateItem])


async def _checklist_rows(session: AsyncSession, gate: Gate) -> list[GateChecklistItem]:
    return list(
        (
            await session.exec(
                select(GateChecklistItem).where(GateChecklistItem.gate_id == gate.id)
            )
        ).all()
    )


async def _order_of(session: AsyncSession, gate: Gate) -> _Order | None:
    order = await session.get(ProductionOrder, gate.production_order_id)
    po = await session.get(PurchaseOrder, order.po_id) if order else None
    return _Order(order, po) if order and po else None


async def _member_names(session: AsyncSession, brand_id: int) -> dict[str, str]:
    members = (
        await session.exec(select(BrandMember).where(BrandMember.brand_id == brand_id))
    ).all()
    return {m.slack_user_id: m.name for m in members}


def _person(value: str | None, member_names: dict[str, str]) -> Person | None:
    """A stored actor: a member's Slack id gets their name; anything else is a plain name."""
    if not value:
        return None
    if value in member_names:
        return Person(member_names[value] or value, slack_user_id=value)
    return Person(value)


def _subject(target: _Order) -> str:
    return f"{target.po.po_number}/{target.order.number}"


async def _request_result(
    session: AsyncSession, outcome: RequestOutcome, brand: Brand, gate: Gate
) -> GateRequestResult:
    await session.flush()
    return GateRequestResult(
        outcome,
        card=await gate_card(session, gate.id or 0),
        approvals_channel=brand.approvals_channel,
    )


def _post_gate(session: AsyncSession, brand: Brand, gate: Gate, action: str) -> None:
    """Ask for the approval message to be posted, or updated where it already is."""
    channel = gate.slack_channel or brand.approvals_channel
    if not channel:
        return
    assert gate.id is not None
    enqueue(
        session,
        "slack",
        channel,
        {"kind": GATE_REQUEST_KIND, "gate_id": gate.id},
        action=action,
        gate_id=gate.id,
    )


async def _tell_factory(
    session: AsyncSession, gate: Gate, target: _Order, *, approve: bool
) -> None:
    """Each linked contact at the order's factory hears the decision in their language."""
    factory = await session.get(Factory, target.order.factory_id)
    contacts = (
        await session.exec(
            select(Contact)
            .where(Contact.factory_id == target.order.factory_id)
            .where(col(Contact.active).is_(True))
            .where(col(Contact.chat_id).is_not(None))
            .order_by(col(Contact.id))
        )
    ).all()
    hints = await _chat_language_hints(session, [c.id for c in contacts if c.id is not None])
    for contact in contacts:
        _ = translator(
            resolve_language(
                contact.language, hints.get(contact.id or 0), factory.language if factory else None
            )
        )
        if approve:
            text = _("Gate approved for {order}: bulk production may start.").format(
                order=_subject(target)
            )
        else:
            text = _("Gate not approved for {order}. Reason: {reason}").format(
                order=_subject(target), reason=gate.decision_reason
            )
        assert contact.chat_id is not None
        enqueue(session, contact.platform, contact.chat_id, reply_to_payload(Reply(text)))


async def _chat_language_hints(session: AsyncSession, contact_ids: list[int]) -> dict[int, str]:
    """The language each contact's chat reported (kept in the conversation), so a decision
    reaches them in the language the conversation itself uses, not the factory's."""
    if not contact_ids:
        return {}
    states = (
        await session.exec(
            select(ConversationState).where(col(ConversationState.contact_id).in_(contact_ids))
        )
    ).all()
    return {
        state.contact_id: hint
        for state in states
        if isinstance(hint := (state.data or {}).get("hint"), str)
    }


async def _resolve_gate_alerts(
    session: AsyncSession, brand_id: int, target: _Order, *, approved: bool
) -> None:
    """A decision ends the wait (gate pending); only an approval ends a breach."""
    kinds = [AlertKind.GATE_PENDING] + ([AlertKind.GATE_BREACH] if approved else [])
    alerts = (
        await session.exec(
            select(Alert)
            .where(Alert.brand_id == brand_id)
            .where(
                (col(Alert.production_order_id) == target.order.id)
                | col(Alert.subject).in_([_subject(target), target.order.number])
            )
            .where(col(Alert.kind).in_([k.value for k in kinds]))
            .where(col(Alert.resolved_at).is_(None))
        )
    ).all()
    for alert in alerts:
        await resolve_alert(
            session,
            brand_id=brand_id,
            kind=AlertKind(alert.kind),
            subject=alert.subject,
            reason="gate approved" if approved else "gate decided",
        )
