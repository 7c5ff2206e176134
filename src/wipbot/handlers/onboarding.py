"""Linking a chat to a factory contact through a one-time invite code, never a typed name.

The code is random (secrets), stored on the contact with an expiry, and cleared when used, so it
can be neither guessed nor reused. Telegram carries it in a deep link (`/start <code>`); on
WhatsApp and the console the contact simply sends the code as their first message.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from wipbot.store import audit
from wipbot.store.models import Brand, Contact, Factory

PLATFORMS: tuple[str, ...] = ("telegram", "whatsapp", "console")
CONTACT_ROLE = "contact"
INSPECTOR_ROLE = "inspector"
CONTACT_ROLES: tuple[str, ...] = (CONTACT_ROLE, INSPECTOR_ROLE)
"""A contact answers the weekly check-in; an inspector (the factory's QC or a third party)
only reports inspections."""
# Lower case letters and digits without the look-alikes (0/o, 1/l/i): a code read aloud or
# typed from a screenshot survives, and it is still safe inside a Telegram start parameter.
CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
CODE_LENGTH = 20  # 31**20 is about 2**99: not guessable
CODE_PATTERN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


class InviteError(ValueError):
    """The invite cannot be created as asked (unknown factory or platform, ambiguous code)."""


@dataclass(frozen=True)
class Invite:
    contact_id: int
    factory_code: str
    name: str
    platform: str
    code: str
    expires_at: datetime
    role: str = "contact"


class LinkOutcome(StrEnum):
    LINKED = "linked"
    EXPIRED = "expired"
    INVALID = "invalid"


@dataclass(frozen=True)
class LinkResult:
    outcome: LinkOutcome
    contact: Contact | None = None


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def looks_like_code(text: str) -> bool:
    return bool(CODE_PATTERN.match(text.strip()))


async def factory_by_code_or_name(session: AsyncSession, code: str, brand: str | None) -> Factory:
    """The factory by its code or its name, matched as the imports match them (any case,
    spaces collapsed); a code wins over another factory's name."""
    wanted = " ".join(code.split()).lower()
    query = select(Factory).where(
        (func.lower(Factory.code) == wanted) | (func.lower(Factory.name) == wanted)
    )
    if brand is not None:
        query = query.join(Brand, col(Brand.id) == Factory.brand_id).where(Brand.name == brand)
    found = list((await session.exec(query)).all())
    by_code = [f for f in found if f.code.lower() == wanted]
    factories = by_code or found
    if not factories:
        raise InviteError(f"no factory with code or name {code!r}")
    if len(factories) > 1:
        raise InviteError(f"several factories are called {code!r}; name the brand or use the code")
    return factories[0]


async def create_invite(
    session: AsyncSession,
    *,
    factory_code: str,
    name: str,
    platform: str,
    now: datetime,
    ttl: timedelta = timedelta(days=7),
    brand: str | None = None,
    language: str | None = None,
    role: str = "contact",
) -> Invite:
    """A fresh code for the contact (created on first invite); any earlier code stops working.

    Inviting an already linked contact again is how a contact moves to a new phone: the old
    chat keeps working until the new code is used.
    """
    if platform not in PLATFORMS:
        raise InviteError(f"unknown platform {platform!r}; expected one of {', '.join(PLATFORMS)}")
    if not name.strip():
        raise InviteError("a contact needs a name")
    if role not in CONTACT_ROLES:
        raise InviteError(f"unknown role {role!r}; expected one of {', '.join(CONTACT_ROLES)}")
    factory = await factory_by_code_or_name(session, factory_code, brand)
    contact = (
        await session.exec(
            select(Contact)
            .where(Contact.factory_id == factory.id)
            .where(Contact.name == name.strip())
            .where(Contact.platform == platform)
        )
    ).first()
    if contact is None:
        assert factory.id is not None
        contact = Contact(factory_id=factory.id, name=name.strip(), platform=platform)
        session.add(contact)
    if language is not None:
        contact.language = language
    contact.role = role
    contact.invite_code = new_code()
    contact.invite_expires_at = now + ttl
    contact.active = True
    await session.flush()
    assert contact.id is not None
    audit.record(
        session,
        actor="cli",
        action="contact.invite",
        subject=f"{factory.code}/{contact.name}",
        brand_id=factory.brand_id,
        details={
            "contact_id": contact.id,
            "platform": platform,
            "role": role,
            "expires_at": str(now + ttl),
        },
    )
    return Invite(
        contact_id=contact.id,
        factory_code=factory.code,
        name=contact.name,
        platform=platform,
        code=contact.invite_code,
        expires_at=now + ttl,
        role=role,
    )


def invite_link(platform: str, code: str, bot_username: str) -> str:
    """What to send the contact. For WhatsApp `bot_username` is the business number (digits)."""
    if platform == "telegram":
        return f"https://t.me/{bot_username.lstrip('@')}?start={code}"
    if platform == "whatsapp":
        number = "".join(ch for ch in bot_username if ch.isdigit())
        return f"https://wa.me/{number}?text={code}"
    if platform == "console":
        return code
    raise InviteError(f"unknown platform {platform!r}; expected one of {', '.join(PLATFORMS)}")


async def link_chat(
    session: AsyncSession, *, platform: str, chat_id: str, code: str, now: datetime
) -> LinkResult:
    """Consume the code: link this chat to its contact, once, before the code expires."""
    code = code.strip().lower()
    if not looks_like_code(code):
        return LinkResult(LinkOutcome.INVALID)
    contact = (
        await session.exec(
            select(Contact).where(Contact.invite_code == code).where(Contact.platform == platform)
        )
    ).first()
    if contact is None or not contact.active:
        return LinkResult(LinkOutcome.INVALID)
    expires_at = contact.invite_expires_at
    if expires_at is None or _aware(expires_at) <= now:
        return LinkResult(LinkOutcome.EXPIRED, contact)
    contact.chat_id = chat_id
    contact.linked_at = now
    contact.invite_code = None
    contact.invite_expires_at = None
    contact.last_inbound_at = now
    factory = await session.get(Factory, contact.factory_id)
    audit.record(
        session,
        actor=f"contact:{contact.id}",
        action="contact.link",
        subject=contact.name,
        brand_id=factory.brand_id if factory else None,
        details={"platform": platform, "chat_id": chat_id},
    )
    await session.flush()
    return LinkResult(LinkOutcome.LINKED, contact)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


class ContactNotFound(LookupError):
    pass


async def find_contact(
    session: AsyncSession, name: str, *, factory_code: str | None = None
) -> Contact:
    """One active contact by name (case-insensitive), narrowed by factory code when given."""
    query = select(Contact).where(func.lower(Contact.name) == name.strip().lower())
    if factory_code is not None:
        query = query.join(Factory, col(Factory.id) == Contact.factory_id).where(
            Factory.code == factory_code
        )
    contacts = [c for c in (await session.exec(query)).all() if c.active]
    if not contacts:
        raise ContactNotFound(f"no active contact named {name!r}")
    by_person = {(c.factory_id, c.name) for c in contacts}
    if len(by_person) > 1:
        raise ContactNotFound(f"several contacts are named {name!r}; give the factory code")
    console = [c for c in contacts if c.platform == "console"]
    return console[0] if console else contacts[0]


async def console_contact(session: AsyncSession, contact: Contact, *, now: datetime) -> Contact:
    """The console twin of a contact, linked: the operator's `wipbot shell` speaks as them.

    A console contact is linked to its own console chat. A Telegram or WhatsApp contact keeps its
    chat; the operator gets a separate console contact of the same factory, name and language,
    so nothing done in the terminal changes how the real person is reached.
    """
    twin = contact
    if contact.platform != "console":
        twin = (
            await session.exec(
                select(Contact)
                .where(Contact.factory_id == contact.factory_id)
                .where(Contact.name == contact.name)
                .where(Contact.platform == "console")
            )
        ).first() or Contact(
            factory_id=contact.factory_id,
            name=contact.name,
            platform="console",
            language=contact.language,
        )
        session.add(twin)
        await session.flush()
    if twin.chat_id is None:
        twin.chat_id = f"console-{twin.id}"
        twin.linked_at = now
        twin.invite_code = None
        twin.invite_expires_at = None
        factory = await session.get(Factory, twin.factory_id)
        audit.record(
            session,
            actor="cli",
            action="contact.link_console",
            subject=twin.name,
            brand_id=factory.brand_id if factory else None,
            details={"contact_id": twin.id, "chat_id": twin.chat_id},
        )
        await session.flush()
    return twin
