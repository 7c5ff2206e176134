"""The gate approval message and the reason modal."""

from __future__ import annotations

import json
from typing import Any

from wipbot.handlers.gates import GateCard
from wipbot.production.gates import GateStatus

from .blocks import (
    Block,
    SlackMessage,
    actions,
    button,
    context,
    escape,
    fields_section,
    header,
    plain,
    section,
    thousands,
    when,
    who,
)

APPROVE_ACTION = "gate_approve"
REJECT_ACTION = "gate_reject"
REASON_MODAL = "gate_reason"
REASON_BLOCK = "reason"
REASON_INPUT = "reason_input"


def gate_message(card: GateCard) -> SlackMessage:
    blocks: list[Block] = [
        header(f"🚦 Gate approval: {card.order_label}"),
        fields_section(
            [
                f"*Factory*\n{escape(card.factory_name)} ({card.factory_country})",
                f"*Quantity*\n{thousands(card.quantity)} pcs",
                f"*Requested by*\n{who(card.requested_by)}",
                f"*Requested*\n{when(card.requested_at)}",
            ]
        ),
        section("*Sample-to-bulk checklist*\n" + "\n".join(_checklist_lines(card))),
    ]
    blocks.extend(_status_blocks(card))
    return SlackMessage(text=_fallback(card), blocks=blocks)


def _checklist_lines(card: GateCard) -> list[str]:
    lines = []
    for line in card.checklist:
        if line.done:
            lines.append(f"✅ {line.label} — {who(line.by)}, {when(line.at)}")
        else:
            lines.append(f"⬜ {line.label} — _pending_")
    return lines


def _status_blocks(card: GateCard) -> list[Block]:
    decided = f"by {who(card.decided_by)} at {when(card.decided_at)}"
    reason = f"\n>{escape(card.reason)}" if card.reason else ""
    if card.status is GateStatus.APPROVED:
        override = " (checklist incomplete: admin override)" if card.missing else ""
        return [section(f"✅ *Approved* {decided}{override}{reason}")]
    if card.status is GateStatus.REJECTED:
        return [section(f"❌ *Rejected* {decided}{reason}")]
    if card.status is GateStatus.OPEN:
        return [context(f"Not requested yet: `/gate {card.production_order_number}` asks.")]
    blocks: list[Block] = []
    if card.missing:
        blocks.append(
            context(
                f"⚠️ {len(card.missing)} of {len(card.checklist)} items missing: "
                "only an admin, giving a reason, can approve now."
            )
        )
    blocks.append(
        actions(
            f"gate:{card.gate_id}",
            button("Approve", APPROVE_ACTION, str(card.gate_id), style="primary"),
            button("Reject", REJECT_ACTION, str(card.gate_id), style="danger"),
        )
    )
    return blocks


def _fallback(card: GateCard) -> str:
    if card.status is GateStatus.APPROVED:
        return f"Gate approved: {card.order_label}"
    if card.status is GateStatus.REJECTED:
        return f"Gate rejected: {card.order_label}"
    return f"Gate approval requested: {card.order_label} ({card.factory_name})"


def reason_modal(card: GateCard, *, approve: bool, channel: str | None) -> dict[str, Any]:
    """Asks for the reason of a rejection, or of an admin approving an incomplete checklist."""
    if approve:
        missing = "; ".join(item.label for item in card.missing)
        title, submit = "Approve anyway", "Approve"
        intro = (
            f"*{card.order_label}* is missing: {missing}.\n"
            "As an admin you may approve it; the reason goes to the audit log."
        )
        label = "Why approve without these?"
    else:
        title, submit = "Reject gate", "Reject"
        intro = f"*{card.order_label}* goes back to the factory with your reason."
        label = "What must the factory fix?"
    meta = {"gate_id": card.gate_id, "approve": approve, "channel": channel}
    return {
        "type": "modal",
        "callback_id": REASON_MODAL,
        "private_metadata": json.dumps(meta),
        "title": plain(title),
        "submit": plain(submit),
        "close": plain("Cancel"),
        "blocks": [
            section(intro),
            {
                "type": "input",
                "block_id": REASON_BLOCK,
                "label": plain(label),
                "element": {
                    "type": "plain_text_input",
                    "action_id": REASON_INPUT,
                    "multiline": True,
                    "min_length": 3,
                    "max_length": 1000,
                },
            },
        ],
    }
