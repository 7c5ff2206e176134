"""A sender killed with SIGKILL in the middle of a fan-out loses nothing after a restart.

A real child process writes 200 messages for 50 chats and sends them to a fake platform (a
small aiohttp server here) that answers slowly; the server kills the child at its 60th request,
while several deliveries are in flight. A fresh process then finishes the job. Every message
arrives at least once, duplicates are bounded by the in-flight concurrency (at-least-once, see
scheduler/sender.py), and each chat still sees its messages in order.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections import Counter, defaultdict
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web
from sqlmodel import func, select

from wipbot.store.db import make_engine, make_session_factory
from wipbot.store.models import OutboxMessage

from .outbox_child import CONCURRENCY

CHILD = Path(__file__).with_name("outbox_child.py")
FAN_OUT, CHATS, KILL_AT = 200, 50, 60


class FakePlatform:
    def __init__(self) -> None:
        self.received: list[tuple[str, str]] = []
        self.victim: int | None = None
        self.killed = asyncio.Event()
        self.complete = asyncio.Event()

    async def send(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.received.append((body["chat_id"], body["text"]))
        if len(self.received) == KILL_AT and self.victim is not None:
            os.kill(self.victim, signal.SIGKILL)
            self.killed.set()
        if len({text for _, text in self.received}) == FAN_OUT:
            self.complete.set()
        await asyncio.sleep(0.02)
        return web.json_response({"message_id": len(self.received)})


@pytest.fixture
async def platform() -> AsyncIterator[tuple[FakePlatform, str]]:
    fake = FakePlatform()
    app = web.Application()
    app.router.add_post("/send", fake.send)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    yield fake, f"http://127.0.0.1:{port}"
    await runner.cleanup()


async def start(database_url: str, server: str, *extra: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, str(CHILD), database_url, server, *extra, stdout=asyncio.subprocess.DEVNULL
    )


async def unsent(database_url: str) -> int:
    engine = make_engine(database_url)
    try:
        async with make_session_factory(engine)() as session:
            query = select(func.count()).select_from(OutboxMessage)
            return (await session.exec(query.where(OutboxMessage.status != "sent"))).one()
    finally:
        await engine.dispose()


async def test_sigkill_mid_fan_out_loses_nothing(
    db_url: str, platform: tuple[FakePlatform, str]
) -> None:
    fake, server = platform
    first = await start(db_url, server, "--fan-out", str(FAN_OUT), "--chats", str(CHATS))
    fake.victim = first.pid
    second = None
    try:
        await asyncio.wait_for(fake.killed.wait(), 30)
        assert await first.wait() == -signal.SIGKILL
        assert len({text for _, text in fake.received}) < FAN_OUT
        assert await unsent(db_url) > 0

        second = await start(db_url, server)
        await asyncio.wait_for(fake.complete.wait(), 30)
        for _ in range(200):
            if await unsent(db_url) == 0:
                break
            await asyncio.sleep(0.05)
        assert await unsent(db_url) == 0
    finally:
        for process in (first, second):
            if process is not None and process.returncode is None:
                process.kill()
                await process.wait()

    counts = Counter(text for _, text in fake.received)
    assert set(counts) == {f"m{i}" for i in range(FAN_OUT)}
    duplicates = sum(n - 1 for n in counts.values())
    assert duplicates <= CONCURRENCY
    first_seen: dict[str, list[int]] = defaultdict(list)
    for chat, text in fake.received:
        number = int(text[1:])
        if number not in first_seen[chat]:
            first_seen[chat].append(number)
    assert all(numbers == sorted(numbers) for numbers in first_seen.values())
