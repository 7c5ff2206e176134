"""`/whatsapp/webhook`: Meta's subscription handshake (GET) and its notifications (POST).

A POST is believed only after its X-Hub-Signature-256 matches the raw body; anything else gets
401 before a byte is parsed or written. Each message is handled in its own transaction with its
replies enqueued in the same one, so a failure writes nothing and Meta's retry (it retries any
answer but 200) is handled afresh, while the messages already handled are recognised by their id.
"""

from __future__ import annotations

import logging
from datetime import datetime
from enum import Enum
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from wipbot.handlers.factory_chat import contact_for_chat, handle_inbound
from wipbot.handlers.inbound_pipeline import Step
from wipbot.handlers.messages import Inbound, Reply, reply_to_payload
from wipbot.store.db import transaction
from wipbot.store.inbound import first_delivery
from wipbot.store.models import OutboxMessage

from ..channel import ChannelContext
from ..request_body import Unreadable, read_json_object
from ..unavailable import is_unavailable
from .notifications import PLATFORM, Notification, parse_notification
from .render import MorePage, parse_more
from .signature import SIGNATURE_HEADER, valid_signature, verification_challenge
from .statuses import record_statuses

WEBHOOK_PATH = "/whatsapp/webhook"
MAX_NOTIFICATION_BYTES = 3 * 1024 * 1024
"""Meta's documented ceiling for one webhook notification (it batches several changes)."""

log = logging.getLogger(__name__)


def webhook_routes(ctx: ChannelContext) -> list[BaseRoute]:
    settings = ctx.settings

    async def webhook(request: Request) -> Response:
        if request.method == "GET":
            return verify(request)
        return await receive(request)

    def verify(request: Request) -> Response:
        token = settings.whatsapp_verify_token
        if token is None:
            return PlainTextResponse("verification is not configured", status_code=403)
        challenge = verification_challenge(request.query_params, token.get_secret_value())
        if challenge is None:
            return PlainTextResponse("forbidden", status_code=403)
        return PlainTextResponse(challenge)

    async def receive(request: Request) -> Response:
        body = await request.body()
        secret = settings.whatsapp_app_secret
        header = request.headers.get(SIGNATURE_HEADER)
        if secret is None or not valid_signature(secret.get_secret_value(), body, header):
            return PlainTextResponse("invalid signature", status_code=401)
        try:
            data = read_json_object(body)
            notification = parse_notification(
                data, phone_number_id=settings.whatsapp_phone_number_id, now=ctx.clock()
            )
        except Unreadable as error:
            return PlainTextResponse(str(error), status_code=400)
        except Exception as error:  # a shape Meta never sends: refuse it, do not retry it
            log.info("whatsapp: unreadable notification (%s)", type(error).__name__)
            return PlainTextResponse("not a WhatsApp notification", status_code=400)
        outcome = await handle_notification(ctx, notification)
        if outcome is Outcome.OK:
            return PlainTextResponse("ok")
        if outcome is Outcome.LATER:
            return PlainTextResponse("retry", status_code=503, headers={"Retry-After": "5"})
        return PlainTextResponse("retry", status_code=500)

    return [Route(WEBHOOK_PATH, webhook, methods=["GET", "POST"])]


class Outcome(Enum):
    OK = "ok"
    LATER = "later"
    """Refused for now (saturated, database unreachable): nothing written, Meta retries."""
    FAILED = "failed"


async def handle_notification(ctx: ChannelContext, notification: Notification) -> Outcome:
    """Handle every message and status; anything but OK asks Meta to deliver it again (the
    messages already handled are then recognised by their id)."""
    errors: list[Exception] = []
    for inbound in notification.messages:
        try:
            await handle_message(ctx, inbound)
        except Exception as error:
            errors.append(error)
            _log_failure(f"message {inbound.inbound_id}", error)
    if notification.statuses:
        try:
            async with transaction(ctx.session_factory) as session:
                await record_statuses(session, notification.statuses)
        except Exception as error:
            errors.append(error)
            _log_failure("statuses", error)
    if not errors:
        return Outcome.OK
    return Outcome.LATER if all(is_unavailable(e) for e in errors) else Outcome.FAILED


def _log_failure(what: str, error: Exception) -> None:
    if is_unavailable(error):
        log.warning("whatsapp %s refused for now (%s); Meta will retry", what, error)
    else:
        log.error("whatsapp %s failed; Meta will retry", what, exc_info=error)


async def handle_message(ctx: ChannelContext, inbound: Inbound) -> int:
    """One message through the shared inbound pipeline; returns how many replies it enqueued."""

    async def work(session: AsyncSession, now: datetime) -> Step[int]:
        page = parse_more(inbound.choice)
        if page is not None:
            payloads = await next_page(session, inbound, page, now=now)
        else:
            replies = await handle_inbound(session, inbound, now=now)
            payloads = [reply_payload(reply, inbound) for reply in replies]
        return Step(len(payloads), payloads)

    return await ctx.inbound.run(PLATFORM, inbound.chat_id, work)


def reply_payload(reply: Reply, inbound: Inbound) -> dict[str, Any]:
    """A reply answers this inbound: the window it opened lets it out free-form, never later as a
    template (an answer that comes a day late would only confuse)."""
    return reply_to_payload(reply) | {
        "template": None,
        "in_reply_to_at": inbound.received_at.isoformat(),
    }


async def next_page(
    session: AsyncSession, inbound: Inbound, page: MorePage, *, now: datetime
) -> list[dict[str, Any]]:
    """The options after "More…": the outbox row named in the row id still holds them all."""
    if not await first_delivery(session, PLATFORM, inbound.inbound_id):
        return []
    contact = await contact_for_chat(session, PLATFORM, inbound.chat_id)
    if contact is None:
        return []
    contact.last_inbound_at = now
    shown = await session.get(OutboxMessage, page.message_id)
    if shown is None or shown.platform != PLATFORM or shown.chat_id != inbound.chat_id:
        return []
    if page.offset >= len(shown.payload.get("buttons", [])):
        return []
    return [
        dict(shown.payload)
        | {
            "template": None,
            "in_reply_to_at": inbound.received_at.isoformat(),
            "page_offset": page.offset,
        }
    ]
