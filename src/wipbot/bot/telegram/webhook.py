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

from ..request_body import Unreadable, clean_object, read_json_object
from ..unavailable import is_unavailable
from .listeners import failures, webhook_reply
from .shape import shape_problem

PATH = "/telegram/webhook"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
RETRY_AFTER_SECONDS = "5"

log = logging.getLogger(__name__)


def secret_matches(given: str | None, expected: str) -> bool:
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())


def checked_update(cleaned: dict[str, Any]) -> dict[str, Any]:
    """The update as handlers may take it (every field we read of its documented type and
    within its column), or Unreadable. `cleaned` has been through `clean_object` (NUL and lone
    surrogates replaced), as `read_json_object` leaves a webhook's body."""
    problem = shape_problem(cleaned)
    if problem is not None:
        raise Unreadable(problem)
    return cleaned


def polled_update(data: Any) -> Any:
    """One update of a getUpdates answer, checked as a webhook's is. Long polling has no 400 to
    answer with: an update Telegram never sends goes on as an empty update of the same id, which
    no handler takes and the next getUpdates confirms (left out, it would be fetched again and
    again). Unchecked, a NUL in a caption made PostgreSQL refuse every confirmation after."""
    if not isinstance(data, dict):
        return data
    try:
        return checked_update(clean_object(data))
    except Unreadable as error:
        update_id = data.get("update_id")
        log.warning("telegram: update %s is none Telegram sends (%s); skipped", update_id, error)
        return {"update_id": update_id}


def read_update(body: bytes, application: Application[Any, Any, Any, Any, Any, Any]) -> Update:
    data = checked_update(read_json_object(body))
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
