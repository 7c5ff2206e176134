"""po: `/po PO-…` through the real Slack app over HTTP, against a Bolt hello-world command.

The brand has 10,000 POs (one production order each) and 500,000 check-ins, written in bulk.
`bot.runtime.build_runtime` builds the app with Slack over HTTP against a fake Slack Web API (a
subclass of the test suite's, tests/fakes), served by uvicorn on a socket of its own. The anchor
is a Bolt `AsyncApp` whose `/hello` command acks and answers "hello" through the same
response_url, served by Starlette and uvicorn in the same process the same way. Both get signed
slash commands, 50 in flight; a request's latency runs from sending it to its answer reaching the
response_url (Slack's ack alone would hide the work). Runs alternate, wipbot then anchor, and the
ratio of p99s is given as min-max over the runs: the machine is shared, so only the same-run
ratio means anything. `po` keeps the data in a SQLite file, `po-pg` in a scratch PostgreSQL
database (skipped when none is reachable).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import socket
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import uvicorn
from aiohttp import web
from pydantic import SecretStr
from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import insert, update
from sqlmodel import col, select
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.routing import Route
from tests.fakes.slack_api import BOT_TOKEN, SIGNING_SECRET, TEAM_ID, FakeSlackApi

from wipbot.bot.config import Settings
from wipbot.bot.runtime import build_runtime
from wipbot.production.milestones import MILESTONES
from wipbot.store.db import SessionFactory, make_engine, make_session_factory, transaction
from wipbot.store.importing import IMPORTERS
from wipbot.store.migrate import upgrade
from wipbot.store.models import Brand, CheckIn, Factory

from .common import (
    Figure,
    Result,
    at_most,
    cost_ratio,
    insert_open_orders,
    percentile,
    postgres_admin,
    postgres_reachable,
    postgres_url,
    scratch_database,
    scratch_folder,
)
from .synthetic import TODAY, factories_file

NAME = "po"
PG_NAME = "po-pg"
POS, QUICK_POS = 10_000, 40
CHECKINS_PER_PO, QUICK_CHECKINS_PER_PO = 50, 5
REQUESTS, QUICK_REQUESTS = 300, 20
RUNS, QUICK_RUNS = 3, 1
CONCURRENCY = 50
TARGET_P99_RATIO = 2.0
INSERT_CHUNK = 50_000


async def seed_brand(session_factory: SessionFactory, folder: Path, pos: int, per_po: int) -> None:
    """`pos` POs due over the two years to ten weeks from now, one production order each, and
    `per_po` weekly check-ins each, the last a few days before its plan ends (shipped for the
    past ones)."""
    async with transaction(session_factory) as session:
        await IMPORTERS["factories"](session, factories_file(folder))
    async with transaction(session_factory) as session:
        await session.exec(update(Brand).values(slack_team_id=TEAM_ID))  # type: ignore[call-overload]
        factories = list((await session.exec(select(Factory.id).order_by(col(Factory.id)))).all())
        brand_id = (await session.exec(select(Brand.id))).one()
        connection = await session.connection()
        now = datetime.now(UTC)
        committed = [TODAY + timedelta(days=70 - (i * 800) // pos) for i in range(pos)]
        await insert_open_orders(connection, brand_id, factories, committed, now)
        rows = (
            _checkin(i, k, committed[i], per_po, now) for i in range(pos) for k in range(per_po)
        )
        while chunk := list(itertools.islice(rows, INSERT_CHUNK)):
            await connection.execute(insert(CheckIn), chunk)
        if connection.dialect.name == "postgresql":
            # What autovacuum does soon after a bulk load: without statistics PostgreSQL plans
            # the walk back through a factory's shipments as a scan of every check-in (seconds).
            await connection.exec_driver_sql("ANALYZE")


def _checkin(i: int, k: int, committed: date, per_po: int, now: datetime) -> dict[str, Any]:
    last = min(committed - timedelta(days=3), TODAY - timedelta(days=1))
    stage = min(len(MILESTONES) - 1, k * len(MILESTONES) // per_po)
    if committed - timedelta(days=3) >= TODAY:
        stage = min(stage, 2)
    return {
        "production_order_id": i + 1,
        "contact_id": None,
        "source": "import",
        "reported_at": datetime.combine(
            last - timedelta(days=7 * (per_po - 1 - k)), clock_time(4, 0), UTC
        ),
        "milestone": MILESTONES[stage].value,
        "qty_cut": 500 if stage >= 1 else None,
        "note": "",
        "created_at": now,
    }


class TimedSlack(FakeSlackApi):
    """The test suite's fake Slack, noting when each response_url answer arrives."""

    def __init__(self) -> None:
        super().__init__()
        self.arrived: dict[str, asyncio.Future[float]] = {}

    def expect(self, key: str) -> asyncio.Future[float]:
        self.arrived[key] = asyncio.get_running_loop().create_future()
        return self.arrived[key]

    async def _respond(self, request: web.Request) -> web.Response:
        await request.read()
        waiting = self.arrived.pop(request.match_info["key"], None)
        if waiting is not None and not waiting.done():
            waiting.set_result(time.perf_counter())
        return web.Response(text="ok")


def hello_app(fake: FakeSlackApi) -> Starlette:
    """The anchor: a Bolt command that acks and answers through response_url, nothing else."""
    bolt = AsyncApp(
        token=BOT_TOKEN,
        signing_secret=SIGNING_SECRET,
        client=AsyncWebClient(token=BOT_TOKEN, base_url=fake.api_url),
    )

    @bolt.command("/hello")
    async def hello(ack: AsyncAck, respond: AsyncRespond) -> None:
        await ack()
        await respond(response_type="ephemeral", text="hello")

    handler = AsyncSlackRequestHandler(bolt)

    async def events(request: Request) -> Any:
        return await handler.handle(request)

    return Starlette(routes=[Route("/slack/events", events, methods=["POST"])])


def _listening_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(256)
    return sock


def _signed(body: str) -> dict[str, str]:
    stamp = str(int(time.time()))
    base = f"v0:{stamp}:{body}".encode()
    signature = "v0=" + hmac.new(SIGNING_SECRET.encode(), base, hashlib.sha256).hexdigest()
    return {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": signature,
    }


async def _drive(
    http: httpx.AsyncClient, fake: TimedSlack, command: str, texts: list[str]
) -> list[float]:
    """Every command sent, CONCURRENCY in flight; seconds from sending to the answer."""
    pending = iter(enumerate(texts))
    latencies: list[float] = []
    stamp = time.perf_counter_ns()

    async def worker() -> None:
        for n, text in pending:
            key = f"{command[1:]}-{stamp}-{n}"
            body = urlencode(
                {
                    "team_id": TEAM_ID,
                    "channel_id": "C0GENERAL",
                    "user_id": "U0BENCH",
                    "command": command,
                    "text": text,
                    "response_url": fake.response_url(key),
                    "trigger_id": f"{n}.1.trigger",
                }
            )
            arrived = fake.expect(key)
            started = time.perf_counter()
            response = await http.post("/slack/events", content=body, headers=_signed(body))
            if response.status_code != 200:
                raise RuntimeError(f"{command} answered {response.status_code}")
            latencies.append(await asyncio.wait_for(arrived, 60) - started)

    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    return latencies


async def _serve(app: Any) -> tuple[uvicorn.Server, asyncio.Task[None], str, socket.socket]:
    sock = _listening_socket()
    server = uvicorn.Server(
        uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
    )
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:  # noqa: ASYNC110 (uvicorn offers a flag, not an event)
        await asyncio.sleep(0.01)
    return server, task, f"http://127.0.0.1:{sock.getsockname()[1]}", sock


@asynccontextmanager
async def _database(kind: str, folder: Path) -> AsyncIterator[tuple[str, SessionFactory]]:
    """A fresh database migrated as `wipbot db upgrade` does: its URL and sessions."""
    if kind == "sqlite":
        database = folder / "bench.db"
        async with scratch_database(database) as session_factory:
            yield f"sqlite+aiosqlite:///{database}", session_factory
        return
    name = f"wipbot_bench_po_{uuid.uuid4().hex[:10]}"
    await postgres_admin(f"CREATE DATABASE {name}")
    url = postgres_url(name)
    engine = make_engine(url)
    try:
        await upgrade(url)
        yield url, make_session_factory(engine)
    finally:
        await engine.dispose()
        await postgres_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


async def _measure(
    kind: str, folder: Path, pos: int, per_po: int, requests: int, runs: int
) -> list[tuple[list[float], list[float]]]:
    async with _database(kind, folder) as (url, session_factory), TimedSlack() as fake:
        await seed_brand(session_factory, folder, pos, per_po)
        settings = Settings(  # type: ignore[call-arg]
            _env_file=None,
            DATABASE_URL=url,
            SLACK_BOT_TOKEN=SecretStr(BOT_TOKEN),
            SLACK_SIGNING_SECRET=SecretStr(SIGNING_SECRET),
            SLACK_API_URL=fake.api_url,
            SLACK_APP_TOKEN=None,
            TELEGRAM_BOT_TOKEN=None,
            WHATSAPP_ACCESS_TOKEN=None,
        )
        runtime = build_runtime(settings, session_factory)
        for channel in runtime.channels:
            await channel.start()
        servers = [await _serve(runtime.app), await _serve(hello_app(fake))]
        limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
        numbers = [f"PO-{100000 + (i * 7919) % pos}" for i in range(requests)]
        try:
            async with (
                httpx.AsyncClient(base_url=servers[0][2], limits=limits, timeout=60) as wipbot,
                httpx.AsyncClient(base_url=servers[1][2], limits=limits, timeout=60) as hello,
            ):
                send: list[Callable[[list[str]], Awaitable[list[float]]]] = [
                    lambda texts: _drive(wipbot, fake, "/po", texts),
                    lambda texts: _drive(hello, fake, "/hello", texts),
                ]
                for drive in send:  # warm-up: connections, Bolt's auth.test, caches
                    await drive(numbers[: min(CONCURRENCY, requests)])
                results = []
                for _ in range(runs):
                    results.append((await send[0](numbers), await send[1](numbers)))
                return results
        finally:
            for server, task, _, sock in servers:
                server.should_exit = True
                await task
                sock.close()
            for channel in runtime.channels:
                await channel.stop()


def run(quick: bool = False) -> Result:
    return _run(NAME, "sqlite", quick)


def run_postgres(quick: bool = False) -> Result:
    if not asyncio.run(postgres_reachable()):
        raise RuntimeError("PostgreSQL is not reachable (set WIPBOT_TEST_PG_DSN)")
    return _run(PG_NAME, "postgresql", quick)


def _run(name: str, kind: str, quick: bool) -> Result:
    pos, per_po, requests, runs = (
        (QUICK_POS, QUICK_CHECKINS_PER_PO, QUICK_REQUESTS, QUICK_RUNS)
        if quick
        else (POS, CHECKINS_PER_PO, REQUESTS, RUNS)
    )
    with scratch_folder() as tmp:
        measured = asyncio.run(_measure(kind, Path(tmp), pos, per_po, requests, runs))
    ratios = [percentile(po, 0.99) / percentile(hello, 0.99) for po, hello in measured]
    po_all = [x for po, _ in measured for x in po]
    hello_all = [x for _, hello in measured for x in hello]
    p99, hello_p99 = percentile(po_all, 0.99) * 1000, percentile(hello_all, 0.99) * 1000
    return Result(
        name=name,
        what=(
            f"/po PO-… ({pos:,} POs, {pos * per_po:,} check-ins, {kind}), {CONCURRENCY} in flight, "
            f"signed, over HTTP, vs a Bolt hello-world command; {runs} alternating runs"
        ),
        n=requests * runs,
        figure=Figure("/po p99", p99, "ms"),
        baseline=Figure("/hello p99", hello_p99, "ms"),
        ratio=cost_ratio(p99, hello_p99),
        target=at_most(max(ratios), TARGET_P99_RATIO, "× hello p99 (worst run)"),
        extras=(
            Figure("/po p50", percentile(po_all, 0.5) * 1000, "ms"),
            Figure("/hello p50", percentile(hello_all, 0.5) * 1000, "ms"),
            Figure("p99 ratio, best run", min(ratios), "×"),
            Figure("p99 ratio, worst run", max(ratios), "×"),
        ),
    )
