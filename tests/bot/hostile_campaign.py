"""`wipbot run` as a user starts it, against fake platforms that can answer anything at all.

The hostile-input campaign's harness: the fakes of tests/fakes, plus a script of raw answers per
method (a 429 whose Retry-After is "soon", a 200 whose body is not what the platform sends), so
the child process's real transports and sender meet exactly what a broken or hostile platform
would send them.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sqlite3
from collections import defaultdict, deque
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
from aiohttp import web

from tests.fakes import Call
from tests.fakes.graph_api import (
    FakeGraphApi,
)
from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.telegram_api import FakeTelegramApi
from tests.test_end_to_end import (
    Wipbot,
    child_environment,
    free_port,
    prepare_database,
    run_environment,
    start_run,
)

TELEGRAM_SECRET = "campaign-Webhook_secret-0123456789"
Answer = Callable[[], web.Response]


class Scripted:
    """Raw answers queued per method, and per chat when given, served before the fake's own."""

    def __init__(self) -> None:
        self.raw: dict[tuple[str, str | None], deque[Answer]] = defaultdict(deque)

    def script(
        self, method: str, answer: Answer, *, times: int = 1, chat: str | None = None
    ) -> None:
        self.raw[method, chat].extend([answer] * times)

    def take(self, method: str, chat: object) -> Answer | None:
        for key in ((method, str(chat)), (method, None)):
            queue = self.raw.get(key)
            if queue:
                return queue.popleft()
        return None


class ScriptedTelegram(FakeTelegramApi):
    def __init__(self) -> None:
        super().__init__()
        self.scripted = Scripted()

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["path"].partition("/")[2]
        params = await _chat_params(request)
        answer = self.scripted.take(method, params.get("chat_id"))
        if answer is None:
            return await super()._handle(request)
        await self.record(Call(method, params))
        return answer()


class ScriptedSlack(FakeSlackApi):
    def __init__(self, team_id: str) -> None:
        super().__init__(team_id=team_id)
        self.scripted = Scripted()

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await _chat_params(request)
        answer = self.scripted.take(method, params.get("channel"))
        if answer is None:
            return await super()._handle(request)
        await self.record(Call(method, params))
        return answer()


class ScriptedGraph(FakeGraphApi):
    def __init__(self) -> None:
        super().__init__()
        self.scripted = Scripted()

    async def _messages(self, request: web.Request) -> web.Response:
        body = await request.json()
        answer = self.scripted.take("messages", body.get("to"))
        if answer is None:
            return await super()._messages(request)
        await self.record(Call("messages", body))
        return answer()


async def _chat_params(request: web.Request) -> dict[str, Any]:
    """What a call names its chat by: JSON or a form (the fake itself reads the body again)."""
    if request.content_type == "application/json":
        body = await request.json()
        return body if isinstance(body, dict) else {}
    if request.content_type == "application/x-www-form-urlencoded":
        return dict(await request.post())
    return {}


def json_answer(status: int, body: Any, headers: dict[str, str] | None = None) -> Answer:
    return lambda: web.Response(
        status=status, text=json.dumps(body), content_type="application/json", headers=headers
    )


class Campaign(Wipbot):
    """The running process with the scripted fakes and its working directory."""

    home: Path
    env: dict[str, str]

    async def outbox(self, chat_id: str | None = None) -> list[dict[str, Any]]:
        """The outbox rows (of one chat), read from the database file as it stands."""
        return await asyncio.to_thread(self._outbox, chat_id)

    def _outbox(self, chat_id: str | None) -> list[dict[str, Any]]:
        query = "SELECT * FROM outbox_message" + (" WHERE chat_id = ?" if chat_id else "")
        with contextlib.closing(sqlite3.connect(self.home / "wipbot.db")) as db:
            db.row_factory = sqlite3.Row
            rows = db.execute(query + " ORDER BY id", (chat_id,) if chat_id else ()).fetchall()
        return [dict(row) for row in rows]


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
        env = run_environment(database, port, telegram, slack, graph, TELEGRAM_SECRET, **settings)
        process = await start_run(env, home)
        running = Campaign(process, url, http, telegram, slack, graph, invite_code)
        running.home, running.env = home, env
        running.start_reading()
        try:
            await running.wait_until_healthy()
            yield running
        finally:
            await running.stop()
