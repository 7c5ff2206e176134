"""The door of /slack/events: Bolt is handed only requests that are signed, readable and shaped.

Bolt trusts a signed body: a `team` that is a string, an `event` that is null or bytes that
are not UTF-8 end in an exception and a 500. Slack never sends such a body, so one that
arrives is refused here with a 4xx, before anything is read or written.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from wipbot.store.fitting import UNSTORABLE

MAX_AGE_SECONDS = 300
TIMESTAMP = re.compile(r"[0-9]{1,12}")
SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")


def signature_valid(
    secret: str, body: bytes, timestamp: str | None, signature: str | None, now: float
) -> bool:
    """Slack's v0 signature over the raw bytes, within five minutes; malformed headers fail."""
    if not timestamp or not signature or not secret:
        return False
    if not TIMESTAMP.fullmatch(timestamp) or not SIGNATURE.fullmatch(signature):
        return False
    if abs(now - int(timestamp)) > MAX_AGE_SECONDS:
        return False
    base = b"v0:" + timestamp.encode() + b":" + body
    expected = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature)


def parse_body(text: str, content_type: str | None) -> dict[str, Any] | None:
    """The body as Bolt will read it (JSON, a form, or a form with a JSON `payload`); None when
    it does not read as an object."""
    try:
        if not text:
            return {}
        if content_type == "application/json" or text.startswith("{"):
            parsed: Any = json.loads(text)
        elif "payload" in text:
            form = dict(parse_qsl(text, keep_blank_values=True))
            payload = form.get("payload")
            parsed = {} if payload is None else json.loads(payload)
        else:
            parsed = dict(parse_qsl(text, keep_blank_values=True))
    except (ValueError, RecursionError):
        return None
    return parsed if isinstance(parsed, dict) else None


@dataclass(frozen=True)
class Shape:
    """What a value must be: one of `types`; a dict's known keys checked by `fields`."""

    types: tuple[type, ...]
    fields: Mapping[str, Shape] | None = None
    items: Shape | None = None
    nullable: bool = False
    max_length: int | None = None

    def fits(self, value: Any) -> bool:
        if value is None:
            return self.nullable
        if not isinstance(value, self.types):
            return False
        if isinstance(value, str) and self.max_length is not None:
            return len(value) <= self.max_length
        if isinstance(value, bool) and bool not in self.types:
            return False
        if isinstance(value, dict) and self.fields is not None:
            return all(
                key not in value or shape.fits(value[key]) for key, shape in self.fields.items()
            )
        if isinstance(value, list) and self.items is not None:
            return all(self.items.fits(item) for item in value)
        return True


TEXT = Shape((str,))
OPTIONAL_TEXT = Shape((str,), nullable=True)
SLACK_ID_LENGTH = 32
"""The width of the columns Slack ids are kept in (a brand's team, a member, a digest's
channel); Slack's own are about 11 characters. A longer one failed the insert on PostgreSQL."""
OPTIONAL_ID = Shape((str,), nullable=True, max_length=SLACK_ID_LENGTH)
FLAG = Shape((bool, str), nullable=True)


def _obj(fields: Mapping[str, Shape], *, nullable: bool = False) -> Shape:
    return Shape((dict,), fields, nullable=nullable)


def _text_or_obj(fields: Mapping[str, Shape]) -> Shape:
    return Shape((str, dict), fields, nullable=True, max_length=SLACK_ID_LENGTH)


_IDS = {"id": OPTIONAL_ID, "team_id": OPTIONAL_ID, "enterprise_id": OPTIONAL_ID}
_ID_HOLDER = _text_or_obj(_IDS)
_FIELDS: dict[str, Shape] = {}
_PAYLOAD = _obj(_FIELDS)
"""Bolt reads the same fields again inside `authorizations[0]`, `event`, `message` and so on,
so one recursive shape serves the body and every object nested in it."""
_FIELDS.update(
    {name: OPTIONAL_ID for name in ("team_id", "user_id", "channel_id", "enterprise_id")}
)
_FIELDS.update(
    {
        name: OPTIONAL_TEXT
        for name in (
            "context_team_id",
            "context_enterprise_id",
            "api_app_id",
            "thread_ts",
            "function_execution_id",
            "bot_access_token",
            "subtype",
            "user_team",
            "bot_id",
            "tab",
            "ts",
            "channel_type",
            "execution_id",
            "app_installed_team_id",
        )
    }
)
_FIELDS.update(
    {
        name: TEXT
        for name in (
            "type",
            "token",
            "command",
            "text",
            "trigger_id",
            "response_url",
            "event_id",
            "challenge",
            "callback_id",
            "id",
            "private_metadata",
            "hash",
            "action_id",
            "block_id",
            "value",
            "action_ts",
            "message_ts",
            "view_id",
        )
    }
)
_FIELDS.update(
    {
        "is_enterprise_install": FLAG,
        "is_ext_shared_channel": FLAG,
        "team": _ID_HOLDER,
        "user": _ID_HOLDER,
        "channel": _ID_HOLDER,
        "enterprise": _ID_HOLDER,
        "authorizations": Shape((list,), items=_PAYLOAD, nullable=True),
        "actions": Shape((list,), items=_PAYLOAD),
        "container": _PAYLOAD,
        "message": _PAYLOAD,
        "previous_message": _PAYLOAD,
        "item": _PAYLOAD,
        "view": _PAYLOAD,
        "event": _PAYLOAD,
        "function_data": _PAYLOAD,
        "assistant_thread": _PAYLOAD,
        "inputs": Shape((dict,)),
        "state": _obj({"values": Shape((dict,))}),
    }
)
_URL = re.compile(r"https?://\S+")


def _storable(value: Any) -> bool:
    """No NUL or unpaired surrogate anywhere: no one can type them in Slack, and PostgreSQL
    refuses both in a query's text (`/po PO-1\x00` failed the lookup instead of finding no such
    PO). Refused here rather than replaced, as the chat webhooks do: Slack never sends them."""
    if isinstance(value, str):
        return UNSTORABLE.search(value) is None
    if isinstance(value, dict):
        return all(_storable(key) and _storable(item) for key, item in value.items())
    if isinstance(value, list):
        return all(_storable(item) for item in value)
    return True


def well_formed(body: dict[str, Any]) -> bool:
    """Every field Bolt or a listener reads has the type Slack gives it, and what a kind of
    request needs is there: an action, a view, an event, the command's user and reply URL; and
    no text holds a character the database cannot take."""
    try:
        if not _PAYLOAD.fits(body) or not _storable(body):
            return False
    except RecursionError:
        return False
    kind = body.get("type")
    if "response_url" in body and not _URL.fullmatch(body["response_url"]):
        return False  # the answer would go nowhere, and saying so fails as well
    if "command" in body:
        return all(isinstance(body.get(k), str) for k in ("user_id", "text")) and bool(
            _URL.fullmatch(body.get("response_url") or "")
        )
    if kind == "block_actions":
        actions = body.get("actions")
        return (
            isinstance(actions, list)
            and bool(actions)
            and _user_id(body) is not None
            and "action_id" in actions[0]
            and not isinstance(body.get("channel"), str)  # an object in every block action
            and ("response_url" in body or _container_type(body) == "view")
        )
    if kind in {"view_submission", "view_closed"}:
        view = body.get("view")
        return (
            isinstance(view, dict)
            and {"callback_id", "type"} <= view.keys()
            and _user_id(body) is not None
        )
    if kind == "event_callback":
        event = body.get("event")
        if not isinstance(event, dict) or "type" not in event:
            return False
        # The Home tab is published to the user who opened it: Slack always names them.
        return event["type"] != "app_home_opened" or isinstance(event.get("user"), str)
    return True


def _container_type(body: dict[str, Any]) -> object:
    """A button in a message comes with the URL its answer goes to; one in a modal or the Home
    tab (a "view") has none, and answers otherwise."""
    container = body.get("container")
    return container.get("type") if isinstance(container, dict) else None


def _user_id(body: dict[str, Any]) -> str | None:
    user = body.get("user")
    return user.get("id") if isinstance(user, dict) else None


async def refusal(request: Request, secret: str, now: float) -> Response | None:
    """401 for a bad signature, 400 for a body Slack would never send; None to let it in."""
    body = await request.body()
    headers = request.headers
    stamp, signature = headers.get("x-slack-request-timestamp"), headers.get("x-slack-signature")
    if not signature_valid(secret, body, stamp, signature, now):
        return PlainTextResponse("invalid signature", status_code=401)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return PlainTextResponse("body is not UTF-8", status_code=400)
    content_type = (headers.get("content-type") or "").split(";")[0] or None
    parsed = parse_body(text, content_type)
    if parsed is None or not well_formed(parsed):
        return PlainTextResponse("not a Slack request body", status_code=400)
    return None
