"""webhook: Telegram updates through the real web app, as `wipbot run` serves them.

`bot.runtime.build_runtime` builds the app with the Telegram channel in webhook mode against the
fake Bot API of the test suite (tests/fakes, on 127.0.0.1); the channel is started as at start-up
and uvicorn serves the app on a port of its own. Most updates are `/status` from linked factory
contacts (a transaction that reads their open orders and writes the reply to the outbox), the
rest come from unknown chats (answered with how to link). Baseline: as many `GET /healthz` on
the same server with the same concurrency: the cost of HTTP, uvicorn and Starlette alone.
"""

from __future__ import annotations

import asyncio
import random
import socket
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from sqlmodel import select
from tests.fakes.telegram_api import TOKEN, FakeTelegramApi, User

from wipbot.bot.config import Settings
from wipbot.bot.runtime import Runtime, build_runtime
from wipbot.store.db import SessionFactory, transaction
from wipbot.store.models import Contact, Factory

from .common import (
    Figure,
    Result,
    at_least,
    at_most,
    both,
    cost_ratio,
    percentile,
    scratch_database,
    scratch_folder,
)
from .imports import import_files
from .synthetic import checkins_file, factories_file, pos_file, season_orders

NAME = "webhook"
UPDATES, QUICK_UPDATES = 400, 24
WARMUP, QUICK_WARMUP = 16, 4
CONCURRENCY = 8
"""What the channel asks Telegram for (max_connections of setWebhook)."""
CONTACTS_PER_FACTORY = 10
UNKNOWN_EVERY = 4
"""Every fourth update comes from a chat nobody linked."""
POS = 40
TARGET_PER_S = 30.0
TARGET_P95_MS = 1_000.0
SECRET = "bench-webhook-secret"
SEED = 1044
FIRST_CHAT_ID = 5_200_000_000

Request = tuple[str, str, dict[str, Any] | None]
"""Method, path, JSON body."""


async def _seed(session_factory: SessionFactory, folder: Path) -> list[User]:
    """A season of POs with some history, and linked Telegram contacts at every factory."""
    rng = random.Random(SEED)
    orders = season_orders(POS, rng)
    checkins, _ = checkins_file(folder, orders, 3, rng)
    await import_files(
        session_factory,
        [
            ("factories", factories_file(folder)),
            ("pos", pos_file(folder, orders)),
            ("checkins", checkins),
        ],
    )
    users: list[User] = []
    now = datetime.now(UTC)
    async with transaction(session_factory) as session:
        factories = (await session.exec(select(Factory))).all()
        for factory in factories:
            factory_id = factory.id
            assert factory_id is not None
            for _ in range(CONTACTS_PER_FACTORY):
                user = User(FIRST_CHAT_ID + len(users), f"Contact {len(users)}", "en")
                session.add(
                    Contact(
                        factory_id=factory_id,
                        name=user.first_name,
                        platform="telegram",
                        chat_id=str(user.id),
                        linked_at=now,
                        last_inbound_at=now,
                    )
                )
                users.append(user)
    return users


def _updates(fake: FakeTelegramApi, users: list[User], count: int) -> list[Request]:
    requests: list[Request] = []
    for i in range(count):
        if i % UNKNOWN_EVERY == UNKNOWN_EVERY - 1:
            update = fake.text_update(User(6_600_000_000 + i, "Someone"), "hello")
        else:
            update = fake.text_update(users[i % len(users)], "/status")
        requests.append(("POST", "/telegram/webhook", update))
    return requests


async def _drive(http: httpx.AsyncClient, requests: list[Request]) -> tuple[float, list[float]]:
    """Seconds for all requests, `CONCURRENCY` in flight at any time; latency of each."""
    pending: Iterator[Request] = iter(requests)
    latencies: list[float] = []
    failures: list[str] = []

    async def worker() -> None:
        for method, path, body in pending:
            started = time.perf_counter()
            response = await http.request(
                method, path, json=body, headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}
            )
            latencies.append(time.perf_counter() - started)
            if response.status_code != 200:
                failures.append(f"{method} {path}: {response.status_code}")

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    seconds = time.perf_counter() - started
    if failures:
        raise RuntimeError(f"{len(failures)} requests failed, e.g. {failures[0]}")
    return seconds, latencies


def _listening_socket() -> socket.socket:
    """Bound before uvicorn starts, so the public URL is known. The protocol must be named:
    asyncio sets TCP_NODELAY only on sockets whose proto is TCP, and without it every response
    waits ~40 ms for a delayed ACK (what `wipbot run` avoids by letting uvicorn bind)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    return sock


def _settings(database: Path, fake: FakeTelegramApi, public_url: str) -> Settings:
    """Telegram only, whatever the environment says about the other platforms."""
    values: dict[str, Any] = {
        "DATABASE_URL": f"sqlite+aiosqlite:///{database}",
        "WIPBOT_PUBLIC_URL": public_url,
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_WEBHOOK_SECRET": SECRET,
        "TELEGRAM_API_URL": fake.api_url,
        "SLACK_BOT_TOKEN": None,
        "SLACK_APP_TOKEN": None,
        "WHATSAPP_ACCESS_TOKEN": None,
    }
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


async def _serve_and_measure(
    runtime: Runtime, sock: socket.socket, url: str, webhook: list[Request], warmup: int
) -> dict[str, tuple[float, list[float]]]:
    server = uvicorn.Server(
        uvicorn.Config(runtime.app, log_level="warning", access_log=False, lifespan="off")
    )
    serving = asyncio.create_task(server.serve(sockets=[sock]))
    limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
    health: list[Request] = [("GET", "/healthz", None)] * len(webhook[warmup:])
    try:
        async with httpx.AsyncClient(base_url=url, limits=limits, timeout=30) as http:
            await _drive(http, webhook[:warmup] + health[:warmup])
            return {
                "healthz": await _drive(http, health),
                "webhook": await _drive(http, webhook[warmup:]),
            }
    finally:
        server.should_exit = True
        await serving


async def _measure(folder: Path, updates: int, warmup: int) -> dict[str, tuple[float, list[float]]]:
    database = folder / "bench.db"
    async with scratch_database(database) as session_factory, FakeTelegramApi() as fake:
        users = await _seed(session_factory, folder)
        requests = _updates(fake, users, warmup + updates)
        sock = _listening_socket()
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        runtime = build_runtime(_settings(database, fake, url), session_factory)
        if [c.mode for c in runtime.channels] != ["webhook"]:
            raise RuntimeError(f"expected Telegram alone, in webhook mode: {runtime.channels}")
        for channel in runtime.channels:
            await channel.start()
        try:
            return await _serve_and_measure(runtime, sock, url, requests, warmup)
        finally:
            for channel in runtime.channels:
                await channel.stop()
            sock.close()


def run(quick: bool = False) -> Result:
    updates, warmup = (QUICK_UPDATES, QUICK_WARMUP) if quick else (UPDATES, WARMUP)
    with scratch_folder() as tmp:
        measured = asyncio.run(_measure(Path(tmp), updates, warmup))
    webhook_s, webhook_latencies = measured["webhook"]
    health_s, health_latencies = measured["healthz"]
    rate, baseline = updates / webhook_s, updates / health_s
    p95_ms = percentile(webhook_latencies, 0.95) * 1000
    return Result(
        name=NAME,
        what=f"POST /telegram/webhook (3/4 /status of linked contacts), {CONCURRENCY} in flight",
        n=updates,
        figure=Figure("webhook", rate, "req/s"),
        baseline=Figure("GET /healthz", baseline, "req/s"),
        ratio=cost_ratio(baseline, rate),
        target=both(
            at_least(rate, TARGET_PER_S, "req/s"), at_most(p95_ms, TARGET_P95_MS, "ms p95")
        ),
        extras=(
            Figure("webhook p50", percentile(webhook_latencies, 0.5) * 1000, "ms"),
            Figure("webhook p95", p95_ms, "ms"),
            Figure("healthz p50", percentile(health_latencies, 0.5) * 1000, "ms"),
            Figure("healthz p95", percentile(health_latencies, 0.95) * 1000, "ms"),
        ),
    )
