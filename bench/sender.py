"""sender: the outbox sender delivering a backlog of messages to a local HTTP endpoint.

`scheduler.sender.OutboxSender` with its default concurrency and batch size, and rate limits set
far above the platforms' (so its own overhead is measured, not the limits), delivers messages
spread over many chats through a small Transport that POSTs each one with httpx to an aiohttp
endpoint on 127.0.0.1, as the real transports POST to a chat platform. Every delivery is claimed
and marked sent in the SQLite outbox. Baseline: the same POSTs sent directly with the same
client and the same number in flight, so the ratio is what the outbox adds per message.
"""

from __future__ import annotations

import asyncio
import itertools
import socket
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from aiohttp import web
from sqlalchemy import func
from sqlmodel import select

from wipbot.scheduler.config import RateLimit, SenderConfig
from wipbot.scheduler.sender import OutboxSender
from wipbot.store.db import SessionFactory, transaction
from wipbot.store.models import OutboxMessage
from wipbot.store.outbox import Delivered, RetryLater, enqueue

from .common import Figure, Result, at_least, cost_ratio, scratch_database, scratch_folder

NAME = "sender"
MESSAGES, QUICK_MESSAGES = 1_000, 40
CHATS, QUICK_CHATS = 100, 4
PLATFORM = "telegram"
CONFIG = SenderConfig(
    platform_limits={PLATFORM: RateLimit(100_000, 100_000)},
    chat_limits={PLATFORM: RateLimit(1_000)},
)
CONCURRENCY = CONFIG.concurrency
WARMUP = 8
TARGET_PER_S = 100.0


class HttpTransport:
    """POSTs the payload with the chat id, as a platform's send-message call does."""

    platform = PLATFORM

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def deliver(self, message: OutboxMessage) -> Delivered:
        response = await self.http.post("/send", json=_body(message.chat_id, message.payload))
        if response.status_code != 200:
            raise RetryLater(f"HTTP {response.status_code}")
        return Delivered(str(response.json()["message_id"]))


def _body(chat_id: str, payload: dict[str, Any]) -> dict[str, Any]:
    return {"chat_id": chat_id, **payload}


def _messages(count: int, chats: int) -> list[tuple[str, dict[str, Any]]]:
    return [
        (str(7_100_000_000 + i % chats), {"kind": "reply", "text": f"Reply {i} of the backlog"})
        for i in range(count)
    ]


async def _endpoint() -> tuple[web.AppRunner, str]:
    """A platform that accepts everything and answers with a message id."""
    ids = itertools.count(1)

    async def send(request: web.Request) -> web.Response:
        await request.json()
        return web.json_response({"ok": True, "message_id": next(ids)})

    app = web.Application()
    app.add_routes([web.post("/send", send)])
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    await web.SockSite(runner, sock).start()
    return runner, f"http://127.0.0.1:{sock.getsockname()[1]}"


async def _direct(http: httpx.AsyncClient, messages: list[tuple[str, dict[str, Any]]]) -> float:
    pending: Iterator[tuple[str, dict[str, Any]]] = iter(messages)

    async def worker() -> None:
        for chat_id, payload in pending:
            response = await http.post("/send", json=_body(chat_id, payload))
            response.raise_for_status()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    return time.perf_counter() - started


async def _through_outbox(
    session_factory: SessionFactory,
    http: httpx.AsyncClient,
    messages: list[tuple[str, dict[str, Any]]],
) -> float:
    now = datetime.now(UTC)
    async with transaction(session_factory) as session:
        for chat_id, payload in messages:
            enqueue(session, PLATFORM, chat_id, payload, not_before=now)
    sender = OutboxSender(session_factory, {PLATFORM: HttpTransport(http)}, config=CONFIG)
    started = time.perf_counter()
    sent = 0
    while sent < len(messages):
        delivered = await sender.run_once()
        if not delivered:
            raise RuntimeError(f"the sender stopped after {sent} of {len(messages)} messages")
        sent += delivered
    seconds = time.perf_counter() - started
    async with session_factory() as session:
        marked = (
            await session.exec(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.status == "sent")
            )
        ).one()
    if marked != len(messages):
        raise RuntimeError(f"{marked} of {len(messages)} outbox rows are marked sent")
    return seconds


async def _measure(folder: Path, count: int, chats: int) -> tuple[float, float]:
    messages = _messages(count, chats)
    runner, url = await _endpoint()
    limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
    try:
        async with (
            scratch_database(folder / "bench.db") as session_factory,
            httpx.AsyncClient(base_url=url, limits=limits, timeout=30) as http,
        ):
            await _direct(http, messages[:WARMUP])
            direct = await _direct(http, messages)
            outbox = await _through_outbox(session_factory, http, messages)
    finally:
        await runner.cleanup()
    return outbox, direct


def run(quick: bool = False) -> Result:
    count, chats = (QUICK_MESSAGES, QUICK_CHATS) if quick else (MESSAGES, CHATS)
    with scratch_folder() as tmp:
        outbox_s, direct_s = asyncio.run(_measure(Path(tmp), count, chats))
    rate, baseline = count / outbox_s, count / direct_s
    return Result(
        name=NAME,
        what=f"OutboxSender, {count} messages over {chats} chats, {CONCURRENCY} in flight",
        n=count,
        figure=Figure("outbox sender", rate, "msg/s"),
        baseline=Figure("direct POST", baseline, "msg/s"),
        ratio=cost_ratio(baseline, rate),
        target=at_least(rate, TARGET_PER_S, "msg/s"),
        extras=(Figure("per message", outbox_s / count * 1000, "ms"),),
    )
