"""SlackTransport: delivers outbox messages with the Web API, rendering them at send time.

Gate requests and alerts carry only an id: the message shows the record as it is when sent, so
a burst of changes ends in the latest state. The message's `ts` is kept on the record in the
sender's own transaction, and a "send" for a record that already has one updates it instead,
so a crash between posting and marking sent does not post twice.

A post whose answer did not come in time (the request was written: Slack may well have posted
it) is `Unconfirmed`, and not posted again; an update or a Home view, idempotent, is retried
whatever went wrong, as is anything that surely did not reach Slack (a refused connection, a
connect timeout).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC
from typing import Any, Protocol

import aiohttp
from slack_sdk.errors import SlackApiError
from sqlalchemy.ext.asyncio import async_object_session
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from wipbot.handlers.alert_cards import alert_card, changes_since, news_since, snapshot
from wipbot.handlers.app_home import HOME_REFRESH_KIND, enqueue_home_refresh, home_summary
from wipbot.handlers.digest import DIGEST_DETAIL_KIND, DIGEST_KIND
from wipbot.handlers.gates import GATE_REQUEST_KIND, gate_card
from wipbot.handlers.messages import reply_from_payload
from wipbot.production.clock import Clock, system_clock
from wipbot.store.db import SessionFactory
from wipbot.store.models import Alert, Gate, OutboxMessage
from wipbot.store.outbox import Delivered, Outbound, PermanentFailure, RetryLater, Unconfirmed

from .app import OutboxWebClient
from .blocks import SlackMessage
from .digest_delivery import deliver_digest, where_posted
from .render_alert import alert_followup, alert_message
from .render_gate import gate_message
from .render_home import home_view

# Errors Slack may answer with `ok: false` that are worth trying again.
TRANSIENT_ERRORS = frozenset(
    {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}
)


class SlackWebApi(Protocol):
    """The Web API methods the transport uses: an AsyncWebClient, or the demo's console."""

    async def chat_postMessage(self, *, channel: str, **kwargs: Any) -> Any: ...

    async def chat_update(self, *, channel: str, ts: str, **kwargs: Any) -> Any: ...

    async def views_publish(self, *, user_id: str, view: Any, **kwargs: Any) -> Any: ...


class _PostOnce:
    """The Web API, with a post's read timeout turned into `Unconfirmed`, whichever part of the
    transport (or `deliver_digest`) posts."""

    def __init__(self, client: SlackWebApi) -> None:
        self._client = client

    async def chat_postMessage(self, *, channel: str, **kwargs: Any) -> Any:
        try:
            return await self._client.chat_postMessage(channel=channel, **kwargs)
        except aiohttp.SocketTimeoutError as error:
            # aiohttp starts this timer only once the request is written
            raise Unconfirmed(f"chat.postMessage: no answer in time: {error}") from error

    async def chat_update(self, *, channel: str, ts: str, **kwargs: Any) -> Any:
        return await self._client.chat_update(channel=channel, ts=ts, **kwargs)

    async def views_publish(self, *, user_id: str, view: Any, **kwargs: Any) -> Any:
        return await self._client.views_publish(user_id=user_id, view=view, **kwargs)


class SlackTransport:
    platform = "slack"

    def __init__(
        self,
        client: SlackWebApi,
        session_factory: SessionFactory,
        *,
        clock: Clock = system_clock,
    ) -> None:
        self._client: SlackWebApi = _PostOnce(client)
        self._sessions = session_factory
        self._clock = clock
        self.send_seconds = (
            client.longest_request_seconds if isinstance(client, OutboxWebClient) else 0.0
        )
        """The longest one Web API call may take (the sender starts none it cannot see end
        within its lease): the outbox client's connect and answer timeouts; 0, none known (the
        demo's console answers at once)."""

    async def deliver(self, message: Outbound) -> Delivered:
        kind = message.payload.get("kind")
        try:
            async with self._session(message) as session:
                if kind == GATE_REQUEST_KIND:
                    return await self._gate(session, message)
                if kind == "alert":
                    return await self._alert(session, message)
                if kind == HOME_REFRESH_KIND:
                    return await self._home(session, message)
                if kind in (DIGEST_KIND, DIGEST_DETAIL_KIND):
                    return await deliver_digest(self._client, session, message)
                if kind == "reply":
                    reply = reply_from_payload(message.payload)
                    return Delivered(await self._post(message.chat_id, SlackMessage(reply.text)))
        except SlackApiError as error:
            raise _delivery_error(error) from error
        except (aiohttp.ClientError, TimeoutError) as error:
            raise RetryLater(f"slack unreachable: {error!r}") from error
        raise PermanentFailure(f"unknown slack payload kind {kind!r}")

    @asynccontextmanager
    async def _session(self, message: Outbound) -> AsyncIterator[AsyncSession]:
        """The session of the row when it is attached to one (a caller's own row), so the
        bookkeeping commits with it; otherwise (the sender's claimed messages) our own."""
        attached = _session_of(message)
        if isinstance(attached, AsyncSession):
            yield attached
            return
        async with self._sessions() as session:
            try:
                yield session
            finally:
                # Also after a failure: a ts already posted must be remembered, or the retry
                # would post a second message.
                await session.commit()

    async def _gate(self, session: AsyncSession, message: Outbound) -> Delivered:
        gate = await session.get(Gate, int(message.payload["gate_id"]))
        card = await gate_card(session, gate.id or 0) if gate else None
        if gate is None or card is None:
            raise PermanentFailure(f"gate {message.payload['gate_id']} is gone")
        rendered = gate_message(card)
        if gate.slack_ts and gate.slack_channel:
            await self._client.chat_update(
                channel=gate.slack_channel, ts=gate.slack_ts, **rendered.as_kwargs()
            )
            return Delivered(gate.slack_ts)
        gate.slack_channel, gate.slack_ts = await self._post_keep_channel(message.chat_id, rendered)
        await session.flush()
        return Delivered(gate.slack_ts)

    async def _alert(self, session: AsyncSession, message: Outbound) -> Delivered:
        alert = await session.get(Alert, int(message.payload["alert_id"]))
        card = await alert_card(session, alert.id or 0) if alert else None
        if alert is None or card is None:
            raise PermanentFailure(f"alert {message.payload['alert_id']} is gone")
        rendered = alert_message(card)
        noted = None
        if not (alert.slack_ts and alert.slack_channel):
            alert.slack_channel, alert.slack_ts = await self._post_keep_channel(
                message.chat_id, rendered
            )
            noted = snapshot(card)
        else:
            shown = await _last_snapshot(session, alert, "shown")
            if shown is not None and not changes_since(shown, card):
                return Delivered(alert.slack_ts)
            await self._client.chat_update(
                channel=alert.slack_channel, ts=alert.slack_ts, **rendered.as_kwargs()
            )
            last_noted = await _last_snapshot(session, alert, "noted")
            news = news_since(last_noted or shown, card)
            if card.revision > 1 and (news or (shown is None and last_noted is None)):
                await self._client.chat_postMessage(
                    channel=alert.slack_channel,
                    thread_ts=alert.slack_ts,
                    **alert_followup(card, news or changes_since(None, card)).as_kwargs(),
                )
                noted = snapshot(card, reply=True)
        await _remember(session, message, snapshot(card), noted)
        await enqueue_home_refresh(session, alert.brand_id)
        await session.flush()
        return Delivered(alert.slack_ts)

    async def _home(self, session: AsyncSession, message: Outbound) -> Delivered:
        today = self._clock().astimezone(UTC).date()
        summary = await home_summary(session, int(message.payload["brand_id"]), today=today)
        view = home_view(summary)
        for user_id in message.payload.get("user_ids", []):
            try:
                await self._client.views_publish(user_id=user_id, view=view)
            except SlackApiError as error:
                if _error_code(error) not in {"user_not_found", "not_authed_user"}:
                    raise
        return Delivered(None)

    async def _post(self, channel: str, rendered: SlackMessage) -> str | None:
        return (await self._post_keep_channel(channel, rendered))[1]

    async def _post_keep_channel(
        self, channel: str, rendered: SlackMessage
    ) -> tuple[str | None, str | None]:
        """Post; Slack answers with the channel id even when given a name, keep that."""
        response = await self._client.chat_postMessage(channel=channel, **rendered.as_kwargs())
        return where_posted(response, channel)


async def _last_snapshot(session: AsyncSession, alert: Alert, which: str) -> dict[str, Any] | None:
    """What the channel last saw ("shown": the message; "noted": the last post or reply)."""
    rows = (
        await session.exec(
            select(OutboxMessage)
            .where(OutboxMessage.alert_id == alert.id)
            .where(OutboxMessage.status == "sent")
            .order_by(col(OutboxMessage.id).desc())
        )
    ).all()
    for row in rows:
        found = row.payload.get(which)
        if isinstance(found, dict):
            return found
    return None


async def _remember(
    session: AsyncSession,
    message: Outbound,
    shown: dict[str, Any],
    noted: dict[str, Any] | None,
) -> None:
    if isinstance(message, OutboxMessage) and _session_of(message) is session:
        row: OutboxMessage | None = message
    else:
        row = await session.get(OutboxMessage, message.id)
    if row is not None:
        row.payload = {**row.payload, "shown": shown, **({"noted": noted} if noted else {})}


def _session_of(message: Outbound) -> object:
    return async_object_session(message) if isinstance(message, OutboxMessage) else None


def _error_code(error: SlackApiError) -> str:
    data = error.response.data if error.response is not None else None
    return str(data.get("error", "")) if isinstance(data, dict) else ""


def _delivery_error(error: SlackApiError) -> RetryLater | PermanentFailure:
    status = error.response.status_code if error.response is not None else 0
    code = _error_code(error)
    if status == 429 or code == "ratelimited":
        # A flood limit even when Retry-After is missing or unreadable: it spends no attempt.
        return RetryLater(
            f"slack ratelimited ({status})", retry_after=_retry_after(error), flood=True
        )
    if status >= 500 or code in TRANSIENT_ERRORS:
        return RetryLater(f"slack {status} {code}".strip())
    return PermanentFailure(f"slack {code or status}")


def _retry_after(error: SlackApiError) -> float | None:
    headers = error.response.headers if error.response is not None else {}
    for key, value in (headers or {}).items():
        if key.lower() == "retry-after":
            try:
                return float(value)
            except (TypeError, ValueError):
                return None
    return None
