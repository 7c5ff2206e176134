"""The App Home tab, published when a member opens it (and by the outbox when alerts change)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from wipbot.handlers.app_home import home_summary

from .deps import SlackDeps
from .render_home import home_view, not_connected_home


def register(app: AsyncApp, deps: SlackDeps) -> None:
    async def reserve_work(next_: Callable[[], Awaitable[None]]) -> None:
        deps.work.reserve()
        await next_()

    @app.event("app_home_opened", middleware=[reserve_work])
    async def home_opened(
        body: dict[str, Any],
        event: dict[str, Any],
        context: AsyncBoltContext,
        client: AsyncWebClient,
    ) -> None:
        async with deps.work.track(reserved=True):
            if event.get("tab", "home") != "home":
                return
            delivery = f"event:{body.get('event_id')}"
            async with deps.brand_transaction(context.team_id, delivery) as (
                session,
                brand,
                fresh,
            ):
                if not fresh:
                    return
                view = not_connected_home()
                if brand is not None and brand.id is not None:
                    view = home_view(await home_summary(session, brand.id, today=deps.today()))
            await client.views_publish(user_id=event["user"], view=view)
