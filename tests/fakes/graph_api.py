"""A fake WhatsApp Cloud (Graph) API: `POST /{version}/{phone_number_id}/messages` over real HTTP.

It answers like Meta does (`{"messages": [{"id": "wamid…"}]}`, Graph-style errors) and enforces
the limits that matter to rendering (3 buttons of 20 characters, 10 list rows of 24, bodies of
1024/4096), so a message the real API would refuse is refused here too. It also builds webhook
notifications shaped like the recorded ones in payloads/whatsapp/, so a test can "tap" a button
or list row of a message the bot really sent.
"""

from __future__ import annotations

import copy
import hashlib
import itertools
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from aiohttp import web

from . import Call, Failure, FakeApi

PAYLOADS = Path(__file__).parent / "payloads" / "whatsapp"
PHONE_NUMBER_ID = "106540352242922"
ACCESS_TOKEN = "EAAGfakeTokenForTestsOnly0123456789"
APP_SECRET = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
VERIFY_TOKEN = "wipbot-verify-7f3a"


def payload(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((PAYLOADS / f"{name}.json").read_text(encoding="utf-8"))
    return data


@dataclass(frozen=True)
class SentMessage:
    """One message the bot sent, as Meta received it."""

    id: str
    to: str
    body: dict[str, Any]

    @property
    def kind(self) -> str:
        return str(self.body["type"])

    @property
    def interactive_type(self) -> str | None:
        return self.body["interactive"]["type"] if self.kind == "interactive" else None

    @property
    def text(self) -> str:
        if self.kind == "text":
            return str(self.body["text"]["body"])
        if self.kind == "interactive":
            return str(self.body["interactive"]["body"]["text"])
        return ""

    @property
    def options(self) -> list[dict[str, str]]:
        """Buttons or list rows as {"id", "title"[, "description"]}, in order."""
        if self.kind != "interactive":
            return []
        action = self.body["interactive"]["action"]
        if self.interactive_type == "button":
            return [b["reply"] for b in action["buttons"]]
        return [row for section in action["sections"] for row in section["rows"]]

    def option(self, key: str) -> dict[str, str]:
        """The button or row with id `key`, else the one titled (or described) `key`."""
        for option in self.options:
            if option["id"] == key:
                return option
        for option in self.options:
            if key in (option["title"], option.get("description")):
                return option
        raise KeyError(f"no option {key!r} in {[o['id'] for o in self.options]}")


class FakeGraphApi(FakeApi):
    def __init__(
        self, phone_number_id: str = PHONE_NUMBER_ID, access_token: str = ACCESS_TOKEN
    ) -> None:
        super().__init__()
        self.phone_number_id = phone_number_id
        self.access_token = access_token
        self.sent: list[SentMessage] = []
        self._ids = itertools.count(1)
        self._inbound_ids = itertools.count(1)
        self._scripted: dict[int, int] = {}
        self.media: dict[str, tuple[str, bytes]] = {}
        """media id -> (mime type, bytes): what users sent, behind the media endpoint."""
        self.answer_ids: list[str] = []
        """Ids the next sends are answered with, in order, instead of `wamid.OUT…`: what no
        column can keep (a very long id, a NUL), to show it is not kept."""

    def routes(self) -> list[web.RouteDef]:
        return [
            web.post("/{version}/{phone_number_id}/messages", self._messages),
            web.get("/_media/{media_id}", self._media_download),
            web.get("/{version}/{media_id}", self._media_url),
        ]

    def put_media(self, media_id: str, content: bytes, mime_type: str = "image/jpeg") -> None:
        self.media[media_id] = (mime_type, content)

    def fail_after(self, successes: int, status: int) -> None:
        """Let the next `successes` messages through, then answer one with `status`."""
        self._scripted[len(self.calls_to("messages")) + successes + 1] = status

    # -- what the bot sent ---------------------------------------------------------------------

    def messages(self, to: str) -> list[SentMessage]:
        return [m for m in self.sent if m.to == to]

    def last_message(self, to: str) -> SentMessage:
        return self.messages(to)[-1]

    def last_interactive(self, to: str) -> SentMessage:
        return [m for m in self.messages(to) if m.kind == "interactive"][-1]

    # -- webhook notifications as Meta would deliver them ---------------------------------------

    def text_notification(self, wa_id: str, text: str, *, at: datetime) -> dict[str, Any]:
        notification = payload("message_text")
        message = self._message(notification, wa_id, at)
        message["text"]["body"] = text
        return notification

    def tap_notification(
        self, wa_id: str, sent: SentMessage, key: str, *, at: datetime
    ) -> dict[str, Any]:
        """A tap on the button or list row `key` (id or title) of a message the bot sent."""
        option = sent.option(key)
        if sent.interactive_type == "button":
            notification = payload("message_button_reply")
            reply_key = "button_reply"
        else:
            notification = payload("message_list_reply")
            reply_key = "list_reply"
        message = self._message(notification, wa_id, at)
        message["context"]["id"] = sent.id
        message["interactive"][reply_key] = dict(option)
        return notification

    def image_notification(
        self, wa_id: str, media_id: str, *, at: datetime, caption: str | None = None
    ) -> dict[str, Any]:
        notification = payload("message_image")
        message = self._message(notification, wa_id, at)
        message["image"]["id"] = media_id
        if caption is None:
            message["image"].pop("caption")
        else:
            message["image"]["caption"] = caption
        return notification

    def template_button_notification(
        self, wa_id: str, sent: SentMessage, *, at: datetime
    ) -> dict[str, Any]:
        notification = payload("message_template_button")
        message = self._message(notification, wa_id, at)
        message["context"]["id"] = sent.id
        return notification

    def status_notification(
        self, sent: SentMessage, status: str, *, at: datetime
    ) -> dict[str, Any]:
        notification = payload("status_failed" if status == "failed" else "status_delivered")
        entry = _value(notification)["statuses"][0]
        entry.update(id=sent.id, status=status, recipient_id=sent.to)
        entry["timestamp"] = str(int(at.timestamp()))
        return notification

    def _message(self, notification: dict[str, Any], wa_id: str, at: datetime) -> dict[str, Any]:
        value = _value(notification)
        value["metadata"]["phone_number_id"] = self.phone_number_id
        value["contacts"][0]["wa_id"] = wa_id
        message: dict[str, Any] = value["messages"][0]
        message["from"] = wa_id
        message["id"] = f"wamid.IN{next(self._inbound_ids):08d}{wa_id}"
        message["timestamp"] = str(int(at.timestamp()))
        return message

    # -- the Graph API -----------------------------------------------------------------------------

    async def _media_url(self, request: web.Request) -> web.Response:
        """GET /{version}/{media_id}: a download URL (Meta's lasts 5 minutes) and the type."""
        media_id = request.match_info["media_id"]
        await self.record(Call("media", {"id": media_id}, dict(request.headers)))
        if request.headers.get("Authorization") != f"Bearer {self.access_token}":
            return _error(401, 190, "Invalid OAuth access token - Cannot parse access token")
        failure = self.take_failure("media")
        if failure is not None:
            return _failure(failure)
        if media_id not in self.media:
            return _error(400, 100, "(#100) Invalid parameter")
        mime_type, content = self.media[media_id]
        return web.json_response(
            {
                "messaging_product": "whatsapp",
                "url": f"{self.url}/_media/{media_id}",
                "mime_type": mime_type,
                "sha256": hashlib.sha256(content).hexdigest(),
                "file_size": len(content),
                "id": media_id,
            }
        )

    async def _media_download(self, request: web.Request) -> web.Response:
        """The download itself: the same bearer token, served as octet-stream like Meta's CDN."""
        media_id = request.match_info["media_id"]
        await self.record(Call("media_download", {"id": media_id}, dict(request.headers)))
        if request.headers.get("Authorization") != f"Bearer {self.access_token}":
            return _error(401, 190, "Invalid OAuth access token - Cannot parse access token")
        failure = self.take_failure("media_download")
        if failure is not None:
            return _failure(failure)
        if media_id not in self.media:
            return _error(404, 100, "(#100) Media not found")
        return web.Response(body=self.media[media_id][1], content_type="application/octet-stream")

    async def _messages(self, request: web.Request) -> web.Response:
        body: dict[str, Any] = await request.json()
        await self.record(Call("messages", copy.deepcopy(body), dict(request.headers)))
        if request.headers.get("Authorization") != f"Bearer {self.access_token}":
            return _error(401, 190, "Invalid OAuth access token - Cannot parse access token")
        if request.match_info["phone_number_id"] != self.phone_number_id:
            return _error(400, 100, "Unsupported post request. Object does not exist")
        failure = self.take_failure("messages")
        scripted = self._scripted.pop(len(self.calls_to("messages")), None)
        if failure is None and scripted is not None:
            failure = Failure(scripted)
        if failure is not None:
            return _failure(failure)
        problem = refusal(body)
        if problem:
            return _error(400, 131009, "(#131009) Parameter value is not valid", details=problem)
        given = self.answer_ids.pop(0) if self.answer_ids else None
        message = SentMessage(given or f"wamid.OUT{next(self._ids):08d}", str(body["to"]), body)
        self.sent.append(message)
        await self.delay_answer("messages")
        return web.json_response(
            {
                "messaging_product": "whatsapp",
                "contacts": [{"input": message.to, "wa_id": message.to}],
                "messages": [{"id": message.id}],
            }
        )


def _value(notification: dict[str, Any]) -> dict[str, Any]:
    value: dict[str, Any] = notification["entry"][0]["changes"][0]["value"]
    return value


def refusal(body: dict[str, Any]) -> str | None:
    """What Meta would refuse in this message, or None."""
    if body.get("messaging_product") != "whatsapp" or not body.get("to"):
        return "messaging_product and to are required"
    kind = body.get("type")
    if kind == "text":
        text = body["text"]["body"]
        return None if 0 < len(text) <= 4096 else "text body must be 1-4096 characters"
    if kind == "template":
        template = body["template"]
        ok = template.get("name") and template.get("language", {}).get("code")
        return None if ok else "template name and language code are required"
    if kind == "interactive":
        return _invalid_interactive(body["interactive"])
    return f"unsupported type {kind!r}"


def _invalid_interactive(interactive: dict[str, Any]) -> str | None:
    text = interactive.get("body", {}).get("text", "")
    if not 0 < len(text) <= 1024:
        return "interactive body must be 1-1024 characters"
    action = interactive["action"]
    if interactive["type"] == "button":
        buttons = action["buttons"]
        titles = [b["reply"]["title"] for b in buttons]
        ids = [b["reply"]["id"] for b in buttons]
        if not 1 <= len(buttons) <= 3:
            return "1-3 buttons"
        if any(not 0 < len(t) <= 20 for t in titles) or len(set(titles)) != len(titles):
            return "button titles must be unique, 1-20 characters"
        if any(not 0 < len(i) <= 256 for i in ids) or len(set(ids)) != len(ids):
            return "button ids must be unique, 1-256 characters"
        return None
    if interactive["type"] == "list":
        if not 0 < len(action.get("button", "")) <= 20:
            return "list button text must be 1-20 characters"
        rows = [row for section in action["sections"] for row in section["rows"]]
        if not 1 <= len(rows) <= 10:
            return "1-10 rows"
        if any(not 0 < len(r["title"]) <= 24 for r in rows):
            return "row titles must be 1-24 characters"
        if any(len(r.get("description", "")) > 72 for r in rows):
            return "row descriptions must be at most 72 characters"
        ids = [r["id"] for r in rows]
        if any(not 0 < len(i) <= 200 for i in ids) or len(set(ids)) != len(ids):
            return "row ids must be unique, 1-200 characters"
        if any(len(s.get("title", "")) > 24 for s in action["sections"]):
            return "section titles must be at most 24 characters"
        return None
    return f"unsupported interactive type {interactive['type']!r}"


def _error(status: int, code: int, message: str, *, details: str | None = None) -> web.Response:
    error: dict[str, Any] = {
        "message": message,
        "type": "OAuthException",
        "code": code,
        "fbtrace_id": "AbCdEfGhIjKlMnOpQrStUv",
    }
    if details:
        error["error_data"] = {"messaging_product": "whatsapp", "details": details}
    return web.json_response({"error": error}, status=status)


def _failure(failure: Failure) -> web.Response:
    if failure.status == 429:
        response = _error(429, 130429, "(#130429) Rate limit hit")
        if failure.retry_after is not None:
            response.headers["Retry-After"] = str(failure.retry_after)
        return response
    if failure.status >= 500:
        return _error(failure.status, 131000, failure.description or "Something went wrong")
    return _error(failure.status, 100, failure.description or "(#100) Invalid parameter")
