"""webhook: Monday morning's check-in updates end to end, against a bare echo bot.

Three processes share the machine, as in production: `wipbot run` (Telegram in webhook mode, its
outbox sender and scheduler), the test suite's fake Bot API, and this load generator. 500 linked
contacts each take one check-in step by step (/checkin, then the buttons: stage, quantity, no
issues, keep the date, confirm), each tap a signed webhook sent once the bot's previous answer
reached the fake Bot API, 64 webhooks in flight at any time. An update counts when its webhook
was answered 200 and the answer it caused was received by the fake; a button press must also be
answered (answerCallbackQuery) in the body of the webhook's answer, which Telegram then runs.

Anchor, started by this benchmark in the same run: a bare python-telegram-bot echo bot
(`Application` with `updater(None)`, one echo `MessageHandler`) on the same Starlette/uvicorn
server (httptools parsing HTTP for both) and the same fake, fed the same number of text updates
by the same generator. Runs alternate echo and wipbot; the ratio is wipbot's updates/s
over the echo bot's in the run beside it, reported min–max over the runs. Both databases: SQLite
(a file) and PostgreSQL (skipped with a note when none is reachable).

The outbox's rate limits are lifted for the run (WIPBOT_TELEGRAM_RATE): the echo bot has none,
and the fan-out benchmark (bench/sender.py) measures them.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import shutil
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text
from tests.fakes.telegram_api import TOKEN

from wipbot.store.db import make_engine, make_session_factory
from wipbot.store.migrate import upgrade

from .common import (
    Figure,
    Result,
    at_least,
    at_most,
    both,
    fake_telegram_process,
    free_port,
    median,
    percentile,
    postgres_admin,
    postgres_reachable,
    postgres_url,
    scratch_folder,
    seed_linked_contacts,
    spread,
    start_process,
    wait_for_http,
)

NAME = "webhook"
PG_NAME = "webhook-pg"
CONTACTS = int(os.environ.get("BENCH_WEBHOOK_CONTACTS", "500"))
"""Fewer (the environment variable) when a loaded machine makes 3 × 2 runs of 500 too long."""
QUICK_CONTACTS = 6
RUNS, QUICK_RUNS = 3, 1
CONCURRENCY = 64
STEPS = ("/checkin", "m:sewing", "q:all", "i:none", "x:keep", "c:confirm")
SECRET = "bench-webhook-secret"
PATIENCE_S = 5.0
"""Telegram does not publish how long it waits; the issue saw retries after a few seconds."""
TARGET_RATIO = 0.5
TARGET_P99_MS = 1_000.0
WARMUP = 32
ANSWER_TIMEOUT_S = 40.0
"""An update whose answer never reached the fake counts as failed after this long."""
WIPBOT = os.environ.get("BENCH_WIPBOT", str(Path(sys.executable).parent / "wipbot"))
"""The `wipbot` measured: this checkout's, or another's (the environment variable) to compare two
versions of the code on the same harness."""


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    seconds: float = 0.0
    cpu_seconds: float | None = None
    """CPU the bot's process spent during the run (user + system), where /proc tells."""

    @property
    def cpu_ms_per_update(self) -> float | None:
        if self.cpu_seconds is None or not self.updates:
            return None
        return self.cpu_seconds / self.updates * 1000

    @property
    def updates(self) -> int:
        return len(self.latencies)

    @property
    def rate(self) -> float:
        return self.updates / self.seconds

    @property
    def late(self) -> int:
        return sum(1 for latency in self.latencies if latency > PATIENCE_S)


UPDATE_IDS = itertools.count(100_000_001)
"""One sequence for the whole benchmark, as Telegram numbers a bot's updates."""


class Updates:
    """Updates shaped as Telegram sends them."""

    def __init__(self) -> None:
        self.ids = UPDATE_IDS
        self.date = int(time.time())

    def user(self, chat_id: int) -> dict[str, Any]:
        return {"id": chat_id, "is_bot": False, "first_name": "Lan", "language_code": "en"}

    def text(self, chat_id: int, text: str) -> dict[str, Any]:
        update_id = next(self.ids)
        message: dict[str, Any] = {
            "message_id": update_id,
            "date": self.date,
            "chat": {"id": chat_id, "type": "private", "first_name": "Lan"},
            "from": self.user(chat_id),
            "text": text,
        }
        if text.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text)}]
        return {"update_id": update_id, "message": message}

    def click(self, chat_id: int, message: dict[str, Any], data: str) -> dict[str, Any]:
        update_id = next(self.ids)
        query = {
            "id": str(update_id),
            "from": self.user(chat_id),
            "chat_instance": "-1",
            "message": message,
            "data": data,
        }
        return {"update_id": update_id, "callback_query": query}


class Link:
    """One kept-alive HTTP/1.1 connection to the bot, as Telegram keeps its webhook connections.

    Written for this generator rather than taken from an HTTP client library: the generator
    shares two cores with the bot it measures, and a general client (connection pools scanned on
    every request, response objects, header models) cost several times what the echo bot spends
    on an update, which made the generator the bottleneck of the echo bot and added its own event
    loop's delays to every latency."""

    def __init__(self, host: str, port: int, path: str, headers: dict[str, str]) -> None:
        self.host, self.port = host, port
        fields = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        self.head = (
            f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\n"
            f"Content-Type: application/json\r\n{fields}Content-Length: "
        ).encode()
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, body: bytes) -> tuple[int, dict[str, str], bytes]:
        """Delivered again when the connection broke, as Telegram does (a kept-alive connection
        the server closed just as the request left)."""
        for _ in range(2):
            try:
                return await self._exchange(body)
            except (OSError, asyncio.IncompleteReadError, ValueError):
                self.close()
        return await self._exchange(body)

    async def _exchange(self, body: bytes) -> tuple[int, dict[str, str], bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        self.writer.write(self.head + str(len(body)).encode() + b"\r\n\r\n" + body)
        status, headers = _head(await self.reader.readuntil(b"\r\n\r\n"))
        content = await self.reader.readexactly(int(headers.get("content-length", "0")))
        if headers.get("connection", "").lower() == "close":
            self.close()
        return status, headers, content

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


def _head(raw: bytes) -> tuple[int, dict[str, str]]:
    lines = raw.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip().lower()] = value.strip()
    if "transfer-encoding" in headers:
        raise ValueError("a chunked answer to a webhook")
    return status, headers


async def follow(fake_url: str, on_message: Callable[[dict[str, Any]], None]) -> None:
    """Every message the fake Bot API receives, as it receives it (`/_fake/events`, one JSON line
    each over one chunked response): one connection for all chats instead of a long poll each."""
    host, port = _host_port(fake_url)
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write(f"GET /_fake/events HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode())
        head = await reader.readuntil(b"\r\n\r\n")
        if int(head.split(b" ", 2)[1]) != 200:
            raise RuntimeError(f"the fake's event stream answered {head[:40]!r}")
        pending = b""
        while True:
            size = int((await reader.readline()).strip() or b"0", 16)
            if size == 0:
                return
            pending += (await reader.readexactly(size + 2))[:-2]
            *lines, pending = pending.split(b"\n")
            for line in lines:
                on_message(json.loads(line))
    finally:
        writer.close()


def _host_port(url: str) -> tuple[str, int]:
    host, _, port = url.removeprefix("http://").rstrip("/").partition(":")
    return host, int(port)


def answers_click(headers: dict[str, str], body: bytes, update: dict[str, Any]) -> bool:
    """Telegram runs the one method a webhook's answer may carry: here it must stop the
    button's spinner (answerCallbackQuery for this query), which then costs the bot no request."""
    if not headers.get("content-type", "").startswith("application/json"):
        return False
    call = json.loads(body)
    query_id = update["callback_query"]["id"]
    return bool(call == {"method": "answerCallbackQuery", "callback_query_id": query_id})


@dataclass
class Chat:
    """One contact's way through its steps, as the generator sees it."""

    chat_id: int
    step: int = 0
    seen: int = 0
    """Messages in the chat when its last update was sent; the answer makes it more."""
    shown: dict[str, Any] | None = None
    """The newest message the bot sent to the chat (its buttons are the next tap's)."""
    latest: tuple[int, dict[str, Any]] | None = None
    waiting_since: float | None = None
    """Set while the chat waits for the answer to its last update."""


async def drive(
    app_url: str, fake_url: str, chat_ids: list[int], steps: tuple[str, ...], *, echo: bool
) -> Tally:
    """Every contact takes its steps in order, each after the answer to the one before;
    `CONCURRENCY` webhooks in flight over all contacts, on as many kept-alive connections, each
    taking the next update that became ready (first come, first served)."""
    tally = Tally()
    updates = Updates()
    ready: asyncio.Queue[Chat | None] = asyncio.Queue()
    chats = {str(chat_id): Chat(chat_id) for chat_id in chat_ids}
    unfinished = len(chats)
    finished = asyncio.Event()

    def next_update(chat: Chat) -> dict[str, Any]:
        step = steps[chat.step]
        if echo or not step.startswith(("m:", "q:", "i:", "x:", "c:")):
            return updates.text(chat.chat_id, f"step {chat.step}" if echo else step)
        assert chat.shown is not None
        return updates.click(chat.chat_id, chat.shown, step)

    def done(chat: Chat, failure: str | None = None) -> None:
        nonlocal unfinished
        if failure is not None:
            tally.failures.append(failure)
        chat.waiting_since = None
        chat.step = len(steps)
        unfinished -= 1
        if not unfinished:
            finished.set()

    def answered(chat: Chat) -> bool:
        """The answer to the chat's last update arrived: it goes on (or is done)."""
        if chat.latest is None or chat.latest[0] <= chat.seen:
            return False
        count, message = chat.latest
        wanted = steps[chat.step + 1] if not echo and chat.step + 1 < len(steps) else None
        buttons = [b["callback_data"] for row in _keyboard(message) for b in row]
        if wanted is not None and wanted not in buttons:
            return False
        chat.seen, chat.shown, chat.waiting_since = count, message, None
        chat.step += 1
        if chat.step == len(steps):
            done(chat)
        else:
            ready.put_nowait(chat)
        return True

    def on_message(event: dict[str, Any]) -> None:
        chat = chats.get(event["chat"])
        if chat is None:
            return
        chat.latest = (event["count"], event["message"])
        if chat.waiting_since is not None:
            answered(chat)

    host, port = _host_port(app_url)
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}

    async def worker() -> None:
        link = Link(host, port, "/telegram/webhook", headers)
        try:
            while (chat := await ready.get()) is not None:
                update = next_update(chat)
                body = json.dumps(update).encode()
                started = time.perf_counter()
                status, answer_headers, answer = await link.post(body)
                tally.latencies.append(time.perf_counter() - started)
                step = steps[chat.step]
                if status != 200:
                    done(chat, f"{step}: HTTP {status}")
                elif "callback_query" in update and not answers_click(
                    answer_headers, answer, update
                ):
                    done(chat, f"{step}: click not answered in the webhook's answer")
                else:
                    chat.waiting_since = time.perf_counter()
                    answered(chat)
        finally:
            link.close()

    async def watchdog() -> None:
        while True:
            await asyncio.sleep(1)
            now = time.perf_counter()
            for chat in chats.values():
                since = chat.waiting_since
                if since is not None and now - since > ANSWER_TIMEOUT_S:
                    done(chat, f"{steps[chat.step]}: no answer within {ANSWER_TIMEOUT_S:.0f} s")

    events = asyncio.create_task(follow(fake_url, on_message))
    await asyncio.sleep(0.1)  # the fake subscribed the stream before the first answer
    for chat in chats.values():
        ready.put_nowait(chat)
    started = time.perf_counter()
    workers = [asyncio.create_task(worker()) for _ in range(CONCURRENCY)]
    guard = asyncio.create_task(watchdog())
    try:
        await finished.wait()
        tally.seconds = time.perf_counter() - started
    finally:
        for _ in workers:
            ready.put_nowait(None)
        await asyncio.gather(*workers)
        for task in (events, guard):
            task.cancel()
        await asyncio.gather(events, guard, return_exceptions=True)
    return tally


def _keyboard(message: dict[str, Any]) -> list[list[dict[str, str]]]:
    rows: list[list[dict[str, str]]] = (message.get("reply_markup") or {}).get(
        "inline_keyboard", []
    )
    return rows


async def warm_up(app_url: str) -> None:
    """Strangers saying hello: imports, pools and caches warm, no contact touched."""
    updates = Updates()
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    async with httpx.AsyncClient(base_url=app_url, timeout=60) as http:
        for chat_id in range(6_900_000_000, 6_900_000_000 + WARMUP):
            await http.post(
                "/telegram/webhook", json=updates.text(chat_id, "hello"), headers=headers
            )


def app_env(database_url: str, port: int, api_url: str) -> dict[str, str]:
    return {
        "DATABASE_URL": database_url,
        "WIPBOT_HOST": "127.0.0.1",
        "WIPBOT_PORT": str(port),
        "WIPBOT_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_WEBHOOK_SECRET": SECRET,
        "TELEGRAM_API_URL": api_url,
        "WIPBOT_TELEGRAM_RATE": "100000",
        "WIPBOT_TELEGRAM_CHAT_RATE": "1000",
    }


async def one_run(
    kind: str, database_url: str | None, fake_url: str, chat_ids: list[int], folder: Path
) -> Tally:
    port = free_port()
    api_url = f"{fake_url}/bot"
    if kind == "echo":
        argv = [sys.executable, "-m", "bench.webhook", "echo", str(port), api_url]
        process = start_process("echo", argv)
    else:
        assert database_url is not None
        process = start_process(
            "wipbot", [WIPBOT, "run"], app_env(database_url, port, api_url), cwd=folder
        )
    app_url = f"http://127.0.0.1:{port}"
    try:
        await wait_for_http(f"{app_url}/healthz", process)
        await warm_up(app_url)
        before = cpu_seconds(process.popen.pid)
        tally = await drive(app_url, fake_url, chat_ids, STEPS, echo=kind == "echo")
        after = cpu_seconds(process.popen.pid)
        if before is not None and after is not None:
            tally.cpu_seconds = after - before
        return tally
    finally:
        process.stop()


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU of a process so far (Linux), to compare the cost of an update on both
    sides where the machine's load makes rates alone hard to read."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Comparison:
    database: str
    wipbot: list[Tally] = field(default_factory=list)
    echo: list[Tally] = field(default_factory=list)

    @property
    def ratios(self) -> list[float]:
        return [w.rate / e.rate for w, e in zip(self.wipbot, self.echo, strict=True)]


async def compare(database: str, contacts: int, runs: int) -> Comparison:
    """Alternating runs of the echo bot and wipbot, each wipbot run on a fresh copy of one
    seeded database."""
    comparison = Comparison(database)
    with scratch_folder() as tmp:
        folder = Path(tmp)
        if database == "sqlite":
            template = folder / "template.db"
            template_url = f"sqlite+aiosqlite:///{template}"
        else:
            name = f"wipbot_bench_{uuid.uuid4().hex[:10]}"
            await postgres_admin(f"CREATE DATABASE {name}_tmpl")
            template_url = postgres_url(f"{name}_tmpl")
        try:
            await upgrade(template_url)
            engine = make_engine(template_url)
            season = await seed_linked_contacts(make_session_factory(engine), contacts)
            await engine.dispose()
            seeded = await confirmed_checkins(template_url)
            async with fake_telegram_process() as fake_url:
                for run in range(runs):
                    comparison.echo.append(
                        await one_run("echo", None, fake_url, season.chat_ids, folder)
                    )
                    if database == "sqlite":
                        copy = folder / f"run{run}.db"
                        shutil.copy(template, copy)
                        url = f"sqlite+aiosqlite:///{copy}"
                    else:
                        await postgres_admin(f"CREATE DATABASE {name}_{run} TEMPLATE {name}_tmpl")
                        url = postgres_url(f"{name}_{run}")
                    tally = await one_run("wipbot", url, fake_url, season.chat_ids, folder)
                    saved = await confirmed_checkins(url) - seeded
                    if saved != len(season.chat_ids):
                        tally.failures.append(
                            f"{saved} check-ins saved for {len(season.chat_ids)} confirmations"
                        )
                    comparison.wipbot.append(tally)
        finally:
            if database != "sqlite":
                drops = [
                    f"DROP DATABASE IF EXISTS {name}_{run} WITH (FORCE)" for run in range(runs)
                ]
                await postgres_admin(*drops, f"DROP DATABASE IF EXISTS {name}_tmpl WITH (FORCE)")
    return comparison


async def confirmed_checkins(url: str) -> int:
    """Check-ins reported by a contact: the run's answers must be in the database, not only in
    the replies."""
    engine = make_engine(url)
    try:
        async with engine.connect() as connection:
            found = await connection.scalar(
                text("SELECT count(*) FROM checkin WHERE contact_id IS NOT NULL")
            )
    finally:
        await engine.dispose()
    return int(found or 0)


def result(name: str, comparison: Comparison, contacts: int) -> Result:
    latencies = [latency for tally in comparison.wipbot for latency in tally.latencies]
    echo_latencies = [latency for tally in comparison.echo for latency in tally.latencies]
    failures = [f for tally in comparison.wipbot + comparison.echo for f in tally.failures]
    if failures:
        raise RuntimeError(f"{len(failures)} updates failed, e.g. {failures[0]}")
    ratios = comparison.ratios
    rate = median([t.rate for t in comparison.wipbot])
    echo_rate = median([t.rate for t in comparison.echo])
    p99_ms = percentile(latencies, 0.99) * 1000
    late = sum(t.late for t in comparison.wipbot)
    cpu = [c for t in comparison.wipbot if (c := t.cpu_ms_per_update) is not None]
    echo_cpu = [c for t in comparison.echo if (c := t.cpu_ms_per_update) is not None]
    costs = (
        (
            Figure("wipbot CPU", median(cpu), "ms/update (median)"),
            Figure("echo CPU", median(echo_cpu), "ms/update (median)"),
        )
        if cpu and echo_cpu
        else ()
    )
    return Result(
        name=name,
        what=(
            f"check-in steps end to end on {comparison.database}, {contacts} contacts, "
            f"{CONCURRENCY} webhooks in flight, {len(ratios)} alternating runs"
        ),
        n=sum(t.updates for t in comparison.wipbot),
        figure=Figure("wipbot", rate, "updates/s"),
        baseline=Figure("PTB echo bot", echo_rate, "updates/s"),
        ratio=min(ratios),
        target=both(
            both(
                at_least(min(ratios), TARGET_RATIO, "× echo"),
                at_most(p99_ms, TARGET_P99_MS, "ms p99"),
            ),
            at_most(late, 0, f"answered after {PATIENCE_S:.0f} s"),
        ),
        extras=(
            Figure(f"ratio min–max {spread(ratios)}", median(ratios), "× (median)"),
            Figure("wipbot p50", percentile(latencies, 0.5) * 1000, "ms"),
            Figure("wipbot p99", p99_ms, "ms"),
            Figure(f"answered after {PATIENCE_S:.0f} s", late, "webhooks"),
            Figure("echo p50", percentile(echo_latencies, 0.5) * 1000, "ms"),
            Figure("echo p99", percentile(echo_latencies, 0.99) * 1000, "ms"),
            *costs,
            Figure("load average (1 min) at the end", os.getloadavg()[0], ""),
        ),
    )


def run(quick: bool = False) -> Result:
    contacts, runs = (QUICK_CONTACTS, QUICK_RUNS) if quick else (CONTACTS, RUNS)
    return result(NAME, asyncio.run(compare("sqlite", contacts, runs)), contacts)


def run_postgres(quick: bool = False) -> Result:
    contacts, runs = (QUICK_CONTACTS, QUICK_RUNS) if quick else (CONTACTS, RUNS)
    if not asyncio.run(postgres_reachable()):
        raise RuntimeError("no PostgreSQL at WIPBOT_TEST_PG_DSN (127.0.0.1:5432 by default)")
    return result(PG_NAME, asyncio.run(compare("postgresql", contacts, runs)), contacts)


# -- the anchor: a bare python-telegram-bot echo bot -----------------------------------------------


def serve_echo_bot(port: int, api_url: str) -> None:
    """What a developer writes first: PTB's Application without an updater, one echo handler,
    the update fed in by a Starlette route under uvicorn (as wipbot's own web app is served)."""
    import uvicorn
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route
    from telegram import Update
    from telegram.ext import Application, ContextTypes, MessageHandler, filters

    application = Application.builder().token(TOKEN).base_url(api_url).updater(None).build()

    async def echo(update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        if update.message is not None and update.message.text:
            await update.message.reply_text(update.message.text)

    application.add_handler(MessageHandler(filters.TEXT, echo))

    async def webhook(request: Request) -> Response:
        if request.headers.get("X-Telegram-Bot-Api-Secret-Token") != SECRET:
            return Response(status_code=401)
        await application.process_update(Update.de_json(await request.json(), application.bot))
        return Response()

    async def healthz(_: Request) -> Response:
        return Response("ok")

    async def main() -> None:
        app = Starlette(
            routes=[
                Route("/telegram/webhook", webhook, methods=["POST"]),
                Route("/healthz", healthz),
            ]
        )
        async with application:
            await application.start()
            server = uvicorn.Server(
                uvicorn.Config(app, host="127.0.0.1", port=port, log_level="info")
            )
            await server.serve()
            await application.stop()

    asyncio.run(main())


if __name__ == "__main__" and sys.argv[1:2] == ["echo"]:
    serve_echo_bot(int(sys.argv[2]), sys.argv[3])
