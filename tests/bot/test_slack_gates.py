"""Gate approvals in Slack: request, checklist, approve/reject, refusals, retries, signatures."""

from __future__ import annotations

import asyncio
import json
import time

import pytest
from sqlmodel import col, select

from tests.bot.slack_fixtures import (
    ADMIN,
    APPROVALS,
    APPROVER,
    MERCHANDISER,
    NAMES,
    NOW,
    OTHER_APPROVER,
    OTHER_TEAM,
    VIEWER,
    SlackHarness,
    gate_of,
)
from tests.rows import count
from wipbot.bot.slack.text import blocks_to_text
from wipbot.handlers.gates import request_gate, tick_item
from wipbot.production.gates import GateItem
from wipbot.store.alerts import AlertKind, raise_alert
from wipbot.store.db import transaction
from wipbot.store.models import Alert, AuditLog, Gate, OutboxMessage, SeenInbound

ORDER = "PO-1042-01"


async def requested(slack: SlackHarness, *, ticked: tuple[GateItem, ...] = tuple(GateItem)) -> int:
    """A requested gate for PO-1042-01 with these items ticked, its message posted."""
    async with transaction(slack.sessions) as session:
        result = await request_gate(session, 1, ORDER, requested_by=MERCHANDISER, now=NOW)
        for item in ticked:
            await tick_item(session, 1, ORDER, item, by="Lan (Saigon Stitch)", now=NOW)
    await slack.send_outbox()
    assert result.card is not None
    return result.card.gate_id


def approval_message_text(slack: SlackHarness) -> str:
    [message] = slack.fake.channel_messages(APPROVALS)
    return blocks_to_text(message.blocks, names=NAMES)


def last_ephemeral(slack: SlackHarness) -> str:
    return str(slack.fake.ephemeral[-1]["text"])


async def audit_actions(slack: SlackHarness) -> list[str]:
    async with slack.sessions() as session:
        rows = (await session.exec(select(AuditLog.action).order_by(col(AuditLog.id)))).all()
    return [a for a in rows if a.startswith("gate.") and a != "gate.check"]


async def test_gate_command_posts_the_checklist_to_the_approvals_channel(
    slack: SlackHarness,
) -> None:
    await slack.command("/gate", "PO-1042")
    assert "requested in <#C0APPROVE>" in slack.fake.responses[-1][1]["text"]
    assert await slack.send_outbox() == 1
    text = approval_message_text(slack)
    assert "GATE APPROVAL: PO-1042 / PO-1042-01" in text
    assert "Factory: Saigon Stitch (VN)" in text
    assert "Requested by: @Mia Chen" in text
    for item in GateItem:
        assert f"⬜ {item.label} — pending" in text
    assert "[ Approve ]  [ Reject ]" in text
    gate, _ = await gate_of(slack.sessions, 1)
    assert gate.status == "requested"
    assert (gate.slack_channel, gate.slack_ts) == (APPROVALS, slack.fake.messages[0].ts)


async def test_ticking_the_checklist_updates_the_message_in_place(slack: SlackHarness) -> None:
    await requested(slack, ticked=())
    await slack.command("/gate", "PO-1042 done golden")
    assert "3 item(s) still open" in slack.fake.responses[-1][1]["text"]
    await slack.send_outbox()
    [message] = slack.fake.channel_messages(APPROVALS)
    assert message.updates == 1
    text = approval_message_text(slack)
    assert "✅ Golden sample approved and sealed — @Mia Chen, 2026-03-02 09:00 UTC" in text
    assert "3 of 4 items missing" in text


async def test_an_approver_approves_once_the_message_factory_and_audit_follow(
    slack: SlackHarness,
) -> None:
    gate_id = await requested(slack)
    async with transaction(slack.sessions) as session:
        await raise_alert(
            session,
            brand_id=1,
            kind=AlertKind.GATE_PENDING,
            subject=ORDER,
            summary="Gate waiting 5 days",
            production_order_id=1,
        )
    response = await slack.click("gate_approve", str(gate_id), user=APPROVER)
    assert response.status_code == 200
    await slack.send_outbox()

    text = approval_message_text(slack)
    assert "✅ Approved by @Ada Okafor at 2026-03-02 09:00 UTC" in text
    assert "[ Approve ]" not in text
    gate, _ = await gate_of(slack.sessions, 1)
    assert (gate.status, gate.decided_by) == ("approved", APPROVER)
    assert await audit_actions(slack) == ["gate.request", "gate.approve"]
    async with slack.sessions() as session:
        told = (
            await session.exec(select(OutboxMessage).where(OutboxMessage.platform == "telegram"))
        ).all()
        pending_alert = (
            await session.exec(select(Alert).where(Alert.kind == "gate_pending"))
        ).one()
    assert [(m.chat_id, m.status) for m in told] == [("1001", "pending")]
    assert "PO-1042/PO-1042-01" in told[0].payload["text"]
    assert "Gate approved" not in told[0].payload["text"]  # Lan reads Vietnamese
    assert pending_alert.resolved_at is not None


@pytest.mark.parametrize("user", [VIEWER, MERCHANDISER, "U0STRANGER"])
async def test_anyone_but_an_approver_is_refused_privately_and_nothing_changes(
    slack: SlackHarness, user: str
) -> None:
    gate_id = await requested(slack)
    outbox_before = await count(slack.sessions, OutboxMessage)
    await slack.click("gate_approve", str(gate_id), user=user)
    assert slack.fake.ephemeral[-1]["user"] == user
    assert "Only this brand's approvers can decide gates" in last_ephemeral(slack)
    gate, _ = await gate_of(slack.sessions, 1)
    assert gate.status == "requested"
    assert await count(slack.sessions, OutboxMessage) == outbox_before
    assert await audit_actions(slack) == ["gate.request"]


async def test_another_brands_approver_cannot_decide_this_brands_gate(slack: SlackHarness) -> None:
    gate_id = await requested(slack)
    await slack.click("gate_approve", str(gate_id), user=OTHER_APPROVER, team=OTHER_TEAM)
    assert last_ephemeral(slack) == "No such gate."
    gate, _ = await gate_of(slack.sessions, 1)
    assert gate.status == "requested"


async def test_an_incomplete_checklist_is_refused_to_an_approver(slack: SlackHarness) -> None:
    gate_id = await requested(slack, ticked=(GateItem.GOLDEN_SAMPLE_SEALED,))
    await slack.click("gate_approve", str(gate_id), user=APPROVER)
    refusal = last_ephemeral(slack)
    assert "cannot be approved yet" in refusal
    assert "BOM signed off" in refusal and "Golden sample" not in refusal
    assert slack.fake.views_opened == []
    gate, _ = await gate_of(slack.sessions, 1)
    assert gate.status == "requested"


async def test_an_admin_approves_an_incomplete_checklist_only_with_a_reason(
    slack: SlackHarness,
) -> None:
    gate_id = await requested(slack, ticked=(GateItem.GOLDEN_SAMPLE_SEALED,))
    await slack.click("gate_approve", str(gate_id), user=ADMIN)
    [opened] = slack.fake.views_opened
    assert "BOM signed off" in blocks_to_text(opened["view"]["blocks"])
    gate, _ = await gate_of(slack.sessions, 1)
    assert gate.status == "requested"

    await slack.submit_view(opened, "x", user=ADMIN)
    gate, _ = await gate_of(slack.sessions, 1)
    assert gate.status == "requested"

    await slack.submit_view(opened, "Season launch; BOM signed on paper", user=ADMIN)
    await slack.send_outbox()
    gate, _ = await gate_of(slack.sessions, 1)
    assert (gate.status, gate.decided_by) == ("approved", ADMIN)
    assert gate.decision_reason == "Season launch; BOM signed on paper"
    assert await audit_actions(slack) == ["gate.request", "gate.approve_override"]
    text = approval_message_text(slack)
    assert "Approved by @Max Berg" in text and "admin override" in text
    assert "BOM signed on paper" in text


async def test_reject_opens_a_modal_and_its_submission_decides(slack: SlackHarness) -> None:
    gate_id = await requested(slack)
    await slack.click("gate_reject", str(gate_id), user=APPROVER)
    [opened] = slack.fake.views_opened
    assert opened["view"]["callback_id"] == "gate_reason"
    assert json.loads(opened["view"]["private_metadata"])["approve"] is False
    gate, _ = await gate_of(slack.sessions, 1)
    assert gate.status == "requested"

    await slack.submit_view(opened, "Shade band off standard; resubmit lab dip", user=APPROVER)
    await slack.send_outbox()
    gate, _ = await gate_of(slack.sessions, 1)
    assert gate.status == "rejected"
    assert "❌ Rejected by @Ada Okafor" in approval_message_text(slack)
    async with slack.sessions() as session:
        told = (
            await session.exec(select(OutboxMessage).where(OutboxMessage.platform == "telegram"))
        ).one()
    assert "Shade band off standard; resubmit lab dip" in told.payload["text"]
    assert await audit_actions(slack) == ["gate.request", "gate.reject"]


async def test_double_clicks_and_retries_decide_once(slack: SlackHarness) -> None:
    gate_id = await requested(slack)
    payload = slack.action_payload("gate_approve", str(gate_id), user=APPROVER)
    await slack.interact(payload)
    await slack.interact(payload, headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "x"})
    assert slack.fake.ephemeral == []

    await slack.click("gate_approve", str(gate_id), user=ADMIN)
    assert "already approved by Ada Okafor at 2026-03-02 09:00 UTC" in last_ephemeral(slack)
    assert await audit_actions(slack) == ["gate.request", "gate.approve"]
    async with slack.sessions() as session:
        told = (
            await session.exec(select(OutboxMessage).where(OutboxMessage.platform == "telegram"))
        ).all()
    assert len(told) == 1


async def test_two_approvers_clicking_at_once_decide_once(slack: SlackHarness) -> None:
    gate_id = await requested(slack)
    await asyncio.gather(
        slack.click("gate_approve", str(gate_id), user=APPROVER),
        slack.click("gate_approve", str(gate_id), user=ADMIN),
    )
    assert await audit_actions(slack) == ["gate.request", "gate.approve"]
    [refused] = slack.fake.ephemeral
    assert "already approved" in refused["text"]
    gate, _ = await gate_of(slack.sessions, 1)
    assert gate.decided_by != refused["user"]


@pytest.mark.parametrize(
    ("secret", "age"),
    [("not-the-secret", 0), (None, 6 * 60)],
    ids=["bad signature", "expired timestamp"],
)
async def test_a_bad_or_expired_signature_gets_401_and_changes_nothing(
    slack: SlackHarness, secret: str | None, age: int
) -> None:
    gate_id = await requested(slack)
    before = (await count(slack.sessions, SeenInbound), await count(slack.sessions, AuditLog))
    payload = slack.action_payload("gate_approve", str(gate_id), user=APPROVER)
    body = "payload=" + json.dumps(payload)
    kwargs = {"secret": secret} if secret else {}
    response = await slack.post(body, timestamp=int(time.time()) - age, **kwargs)
    assert response.status_code == 401
    gate, _ = await gate_of(slack.sessions, 1)
    assert gate.status == "requested"
    after = (await count(slack.sessions, SeenInbound), await count(slack.sessions, AuditLog))
    assert after == before
    assert slack.fake.ephemeral == [] and slack.fake.responses == []


async def test_gates_are_found_only_within_the_brand(slack: SlackHarness) -> None:
    await slack.command("/gate", "PO-9001-01")
    assert "No production order or PO `PO-9001-01`" in slack.fake.responses[-1][1]["text"]
    async with slack.sessions() as session:
        assert (await session.exec(select(Gate))).all() == []
