"""A file fetched from a chat platform, streamed on without holding it in memory."""

from __future__ import annotations

import mimetypes
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import httpx

GENERIC_TYPES = frozenset({"", "application/octet-stream", "binary/octet-stream"})


class MediaUnavailable(Exception):
    """The platform would not hand over the file; the message is short and safe to show."""


@dataclass(frozen=True)
class Download:
    """An open download: its body is read while it is sent on, then closed."""

    response: httpx.Response
    content_type: str


Fetcher = Callable[[httpx.AsyncClient, str], Awaitable[Download]]
"""(client, file id as the platform gave it) -> the open download."""


async def open_download(
    client: httpx.AsyncClient,
    url: str,
    *,
    platform: str,
    headers: dict[str, str] | None = None,
    content_type: str = "",
    name: str = "",
) -> Download:
    """Starts the download; a refusal closes it and says so. The type is the one the platform
    stated, else the server's header, else guessed from the name (Telegram serves octet-stream)."""
    response = await client.send(client.build_request("GET", url, headers=headers), stream=True)
    if response.status_code != httpx.codes.OK:
        await response.aclose()
        raise MediaUnavailable(f"{platform} download failed ({response.status_code})")
    stated = content_type or response.headers.get("content-type", "").split(";")[0].strip()
    if stated.lower() in GENERIC_TYPES:
        stated = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return Download(response, stated)


def json_body(response: httpx.Response, platform: str) -> dict[str, object]:
    """The JSON answer of a platform API, or MediaUnavailable naming what went wrong."""
    try:
        body = response.json()
    except ValueError as error:
        raise MediaUnavailable(f"{platform} answered {response.status_code}, not JSON") from error
    if not isinstance(body, dict):
        raise MediaUnavailable(f"{platform} answered {response.status_code}, unexpected JSON")
    return body
