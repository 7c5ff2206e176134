"""The Telegram channel: a python-telegram-bot Application fed by long polling, or by the web app's
webhook route when the bot has a public URL."""

from __future__ import annotations

import logging
import re
from typing import Any

from telegram import Bot
from telegram.ext import Application
from telegram.request import HTTPXRequest

from wipbot.bot.channel import Channel, ChannelContext
from wipbot.bot.config import TELEGRAM_SEND_TIMEOUT_SECONDS, ConfigError

from .commands import register_commands
from .dispatch import Dispatcher
from .listeners import ALLOWED_UPDATES, listeners, on_error
from .sender_request import AiohttpRequest, parse_answer
from .transport import PLATFORM, TelegramTransport
from .webhook import PATH, polled_update, webhook_route

log = logging.getLogger(__name__)

TelegramApplication = Application[Any, Any, Any, Any, Any, Any]

CONNECTION_POOL = 8
"""Small on purpose: PTB scans its pool on every request, and a big one halves throughput.
The outbox sender has a pool of its own (`sender_bot`): sharing one, a busy sender kept the
webhooks' own calls (answering a click, marking its choice) waiting for a free connection."""
CONCURRENT_UPDATES = 4
"""Long polling only: the webhook route awaits process_update itself, so there Telegram's own
limit (WEBHOOK_CONNECTIONS requests in flight) bounds the updates handled at once."""
WEBHOOK_CONNECTIONS = 8
SECRET_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


class TelegramConfigError(ConfigError):
    """Telegram is configured in a way that must not run."""


def file_url(api_url: str) -> str:
    """`https://host/bot` -> `https://host/file/bot`: files live beside the methods."""
    head, sep, tail = api_url.rpartition("/bot")
    return f"{head}/file/bot{tail}" if sep else api_url


class QuietRequest(HTTPXRequest):
    """PTB logs a full traceback for every answer that is not JSON (a proxy's 502 page); the
    sender retries those anyway, and its own log line says so."""

    @staticmethod
    def parse_json_payload(payload: bytes) -> dict[str, Any]:
        return parse_answer(payload)


class PollingRequest(QuietRequest):
    """getUpdates: each update checked as the webhook checks one (`polled_update`)."""

    @staticmethod
    def parse_json_payload(payload: bytes) -> dict[str, Any]:
        data = parse_answer(payload)
        updates = data.get("result")
        if isinstance(updates, list):
            data["result"] = [polled_update(update) for update in updates]
        return data


def build_application(token: str, api_url: str, *, polling: bool) -> TelegramApplication:
    """No persistence and no JobQueue (state lives in our tables, time in our scheduler), no
    AIORateLimiter (the outbox sender owns rate limits)."""
    builder = (
        Application.builder()
        .token(token)
        .base_url(api_url)
        .base_file_url(file_url(api_url))
        .request(QuietRequest(connection_pool_size=CONNECTION_POOL))
        .get_updates_request(PollingRequest(connection_pool_size=1, read_timeout=30))
        .concurrent_updates(CONCURRENT_UPDATES)
        .job_queue(None)
    )
    if not polling:
        builder = builder.updater(None)
    return builder.build()


def sender_bot(
    token: str, api_url: str, read_timeout: float = TELEGRAM_SEND_TIMEOUT_SECONDS
) -> Bot:
    """The outbox sender's Bot: the same API, its own small pool of kept-alive connections."""
    return Bot(
        token,
        base_url=api_url,
        base_file_url=file_url(api_url),
        request=AiohttpRequest(connection_pool_size=CONNECTION_POOL, read_timeout=read_timeout),
    )


class RedactToken(logging.Filter):
    """httpx logs every request URL, and Bot API URLs carry the token."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if self.token in message:
            record.msg, record.args = message.replace(self.token, "<token>"), ()
        return True


def _hide_token(token: str) -> None:
    httpx_log = logging.getLogger("httpx")
    if not any(isinstance(f, RedactToken) and f.token == token for f in httpx_log.filters):
        httpx_log.addFilter(RedactToken(token))


def build_telegram_channel(ctx: ChannelContext) -> Channel | None:
    settings = ctx.settings
    if settings.telegram_bot_token is None:
        return None
    token = settings.telegram_bot_token.get_secret_value()
    secret = settings.telegram_webhook_secret
    secret_value = secret.get_secret_value() if secret is not None else ""
    webhook_url = f"{settings.public_url.rstrip('/')}{PATH}" if settings.public_url else None
    if webhook_url is not None and not SECRET_PATTERN.match(secret_value):
        raise TelegramConfigError(
            "WIPBOT_PUBLIC_URL is set, so Telegram would use a webhook, but "
            "TELEGRAM_WEBHOOK_SECRET is missing or not 1-256 of A-Z a-z 0-9 _ -: "
            "a webhook without a secret would accept updates from anyone"
        )
    _hide_token(token)
    application = build_application(token, settings.telegram_api_url, polling=webhook_url is None)
    dispatcher = Dispatcher(ctx.inbound, platform_redelivers=webhook_url is not None)
    application.add_handlers(listeners(dispatcher, ctx.clock))
    application.add_error_handler(on_error)
    outbox_bot = sender_bot(
        token, settings.telegram_api_url, read_timeout=settings.telegram_send_timeout_seconds
    )

    async def start() -> None:
        await application.initialize()
        await outbox_bot.initialize()
        await register_commands(application.bot)
        await application.start()
        if webhook_url is not None:
            await application.bot.set_webhook(
                webhook_url,
                secret_token=secret_value,
                allowed_updates=ALLOWED_UPDATES,
                max_connections=WEBHOOK_CONNECTIONS,
            )
        elif application.updater is not None:
            await application.updater.start_polling(allowed_updates=ALLOWED_UPDATES)
        log.info("telegram: @%s on %s", application.bot.username, mode)

    async def stop() -> None:
        if application.updater is not None and application.updater.running:
            await application.updater.stop()
        if application.running:
            await application.stop()
        await application.shutdown()
        await outbox_bot.shutdown()

    mode = "webhook" if webhook_url else "long polling"
    return Channel(
        name=PLATFORM,
        mode=mode,
        routes=[webhook_route(application, secret_value)] if webhook_url else [],
        transport=TelegramTransport(outbox_bot),
        start=start,
        stop=stop,
    )
