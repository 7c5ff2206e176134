"""The one Starlette app: platform routes, signed photo links, /healthz and /metrics.

Both keep answering while the database is unreachable: /healthz says so (503, "database":
"down"), /metrics shows what it knows without the database and `wipbot_database_up 0`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, text
from sqlmodel import select
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from wipbot.handlers.inbound_pipeline import InboundPipeline
from wipbot.production.clock import Clock, system_clock
from wipbot.store.db import SessionFactory, reading
from wipbot.store.models import OutboxMessage

from .body_limit import BodyLimit
from .channel import Channel
from .slow_clients import ConnectionStats

DATABASE_TIMEOUT_SECONDS = 2.0

log = logging.getLogger(__name__)


async def database_up(session_factory: SessionFactory) -> bool:
    try:
        async with asyncio.timeout(DATABASE_TIMEOUT_SECONDS), reading(session_factory) as session:
            await session.exec(select(text("1")))
    except Exception as error:
        log.warning("healthz: database unreachable (%s)", type(error).__name__)
        return False
    return True


async def outbox_lines(session_factory: SessionFactory, now: datetime) -> list[str]:
    async with asyncio.timeout(DATABASE_TIMEOUT_SECONDS), reading(session_factory) as session:
        rows = (
            await session.exec(
                select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
            )
        ).all()
        oldest = (
            await session.exec(
                select(func.min(OutboxMessage.created_at)).where(OutboxMessage.status == "pending")
            )
        ).one()
    if oldest is not None and oldest.tzinfo is None:
        oldest = oldest.replace(tzinfo=now.tzinfo)
    age = 0.0 if oldest is None else max(0.0, (now - oldest).total_seconds())
    lines = ["# TYPE wipbot_outbox_messages gauge"]
    lines += [f'wipbot_outbox_messages{{status="{status}"}} {count}' for status, count in rows]
    lines += [
        "# HELP wipbot_outbox_oldest_pending_seconds age of the oldest message not yet sent",
        "# TYPE wipbot_outbox_oldest_pending_seconds gauge",
        f"wipbot_outbox_oldest_pending_seconds {age:.3f}",
    ]
    return lines


def inbound_lines(inbound: InboundPipeline) -> list[str]:
    stats = inbound.stats
    return [
        "# HELP wipbot_inbound_queue_depth chat deliveries in the process, waiting or handled",
        "# TYPE wipbot_inbound_queue_depth gauge",
        f"wipbot_inbound_queue_depth {inbound.depth}",
        "# TYPE wipbot_inbound_total counter",
        f'wipbot_inbound_total{{outcome="handled"}} {stats.handled}',
        f'wipbot_inbound_total{{outcome="failed"}} {stats.failed}',
        f'wipbot_inbound_total{{outcome="shed"}} {stats.shed}',
        "# HELP wipbot_inbound_latency_seconds arrival to commit, over recent deliveries",
        "# TYPE wipbot_inbound_latency_seconds summary",
        f'wipbot_inbound_latency_seconds{{quantile="0.5"}} {stats.quantile(0.5):.4f}',
        f'wipbot_inbound_latency_seconds{{quantile="0.99"}} {stats.quantile(0.99):.4f}',
        "# TYPE wipbot_inbound_commits_total counter",
        f"wipbot_inbound_commits_total {inbound.commits}",
    ]


def connection_lines(stats: ConnectionStats) -> list[str]:
    reasons = {
        "head_timeout": stats.head_timeouts,
        "body_timeout": stats.body_timeouts,
        "evicted": stats.evicted,
        "refused": stats.refused,
        "head_too_large": stats.head_too_large,
        "slow_reader": stats.slow_readers,
    }
    return [
        "# HELP wipbot_connections_closed_total connections closed or refused before their "
        "request reached the app, cut off in its body, or aborted with their answer unread",
        "# TYPE wipbot_connections_closed_total counter",
        *(f'wipbot_connections_closed_total{{reason="{r}"}} {n}' for r, n in reasons.items()),
    ]


def build_web_app(
    session_factory: SessionFactory,
    channels: Sequence[Channel],
    inbound: InboundPipeline | None = None,
    clock: Clock = system_clock,
    extra_routes: Sequence[BaseRoute] = (),
    connections: ConnectionStats | None = None,
) -> Starlette:
    """`extra_routes` are the process's own beyond the channels', such as signed photo links;
    `connections` is what the server's guard (bot/slow_clients.py) counts, for /metrics."""

    async def healthz(_: Request) -> Response:
        up = await database_up(session_factory)
        return JSONResponse(
            {
                "status": "ok" if up else "degraded",
                "database": "up" if up else "down",
                "channels": {c.name: c.mode for c in channels},
            },
            status_code=200 if up else 503,
        )

    async def metrics(_: Request) -> Response:
        lines = inbound_lines(inbound) if inbound is not None else []
        if connections is not None:
            lines += connection_lines(connections)
        try:
            lines += await outbox_lines(session_factory, clock())
            up = 1
        except Exception as error:
            log.warning("metrics: database unreachable (%s)", type(error).__name__)
            up = 0
        lines += ["# TYPE wipbot_database_up gauge", f"wipbot_database_up {up}"]
        return PlainTextResponse("\n".join(lines) + "\n")

    routes: list[BaseRoute] = [Route("/healthz", healthz), Route("/metrics", metrics)]
    for channel in channels:
        routes.extend(channel.routes)
    routes.extend(extra_routes)
    limits = {path: limit for channel in channels for path, limit in channel.body_limits.items()}
    return Starlette(routes=routes, middleware=[Middleware(BodyLimit, limits=limits)])
