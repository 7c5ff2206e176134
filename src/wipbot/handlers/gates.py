"""Sample-to-bulk gate approvals: request, tick the checklist, decide.

Every change asks the outbox to post or update the approval message in the brand's approvals
channel in the same transaction; the transport renders the gate as it is when it sends, so a
burst of ticks shows the latest checklist. Refusals are values, not exceptions: the adapter
turns them into a polite reply for the person who clicked. The card itself is `gate_card`; the
reads are in `store.gates`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

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
from wipbot.store.gates import (
    GateOrder,
    chat_language_hints,
    checklist_row,
    checklist_rows,
    ensure_gate,
    find_orders,
    linked_contacts,
    open_gate_alerts,
    order_of,
)
from wipbot.store.models import Brand, Factory, Gate, ProductionOrder
from wipbot.store.outbox import enqueue

from .gate_card import ChecklistLine, GateCard, Person, gate_card, refusal_text
from .i18n import resolve_language, translator
from .messages import Reply, reply_to_payload

__all__ = [
    "GATE_REQUEST_KIND",
    "ChecklistLine",
    "DecisionOutcome",
    "GateCard",
    "GateDecisionResult",
    "GateRequestResult",
    "Person",
    "RequestOutcome",
    "decide_gate",
    "find_orders",
    "gate_card",
    "gate_for_order",
    "may_prepare",
    "parse_item",
    "refusal_text",
    "request_gate",
    "tick_item",
]
"""The card's types and `find_orders` stay importable from here, where the adapters look."""

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
        subject=target.subject,
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
    row = await checklist_row(session, gate, item.value)
    row.done = done
    row.done_by = by[:120] if done else None
    row.done_at = now if done else None
    audit.record(
        session,
        actor=by,
        action="gate.check" if done else "gate.uncheck",
        subject=found[0].subject,
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
    target = await order_of(session, gate) if gate else None
    if gate is None or target is None or target.po.brand_id != brand_id:
        return GateDecisionResult(DecisionOutcome.NOT_FOUND, message="No such gate.")
    role = Role(await member_role(session, brand_id, slack_user_id) or Role.VIEWER.value)
    rows = await checklist_rows(session, gate)
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
        subject=target.subject,
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
    session: AsyncSession, gate: Gate, target: GateOrder, *, approve: bool
) -> None:
    """Each linked contact at the order's factory hears the decision in their language."""
    factory = await session.get(Factory, target.order.factory_id)
    contacts = await linked_contacts(session, target.order.factory_id)
    hints = await chat_language_hints(session, [c.id for c in contacts if c.id is not None])
    for contact in contacts:
        _ = translator(
            resolve_language(
                contact.language, hints.get(contact.id or 0), factory.language if factory else None
            )
        )
        if approve:
            text = _("Gate approved for {order}: bulk production may start.").format(
                order=target.subject
            )
        else:
            text = _("Gate not approved for {order}. Reason: {reason}").format(
                order=target.subject, reason=gate.decision_reason
            )
        assert contact.chat_id is not None
        enqueue(session, contact.platform, contact.chat_id, reply_to_payload(Reply(text)))


async def _resolve_gate_alerts(
    session: AsyncSession, brand_id: int, target: GateOrder, *, approved: bool
) -> None:
    """A decision ends the wait (gate pending); only an approval ends a breach."""
    kinds = [AlertKind.GATE_PENDING] + ([AlertKind.GATE_BREACH] if approved else [])
    alerts = await open_gate_alerts(session, brand_id, target, [k.value for k in kinds])
    for alert in alerts:
        await resolve_alert(
            session,
            brand_id=brand_id,
            kind=AlertKind(alert.kind),
            subject=alert.subject,
            reason="gate approved" if approved else "gate decided",
        )
