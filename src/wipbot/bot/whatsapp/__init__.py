"""WhatsApp over the Cloud API: the webhook in, the Graph API out (httpx; see transport.py).

`build_whatsapp_channel` is this adapter's entry in `runtime.channel_builders()`: None unless an
access token and a phone number id are configured.
"""

from __future__ import annotations

import logging

from ..channel import Channel, ChannelContext
from ..config import Settings
from .transport import GraphConfig, GraphTransport
from .webhook import MAX_NOTIFICATION_BYTES, WEBHOOK_PATH, webhook_routes

__all__ = ["GraphConfig", "GraphTransport", "build_whatsapp_channel", "graph_config"]

log = logging.getLogger(__name__)


def graph_config(settings: Settings) -> GraphConfig:
    assert settings.whatsapp_access_token is not None
    assert settings.whatsapp_phone_number_id is not None
    return GraphConfig(
        api_url=settings.whatsapp_api_url,
        api_version=settings.whatsapp_api_version,
        phone_number_id=settings.whatsapp_phone_number_id,
        access_token=settings.whatsapp_access_token.get_secret_value(),
        templates={
            "checkin": settings.whatsapp_template_checkin,
            "reminder": settings.whatsapp_template_reminder,
        },
        template_languages=dict(settings.whatsapp_template_languages),
    )


def build_whatsapp_channel(ctx: ChannelContext) -> Channel | None:
    settings = ctx.settings
    if not settings.whatsapp_enabled:
        return None
    if settings.whatsapp_app_secret is None or settings.whatsapp_verify_token is None:
        log.warning(
            "whatsapp: WHATSAPP_APP_SECRET and WHATSAPP_VERIFY_TOKEN are needed for the webhook; "
            "until both are set it refuses every call"
        )
    transport = GraphTransport(graph_config(settings), ctx.session_factory, clock=ctx.clock)
    return Channel(
        name="whatsapp",
        mode=f"webhook {WEBHOOK_PATH}",
        routes=webhook_routes(ctx),
        body_limits={WEBHOOK_PATH: MAX_NOTIFICATION_BYTES},
        transport=transport,
        stop=transport.aclose,
    )
