"""`/whatsapp/webhook`: Meta's subscription handshake (GET) and its notifications (POST).

A POST is believed only after its X-Hub-Signature-256 matches the raw body; anything else gets
401 before a byte is parsed or written. Each message is handled in its own transaction with its
replies enqueued in the same one, so a failure writes nothing and Meta's retry (it retries any
answer but 200) is handled afresh, while the messages already handled are recognised by their id.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from wipbot.handlers.factory_chat import contact_for_chat, handle_inbound
from wipbot.handlers.messages import Inbound, Reply, reply_to_payload
from wipbot.store.db import transaction
from wipbot.store.inbound import first_delivery
from wipbot.store.models import OutboxMessage
from wipbot.store.outbox import enqueue

from ..channel import ChannelContext
from .notifications import PLATFORM, Notification, parse_notification
from .render import MorePage, parse_more
from .signature import SIGNATURE_HEADER, valid_signature, verification_challenge
from .statuses import record_statuses

WEBHOOK_PATH = "/whatsapp/webhook"

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
            data = json.loads(body)
        except ValueError:
            return PlainTextResponse("invalid JSON", status_code=400)
        notification = parse_notification(
            data, phone_number_id=settings.whatsapp_phone_number_id, now=ctx.clock()
        )
        ok = await handle_notification(ctx, notification)
        return PlainTextResponse("ok" if ok else "retry", status_code=200 if ok else 500)

    return [Route(WEBHOOK_PATH, webhook, methods=["GET", "POST"])]


async def handle_notification(ctx: ChannelContext, notification: Notification) -> bool:
    """Handle every message and status; False when something failed and Meta should retry."""
    ok = True
    enqueued = 0
    for inbound in notification.messages:
        try:
            enqueued += await handle_message(ctx, inbound)
        except Exception:
            log.exception("whatsapp message %s failed; Meta will retry", inbound.inbound_id)
            ok = False
    if notification.statuses:
        try:
            async with transaction(ctx.session_factory) as session:
                await record_statuses(session, notification.statuses)
        except Exception:
            log.exception("whatsapp statuses failed; Meta will retry")
            ok = False
    if enqueued:
        ctx.wake_sender()
    return ok


async def handle_message(ctx: ChannelContext, inbound: Inbound) -> int:
    """One message in one transaction; returns how many replies it enqueued."""
    now = ctx.clock()
    async with transaction(ctx.session_factory) as session:
        page = parse_more(inbound.choice)
        if page is not None:
            payloads = await next_page(session, inbound, page, now=now)
        else:
            replies = await handle_inbound(session, inbound, now=now)
            payloads = [reply_payload(reply, inbound) for reply in replies]
        for payload in payloads:
            enqueue(session, PLATFORM, inbound.chat_id, payload, not_before=now)
    return len(payloads)


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
