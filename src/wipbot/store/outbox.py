"""The outbox contract: how a change asks for a message, and what a delivery may answer.

Messages are written in the same transaction as the change that caused them, so a crash between
the change and the send loses nothing; the sender (scheduler/) delivers them through transports
that the chat adapters (bot/) provide.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from . import audit
from .models import OutboxMessage
from .models._base import utcnow
from .models.widths import LARGEST_INTEGER


def enqueue(
    session: AsyncSession,
    platform: str,
    chat_id: str,
    payload: dict[str, Any],
    *,
    action: str = "send",
    dedupe_key: str | None = None,
    alert_id: int | None = None,
    gate_id: int | None = None,
    not_before: datetime | None = None,
) -> OutboxMessage:
    message = OutboxMessage(
        platform=platform,
        chat_id=chat_id,
        action=action,
        payload=payload,
        dedupe_key=dedupe_key,
        alert_id=alert_id,
        gate_id=gate_id,
        next_attempt_at=not_before or utcnow(),
    )
    session.add(message)
    return message


_ADD_SENDS = insert(OutboxMessage.__table__)  # type: ignore[attr-defined]
"""Built once: the replies of every inbound delivery are written with it."""


async def enqueue_sends(
    session: AsyncSession,
    platform: str,
    chat_id: str,
    payloads: Sequence[dict[str, Any]],
    *,
    not_before: datetime,
) -> None:
    """The replies of one inbound delivery, as `enqueue` would write them (in order, due from
    `not_before`), in one statement on the session's connection: nothing of the ORM is needed to
    insert rows of plain values, and an object per reply flushed at commit costs several times
    the statement. Every other column takes the table's own default, as `enqueue`'s object
    does. Nothing is returned; the sender reads the rows."""
    if not payloads:
        return
    due = {"platform": platform, "chat_id": chat_id, "next_attempt_at": not_before}
    rows = [{**due, "payload": payload} for payload in payloads]
    connection = await session.connection()
    await connection.execute(_ADD_SENDS, rows)


RESENDABLE = ("dead", "unconfirmed")
"""The ends an operator may send again (`wipbot outbox resend`): the sender never will."""

LARGEST_ID = LARGEST_INTEGER
"""The widest id either database's integer key holds: a wider one names no message."""


class NotResendable(Exception):
    """Some of the ids asked for are not dead or unconfirmed; `refused` names each with its
    state (None: no such message)."""

    def __init__(self, refused: list[tuple[int, str | None]]) -> None:
        self.refused = refused
        super().__init__(", ".join(f"{i} ({state or 'no such message'})" for i, state in refused))


async def resend(
    session: AsyncSession, ids: Sequence[int], *, actor: str, now: datetime
) -> list[OutboxMessage]:
    """Put dead and unconfirmed messages back as pending, due `now`, with a fresh retry budget;
    all of them or, if any id is anything else, none (NotResendable, raised before any change).

    The last error stays for the record until a new attempt writes its own; `sent_at` of an
    unconfirmed send goes (the message is not sent now) and is kept in the audit record. So is
    `created_at`: it becomes `now`, since the sender's max age measures how long a message has
    been waiting to go, and a resent one waits from its resend (a day-old message resent after a
    flood storm would otherwise be dead-lettered at its first failure). The rows are locked
    (PostgreSQL) so two operators cannot both re-queue one."""
    wanted = list(dict.fromkeys(ids))
    storable = [i for i in wanted if 0 < i <= LARGEST_ID]
    found = (
        await session.exec(
            select(OutboxMessage)
            .where(col(OutboxMessage.id).in_(storable))
            .order_by(col(OutboxMessage.id))
            .with_for_update()
        )
    ).all()
    by_id = {m.id: m for m in found}
    refused = [
        (i, by_id[i].status if i in by_id else None)
        for i in wanted
        if i not in by_id or by_id[i].status not in RESENDABLE
    ]
    if refused:
        raise NotResendable(refused)
    for message in found:
        audit.record(
            session,
            actor=actor,
            action="outbox.resend",
            subject=f"outbox:{message.id}",
            details={
                "previous_status": message.status,
                "attempts": message.attempts,
                "last_error": message.last_error,
                "sent_at": message.sent_at.isoformat() if message.sent_at else None,
                "created_at": message.created_at.isoformat(),
            },
        )
        message.status = "pending"
        message.attempts = 0
        message.next_attempt_at = now
        message.sent_at = None
        message.claimed_until = None
        message.created_at = now
    return list(found)


class DeliveryError(Exception):
    """A delivery that did not happen; `permanent` ones go straight to the dead letters."""

    permanent: bool = False

    def __init__(
        self, message: str, *, retry_after: float | None = None, flood: bool | None = None
    ) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.flood = retry_after is not None if flood is None else flood
        """The platform's flood limit ("later", not a failure): it spends no attempt. By
        default any answer that names a time to wait; a transport that knows better says so."""


class RetryLater(DeliveryError):
    """429 or 5xx: try again, after `retry_after` seconds when the platform said so."""


class PermanentFailure(DeliveryError):
    """4xx other than 429: the same request will never succeed."""

    permanent = True


class Unconfirmed(DeliveryError):
    """The request reached the platform, but its answer did not come back in time (a read
    timeout after the whole request was written): the message may well have been delivered.

    The sender records it as `unconfirmed` and does not send it again. That makes this one case
    at most once: Telegram's and WhatsApp's send methods take no idempotency key, and a bot
    cannot read a chat back to check, so no wait tells a lost request from a lost answer, and a
    resend after a slow answer put the message in the chat twice. The loss it risks instead is
    visible (`wipbot outbox`, `/metrics`) and bounded: a prompt nobody answers is followed by
    its reminder. A transport raises it only for non-idempotent calls whose request was
    written; what surely did not leave (a refused connection, a connect or pool timeout) is
    `RetryLater`, and an edit, which is idempotent, is retried whatever its answer."""


@dataclass(frozen=True)
class Delivered:
    platform_message_id: str | None


class Outbound(Protocol):
    """What a transport reads of an outbox row: the sender's `Outgoing`, or a row itself."""

    @property
    def id(self) -> int | None: ...
    @property
    def platform(self) -> str: ...
    @property
    def chat_id(self) -> str: ...
    @property
    def action(self) -> str: ...
    @property
    def payload(self) -> dict[str, Any]: ...
    @property
    def dedupe_key(self) -> str | None: ...
    @property
    def alert_id(self) -> int | None: ...
    @property
    def gate_id(self) -> int | None: ...
    @property
    def created_at(self) -> datetime: ...


@dataclass(frozen=True, slots=True)
class Outgoing:
    """An outbox row the sender claimed, as plain values: the sender reads thousands of them
    a minute, and an ORM object costs about ten times the tuple it is made from."""

    id: int
    platform: str
    chat_id: str
    action: str
    payload: dict[str, Any]
    dedupe_key: str | None
    alert_id: int | None
    gate_id: int | None
    created_at: datetime
    attempts: int
    next_attempt_at: datetime
    last_error: str
    claimed_until: datetime
    """The sender's lease on the row: its result is written only while the row still has it."""


class Transport(Protocol):
    """One per platform, implemented in bot/; raises DeliveryError subclasses on failure."""

    platform: str

    async def deliver(self, message: Outbound) -> Delivered: ...
