"""WhatsApp keeps the photos: the media endpoint gives a short-lived URL, fetched with the token."""

from __future__ import annotations

from functools import partial

import httpx

from ..downloads import Download, Fetcher, MediaUnavailable, json_body, open_download
from .transport import GraphConfig


async def fetch_whatsapp_media(
    config: GraphConfig, client: httpx.AsyncClient, media_id: str
) -> Download:
    headers = {"Authorization": f"Bearer {config.access_token}"}
    answer = await client.get(f"{config.base_url}{media_id}", headers=headers)
    body = json_body(answer, "whatsapp")
    url = body.get("url")
    if answer.status_code != httpx.codes.OK or not isinstance(url, str) or not url:
        raise MediaUnavailable(f"whatsapp media lookup failed ({answer.status_code})")
    return await open_download(
        client,
        url,
        platform="whatsapp",
        headers=headers,
        content_type=str(body.get("mime_type") or ""),
    )


def whatsapp_fetcher(config: GraphConfig) -> Fetcher:
    return partial(fetch_whatsapp_media, config)
