"""A fake Slack Web API: `/api/<method>` over real HTTP, answering like Slack does.

It keeps each channel's messages (updates applied, thread replies marked), ephemeral messages,
opened modals, published Home views and posts to `response_url`s (`/respond/<id>`), so a test
can read what a user would now see. Failures are scripted per method: 429 with `Retry-After`,
a 5xx, or an `ok: false` error such as `channel_not_found`.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from . import Call, Failure, FakeApi

BOT_TOKEN = "xoxb-fake-bot-token-for-tests"
SIGNING_SECRET = "fake-signing-secret-for-tests"
TEAM_ID = "T0WIPBOT1"
BOT_USER_ID = "U0WIPBOT"
JSON_FIELDS = frozenset({"blocks", "attachments", "view", "metadata"})


@dataclass
class Message:
    channel: str
    ts: str
    text: str
    blocks: list[dict[str, Any]]
    thread_ts: str | None = None
    updates: int = 0
    history: list[dict[str, Any]] = field(default_factory=list)


class FakeSlackApi(FakeApi):
    def __init__(self, team_id: str = TEAM_ID) -> None:
        super().__init__()
        self.team_id = team_id
        self.messages: list[Message] = []
        self.ephemeral: list[dict[str, Any]] = []
        self.views_opened: list[dict[str, Any]] = []
        self.home_views: dict[str, dict[str, Any]] = {}
        self.responses: list[tuple[str, dict[str, Any]]] = []
        self.hold_responses: asyncio.Event | None = None
        """When set, posts to response_urls wait for it: a slow Slack, to show the ack is not."""
        self.answer_ts: list[str] = []
        """What the next posts answer as their ts, in order, instead of the next one due."""
        self._ts = itertools.count(1)
        self._view_ids = itertools.count(1)

    @property
    def api_url(self) -> str:
        """What SLACK_API_URL is set to."""
        return f"{self.url}/api/"

    def response_url(self, key: str) -> str:
        return f"{self.url}/respond/{key}"

    def routes(self) -> list[web.RouteDef]:
        return [
            web.post("/api/{method}", self._handle),
            web.post("/respond/{key}", self._respond),
        ]

    def fail_next_with_error(self, method: str, error: str, *, times: int = 1) -> None:
        """Answer `ok: false` with this error code, as Slack does for 4xx-like conditions."""
        for _ in range(times):
            self._failures[method].append(Failure(200, description=error))

    def channel_messages(self, channel: str, *, threads: bool = False) -> list[Message]:
        return [
            m for m in self.messages if m.channel == channel and (threads or m.thread_ts is None)
        ]

    def thread(self, channel: str, ts: str) -> list[Message]:
        return [m for m in self.messages if m.channel == channel and m.thread_ts == ts]

    def message(self, channel: str, ts: str) -> Message:
        for m in self.messages:
            if m.channel == channel and m.ts == ts:
                return m
        raise KeyError(f"no message {ts} in {channel}")

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await _params(request)
        await self.record(Call(method, params, dict(request.headers)))
        failure = self.take_failure(method)
        if failure is not None:
            return _failure(failure)
        handler = getattr(self, "_api_" + method.replace(".", "_"), None)
        if handler is None:
            return web.json_response({"ok": False, "error": "unknown_method"})
        if request.headers.get("Authorization") != f"Bearer {BOT_TOKEN}":
            return web.json_response({"ok": False, "error": "invalid_auth"})
        answer = await handler(params)
        await self.delay_answer(method)  # carried out already: a late answer changes nothing
        return web.json_response(answer)

    async def _respond(self, request: web.Request) -> web.Response:
        body = await request.json()
        if self.hold_responses is not None:
            await self.hold_responses.wait()
        self.responses.append((request.match_info["key"], body))
        await self.record(Call("response_url", body, dict(request.headers)))
        return web.Response(text="ok")

    def _next_ts(self) -> str:
        if self.answer_ts:
            return self.answer_ts.pop(0)
        return f"1700000000.{next(self._ts):06d}"

    async def _api_auth_test(self, _: dict[str, Any]) -> dict[str, Any]:
        return {
            "ok": True,
            "url": "https://fake-wipbot.slack.com/",
            "team": "Fake Workspace",
            "user": "wipbot",
            "team_id": self.team_id,
            "user_id": BOT_USER_ID,
            "bot_id": "B0WIPBOT",
            "is_enterprise_install": False,
        }

    async def _api_chat_postMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        message = Message(
            channel=str(params["channel"]),
            ts=self._next_ts(),
            text=str(params.get("text", "")),
            blocks=list(params.get("blocks") or []),
            thread_ts=params.get("thread_ts"),
        )
        self.messages.append(message)
        return {
            "ok": True,
            "channel": message.channel,
            "ts": message.ts,
            "message": {"text": message.text, "blocks": message.blocks, "ts": message.ts},
        }

    async def _api_chat_update(self, params: dict[str, Any]) -> dict[str, Any]:
        try:
            message = self.message(str(params["channel"]), str(params["ts"]))
        except KeyError:
            return {"ok": False, "error": "message_not_found"}
        message.history.append({"text": message.text, "blocks": message.blocks})
        message.text = str(params.get("text", message.text))
        message.blocks = list(params.get("blocks") or [])
        message.updates += 1
        return {"ok": True, "channel": message.channel, "ts": message.ts, "text": message.text}

    async def _api_chat_postEphemeral(self, params: dict[str, Any]) -> dict[str, Any]:
        self.ephemeral.append(params)
        return {"ok": True, "message_ts": self._next_ts()}

    async def _api_views_open(self, params: dict[str, Any]) -> dict[str, Any]:
        view = {**params["view"], "id": f"V{next(self._view_ids):08d}"}
        self.views_opened.append({**params, "view": view})
        return {"ok": True, "view": view}

    async def _api_views_publish(self, params: dict[str, Any]) -> dict[str, Any]:
        view = {**params["view"], "id": f"V{next(self._view_ids):08d}"}
        self.home_views[str(params["user_id"])] = view
        return {"ok": True, "view": view}


async def _params(request: web.Request) -> dict[str, Any]:
    """slack_sdk sends JSON for some methods and a form for others; blocks arrive as JSON text."""
    if request.content_type == "application/json":
        data: dict[str, Any] = await request.json()
    else:
        data = dict(await request.post())
    for key in JSON_FIELDS & data.keys():
        if isinstance(data[key], str):
            data[key] = json.loads(data[key])
    return data


def _failure(failure: Failure) -> web.Response:
    if failure.status == 429:
        wait = failure.retry_after or 1
        return web.json_response(
            {"ok": False, "error": "ratelimited"}, status=429, headers={"Retry-After": str(wait)}
        )
    if failure.status == 200:
        return web.json_response({"ok": False, "error": failure.description})
    return web.Response(status=failure.status, text="upstream request failed")
