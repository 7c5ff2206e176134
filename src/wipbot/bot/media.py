"""GET /media/qc/{id}: checks the signed link, then streams the photo from the platform keeping it.

Answers 403 for a bad or expired signature, 404 for a photo we do not know or do not serve, and
502 with a short sentence when the platform will not hand the file over, 503 while the
database cannot be reached.
"""

from __future__ import annotations

import logging

import httpx
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route

from wipbot.production.clock import Clock, system_clock
from wipbot.store.db import SessionFactory, reading
from wipbot.store.models import QcPhoto
from wipbot.store.models.widths import LARGEST_INTEGER

from .config import Settings
from .downloads import Download, Fetcher, MediaUnavailable
from .media_links import PHOTO_PATH, MediaSigner, media_secret, served_platforms
from .telegram.media import telegram_fetcher
from .unavailable import is_unavailable
from .whatsapp import graph_config
from .whatsapp.media import whatsapp_fetcher

FETCH_TIMEOUT_SECONDS = 20.0

log = logging.getLogger(__name__)


def media_fetchers(settings: Settings) -> dict[str, Fetcher]:
    served = served_platforms(settings)
    fetchers: dict[str, Fetcher] = {}
    if "telegram" in served and settings.telegram_bot_token is not None:
        token = settings.telegram_bot_token.get_secret_value()
        fetchers["telegram"] = telegram_fetcher(settings.telegram_api_url, token)
    if "whatsapp" in served:
        fetchers["whatsapp"] = whatsapp_fetcher(graph_config(settings))
    return fetchers


MAX_PHOTO_ID = LARGEST_INTEGER
"""`qc_photo.id` is a 32-bit INTEGER on PostgreSQL; no photo has a larger id."""


def media_routes(
    session_factory: SessionFactory,
    signer: MediaSigner,
    fetchers: dict[str, Fetcher],
    clock: Clock = system_clock,
) -> list[Route]:
    async def photo(request: Request) -> Response:
        photo_id: int = request.path_params["photo_id"]
        query = request.query_params
        if not signer.valid(photo_id, query.get("exp", ""), query.get("sig", ""), clock()):
            return PlainTextResponse("invalid or expired link", status_code=403)
        if photo_id > MAX_PHOTO_ID:  # the lookup would fail on PostgreSQL's 32-bit id column
            return PlainTextResponse("no such photo", status_code=404)
        try:
            async with reading(session_factory) as session:
                row = await session.get(QcPhoto, photo_id)
        except Exception as error:
            if not is_unavailable(error):
                raise
            log.warning("media: photo %s: database unavailable", photo_id)
            return PlainTextResponse("wipbot is briefly unavailable; try again", status_code=503)
        fetch = None if row is None else fetchers.get(row.platform)
        if row is None or fetch is None:
            return PlainTextResponse("no such photo", status_code=404)
        client = httpx.AsyncClient(timeout=FETCH_TIMEOUT_SECONDS)
        try:
            download = await fetch(client, row.file_id)
        except (MediaUnavailable, httpx.HTTPError) as error:
            await client.aclose()
            reason = str(error) if isinstance(error, MediaUnavailable) else type(error).__name__
            log.warning("media: photo %s from %s: %s", photo_id, row.platform, reason)
            return PlainTextResponse(
                f"{row.platform} did not hand over the photo; try again later", status_code=502
            )
        return _streamed(download, client)

    return [Route(PHOTO_PATH, photo, methods=["GET"])]


def _streamed(download: Download, client: httpx.AsyncClient) -> StreamingResponse:
    async def close() -> None:
        await download.response.aclose()
        await client.aclose()

    return StreamingResponse(
        download.response.aiter_bytes(),
        media_type=download.content_type,
        headers={"Cache-Control": "private, max-age=3600", "X-Content-Type-Options": "nosniff"},
        background=BackgroundTask(close),
    )


def media_routes_for(
    settings: Settings, session_factory: SessionFactory, clock: Clock = system_clock
) -> list[Route]:
    """The photo route when links can be signed; none otherwise."""
    secret = media_secret(settings)
    if secret is None:
        return []
    return media_routes(session_factory, MediaSigner(secret), media_fetchers(settings), clock)
