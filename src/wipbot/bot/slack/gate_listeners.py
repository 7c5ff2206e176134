"""/gate, the Approve and Reject buttons, and the reason modal."""

from __future__ import annotations

import json
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from wipbot.handlers.gates import (
    DecisionOutcome,
    GateDecisionResult,
    GateRequestResult,
    RequestOutcome,
    decide_gate,
    may_prepare,
    parse_item,
    request_gate,
    tick_item,
)

from .deps import SlackDeps, not_connected
from .render_gate import (
    APPROVE_ACTION,
    REASON_BLOCK,
    REASON_INPUT,
    REASON_MODAL,
    REJECT_ACTION,
    reason_modal,
)

GATE_HELP = (
    "*How to use /gate*\n"
    "`/gate PO-1042` — ask the approvers to release PO-1042 to bulk\n"
    "`/gate PO-1042 done bom` — tick a checklist item (golden, techpack, bom, fit)\n"
    "`/gate PO-1042 undo bom` — untick it"
)
MIN_REASON = 3


def register(app: AsyncApp, deps: SlackDeps) -> None:
    @app.command("/gate")
    async def gate_command(
        ack: AsyncAck, command: dict[str, Any], context: AsyncBoltContext, respond: AsyncRespond
    ) -> None:
        async with deps.work.track():
            await ack()
            text = await _gate_command(deps, command, context.team_id)
            await respond(response_type="ephemeral", text=text)

    @app.action(APPROVE_ACTION)
    async def approve(
        ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext, client: AsyncWebClient
    ) -> None:
        async with deps.work.track():
            await ack()
            await _clicked(deps, body, context.team_id, client, approve=True)

    @app.action(REJECT_ACTION)
    async def reject(
        ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext, client: AsyncWebClient
    ) -> None:
        async with deps.work.track():
            await ack()
            await _clicked(deps, body, context.team_id, client, approve=False)

    @app.view(REASON_MODAL)
    async def reason_given(
        ack: AsyncAck,
        body: dict[str, Any],
        view: dict[str, Any],
        context: AsyncBoltContext,
        client: AsyncWebClient,
    ) -> None:
        async with deps.work.track():
            reason = (
                view["state"]["values"][REASON_BLOCK][REASON_INPUT].get("value") or ""
            ).strip()
            if len(reason) < MIN_REASON:
                await ack(response_action="errors", errors={REASON_BLOCK: "Please give a reason."})
                return
            await ack()
            meta = json.loads(view.get("private_metadata") or "{}")
            user = body["user"]["id"]
            async with deps.brand_transaction(context.team_id, f"view:{view['id']}") as (
                session,
                brand,
                fresh,
            ):
                if brand is None or brand.id is None or not fresh:
                    return
                result = await decide_gate(
                    session,
                    brand.id,
                    int(meta["gate_id"]),
                    approve=bool(meta["approve"]),
                    slack_user_id=user,
                    reason=reason,
                    now=deps.clock(),
                )
            if result.outcome is not DecisionOutcome.DECIDED and meta.get("channel"):
                await client.chat_postEphemeral(
                    channel=meta["channel"], user=user, text=_refusal(result)
                )


async def _clicked(
    deps: SlackDeps,
    body: dict[str, Any],
    team_id: str | None,
    client: AsyncWebClient,
    *,
    approve: bool,
) -> None:
    """Decide at once when allowed; ask for a reason in a modal when one is needed."""
    action = body["actions"][0]
    user = body["user"]["id"]
    channel = (body.get("channel") or {}).get("id") or body.get("container", {}).get("channel_id")
    delivery = f"action:{action['action_id']}:{action.get('action_ts')}:{user}"
    async with deps.brand_transaction(team_id, delivery) as (session, brand, fresh):
        if not fresh:
            return
        result = None
        if brand is not None and brand.id is not None:
            result = await decide_gate(
                session,
                brand.id,
                int(action["value"]),
                approve=approve,
                slack_user_id=user,
                reason=None,
                now=deps.clock(),
            )
    if result is None:
        await client.chat_postEphemeral(channel=channel, user=user, text=not_connected(team_id))
    elif result.outcome is DecisionOutcome.NEEDS_REASON and result.card is not None:
        view = reason_modal(result.card, approve=approve, channel=channel)
        await client.views_open(trigger_id=body["trigger_id"], view=view)
    elif result.outcome is not DecisionOutcome.DECIDED:
        await client.chat_postEphemeral(channel=channel, user=user, text=_refusal(result))


def _refusal(result: GateDecisionResult) -> str:
    return result.message or "This gate cannot be decided now."


async def _gate_command(deps: SlackDeps, command: dict[str, Any], team_id: str | None) -> str:
    words = (command.get("text") or "").split()
    if not words or words[0].lower() in {"help", "?"}:
        return GATE_HELP
    user = command["user_id"]
    number, verb, rest = words[0], (words[1].lower() if len(words) > 1 else ""), words[2:]
    if verb and (verb not in {"done", "undo"} or not rest):
        return GATE_HELP
    try:
        item = parse_item(" ".join(rest)) if verb else None
    except ValueError as error:
        return str(error)
    async with deps.brand_transaction(team_id, f"command:{command.get('trigger_id')}") as (
        session,
        brand,
        fresh,
    ):
        if brand is None or brand.id is None:
            return not_connected(team_id)
        if not fresh:
            return "Already done."
        if not await may_prepare(session, brand.id, user):
            return "Only this brand's merchandisers, approvers and admins can prepare gates."
        if item is None:
            result = await request_gate(
                session, brand.id, number, requested_by=user, now=deps.clock()
            )
        else:
            result = await tick_item(
                session, brand.id, number, item, by=user, now=deps.clock(), done=verb == "done"
            )
    return _request_text(number, result)


def _request_text(number: str, result: GateRequestResult) -> str:
    card = result.card
    where = f" in <#{result.approvals_channel}>" if result.approvals_channel else ""
    label = card.order_label if card else number
    if result.outcome is RequestOutcome.NOT_FOUND:
        return f"No production order or PO `{number}` in this brand."
    if result.outcome is RequestOutcome.AMBIGUOUS:
        return f"`{number}` has several production orders; name one: " + ", ".join(
            f"`{c}`" for c in result.choices
        )
    if result.outcome is RequestOutcome.ALREADY_APPROVED:
        return f"The gate of {label} is already approved."
    if not result.approvals_channel:
        return (
            f"Gate of {label} recorded, but this brand has no approvals channel: "
            "set one with `wipbot brand add BRAND --approvals-channel C…`."
        )
    if result.outcome is RequestOutcome.UPDATED:
        missing = len(card.missing) if card else 0
        return f"Checklist of {label} updated ({missing} item(s) still open)."
    if result.outcome is RequestOutcome.ALREADY_REQUESTED:
        return f"Approval of {label} was already requested{where}; the request is refreshed."
    return f"Approval of {label} requested{where}."
