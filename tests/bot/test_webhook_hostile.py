"""The chat webhooks under what a black-box fuzzer sent, correctly signed, on both databases.

Each case was a 500 (and Telegram or Meta delivering the update again for hours) or a hang: a
quantity of thousands of digits (int() refuses more than 4,300), a megabyte of text (seconds in
the free-text parser), a "²" where a number was expected
(str.isdigit() admits it, int() does not), a forged "More…" row id past the outbox's 32-bit id,
and ids wider than the columns they are recorded in (PostgreSQL refuses the insert). Now a
contact gets a correction in their language, and what no platform sends is refused or ignored
with nothing written.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from tests.bot import telegram_fixtures as tg
from tests.bot import whatsapp_fixtures as wa
from tests.rows import checkins, count
from wipbot.handlers.onboarding import create_invite
from wipbot.store.db import SessionFactory, transaction
from wipbot.store.models import CheckInPhoto


class Failures(logging.Handler):
    """Every record logged with a traceback or at ERROR, from any logger."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.found: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info or record.levelno >= logging.ERROR:
            self.found.append(record.getMessage())


@pytest.fixture
def failures() -> Iterator[list[str]]:
    handler = Failures()
    logging.getLogger().addHandler(handler)
    try:
        yield handler.found
    finally:
        logging.getLogger().removeHandler(handler)


# -- Telegram -----------------------------------------------------------------------------------


@pytest.fixture
async def telegram(session_factory: SessionFactory) -> AsyncIterator[tg.Bot]:
    async with tg.invited_bot(session_factory) as bot:
        yield bot


async def answer_to(bot: tg.Bot, update: dict[str, Any]) -> list[str]:
    """The texts the bot sent for one update, which must be answered 200."""
    before = len(bot.fake.messages(tg.LAN.id))
    assert await bot.post(update) == 200
    await bot.flush()
    return [m.text for m in bot.fake.messages(tg.LAN.id)[before:]]


@pytest.mark.parametrize("text", ["PO-1001-A sewing " + "9" * 5000, "1" + ",000" * 1500])
async def test_a_message_past_telegrams_4096_characters_is_refused(
    telegram: tg.Bot, failures: list[str], text: str
) -> None:
    """Telegram sends none: a 5,000-digit quantity made int() fail (a 500), and a megabyte of
    text took the free-text parser many seconds."""
    await telegram.click(tg.LAN, "m:sewing")
    before = await tg.count_rows(telegram.session_factory)
    started = time.monotonic()
    assert await telegram.post(telegram.fake.text_update(tg.LAN, text)) == 400
    assert await telegram.post(telegram.fake.photo_update(tg.LAN, "x" * 1_000_000)) == 400
    assert time.monotonic() - started < 5
    assert await tg.count_rows(telegram.session_factory) == before
    assert not failures


async def test_the_longest_quantity_telegram_sends_gets_the_question_again(
    telegram: tg.Bot, failures: list[str]
) -> None:
    """4,096 digits, as many as a message holds: answered like any count past the order's."""
    await telegram.click(tg.LAN, "m:sewing")
    texts = await answer_to(telegram, telegram.fake.text_update(tg.LAN, "9" * 4096))
    assert texts == [
        "Please send the number of pieces, e.g. 600 (at most 1,320).",
        "How many pieces are sewn so far? (order: 1,200)",
    ]
    assert not failures


@pytest.mark.parametrize("lot", ["²", "300²", "①"])
async def test_a_lot_size_that_only_looks_like_digits_gets_a_correction(
    telegram: tg.Bot, session_factory: SessionFactory, failures: list[str], lot: str
) -> None:
    async with transaction(session_factory) as session:
        invite = await create_invite(
            session,
            factory_code="HP",
            name="Wei QC",
            platform="telegram",
            now=tg.START,
            role="inspector",
            language="zh-Hans",
        )
    linked = await telegram.say(tg.WEI, f"/start {invite.code}")
    await telegram.click(tg.WEI, linked[-1].buttons[0]["callback_data"])
    asked = await telegram.click(tg.WEI, "qc:k:final")
    answered = await telegram.say(tg.WEI, lot)
    assert len(answered) >= 2 and not failures  # a correction, then the question again
    assert answered[-1].buttons == asked[-1].buttons


async def test_a_photo_whose_file_id_is_wider_than_its_column_is_refused(
    telegram: tg.Bot, failures: list[str]
) -> None:
    update = telegram.fake.photo_update(tg.LAN, "PO-1001-A sewing 800")
    update["message"]["photo"][-1]["file_id"] = "AgAC" + "x" * 300
    before = await tg.count_rows(telegram.session_factory)
    assert await telegram.post(update) == 400
    assert await tg.count_rows(telegram.session_factory) == before
    assert not failures


# -- WhatsApp -----------------------------------------------------------------------------------


@pytest.fixture
async def whatsapp(session_factory: SessionFactory) -> AsyncIterator[wa.Bot]:
    async with wa.invited_bot(session_factory) as bot:
        yield bot


def list_reply(bot: wa.Bot, row_id: str) -> dict[str, Any]:
    notification = bot.fake.text_notification(wa.RAHIMA, "x", at=bot.clock())
    message = notification["entry"][0]["changes"][0]["value"]["messages"][0]
    del message["text"]
    message["type"] = "interactive"
    message["interactive"] = {"type": "list_reply", "list_reply": {"id": row_id, "title": "More"}}
    return notification


@pytest.mark.parametrize(
    "row_id",
    ["wa-more:99999999999999999999:0", "wa-more:2147483648:0", "wa-more:²:0", "wa-more:1:²"],
)
async def test_a_forged_more_row_is_ignored(
    whatsapp: wa.Bot, failures: list[str], row_id: str
) -> None:
    response = await whatsapp.post(list_reply(whatsapp, row_id))
    assert response.status_code == 200
    assert not failures


@pytest.mark.parametrize("text", ["PO-3001 sewing " + "9" * 5000, "PO-3001 " * 125_000])
async def test_a_message_past_metas_4096_characters_is_ignored_at_once(
    whatsapp: wa.Bot, failures: list[str], text: str
) -> None:
    """Meta sends none: a 5,000-digit quantity made int() fail (a 500 and Meta's retries), a
    megabyte of text took the free-text parser 15 seconds."""
    before = await wa.count_rows(whatsapp.session_factory)
    started = time.monotonic()
    response = await whatsapp.post(
        whatsapp.fake.text_notification(wa.RAHIMA, text, at=whatsapp.clock())
    )
    assert response.status_code == 200
    assert time.monotonic() - started < 5
    assert await wa.count_rows(whatsapp.session_factory) == before
    assert not failures


def message_of(notification: dict[str, Any]) -> dict[str, Any]:
    message: dict[str, Any] = notification["entry"][0]["changes"][0]["value"]["messages"][0]
    return message


@pytest.mark.parametrize(
    ("field", "value"),
    [("from", "8" * 5000), ("from", "not-a-number"), ("id", "wamid." + "A" * 200)],
)
async def test_a_message_whose_ids_meta_never_sends_is_ignored(
    whatsapp: wa.Bot, failures: list[str], field: str, value: str
) -> None:
    notification = whatsapp.fake.text_notification(wa.RAHIMA, "/checkin", at=whatsapp.clock())
    message_of(notification)[field] = value
    before = await wa.count_rows(whatsapp.session_factory)
    response = await whatsapp.post(notification)
    assert response.status_code == 200
    assert await wa.count_rows(whatsapp.session_factory) == before
    assert not failures


async def test_a_photo_whose_media_id_is_wider_than_its_column_is_ignored(
    whatsapp: wa.Bot, failures: list[str]
) -> None:
    """The photo used to be kept on the open check-in, whose row PostgreSQL would refuse."""
    await whatsapp.say(wa.RAHIMA, "/checkin")
    notification = whatsapp.fake.image_notification(
        wa.RAHIMA, "M" * 300, at=whatsapp.clock(), caption="PO-3001 sewing 800"
    )
    before = await wa.count_rows(whatsapp.session_factory)
    photos = await count(whatsapp.session_factory, CheckInPhoto)
    response = await whatsapp.post(notification)
    assert response.status_code == 200
    assert await wa.count_rows(whatsapp.session_factory) == before
    assert await count(whatsapp.session_factory, CheckInPhoto) == photos
    assert not failures


@pytest.mark.parametrize("caption", ["\x00", "seam\x00fix"])
async def test_a_nul_in_a_note_does_not_stop_the_check_in_being_saved(
    telegram: tg.Bot, failures: list[str], caption: str
) -> None:
    """PostgreSQL refuses NUL in text: the note kept it, and every confirmation failed."""
    for step in ("m:sewing", "q:all", "i:none"):
        await telegram.click(tg.LAN, step)
    summary = (await telegram.click(tg.LAN, "x:keep"))[-1]
    added = await telegram.send_photo(tg.LAN, caption)
    assert added[0].text == "Photo and its caption added to this check-in."
    await telegram.click(tg.LAN, "c:confirm", summary)
    [saved] = await checkins(telegram.session_factory)
    assert saved.qty_sewn == 1200 and "\x00" not in saved.note and "\ufffd" in saved.note
    assert not failures
