"""Invites: one-time, expiring, unguessable; an unknown chat learns only how to get access."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlmodel import select

from wipbot.handlers.onboarding import (
    InviteError,
    console_contact,
    create_invite,
    find_contact,
    invite_link,
)
from wipbot.store.db import SessionFactory, transaction
from wipbot.store.models import AuditLog, Contact, Factory

from .factory_seed import NOW, Chat, buttons, seed, text


async def invite(
    factory: SessionFactory, name: str = "Hoa", platform: str = "telegram", **kwargs: object
) -> str:
    async with transaction(factory) as session:
        created = await create_invite(
            session,
            factory_code="SGN1",
            name=name,
            platform=platform,
            now=NOW,
            **kwargs,  # type: ignore[arg-type]
        )
    return created.code


async def contact_named(factory: SessionFactory, name: str, platform: str = "telegram") -> Contact:
    async with factory() as session:
        return (
            await session.exec(
                select(Contact).where(Contact.name == name).where(Contact.platform == platform)
            )
        ).one()


@pytest.mark.parametrize("factory", ["SGN1", "sgn1", "Saigon Knit", " saigon  knit "])
async def test_an_invite_names_the_factory_by_code_or_by_name(
    sqlite_session_factory: SessionFactory, factory: str
) -> None:
    await seed(sqlite_session_factory)
    async with transaction(sqlite_session_factory) as session:
        created = await create_invite(
            session, factory_code=factory, name="Hoa", platform="telegram", now=NOW
        )
    assert created.factory_code == "SGN1"


async def test_a_factory_name_ending_in_a_full_stop_is_not_given_a_second_one(
    sqlite_session_factory: SessionFactory,
) -> None:
    await seed(sqlite_session_factory)
    async with transaction(sqlite_session_factory) as session:
        factory = (await session.exec(select(Factory).where(Factory.code == "SGN1"))).one()
        factory.name = "Saigon Garment Co."
    code = await invite(sqlite_session_factory)
    chat = Chat(sqlite_session_factory, chat_id="700", language_hint="en")
    said = text(await chat.say(f"/start {code}"))
    assert "linked to Saigon Garment Co. Each week" in said
    assert "Co.." not in said


async def test_a_deep_link_code_links_the_chat_once(session_factory: SessionFactory) -> None:
    await seed(session_factory)
    code = await invite(session_factory)
    assert re.fullmatch(r"[a-hj-km-np-z2-9]{20}", code)
    replies = await Chat(session_factory, chat_id="700", language_hint="en").say(f"/start {code}")
    assert "Welcome, Hoa! This chat is now linked to Saigon Knit." in text(replies)
    assert "PO-1042-1" in text(replies) and buttons(replies)[:2] == [
        "m:not_started",
        "m:materials_in",
    ]
    contact = await contact_named(session_factory, "Hoa")
    assert (contact.chat_id, contact.linked_at, contact.invite_code) == ("700", NOW, None)

    reused = await Chat(session_factory, chat_id="701").say(f"/start {code}")
    assert "not valid or was already used" in text(reused)
    assert (await contact_named(session_factory, "Hoa")).chat_id == "700"
    async with session_factory() as session:
        links = (
            await session.exec(select(AuditLog).where(AuditLog.action == "contact.link"))
        ).all()
    assert len(links) == 1


async def test_an_expired_code_is_refused(sqlite_session_factory: SessionFactory) -> None:
    await seed(sqlite_session_factory)
    code = await invite(sqlite_session_factory, ttl=timedelta(hours=1))
    late = Chat(sqlite_session_factory, chat_id="700", now=NOW + timedelta(hours=2))
    assert "expired" in text(await late.say(f"/start {code}"))
    assert (await contact_named(sqlite_session_factory, "Hoa")).chat_id is None


async def test_whatsapp_links_with_the_bare_code(sqlite_session_factory: SessionFactory) -> None:
    await seed(sqlite_session_factory)
    code = await invite(sqlite_session_factory, platform="whatsapp", language="vi")
    chat = Chat(sqlite_session_factory, chat_id="84901234567", platform="whatsapp")
    replies = await chat.say(f"  {code.upper()} ")  # typed from a screenshot
    assert "Chào mừng Hoa!" in text(replies)
    assert (await contact_named(sqlite_session_factory, "Hoa", "whatsapp")).chat_id == "84901234567"


async def test_a_code_only_works_on_its_own_platform(
    sqlite_session_factory: SessionFactory,
) -> None:
    await seed(sqlite_session_factory)
    code = await invite(sqlite_session_factory, platform="whatsapp")
    replies = await Chat(sqlite_session_factory, chat_id="700").say(f"/start {code}")
    assert "not valid" in text(replies)


async def test_reinviting_replaces_the_old_code(sqlite_session_factory: SessionFactory) -> None:
    await seed(sqlite_session_factory)
    old = await invite(sqlite_session_factory)
    new = await invite(sqlite_session_factory)
    assert old != new
    assert "not valid" in text(await Chat(sqlite_session_factory, "700").say(f"/start {old}"))
    welcome = await Chat(sqlite_session_factory, "700").say(f"/start {new}")
    assert "Chào mừng Hoa!" in text(welcome)  # no record, no hint: the factory's language
    async with sqlite_session_factory() as session:
        hoas = (await session.exec(select(Contact).where(Contact.name == "Hoa"))).all()
    assert len(hoas) == 1


async def test_a_linked_contact_saying_start_is_greeted_and_asked(
    sqlite_session_factory: SessionFactory,
) -> None:
    await seed(sqlite_session_factory)
    replies = await Chat(sqlite_session_factory).say("/start")
    assert replies[0].text == "Hello Lan!"
    assert buttons(replies)[:2] == ["m:not_started", "m:materials_in"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"factory_code": "NOPE"}, "no factory with code"),
        ({"platform": "signal"}, "unknown platform"),
        ({"name": "  "}, "needs a name"),
    ],
)
async def test_invites_that_cannot_be_made(
    sqlite_session_factory: SessionFactory, kwargs: dict[str, str], message: str
) -> None:
    await seed(sqlite_session_factory)
    arguments = {"factory_code": "SGN1", "name": "Hoa", "platform": "telegram", **kwargs}
    async with transaction(sqlite_session_factory) as session:
        with pytest.raises(InviteError, match=message):
            await create_invite(session, now=NOW, **arguments)


@pytest.mark.parametrize(
    ("platform", "handle", "link"),
    [
        ("telegram", "wipbot_bot", "https://t.me/wipbot_bot?start=abcDEF123_-xyzxyz"),
        ("telegram", "@wipbot_bot", "https://t.me/wipbot_bot?start=abcDEF123_-xyzxyz"),
        ("whatsapp", "+84 90 123 4567", "https://wa.me/84901234567?text=abcDEF123_-xyzxyz"),
        ("console", "", "abcDEF123_-xyzxyz"),
    ],
)
def test_invite_links(platform: str, handle: str, link: str) -> None:
    assert invite_link(platform, "abcDEF123_-xyzxyz", handle) == link


async def test_the_console_twin_keeps_the_real_chat(sqlite_session_factory: SessionFactory) -> None:
    seeded = await seed(sqlite_session_factory)
    async with transaction(sqlite_session_factory) as session:
        lan = await find_contact(session, "lan")
        twin = await console_contact(session, lan, now=NOW)
        again = await console_contact(session, lan, now=NOW)
    assert lan.id == seeded.contact_id and lan.chat_id == "100"
    assert twin.id == again.id and twin.platform == "console"
    assert twin.factory_id == lan.factory_id and twin.chat_id == f"console-{twin.id}"
    replies = await Chat(sqlite_session_factory, twin.chat_id, platform="console").say("/status")
    assert "PO-1042-1" in text(replies)
