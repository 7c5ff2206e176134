"""`POST /telegram/webhook`: only Telegram knows the secret; 200 only once the update is handled,
so that Telegram delivers again whatever failed.

What is answered how: a handled update 200, its body carrying the one Bot API call Telegram lets a
webhook answer make (answerCallbackQuery for a button press: it costs no request of its own);
a wrong secret 401; a body that is no Telegram update 400 (Telegram never
sends one, so nothing is retried); an update refused because the process is saturated or the
database is unreachable 503 (nothing written: Telegram delivers it again later); an update whose
handling failed otherwise 500 (nothing written either, logged once by the error handler).
"""

from __future__ import annotations

import hmac
import logging
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from telegram import Update
from telegram.ext import Application

from ..request_body import Unreadable, read_json_object
from ..unavailable import is_unavailable
from .listeners import failures, webhook_reply
from .shape import shape_problem

PATH = "/telegram/webhook"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
RETRY_AFTER_SECONDS = "5"

log = logging.getLogger(__name__)


def secret_matches(given: str | None, expected: str) -> bool:
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())


def read_update(body: bytes, application: Application[Any, Any, Any, Any, Any, Any]) -> Update:
    data = read_json_object(body)
    problem = shape_problem(data)
    if problem is not None:
        raise Unreadable(problem)
    try:
        update = Update.de_json(data, application.bot)
    except Exception as error:  # PTB raises whatever the malformed field makes it raise
        raise Unreadable(f"not a Telegram update: {type(error).__name__}") from None
    return update


def webhook_route(application: Application[Any, Any, Any, Any, Any, Any], secret: str) -> Route:
    async def telegram_webhook(request: Request) -> Response:
        if not secret_matches(request.headers.get(SECRET_HEADER), secret):
            return Response(status_code=401)
        try:
            update = read_update(await request.body(), application)
        except Unreadable as error:
            return Response(str(error), status_code=400)
        seen: list[BaseException] = []
        call: dict[str, Any] = {}
        token, reply_token = failures.set(seen), webhook_reply.set(call)
        try:
            await application.process_update(update)
        finally:
            failures.reset(token)
            webhook_reply.reset(reply_token)
        if not seen:
            return JSONResponse(call) if call else Response(status_code=200)
        if all(is_unavailable(error) for error in seen):
            return Response(status_code=503, headers={"Retry-After": RETRY_AFTER_SECONDS})
        return Response(status_code=500)

    return Route(PATH, telegram_webhook, methods=["POST"])
