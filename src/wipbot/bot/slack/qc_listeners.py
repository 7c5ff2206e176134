"""/qc and /landed, and their "Share in channel" buttons; members of the brand only."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext, AsyncRespond
from sqlmodel.ext.asyncio.session import AsyncSession

from wipbot.bot.media_links import PhotoUrl
from wipbot.handlers.qc_card import LandedCard, QcCard, answer_landed, answer_qc
from wipbot.store.models import Brand

from .after_ack import ephemeral, told_on_failure
from .blocks import SlackMessage
from .deps import SlackDeps, not_connected
from .render_qc import (
    LANDED_SHARE_ACTION,
    QC_SHARE_ACTION,
    landed_answer,
    qc_answer,
)

Render = Callable[[AsyncSession, Brand, str, str, bool], Awaitable[tuple[SlackMessage, bool]]]
"""The message for (brand, user, text, shared?), and whether it is a card worth sharing."""


def _qc(photo_url: PhotoUrl | None) -> Render:
    async def render(
        session: AsyncSession, brand: Brand, user: str, text: str, share: bool
    ) -> tuple[SlackMessage, bool]:
        answer = await answer_qc(session, brand, user, text)
        message = qc_answer(
            answer, shareable=not share, shared_by=user if share else "", photo_url=photo_url
        )
        return message, isinstance(answer, QcCard)

    return render


async def _landed(
    session: AsyncSession, brand: Brand, user: str, text: str, share: bool
) -> tuple[SlackMessage, bool]:
    answer = await answer_landed(session, brand, user, text)
    message = landed_answer(answer, shareable=not share, shared_by=user if share else "")
    return message, isinstance(answer, LandedCard)


def register(app: AsyncApp, deps: SlackDeps) -> None:
    async def answer(
        team_id: str | None, user: str, text: str, render: Render, share: bool
    ) -> tuple[SlackMessage, bool]:
        """The message, and whether it is a card (only cards are shared)."""
        async with deps.brand_reading(team_id) as (session, brand):
            if brand is None or brand.id is None:
                return SlackMessage(not_connected(team_id)), False
            return await render(session, brand, user, text, share)

    def command(name: str, render: Render) -> None:
        @app.command(name)
        async def on_command(
            ack: AsyncAck, command: dict[str, Any], context: AsyncBoltContext, respond: AsyncRespond
        ) -> None:
            async with deps.work.track():
                await ack()
                async with told_on_failure(name, ephemeral(respond)):
                    message, _ = await answer(
                        context.team_id,
                        command["user_id"],
                        command.get("text") or "",
                        render,
                        False,
                    )
                    await respond(response_type="ephemeral", **message.as_kwargs())

    def share(action_id: str, render: Render) -> None:
        @app.action(action_id)
        async def on_share(
            ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext, respond: AsyncRespond
        ) -> None:
            """Posts a fresh card for the channel, judged again for the one who clicked."""
            async with deps.work.track():
                await ack()
                value = str(body["actions"][0].get("value") or "")
                message, card = await answer(
                    context.team_id, body["user"]["id"], value, render, True
                )
                if not card:
                    await respond(
                        response_type="ephemeral", replace_original=False, **message.as_kwargs()
                    )
                    return
                await respond(
                    response_type="in_channel", replace_original=False, **message.as_kwargs()
                )
                await respond(delete_original=True)

    qc = _qc(deps.photo_url)
    command("/qc", qc)
    command("/landed", _landed)
    share(QC_SHARE_ACTION, qc)
    share(LANDED_SHARE_ACTION, _landed)
