"""The one entry for every factory-chat delivery, from any platform.

Order of business: act once per delivery id; an unknown chat may only link itself with an invite
code (anything else gets a polite how-to and nothing more); a known contact gets commands,
buttons and free text routed to the check-in conversation. The caller runs this inside one
transaction (`store.db.transaction`), so a failure writes nothing and the platform's retry is
handled afresh.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from wipbot.store.inbound import first_delivery
from wipbot.store.models import Contact, Factory

from . import checkin, qc_chat
from .chat_turn import StoredState, Turn, begin_turn, end_turn, make_turn, open_chat
from .factory_orders import open_orders
from .factory_status import factory_status
from .freetext_shortcut import free_text_example
from .i18n import resolve_language, translator
from .messages import Inbound, Reply, one_full_stop
from .onboarding import INSPECTOR_ROLE, LinkOutcome, link_chat, looks_like_code

INBOUND_MARK_EVERY = timedelta(minutes=1)
"""How stale `Contact.last_inbound_at` may be: it times WhatsApp's 24-hour window, which is read
with five minutes to spare, so a contact tapping through a check-in updates the row once, not on
every tap."""


@dataclass(frozen=True)
class Handled:
    """What one delivery did, for adapters that show more than the replies (Telegram marks the
    choice a click took, and answers a click only on its first delivery)."""

    replies: list[Reply]
    first: bool
    """False for a delivery seen before (the platform delivering the same id again)."""
    moved_on: bool
    """The stored conversation (flow, step, data) changed: a click's choice was taken."""


async def handle_inbound(session: AsyncSession, inbound: Inbound, *, now: datetime) -> list[Reply]:
    return (await handle_delivery(session, inbound, now=now)).replies


async def handle_delivery(session: AsyncSession, inbound: Inbound, *, now: datetime) -> Handled:
    if not await first_delivery(session, inbound.platform, inbound.inbound_id):
        return Handled([], first=False, moved_on=False)
    found = await open_chat(session, inbound.platform, inbound.chat_id, now)
    if found is None:
        return Handled(await onboard(session, inbound, now=now), first=True, moved_on=False)
    contact, factory, state = found
    if contact.last_inbound_at is None or now - contact.last_inbound_at >= INBOUND_MARK_EVERY:
        await mark_inbound(session, contact.id, now)
        contact.last_inbound_at = now
    turn = make_turn(session, contact, factory, state, now=now, language_hint=inbound.language_hint)
    before = _snapshot(turn.state) if turn.state.stored else None
    replies = await route(turn, inbound)
    await end_turn(turn)
    return Handled(replies, first=True, moved_on=_snapshot(turn.state) != before)


def _snapshot(state: StoredState) -> str:
    """The stored conversation as JSON would keep it, so that a list and a tuple compare equal."""
    stored: list[Any] = [state.flow, state.step, state.data]
    return json.dumps(stored, sort_keys=True, default=str)


_CONTACT = Contact.__table__  # type: ignore[attr-defined]
_MARK_INBOUND = (
    update(_CONTACT)
    .where(_CONTACT.c.id == bindparam("contact"))
    .values(last_inbound_at=bindparam("at"))
)


async def mark_inbound(session: AsyncSession, contact_id: int, now: datetime) -> None:
    """`last_inbound_at`, one Core statement (it times WhatsApp's 24-hour window)."""
    connection = await session.connection()
    await connection.execute(_MARK_INBOUND, {"contact": contact_id, "at": now})


_CONTACT_AND_FACTORY = (
    select(Contact, Factory)
    .join(Factory, col(Factory.id) == Contact.factory_id)
    .where(col(Contact.platform) == bindparam("platform"))
    .where(col(Contact.chat_id) == bindparam("chat_id"))
)
"""Built once: WhatsApp's 24-hour window reads it before every send."""


async def contact_for_chat(session: AsyncSession, platform: str, chat_id: str) -> Contact | None:
    """The active contact of a chat."""
    row = (
        await session.exec(_CONTACT_AND_FACTORY, params={"platform": platform, "chat_id": chat_id})
    ).first()
    if row is None or not row[0].active:
        return None
    return row[0]


async def route(turn: Turn, inbound: Inbound) -> list[Reply]:
    command = inbound.command
    if command is not None:
        return await on_command(turn, *command)
    inspector = turn.contact.role == INSPECTOR_ROLE
    if inspector or qc_chat.in_flow(turn) or qc_chat.owns(inbound.choice):
        return await qc_chat.route(turn, inbound)
    if inbound.choice:
        return await checkin.on_choice(turn, inbound.choice)
    if inbound.photo_file_id:
        return await checkin.on_photo(turn, inbound.photo_file_id, inbound.text)
    if inbound.text and inbound.text.strip():
        return await checkin.on_text(turn, inbound.text)
    return []


async def on_command(turn: Turn, name: str, argument: str) -> list[Reply]:
    _ = turn._
    if turn.contact.role == INSPECTOR_ROLE and name in ("start", "checkin"):
        return await qc_chat.begin(turn)
    if name == "start":
        greeting = Reply(_("Hello {name}!").format(name=turn.contact.name))
        return [greeting, *await checkin.begin_or_resume(turn)]
    if name == "checkin":
        return await checkin.begin_or_resume(turn)
    if name == "qc":
        return await qc_chat.begin(turn)
    if name == "cancel" and qc_chat.in_flow(turn):
        return qc_chat.cancel(turn)
    if name == "cancel":
        return checkin.cancel(turn)
    if name == "status":
        return await factory_status(turn)
    if name == "help":
        return [await help_reply(turn)]
    return [Reply(_("Unknown command. Send /help to see what I can do.")), await help_reply(turn)]


async def help_reply(turn: Turn) -> Reply:
    _ = turn._
    assert turn.factory.id is not None
    own = await open_orders(turn.session, turn.factory.id)
    return Reply(
        _(
            "Each week I ask about your open production orders; tap the buttons to answer.\n"
            "Shortcut: write e.g. “{example}”.\n"
            "/checkin – start or continue the check-in\n"
            "/status – your open production orders\n"
            "/cancel – stop the current check-in\n"
            "/help – this message"
        ).format(example=free_text_example(turn.language, own[0].number if own else None))
    )


async def onboard(session: AsyncSession, inbound: Inbound, *, now: datetime) -> list[Reply]:
    """An unknown chat: link it with a valid invite code, otherwise only say how to get access."""
    code = invite_code_in(inbound)
    if code is not None:
        result = await link_chat(
            session, platform=inbound.platform, chat_id=inbound.chat_id, code=code, now=now
        )
        if result.outcome is LinkOutcome.LINKED and result.contact is not None:
            return await welcome(session, result.contact, inbound, now=now)
        if result.outcome is LinkOutcome.EXPIRED and result.contact is not None:
            _ = translator(resolve_language(result.contact.language, inbound.language_hint))
            return [
                Reply(_("This invite has expired. Please ask your brand contact for a new one."))
            ]
    _ = translator(resolve_language(inbound.language_hint))
    if code is not None:
        return [
            Reply(
                _(
                    "This invite code is not valid or was already used. "
                    "Please ask your brand contact for a new invite."
                )
            )
        ]
    return [
        Reply(
            _(
                "Hello! This chat is not linked to a factory yet. "
                "Please ask your brand contact for an invite link and open it, "
                "or send the invite code here."
            )
        )
    ]


def invite_code_in(inbound: Inbound) -> str | None:
    """`/start CODE` (Telegram deep links), or a message that is exactly a code (WhatsApp)."""
    command = inbound.command
    if command is not None:
        name, argument = command
        return argument if name == "start" and argument else None
    text = (inbound.text or "").strip()
    return text if text and looks_like_code(text) else None


async def welcome(
    session: AsyncSession, contact: Contact, inbound: Inbound, *, now: datetime
) -> list[Reply]:
    turn = await begin_turn(session, contact, now=now, language_hint=inbound.language_hint)
    _ = turn._
    greeting = Reply(
        one_full_stop(
            _(
                "Welcome, {name}! This chat is now linked to {factory}. "
                "Each week I will ask a few quick questions about your production orders."
            ).format(name=contact.name, factory=turn.factory.name),
            turn.factory.name,
        )
    )
    if contact.role == INSPECTOR_ROLE:
        hello = Reply(_("Hello {name}!").format(name=contact.name))
        replies = [hello, *await qc_chat.begin(turn)]
    else:
        replies = [greeting, *await checkin.begin_or_resume(turn)]
    await end_turn(turn)
    return replies
