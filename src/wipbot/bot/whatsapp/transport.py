"""Outbound WhatsApp messages: the outbox transport, speaking the Graph API with httpx.

Why not pywa: pywa 4.5 sets `session.base_url = "https://graph.facebook.com/v…"` in its GraphAPI
constructor, overwriting whatever the httpx client we hand it was configured with. Pointing it at
WHATSAPP_API_URL (a proxy, the local fake in tests) would take either writing a private attribute
after construction or a transport that rewrites every request's host, and pywa would still pick
the API version. We need one endpoint, `POST /{version}/{phone_number_id}/messages`, whose bodies
render.py and templates.py already build, so plain httpx is the smaller and clearer dependency.

The 24-hour window is judged here, at send time, because a prompt may wait in the outbox: inside
it a reply goes out free-form; outside it a prompt goes out as its approved template and anything
else is a permanent failure (a dead letter visible in `wipbot outbox`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlmodel import col, select

from wipbot.handlers.factory_orders import open_orders
from wipbot.handlers.i18n import resolve_language
from wipbot.handlers.messages import reply_from_payload
from wipbot.production.clock import Clock, system_clock
from wipbot.store.db import SessionFactory
from wipbot.store.models import Contact, Factory, OutboxMessage
from wipbot.store.outbox import Delivered, Outbound, PermanentFailure, RetryLater, Unconfirmed

from .notifications import PLATFORM
from .render import render_reply
from .templates import (
    template_kind,
    template_language,
    template_message,
    window_closes_at,
    within_window,
)

# Graph error codes that mean "not now" even when the HTTP status is a 4xx: throttling
# (4, 80007, 130429, 131056) and Meta's own transient failures (1, 2, 131000, 131016).
RETRYABLE_GRAPH_CODES = frozenset({1, 2, 4, 80007, 130429, 131000, 131016, 131056})
FLOOD_GRAPH_CODES = frozenset({4, 80007, 130429, 131056})
"""Rate and pair-rate limits: Meta saying "later", which spends no attempt."""

# Payload keys this transport reads besides the reply itself:
#   "template": "checkin" | "reminder" | None  (see templates.template_kind)
#   "in_reply_to_at": ISO time of the inbound a reply answers; it opened the window
#   "orders_asked": how many orders a prompt asks about, when not every open one (mid-week)
#   "page_offset": first option to show, for a later page of a long list

# The other parts of a prompt that follow its template within this time are covered by it.
TEMPLATE_COVERS = timedelta(hours=1)


@dataclass(frozen=True)
class GraphConfig:
    api_url: str
    api_version: str
    phone_number_id: str
    access_token: str
    templates: dict[str, str]
    template_languages: dict[str, str]

    @property
    def base_url(self) -> str:
        version = self.api_version if self.api_version.startswith("v") else f"v{self.api_version}"
        return f"{self.api_url.rstrip('/')}/{version}/"


@dataclass(frozen=True)
class Recipient:
    name: str
    language: str
    last_inbound_at: datetime | None
    factory_id: int


class GraphTransport:
    """Delivers `reply` payloads from the outbox to WhatsApp numbers."""

    platform = PLATFORM

    def __init__(
        self,
        config: GraphConfig,
        session_factory: SessionFactory,
        *,
        clock: Clock = system_clock,
        timeout: float = 15.0,
    ) -> None:
        self._config = config
        self._session_factory = session_factory
        self._clock = clock
        self._parts_sent: dict[int, int] = {}
        self._client = httpx.AsyncClient(
            base_url=config.base_url,
            headers={"Authorization": f"Bearer {config.access_token}"},
            timeout=timeout,
        )

    async def aclose(self) -> None:
        await self._client.aclose()

    async def deliver(self, message: Outbound) -> Delivered:
        payload = dict(message.payload)
        if message.action != "send" or payload.get("kind") != "reply":
            raise PermanentFailure(
                f"whatsapp cannot {message.action} a {payload.get('kind')!r} payload"
            )
        recipient = await self._recipient(message.chat_id)
        opened = _latest(
            recipient.last_inbound_at if recipient else None, _parse(payload.get("in_reply_to_at"))
        )
        now = self._clock()
        if within_window(opened, now):
            assert message.id is not None
            bodies = render_reply(
                reply_from_payload(payload),
                to=message.chat_id,
                language=recipient.language if recipient else resolve_language(None),
                message_id=message.id,
                offset=int(payload.get("page_offset", 0)),
            )
            return await self._send_parts(message, bodies)
        return await self._send_template(message, payload, recipient, opened, now)

    async def _send_template(
        self,
        message: Outbound,
        payload: dict[str, Any],
        recipient: Recipient | None,
        opened: datetime | None,
        now: datetime,
    ) -> Delivered:
        """Outside the window: one template per prompt; the prompt's other parts ride on it.

        A prompt is several replies (intro, first question); the contact gets one template, and
        its quick-reply button resumes the check-in, which asks the current question again.
        """
        kind = template_kind(payload)
        if kind is None:
            raise PermanentFailure("outside the 24-hour window: only a template may be sent")
        if recipient is None:
            raise PermanentFailure("outside the 24-hour window and no linked contact to prompt")
        since = now - TEMPLATE_COVERS
        closed = window_closes_at(opened)
        if closed is not None:
            since = max(since, closed)
        if await self._sent_since(message, since):
            return Delivered(None)
        asked = payload.get("orders_asked")
        if isinstance(asked, int) and not isinstance(asked, bool):
            open_count = asked
        else:
            async with self._session_factory() as session:
                open_count = len(await open_orders(session, recipient.factory_id))
        body = template_message(
            to=message.chat_id,
            name=self._config.templates[kind],
            language_code=template_language(recipient.language, self._config.template_languages),
            parameters=[recipient.name, str(open_count)],
        )
        return Delivered(await self._post(body))

    async def _sent_since(self, message: Outbound, since: datetime) -> bool:
        """Whether a message reached this chat since `since`. Asked with `since` after the window
        closed, only a template can have: free-form messages stop at the close and the parts a
        template covers are marked sent without a message id."""
        async with self._session_factory() as session:
            found = (
                await session.exec(
                    select(OutboxMessage.id)
                    .where(OutboxMessage.platform == PLATFORM)
                    .where(OutboxMessage.chat_id == message.chat_id)
                    .where(OutboxMessage.status == "sent")
                    .where(col(OutboxMessage.platform_message_id).is_not(None))
                    .where(col(OutboxMessage.sent_at) >= since)
                    .where(OutboxMessage.id != message.id)
                    .limit(1)
                )
            ).first()
        return found is not None

    async def _send_parts(self, message: Outbound, bodies: list[dict[str, Any]]) -> Delivered:
        """Send in order. The parts already sent of a split reply are remembered (in memory, so a
        restart in between sends them again: at least once) and skipped when it is retried. A
        part whose answer was lost counts as sent, the rest still go, and the whole is then
        `Unconfirmed`."""
        assert message.id is not None
        done = self._parts_sent.get(message.id, 0)
        message_id: str | None = None
        unconfirmed: Unconfirmed | None = None
        for index, body in enumerate(bodies):
            if index < done:
                continue
            try:
                message_id = await self._post(body)
            except PermanentFailure:
                self._parts_sent.pop(message.id, None)
                raise
            except Unconfirmed as error:
                unconfirmed = error
            self._parts_sent[message.id] = index + 1
        self._parts_sent.pop(message.id, None)
        if unconfirmed is not None:
            raise unconfirmed
        return Delivered(message_id)

    async def _recipient(self, chat_id: str) -> Recipient | None:
        async with self._session_factory() as session:
            contact = (
                await session.exec(
                    select(Contact)
                    .where(Contact.platform == PLATFORM)
                    .where(Contact.chat_id == chat_id)
                )
            ).first()
            if contact is None:
                return None
            factory = await session.get(Factory, contact.factory_id)
        return Recipient(
            name=contact.name,
            language=resolve_language(contact.language, factory.language if factory else None),
            last_inbound_at=contact.last_inbound_at,
            factory_id=contact.factory_id,
        )

    async def _post(self, body: dict[str, Any]) -> str | None:
        url = f"{self._config.phone_number_id}/messages"
        try:
            response = await self._client.post(url, json=body)
        except httpx.ReadTimeout as error:
            # written, answer lost: Meta may have sent it, and a resend would show twice
            raise Unconfirmed(
                f"graph api did not answer in time: {type(error).__name__}"
            ) from error
        except httpx.TransportError as error:
            raise RetryLater(f"graph api unreachable: {type(error).__name__}") from error
        if response.status_code < 400:
            return _message_id(response)
        raise _failure(response)


def _failure(response: httpx.Response) -> RetryLater | PermanentFailure:
    error = _graph_error(response)
    code = error.get("code")
    text = f"graph api {response.status_code}, error {code}: {error.get('message', '')}".strip()
    data = error.get("error_data")
    details = data.get("details") if isinstance(data, dict) else None
    if details:
        text = f"{text} ({details})"
    flood = response.status_code == 429 or code in FLOOD_GRAPH_CODES
    if flood or response.status_code >= 500 or code in RETRYABLE_GRAPH_CODES:
        return RetryLater(text, retry_after=_retry_after(response), flood=flood)
    return PermanentFailure(text)


def _graph_error(response: httpx.Response) -> dict[str, Any]:
    try:
        error = response.json().get("error")
    except (ValueError, AttributeError):
        return {"message": response.text[:200]}
    return error if isinstance(error, dict) else {"message": response.text[:200]}


def _message_id(response: httpx.Response) -> str | None:
    """The wamid of what was sent; None if Meta answered oddly (it was sent all the same: an
    odd body that raised here, such as `"messages": 5`, had the message sent again)."""
    try:
        messages = response.json().get("messages") or [{}]
        value = messages[0].get("id")
    except (ValueError, AttributeError, LookupError, TypeError):
        return None
    return str(value) if value else None


def _retry_after(response: httpx.Response) -> float | None:
    try:
        return max(float(response.headers.get("Retry-After", "")), 0.0)
    except ValueError:
        return None


def _parse(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def _latest(*values: datetime | None) -> datetime | None:
    present = [v for v in values if v is not None]
    return max(present) if present else None
