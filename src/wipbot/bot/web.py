"""The one Starlette app: platform routes plus /healthz and /metrics."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func
from sqlmodel import select
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from wipbot.store.db import SessionFactory
from wipbot.store.models import OutboxMessage

from .channel import Channel


def build_web_app(session_factory: SessionFactory, channels: Sequence[Channel]) -> Starlette:
    async def healthz(_: Request) -> Response:
        return JSONResponse({"status": "ok", "channels": {c.name: c.mode for c in channels}})

    async def metrics(_: Request) -> Response:
        async with session_factory() as session:
            rows = (
                await session.exec(
                    select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
                )
            ).all()
        lines = ["# TYPE wipbot_outbox_messages gauge"]
        lines += [f'wipbot_outbox_messages{{status="{status}"}} {count}' for status, count in rows]
        return PlainTextResponse("\n".join(lines) + "\n")

    routes: list[BaseRoute] = [Route("/healthz", healthz), Route("/metrics", metrics)]
    for channel in channels:
        routes.extend(channel.routes)

    return Starlette(routes=routes)
