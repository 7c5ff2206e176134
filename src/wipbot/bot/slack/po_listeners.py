"""/po and its "Share in channel" button."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext, AsyncRespond

from wipbot.handlers.po_query import answer_po
from wipbot.store.wip import po_status

from .after_ack import ephemeral, told_on_failure
from .blocks import SlackMessage
from .deps import SlackDeps, not_connected
from .render_po import SHARE_ACTION, po_answer, po_card


def register(app: AsyncApp, deps: SlackDeps) -> None:
    @app.command("/po")
    async def po_command(
        ack: AsyncAck, command: dict[str, Any], context: AsyncBoltContext, respond: AsyncRespond
    ) -> None:
        async with deps.work.track():
            await ack()
            async with told_on_failure("/po", ephemeral(respond)):
                async with deps.brand_reading(context.team_id) as (session, brand):
                    if brand is None or brand.id is None:
                        message = SlackMessage(not_connected(context.team_id))
                    else:
                        answer = await answer_po(
                            session, brand.id, command.get("text") or "", today=deps.today()
                        )
                        message = po_answer(answer)
                await respond(response_type="ephemeral", **message.as_kwargs())

    @app.action(SHARE_ACTION)
    async def share_card(
        ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext, respond: AsyncRespond
    ) -> None:
        """Posts a fresh card for everyone in the channel and removes the private one."""
        async with deps.work.track():
            await ack()
            async with told_on_failure("sharing a PO card", ephemeral(respond)):
                await _share(deps, body, context.team_id, respond)


async def _share(
    deps: SlackDeps, body: dict[str, Any], team_id: str | None, respond: AsyncRespond
) -> None:
    number = str(body["actions"][0].get("value") or "")
    async with deps.brand_reading(team_id) as (session, brand):
        status = None
        if brand is not None and brand.id is not None:
            status = await po_status(session, brand.id, number, today=deps.today())
    if status is None:
        await respond(
            response_type="ephemeral",
            replace_original=False,
            text=f"{number} is no longer visible to this workspace.",
        )
        return
    card = po_card(status, shareable=False, shared_by=body["user"]["id"])
    await respond(response_type="in_channel", replace_original=False, **card.as_kwargs())
    await respond(delete_original=True)
