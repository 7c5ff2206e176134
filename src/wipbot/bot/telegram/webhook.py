"""`POST /telegram/webhook`: only Telegram knows the secret; 200 only once the update is handled,
so that Telegram delivers again whatever failed."""

from __future__ import annotations

import hmac
import json
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from telegram import Update
from telegram.ext import Application

from .listeners import failures

PATH = "/telegram/webhook"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def secret_matches(given: str | None, expected: str) -> bool:
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())


def webhook_route(application: Application[Any, Any, Any, Any, Any, Any], secret: str) -> Route:
    async def telegram_webhook(request: Request) -> Response:
        if not secret_matches(request.headers.get(SECRET_HEADER), secret):
            return Response(status_code=401)
        try:
            update = Update.de_json(json.loads(await request.body()), application.bot)
        except (ValueError, TypeError, KeyError, AttributeError):
            return Response("not a Telegram update", status_code=400)
        seen: list[BaseException] = []
        token = failures.set(seen)
        try:
            await application.process_update(update)
        finally:
            failures.reset(token)
        return Response(status_code=500 if seen else 200)

    return Route(PATH, telegram_webhook, methods=["POST"])
