"""Delivering a Monday digest: the headline posts once and keeps its ts; each detail is a
reply in that thread, waiting (retry later) until the headline is out."""

from __future__ import annotations

from typing import Any, Protocol

from sqlmodel.ext.asyncio.session import AsyncSession

from wipbot.handlers.digest import DIGEST_KIND, SECTIONS, Digest
from wipbot.store.models import WeeklyDigest
from wipbot.store.outbox import Delivered, Outbound, PermanentFailure, RetryLater

from .render_digest import digest_detail, digest_headline

HEADLINE_WAIT_SECONDS = 5.0


class _Poster(Protocol):
    async def chat_postMessage(self, *, channel: str, **kwargs: Any) -> Any: ...


async def deliver_digest(client: _Poster, session: AsyncSession, message: Outbound) -> Delivered:
    row = await session.get(WeeklyDigest, int(message.payload["digest_id"]))
    if row is None:
        raise PermanentFailure(f"digest {message.payload['digest_id']} is gone")
    digest = Digest.from_json(row.content)
    if message.payload.get("kind") == DIGEST_KIND:
        if row.slack_ts:
            return Delivered(row.slack_ts)
        response = await client.chat_postMessage(
            channel=message.chat_id, **digest_headline(digest).as_kwargs()
        )
        row.slack_channel = str(response.get("channel") or message.chat_id)
        row.slack_ts = str(response["ts"])
        await session.flush()
        return Delivered(row.slack_ts)
    name = str(message.payload.get("section"))
    if name not in SECTIONS:
        raise PermanentFailure(f"unknown digest section {name!r}")
    if not (row.slack_ts and row.slack_channel):
        raise RetryLater("the digest's headline is not out yet", retry_after=HEADLINE_WAIT_SECONDS)
    response = await client.chat_postMessage(
        channel=row.slack_channel, thread_ts=row.slack_ts, **digest_detail(digest, name).as_kwargs()
    )
    return Delivered(str(response["ts"]))
