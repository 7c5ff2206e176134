"""A fake Telegram Bot API: `/bot<token>/<method>` over real HTTP, answering like Telegram does.

It keeps each chat's messages (text and inline keyboard, edits applied), queues updates for
getUpdates, and builds updates shaped like the recorded payloads in payloads/telegram/, so a
test can "click" a button of a message the bot really sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import itertools
import json
import sys
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web

from . import Call, Failure, FakeApi

PAYLOADS = Path(__file__).parent / "payloads" / "telegram"
TOKEN = "7000000001:AAFakeTokenForTestsOnly-abcdefghijk"
BOT_USER = {
    "id": 7000000001,
    "is_bot": True,
    "first_name": "wipbot",
    "username": "wipbot_test_bot",
    "can_join_groups": False,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}
JSON_FIELDS = frozenset(
    {"reply_markup", "allowed_updates", "commands", "scope", "entities", "link_preview_options"}
)
LONG_POLL_CAP = 0.5
"""getUpdates waits at most this long for news, whatever timeout the client asks for."""


def payload(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((PAYLOADS / f"{name}.json").read_text(encoding="utf-8"))
    return data


@dataclass(frozen=True)
class User:
    """A Telegram user writing to the bot in a private chat (chat id = user id)."""

    id: int
    first_name: str
    language_code: str | None = "en"
    last_name: str | None = None

    def as_json(self) -> dict[str, Any]:
        user: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            user["last_name"] = self.last_name
        if self.language_code:
            user["language_code"] = self.language_code
        return user

    def chat(self) -> dict[str, Any]:
        return {"id": self.id, "first_name": self.first_name, "type": "private"}


@dataclass
class SentMessage:
    message_id: int
    chat_id: str
    text: str
    reply_markup: dict[str, Any] | None
    date: int
    edits: int = 0

    @property
    def buttons(self) -> list[dict[str, str]]:
        rows = (self.reply_markup or {}).get("inline_keyboard", [])
        return [button for row in rows for button in row]

    @property
    def labels(self) -> list[str]:
        return [button["text"] for button in self.buttons]

    def as_json(self, chat: dict[str, Any]) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": self.message_id,
            "from": BOT_USER,
            "chat": chat,
            "date": self.date,
            "text": self.text,
        }
        if self.reply_markup:
            message["reply_markup"] = self.reply_markup
        if self.edits:
            message["edit_date"] = self.date + self.edits
        return message


@dataclass
class Webhook:
    url: str = ""
    secret_token: str | None = None
    allowed_updates: list[str] = field(default_factory=list)


class FloodLimits:
    """Telegram's limits as a strict reading: at most `per_second` sends in any one second over
    all chats, and at least 1/`per_chat` seconds between two sends to one chat. A send beyond
    either is answered 429 with retry_after, as Telegram does, and counted."""

    def __init__(self, per_second: float, per_chat: float) -> None:
        self.per_second = per_second
        self.per_chat = per_chat
        self.recent: deque[float] = deque()
        self.last_by_chat: dict[str, float] = {}
        self.refused = 0

    def refuse(self, chat_id: str) -> bool:
        now = time.monotonic()
        while self.recent and now - self.recent[0] >= 1.0:
            self.recent.popleft()
        last = self.last_by_chat.get(chat_id)
        if len(self.recent) >= self.per_second or (
            last is not None and now - last < 1.0 / self.per_chat
        ):
            self.refused += 1
            return True
        self.recent.append(now)
        self.last_by_chat[chat_id] = now
        return False


class FakeTelegramApi(FakeApi):
    def __init__(self, token: str = TOKEN, limits: FloodLimits | None = None) -> None:
        super().__init__()
        self.token = token
        self.limits = limits
        self.sent_count = 0
        self.first_sent: float | None = None
        self.last_sent: float | None = None
        self._chat_news: dict[str, asyncio.Event] = {}
        self._listeners: list[asyncio.Queue[bytes]] = []
        self.chats: dict[str, list[SentMessage]] = {}
        self.webhook = Webhook()
        self.commands: dict[str | None, list[dict[str, str]]] = {}
        self.files: dict[str, tuple[str, bytes]] = {}
        """file_id -> (file_path, bytes), served at /file/bot<token>/<file_path>."""
        self._updates: list[dict[str, Any]] = []
        self._new_update = asyncio.Event()
        self._update_ids = itertools.count(900000001)
        self._message_ids = itertools.count(100)
        self._query_ids = itertools.count(4400000000000000001)
        self._date = 1764144000

    @property
    def api_url(self) -> str:
        """What TELEGRAM_API_URL should be: the token gets appended to it."""
        return f"{self.url}/bot"

    def routes(self) -> list[web.RouteDef]:
        return [
            web.get("/_fake/stats", self._stats),
            web.get("/_fake/wait", self._wait),
            web.get("/_fake/events", self._events),
            web.get("/file/{prefix}/{file_path:.*}", self._file),
            web.route("*", "/{path:.*}", self._handle),
        ]

    # -- for benchmarks in another process -----------------------------------------------------

    async def _stats(self, _: web.Request) -> web.Response:
        return web.json_response(
            {
                "sent": self.sent_count,
                "refused": self.limits.refused if self.limits else 0,
                "first": self.first_sent,
                "last": self.last_sent,
            }
        )

    async def _wait(self, request: web.Request) -> web.Response:
        """The chat's newest message once it has more than `after` and, if `button` is given,
        the newest has that button (long poll, 30 s at most; 408 if it never came)."""
        chat_id, after = request.query["chat"], int(request.query["after"])
        button = request.query.get("button")

        def arrived() -> bool:
            messages = self.messages(chat_id)
            if len(messages) <= after:
                return False
            return button is None or button in [b["callback_data"] for b in messages[-1].buttons]

        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(30):
                while not arrived():
                    news = self._chat_news.setdefault(chat_id, asyncio.Event())
                    await news.wait()
        messages = self.messages(chat_id)
        if not arrived():
            return web.json_response({"count": len(messages)}, status=408)
        chat = {"id": int(chat_id), "type": "private"}
        return web.json_response({"count": len(messages), "message": messages[-1].as_json(chat)})

    async def _events(self, request: web.Request) -> web.StreamResponse:
        """Every message sent or edited from now on, one JSON line each ({"chat", "count",
        "message"}), on one long response: a load generator follows hundreds of chats through
        one connection instead of a long poll per chat."""
        response = web.StreamResponse(headers={"Content-Type": "application/x-ndjson"})
        await response.prepare(request)
        queue: asyncio.Queue[bytes] = asyncio.Queue()
        self._listeners.append(queue)
        try:
            while True:
                lines = [await queue.get()]
                while not queue.empty():
                    lines.append(queue.get_nowait())
                await response.write(b"".join(lines))
        finally:
            self._listeners.remove(queue)

    def _announce(self, message: SentMessage) -> None:
        if not self._listeners:
            return
        chat = {"id": int(message.chat_id), "type": "private"}
        count = len(self.messages(message.chat_id))
        event = {"chat": message.chat_id, "count": count, "message": message.as_json(chat)}
        line = json.dumps(event).encode() + b"\n"
        for queue in self._listeners:
            queue.put_nowait(line)

    def put_file(self, file_id: str, content: bytes, *, extension: str = "jpg") -> str:
        """A file a user sent, kept as Telegram keeps it; returns its file_path."""
        path = f"photos/file_{len(self.files)}.{extension}"
        self.files[file_id] = (path, content)
        return path

    async def _file(self, request: web.Request) -> web.Response:
        """File downloads: octet-stream whatever the file, as Telegram serves them."""
        await self.record(Call("file", {"path": request.match_info["file_path"]}))
        if request.match_info["prefix"] != f"bot{self.token}":
            return _error(401, "Unauthorized")
        failure = self.take_failure("file")
        if failure is not None:
            return _failure(failure)
        for path, content in self.files.values():
            if path == request.match_info["file_path"]:
                return web.Response(body=content, content_type="application/octet-stream")
        return _error(404, "Not Found")

    # -- what the bot sent ---------------------------------------------------------------------

    def messages(self, chat_id: int | str) -> list[SentMessage]:
        return self.chats.get(str(chat_id), [])

    def last_message(self, chat_id: int | str) -> SentMessage:
        return self.messages(chat_id)[-1]

    # -- updates as Telegram would deliver them ------------------------------------------------

    def text_update(self, user: User, text: str) -> dict[str, Any]:
        update = payload("message_command" if text.startswith("/") else "message_text")
        message = update["message"]
        message["text"] = text
        message["from"], message["chat"] = user.as_json(), user.chat()
        if text.startswith("/"):
            message["entities"] = [
                {"offset": 0, "length": len(text.split(" ", 1)[0]), "type": "bot_command"}
            ]
        return self._stamp(update)

    def photo_update(self, user: User, caption: str | None = None) -> dict[str, Any]:
        update = payload("message_photo")
        message = update["message"]
        message["from"], message["chat"] = user.as_json(), user.chat()
        if caption is None:
            message.pop("caption")
        else:
            message["caption"] = caption
        return self._stamp(update)

    def click_update(self, user: User, message: SentMessage, *, data: str) -> dict[str, Any]:
        """A tap on the button with callback data `data` of a message the bot sent."""
        if data not in [b["callback_data"] for b in message.buttons]:
            raise AssertionError(f"no button {data!r} on {message.text!r}: {message.buttons}")
        update = payload("callback_query")
        query = update["callback_query"]
        query["id"] = str(next(self._query_ids))
        query["from"] = user.as_json()
        query["message"] = message.as_json(user.chat())
        query["data"] = data
        return self._stamp(update)

    def _stamp(self, update: dict[str, Any]) -> dict[str, Any]:
        update["update_id"] = next(self._update_ids)
        self._date += 1
        if "message" in update:
            update["message"]["message_id"] = next(self._message_ids)
            update["message"]["date"] = self._date
        return update

    def queue_update(self, update: dict[str, Any]) -> None:
        """For long polling: the next getUpdates returns it."""
        self._updates.append(copy.deepcopy(update))
        self._new_update.set()

    async def webhook_answered(self, status: int, content_type: str, body: bytes) -> None:
        """What Telegram does with the bot's answer to a webhook: a 200 whose JSON body names a
        method makes that one call (its result goes nowhere). Anything else in a 200 body is a
        mistake of the bot's, so it fails the test instead of passing silently."""
        if status != 200 or not body:
            return
        if not content_type.startswith("application/json"):
            raise AssertionError(f"webhook answer with a body that is not JSON: {body[:80]!r}")
        params = json.loads(body)
        if not isinstance(params, dict) or not isinstance(params.get("method"), str):
            raise AssertionError(f"webhook answer without a method: {body[:80]!r}")
        method = params.pop("method")
        answer = getattr(self, f"_api_{method}", None)
        if answer is None:
            raise AssertionError(f"webhook answer with an unknown method {method!r}")
        await self.record(Call(method, params, in_webhook_answer=True))
        await answer(params)

    # -- the Bot API ---------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        prefix, _, method = request.match_info["path"].partition("/")
        if prefix != f"bot{self.token}":
            return _error(404 if not prefix.startswith("bot") else 401, "Unauthorized")
        params = await _params(request)
        await self.record(Call(method, params, dict(request.headers)))
        failure = self.take_failure(method)
        if failure is not None:
            return _failure(failure)
        answer = getattr(self, f"_api_{method}", None)
        if answer is None:
            return _error(404, "Not Found: method not found")
        result = await answer(params)
        await self.delay_answer(method)
        if isinstance(result, web.Response):
            return result
        return web.json_response({"ok": True, "result": result})

    async def _api_getMe(self, _: dict[str, Any]) -> Any:
        return BOT_USER

    async def _api_getUpdates(self, params: dict[str, Any]) -> Any:
        offset = int(params.get("offset", 0) or 0)
        if offset:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        timeout = min(float(params.get("timeout", 0) or 0), LONG_POLL_CAP)
        if not self._updates and timeout > 0:
            self._new_update.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._new_update.wait(), timeout)
        limit = int(params.get("limit", 100) or 100)
        return self._updates[:limit]

    async def _api_setWebhook(self, params: dict[str, Any]) -> Any:
        self.webhook = Webhook(
            params["url"], params.get("secret_token"), params.get("allowed_updates", [])
        )
        return True

    async def _api_deleteWebhook(self, params: dict[str, Any]) -> Any:
        self.webhook = Webhook()
        if str(params.get("drop_pending_updates", "")).lower() == "true":
            self._updates.clear()
        return True

    async def _api_getWebhookInfo(self, _: dict[str, Any]) -> Any:
        return {"url": self.webhook.url, "has_custom_certificate": False, "pending_update_count": 0}

    async def _api_setMyCommands(self, params: dict[str, Any]) -> Any:
        self.commands[params.get("language_code")] = params["commands"]
        return True

    async def _api_answerCallbackQuery(self, params: dict[str, Any]) -> Any:
        if not params.get("callback_query_id"):
            return _error(400, "Bad Request: query_id_invalid")
        return True

    async def _api_sendMessage(self, params: dict[str, Any]) -> Any:
        chat_id = str(params["chat_id"])
        text = str(params.get("text", ""))
        if not text.strip():
            return _error(400, "Bad Request: message text is empty")
        if len(text) > 4096:
            return _error(400, "Bad Request: message is too long")
        if self.limits is not None and self.limits.refuse(chat_id):
            return _error(429, "Too Many Requests: retry after 1", retry_after=1)
        self.sent_count += 1
        self.last_sent = time.monotonic()
        self.first_sent = self.first_sent or self.last_sent
        self._date += 1
        message = SentMessage(
            next(self._message_ids), chat_id, text, params.get("reply_markup"), self._date
        )
        self.chats.setdefault(chat_id, []).append(message)
        news = self._chat_news.pop(chat_id, None)
        if news is not None:
            news.set()
        self._announce(message)
        return message.as_json({"id": int(chat_id), "type": "private"})

    async def _api_editMessageText(self, params: dict[str, Any]) -> Any:
        return self._edit(params, text=str(params.get("text", "")))

    async def _api_editMessageReplyMarkup(self, params: dict[str, Any]) -> Any:
        return self._edit(params, text=None)

    async def _api_getFile(self, params: dict[str, Any]) -> Any:
        file_id = params["file_id"]
        if self.files and file_id not in self.files:
            return _error(400, "Bad Request: invalid file_id")
        if file_id in self.files:
            path, content = self.files[file_id]
            return {
                "file_id": file_id,
                "file_unique_id": file_id[-8:],
                "file_size": len(content),
                "file_path": path,
            }
        return {
            "file_id": file_id,
            "file_unique_id": file_id[-8:],
            "file_path": f"photos/{file_id}",
        }

    def _edit(self, params: dict[str, Any], *, text: str | None) -> Any:
        chat_id = str(params["chat_id"])
        found = [m for m in self.messages(chat_id) if m.message_id == int(params["message_id"])]
        if not found:
            return _error(400, "Bad Request: message to edit not found")
        message = found[0]
        markup = params.get("reply_markup")
        new_text = message.text if text is None else text
        if new_text == message.text and markup == message.reply_markup:
            return _error(
                400,
                "Bad Request: message is not modified: specified new message content and reply "
                "markup are exactly the same as a current content and reply markup of the message",
            )
        message.text, message.reply_markup = new_text, markup
        message.edits += 1
        self._announce(message)
        return message.as_json({"id": int(chat_id), "type": "private"})


async def _params(request: web.Request) -> dict[str, Any]:
    if request.content_type == "application/json":
        body: dict[str, Any] = await request.json()
        return body
    form = await request.post() if request.body_exists else request.query
    params: dict[str, Any] = {}
    for key, value in {**request.query, **form}.items():
        text = value if isinstance(value, str) else str(value)
        params[key] = json.loads(text) if key in JSON_FIELDS else text
    return params


def _error(status: int, description: str, **parameters: Any) -> web.Response:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if parameters:
        body["parameters"] = parameters
    return web.json_response(body, status=status)


def _failure(failure: Failure) -> web.Response:
    if failure.status == 429:
        wait = failure.retry_after or 1
        return _error(429, f"Too Many Requests: retry after {wait}", retry_after=wait)
    if failure.description.startswith("<"):  # a proxy's error page, not the Bot API's JSON
        return web.Response(
            text=failure.description, status=failure.status, content_type="text/html"
        )
    return _error(failure.status, failure.description or "Internal Server Error")


async def serve(port_file: str, limits: FloodLimits | None) -> None:
    """Run the fake until killed, writing its port to `port_file` once it listens."""
    async with FakeTelegramApi(limits=limits) as fake:
        await asyncio.to_thread(Path(port_file).write_text, str(fake.port))
        await asyncio.Event().wait()


if __name__ == "__main__":
    # python -m tests.fakes.telegram_api PORT_FILE [PER_SECOND PER_CHAT]: for benchmarks that
    # run the fake in a process of its own.
    rates = [float(a) for a in sys.argv[2:4]]
    asyncio.run(serve(sys.argv[1], FloodLimits(*rates) if rates else None))
