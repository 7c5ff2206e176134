"""The mid-week check-in's conversation: its own intro in every shipped language, then the
weekly check-in's steps about the orders near their ex-factory date only."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import select

from tests.rows import checkins
from wipbot.handlers.checkin import midweek_orders, start_midweek_checkin
from wipbot.handlers.i18n import LANGUAGES, format_date, format_number, translator
from wipbot.handlers.messages import Reply
from wipbot.production.milestones import Milestone
from wipbot.store.db import SessionFactory, transaction
from wipbot.store.models import Contact, ConversationState

from .factory_seed import NOW, Chat, buttons, seed, text

INTRO = (
    "Mid-week check for {factory}: the orders due to leave the factory by {date}. "
    "Production orders to update: {count}."
)


async def start(sessions: SessionFactory, contact_id: int, window_days: int = 42) -> list[Reply]:
    async with transaction(sessions) as session:
        contact = await session.get(Contact, contact_id)
        assert contact is not None
        near = await midweek_orders(
            session,
            contact.factory_id,
            now=NOW,
            timezone="Asia/Ho_Chi_Minh",
            window_days=window_days,
        )
        return await start_midweek_checkin(
            session, contact, now=NOW, orders=near, window_days=window_days
        )


@pytest.mark.parametrize("language", LANGUAGES)
async def test_the_intro_is_in_the_contacts_language(
    sqlite_session_factory: SessionFactory, language: str
) -> None:
    seeded = await seed(sqlite_session_factory, language=language)
    intro, question = await start(sqlite_session_factory, seeded.contact_id)
    expected = translator(language)(INTRO).format(
        factory="Saigon Knit",
        date=format_date(date(2026, 3, 2) + timedelta(days=42), language),
        count=format_number(1, language),
    )
    assert intro.text == expected
    if language != "en":
        assert intro.text != INTRO.format(factory="Saigon Knit", date="Apr 13", count="1")
    assert "PO-1042-1" in question.text  # ex-factory 10 Apr: near; PO-1043 (24 Apr) is not
    assert "PO-1043-1" not in question.text


async def test_the_same_steps_save_a_checkin_about_the_near_order_only(
    sqlite_session_factory: SessionFactory,
) -> None:
    seeded = await seed(sqlite_session_factory)
    first = await start(sqlite_session_factory, seeded.contact_id)
    assert buttons(first) == ["m:not_started", *(f"m:{m.value}" for m in Milestone)]
    chat = Chat(sqlite_session_factory)
    await chat.tap("m:cutting")
    await chat.say("300")
    await chat.tap("i:fabric_late")
    await chat.tap("i:done")
    await chat.tap("d:7")
    await chat.tap("n:skip")
    await chat.tap("x:keep")
    done = await chat.tap("c:confirm")
    assert "Production orders updated: 1" in text(done)
    [saved] = await checkins(sqlite_session_factory)
    assert (saved.production_order_id, saved.milestone, saved.qty_cut) == (
        seeded.order_ids[0],
        "cutting",
        300,
    )


async def test_nothing_near_means_no_message_and_no_conversation(
    sqlite_session_factory: SessionFactory,
) -> None:
    seeded = await seed(sqlite_session_factory)
    assert await start(sqlite_session_factory, seeded.contact_id, window_days=30) == []
    async with sqlite_session_factory() as session:
        assert (await session.exec(select(ConversationState))).all() == []
