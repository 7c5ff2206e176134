"""/gate, the Approve and Reject buttons, and the reason modal."""

from __future__ import annotations

import json
import logging
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient
from sqlmodel.ext.asyncio.session import AsyncSession

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
from wipbot.store.models import Brand

from .after_ack import STALE_BUTTON, ephemeral, record_id, tell_safely, told_on_failure
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

log = logging.getLogger("wipbot.slack")


def register(app: AsyncApp, deps: SlackDeps) -> None:
    @app.command("/gate")
    async def gate_command(
        ack: AsyncAck, command: dict[str, Any], context: AsyncBoltContext, respond: AsyncRespond
    ) -> None:
        async with deps.work.track():
            await ack()
            tell = ephemeral(respond)
            async with told_on_failure("/gate", tell):
                await tell(await _gate_command(deps, command, context.team_id))

    @app.action(APPROVE_ACTION)
    async def approve(
        ack: AsyncAck,
        body: dict[str, Any],
        context: AsyncBoltContext,
        client: AsyncWebClient,
        respond: AsyncRespond,
    ) -> None:
        async with deps.work.track():
            await ack()
            async with told_on_failure("gate approval", ephemeral(respond)):
                await _clicked(deps, body, context.team_id, client, respond, approve=True)

    @app.action(REJECT_ACTION)
    async def reject(
        ack: AsyncAck,
        body: dict[str, Any],
        context: AsyncBoltContext,
        client: AsyncWebClient,
        respond: AsyncRespond,
    ) -> None:
        async with deps.work.track():
            await ack()
            async with told_on_failure("gate rejection", ephemeral(respond)):
                await _clicked(deps, body, context.team_id, client, respond, approve=False)

    @app.view(REASON_MODAL)
    async def reason_given(
        ack: AsyncAck,
        body: dict[str, Any],
        view: dict[str, Any],
        context: AsyncBoltContext,
        client: AsyncWebClient,
    ) -> None:
        """The ack carries the modal's own error for a missing reason, so the reason is taken
        first, by a reading that cannot fail; everything else is read after the ack."""
        async with deps.work.track():
            reason = _reason(view)
            if len(reason) < MIN_REASON:
                await ack(response_action="errors", errors={REASON_BLOCK: "Please give a reason."})
                return
            await ack()
            meta = _metadata(view)
            user = str(body["user"]["id"])
            channel = meta.get("channel") if isinstance(meta.get("channel"), str) else None

            async def tell(text: str) -> object:
                if channel is None:
                    return None
                return await client.chat_postEphemeral(channel=channel, user=user, text=text)

            async with told_on_failure("gate decision with a reason", tell):
                gate_id = record_id(meta.get("gate_id"))
                if gate_id is None or not isinstance(meta.get("approve"), bool):
                    log.warning("slack: a reason modal without a valid gate: %r", meta)
                    await tell_safely(tell, STALE_BUTTON)
                    return
                _, result = await _decide(
                    deps,
                    team_id=context.team_id,
                    delivery=f"view:{view.get('id')}",
                    gate_id=gate_id,
                    approve=meta["approve"],
                    user=user,
                    reason=reason,
                )
                if result is not None and result.outcome is not DecisionOutcome.DECIDED:
                    await tell(_refusal(result))


def _reason(view: dict[str, Any]) -> str:
    """The typed reason, or "" for a view that does not carry one where the modal puts it."""
    try:
        value = view["state"]["values"][REASON_BLOCK][REASON_INPUT].get("value")
    except (KeyError, TypeError, AttributeError):
        return ""
    return value.strip() if isinstance(value, str) else ""


def _metadata(view: dict[str, Any]) -> dict[str, Any]:
    try:
        meta = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}
    return meta if isinstance(meta, dict) else {}


async def _clicked(
    deps: SlackDeps,
    body: dict[str, Any],
    team_id: str | None,
    client: AsyncWebClient,
    respond: AsyncRespond,
    *,
    approve: bool,
) -> None:
    """Decide at once when allowed; ask for a reason in a modal when one is needed."""
    action = body["actions"][0]
    user = str(body["user"]["id"])
    channel = (body.get("channel") or {}).get("id") or body.get("container", {}).get("channel_id")
    gate_id = record_id(action.get("value"))
    if gate_id is None:
        await ephemeral(respond)(STALE_BUTTON)
        return
    fresh, result = await _decide(
        deps,
        team_id=team_id,
        delivery=f"action:{action['action_id']}:{action.get('action_ts')}:{user}",
        gate_id=gate_id,
        approve=approve,
        user=user,
        reason=None,
    )
    if not fresh:
        return
    if result is None:
        await client.chat_postEphemeral(channel=channel, user=user, text=not_connected(team_id))
    elif result.outcome is DecisionOutcome.NEEDS_REASON and result.card is not None:
        view = reason_modal(result.card, approve=approve, channel=channel)
        await client.views_open(trigger_id=body.get("trigger_id"), view=view)
    elif result.outcome is not DecisionOutcome.DECIDED:
        await client.chat_postEphemeral(channel=channel, user=user, text=_refusal(result))


async def _decide(
    deps: SlackDeps,
    *,
    team_id: str | None,
    delivery: str,
    gate_id: int,
    approve: bool,
    user: str,
    reason: str | None,
) -> tuple[bool, GateDecisionResult | None]:
    """(False, None) for a delivery seen before; (True, None) when the team has no brand."""

    async def work(
        session: AsyncSession, brand: Brand | None, fresh: bool
    ) -> tuple[bool, GateDecisionResult | None]:
        if not fresh:
            return False, None
        if brand is None or brand.id is None:
            return True, None
        result = await decide_gate(
            session,
            brand.id,
            gate_id,
            approve=approve,
            slack_user_id=user,
            reason=reason,
            now=deps.clock(),
        )
        return True, result

    return await deps.run(team_id, delivery, work)


def _refusal(result: GateDecisionResult) -> str:
    return result.message or "This gate cannot be decided now."


async def _gate_command(deps: SlackDeps, command: dict[str, Any], team_id: str | None) -> str:
    words = (command.get("text") or "").split()
    if not words or words[0].lower() in {"help", "?"}:
        return GATE_HELP
    user = str(command.get("user_id") or "")
    number, verb, rest = words[0], (words[1].lower() if len(words) > 1 else ""), words[2:]
    if verb and (verb not in {"done", "undo"} or not rest):
        return GATE_HELP
    try:
        item = parse_item(" ".join(rest)) if verb else None
    except ValueError as error:
        return str(error)

    async def work(session: AsyncSession, brand: Brand | None, fresh: bool) -> str:
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

    return await deps.run(team_id, f"command:{command.get('trigger_id')}", work)


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
