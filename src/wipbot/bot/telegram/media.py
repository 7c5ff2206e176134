"""Telegram keeps the photos: getFile names the path, the file URL beside the API serves it."""

from __future__ import annotations

from functools import partial

import httpx

from ..downloads import Download, Fetcher, MediaUnavailable, json_body, open_download
from .channel import file_url


async def fetch_telegram_file(
    api_url: str, token: str, client: httpx.AsyncClient, file_id: str
) -> Download:
    answer = await client.get(f"{api_url}{token}/getFile", params={"file_id": file_id})
    body = json_body(answer, "telegram")
    result = body.get("result")
    if not body.get("ok") or not isinstance(result, dict) or not result.get("file_path"):
        raise MediaUnavailable(f"telegram getFile failed ({answer.status_code})")
    path = str(result["file_path"])
    return await open_download(
        client, f"{file_url(api_url)}{token}/{path}", platform="telegram", name=path
    )


def telegram_fetcher(api_url: str, token: str) -> Fetcher:
    return partial(fetch_telegram_file, api_url, token)
