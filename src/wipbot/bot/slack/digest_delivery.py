"""Delivering a Monday digest: the headline posts once and keeps its ts; each detail is a
reply in that thread, waiting (retry later) until the headline is out."""

from __future__ import annotations

import logging
from typing import Any, Protocol

from sqlmodel.ext.asyncio.session import AsyncSession

from wipbot.handlers.digest import DIGEST_KIND, SECTIONS, Digest
from wipbot.store.fitting import kept_id, width_of
from wipbot.store.models import WeeklyDigest
from wipbot.store.outbox import Delivered, Outbound, PermanentFailure, RetryLater

from .render_digest import digest_detail, digest_headline

log = logging.getLogger(__name__)

POSTED_AT_CHARS = width_of(WeeklyDigest.slack_ts)
"""The width of the channel and ts columns of digests, alerts and gates (Slack's own are about
11 and 17 characters)."""


def where_posted(response: Any, channel: str) -> tuple[str | None, str | None]:
    """(channel, ts) of a message as Slack answered its post; both None when either would not
    fit its column. The message was posted all the same: a row that cannot be written failed
    the send, which then posted it again at every retry. Unkept, a change is posted afresh
    instead of edited in."""
    posted = kept_id(str(response.get("channel") or channel), POSTED_AT_CHARS)
    ts = kept_id(str(response["ts"]), POSTED_AT_CHARS)
    if posted is None or ts is None:
        log.warning("slack: a post answered with a channel or ts no column keeps; not kept")
        return None, None
    return posted, ts


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
        row.slack_channel, row.slack_ts = where_posted(response, message.chat_id)
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
