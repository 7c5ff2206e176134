"""/digest on|off in a channel: opt that channel in or out of the brand's Monday digest."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext, AsyncRespond

from wipbot.handlers.digest import set_subscription

from .deps import SlackDeps, not_connected


def register(app: AsyncApp, deps: SlackDeps) -> None:
    @app.command("/digest")
    async def digest_command(
        ack: AsyncAck, command: dict[str, Any], context: AsyncBoltContext, respond: AsyncRespond
    ) -> None:
        async with deps.work.track():
            await ack()
            channel = command.get("channel_id")
            async with deps.brand_transaction(context.team_id) as (session, brand, _):
                if brand is None or brand.id is None:
                    text = not_connected(context.team_id)
                elif not channel:
                    text = "Use /digest in the channel that should get the Monday digest."
                else:
                    text = await set_subscription(
                        session,
                        brand,
                        channel,
                        command["user_id"],
                        command.get("text") or "",
                    )
            await respond(response_type="ephemeral", text=text)
