"""Defects found by driving the bot as a platform would: redelivered button presses, broken
Unicode in a factory's text, and updates whose handling failed."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest

from tests.bot.telegram_fixtures import LAN, Bot, Clock, count_rows, running_bot, seed
from tests.fakes.telegram_api import FakeTelegramApi
from tests.rows import checkins
from wipbot.store.db import SessionFactory


@pytest.fixture
async def bot(sqlite_session_factory: SessionFactory) -> AsyncIterator[Bot]:
    async with (
        FakeTelegramApi() as fake,
        running_bot(fake, sqlite_session_factory, Clock()) as running,
    ):
        seeded = await seed(sqlite_session_factory, "Lan")
        await running.say(LAN, f"/start {seeded.invites['Lan']}")
        yield running


async def test_a_redelivered_button_press_is_answered_only_the_first_time(bot: Bot) -> None:
    press = bot.fake.click_update(LAN, bot.fake.last_message(LAN.id), data="m:sewing")
    await bot.deliver(press)
    await bot.deliver(press)
    await bot.deliver(press)
    assert len(bot.fake.calls_to("answerCallbackQuery")) == 1


async def test_a_text_with_a_lone_surrogate_still_gets_its_reply(bot: Bot) -> None:
    update = bot.fake.text_update(LAN, "PO-1001-A sewing 800 \ud800")
    body = json.dumps(update).encode()  # ensure_ascii: "\\ud800", valid JSON as Telegram sends
    assert b"\\ud800" in body
    before = len(bot.fake.messages(LAN.id))
    response = await bot.http.post(
        f"{bot.url}/telegram/webhook",
        content=body,
        headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret-Token_for-the-webhook"},
    )
    assert response.status_code == 200
    assert await bot.flush() >= 1
    answers = bot.fake.messages(LAN.id)[before:]
    assert answers and all("\ud800" not in message.text for message in answers)


async def test_an_update_refused_while_the_database_is_away_is_handled_as_new_later(
    bot: Bot, sqlite_session_factory: SessionFactory
) -> None:
    """Nothing of a failed update stays behind: Telegram's retry acts in full."""
    await bot.click(LAN, "m:sewing")
    await bot.click(LAN, "q:all")
    await bot.click(LAN, "i:none")
    await bot.click(LAN, "x:keep")
    confirm = bot.fake.click_update(LAN, bot.fake.last_message(LAN.id), data="c:confirm")
    before = await count_rows(sqlite_session_factory)
    engine = sqlite_session_factory.kw["bind"]
    async with engine.begin() as connection:
        await connection.exec_driver_sql("ALTER TABLE checkin RENAME TO checkin_away")
    assert await bot.post(confirm) == 500
    async with engine.begin() as connection:
        await connection.exec_driver_sql("ALTER TABLE checkin_away RENAME TO checkin")
    assert await count_rows(sqlite_session_factory) == before
    assert len(bot.fake.calls_to("answerCallbackQuery")) == 4
    assert await bot.post(confirm) == 200
    assert len(await checkins(sqlite_session_factory)) == 1
    assert len(bot.fake.calls_to("answerCallbackQuery")) == 5
