"""`wipbot run` as a user starts it, against fake platforms that can answer anything at all.

The hostile-input campaign's harness: the fakes of tests/fakes, plus a script of raw answers per
method (a 429 whose Retry-After is "soon", a 200 whose body is not what the platform sends), so
the child process's real transports and sender meet exactly what a broken or hostile platform
would send them.
"""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict, deque
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
from aiohttp import web

from tests.fakes import Call
from tests.fakes.graph_api import (
    ACCESS_TOKEN,
    APP_SECRET,
    PHONE_NUMBER_ID,
    VERIFY_TOKEN,
    FakeGraphApi,
)
from tests.fakes.slack_api import BOT_TOKEN, SIGNING_SECRET, FakeSlackApi
from tests.fakes.telegram_api import TOKEN, FakeTelegramApi
from tests.test_end_to_end import (
    Wipbot,
    child_environment,
    cli,
    free_port,
    prepare_database,
    wipbot_command,
)

TELEGRAM_SECRET = "campaign-Webhook_secret-0123456789"
Answer = Callable[[], web.Response]


class Scripted:
    """Raw answers queued per method, served before the fake's own."""

    def __init__(self) -> None:
        self.raw: dict[str, deque[Answer]] = defaultdict(deque)

    def script(self, method: str, answer: Answer, *, times: int = 1) -> None:
        self.raw[method].extend([answer] * times)

    def take(self, method: str) -> Answer | None:
        queue = self.raw.get(method)
        return queue.popleft() if queue else None


class ScriptedTelegram(FakeTelegramApi):
    def __init__(self) -> None:
        super().__init__()
        self.scripted = Scripted()

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["path"].partition("/")[2]
        answer = self.scripted.take(method)
        if answer is None:
            return await super()._handle(request)
        await self.record(Call(method, dict(await request.post())))
        return answer()


class ScriptedSlack(FakeSlackApi):
    def __init__(self, team_id: str) -> None:
        super().__init__(team_id=team_id)
        self.scripted = Scripted()

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        answer = self.scripted.take(method)
        if answer is None:
            return await super()._handle(request)
        await self.record(Call(method, {}))
        return answer()


class ScriptedGraph(FakeGraphApi):
    def __init__(self) -> None:
        super().__init__()
        self.scripted = Scripted()

    async def _messages(self, request: web.Request) -> web.Response:
        answer = self.scripted.take("messages")
        if answer is None:
            return await super()._messages(request)
        await self.record(Call("messages", await request.json()))
        return answer()


def json_answer(status: int, body: Any, headers: dict[str, str] | None = None) -> Answer:
    return lambda: web.Response(
        status=status, text=json.dumps(body), content_type="application/json", headers=headers
    )


class Campaign(Wipbot):
    """The running process with the scripted fakes and its working directory."""

    home: Path
    env: dict[str, str]

    async def outbox(self) -> list[dict[str, Any]]:
        """`wipbot outbox --all --json`, as an operator reads it."""
        printed = await cli(self.env, self.home, "outbox", "--all", "--json")
        rows: list[dict[str, Any]] = json.loads(printed)
        return rows


@asynccontextmanager
async def running_wipbot(home: Path, **settings: str) -> AsyncIterator[Campaign]:
    """Data imported through the CLI, then `wipbot run` with every channel on."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    database = {"DATABASE_URL": f"sqlite+aiosqlite:///{home / 'wipbot.db'}"}
    invite_code = await prepare_database(child_environment(database), home)
    async with (
        ScriptedTelegram() as telegram,
        ScriptedSlack(team_id="T0NORTHWIND") as slack,
        ScriptedGraph() as graph,
        httpx.AsyncClient(timeout=10) as http,
    ):
        env = child_environment(
            {
                **database,
                "WIPBOT_HOST": "127.0.0.1",
                "WIPBOT_PORT": str(port),
                "WIPBOT_PUBLIC_URL": url,
                "TELEGRAM_BOT_TOKEN": TOKEN,
                "TELEGRAM_WEBHOOK_SECRET": TELEGRAM_SECRET,
                "TELEGRAM_API_URL": telegram.api_url,
                "SLACK_BOT_TOKEN": BOT_TOKEN,
                "SLACK_SIGNING_SECRET": SIGNING_SECRET,
                "SLACK_API_URL": slack.api_url,
                "WHATSAPP_ACCESS_TOKEN": ACCESS_TOKEN,
                "WHATSAPP_PHONE_NUMBER_ID": PHONE_NUMBER_ID,
                "WHATSAPP_APP_SECRET": APP_SECRET,
                "WHATSAPP_VERIFY_TOKEN": VERIFY_TOKEN,
                "WHATSAPP_API_URL": graph.url,
                **settings,
            }
        )
        process = await asyncio.create_subprocess_exec(
            *wipbot_command(),
            "run",
            env=env,
            cwd=home,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        running = Campaign(process, url, http, telegram, slack, graph, invite_code)
        running.home, running.env = home, env
        running.start_reading()
        try:
            await running.wait_until_healthy()
            yield running
        finally:
            await running.stop()
