"""The factory conversation over Telegram, end to end: webhook in, outbox, fake Bot API out."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date

import pytest
from sqlmodel import select

from tests.bot.telegram_fixtures import (
    LAN,
    MAI,
    STRANGER,
    WEI,
    Bot,
    Clock,
    count_rows,
    running_bot,
    seed,
)
from tests.fakes.telegram_api import FakeTelegramApi, SentMessage, User
from tests.rows import checkins
from wipbot.handlers.i18n import translator
from wipbot.store.db import SessionFactory, make_engine, make_session_factory
from wipbot.store.models import CheckInPhoto, Contact, ConversationState

LARGEST_PHOTO = "AgACAgUAAxkBAAIBE2dHc1-x"
NEXT_WEEKS_FRIDAY = date(2025, 12, 5)


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegramApi]:
    async with FakeTelegramApi() as api:
        yield api


@pytest.fixture
async def bot(fake: FakeTelegramApi, sqlite_session_factory: SessionFactory) -> AsyncIterator[Bot]:
    async with running_bot(fake, sqlite_session_factory, Clock()) as running:
        yield running


def values(message: SentMessage) -> list[str]:
    return [button["callback_data"] for button in message.buttons]


async def link(bot: Bot, user: User, code: str) -> list[SentMessage]:
    answers = await bot.say(user, f"/start {code}")
    assert values(answers[-1])[:3] == ["m:not_started", "m:materials_in", "m:cutting"], answers[
        -1
    ].text
    return answers


async def test_a_full_checkin_of_three_production_orders_by_buttons(
    bot: Bot, sqlite_session_factory: SessionFactory
) -> None:
    seeded = await seed(sqlite_session_factory, "Lan")
    welcome = await link(bot, LAN, seeded.invites["Lan"])
    assert "Hoa Phat Garment" in welcome[0].text
    assert "PO-1001-A" in welcome[-1].text

    [quantity_question] = await bot.click(LAN, "m:sewing")
    assert quantity_question.text.startswith("✓ Sewing\n")
    for data, label in (("q:all", "All 1,200"), ("i:none", "No issues")):
        [next_question] = await bot.click(LAN, data)
        assert next_question.text.startswith(f"✓ {label}\n"), next_question.text
    await bot.click(LAN, "x:keep")
    saved = await bot.click(LAN, "c:confirm")
    assert "PO-1001-A" in saved[0].text
    assert "PO-1001-B" in saved[-1].text

    await bot.click(LAN, "m:cutting")
    typed = await bot.say(LAN, "500")
    assert values(typed[-1])[0] == "i:none"
    for data in ("i:none", "x:keep", "c:confirm"):
        await bot.click(LAN, data)

    assert "PO-1002-A" in bot.fake.last_message(LAN.id).text
    for data in ("m:materials_in", "i:none", "x:keep"):
        await bot.click(LAN, data)
    done = await bot.click(LAN, "c:confirm")
    taps = 13

    assert done[-1].buttons == []
    rows = await checkins(sqlite_session_factory)
    assert [(r.production_order_id, r.milestone, r.source) for r in rows] == [
        (seeded.order_ids[0], "sewing", "telegram"),
        (seeded.order_ids[1], "cutting", "telegram"),
        (seeded.order_ids[2], "materials_in", "telegram"),
    ]
    assert (rows[0].qty_sewn, rows[1].qty_cut) == (1200, 500)
    clicks = bot.fake.calls_to("answerCallbackQuery")
    assert len({call.params["callback_query_id"] for call in clicks}) == len(clicks) == taps
    assert all(call.in_webhook_answer for call in clicks)  # no request of their own
    assert bot.fake.calls_to("editMessageReplyMarkup") == []  # one request per tap: the reply


async def test_issue_buttons_toggle_in_place_on_the_same_message(
    bot: Bot, sqlite_session_factory: SessionFactory
) -> None:
    seeded = await seed(sqlite_session_factory, "Lan")
    await link(bot, LAN, seeded.invites["Lan"])
    await bot.click(LAN, "m:sewing")
    await bot.click(LAN, "q:skip")
    issues = bot.fake.last_message(LAN.id)

    assert await bot.click(LAN, "i:fabric_late", issues) == []
    assert await bot.click(LAN, "i:trims_late", issues) == []
    assert await bot.click(LAN, "i:fabric_late", issues) == []

    assert issues.edits == 3
    assert [label for label in issues.labels if label.startswith("✓ ")] == ["✓ Trims late"]
    assert bot.fake.calls_to("editMessageText")[-1].params["message_id"] == str(issues.message_id)
    delay = await bot.click(LAN, "i:done", issues)
    assert values(delay[-1]) == ["d:3", "d:7", "d:14"]


async def test_a_restart_mid_conversation_continues_where_it_was(
    fake: FakeTelegramApi, sqlite_url: str
) -> None:
    clock = Clock()
    engine = make_engine(sqlite_url)
    factory = make_session_factory(engine)
    seeded = await seed(factory, "Lan")
    async with running_bot(fake, factory, clock) as first:
        await link(first, LAN, seeded.invites["Lan"])
        await first.click(LAN, "m:finishing")
        quantity_question = fake.last_message(LAN.id)
    await engine.dispose()

    engine = make_engine(sqlite_url)
    factory = make_session_factory(engine)
    try:
        async with running_bot(fake, factory, clock) as second:
            assert values(quantity_question) == ["q:all", "q:skip"]
            await second.say(LAN, "700")
            for data in ("i:none", "x:keep", "c:confirm"):
                await second.click(LAN, data)
        rows = await checkins(factory)
    finally:
        await engine.dispose()
    assert [(r.production_order_id, r.milestone, r.qty_finished) for r in rows] == [
        (seeded.order_ids[0], "finishing", 700)
    ]


async def test_a_duplicate_update_is_handled_once(
    bot: Bot, sqlite_session_factory: SessionFactory
) -> None:
    seeded = await seed(sqlite_session_factory, "Lan")
    await link(bot, LAN, seeded.invites["Lan"])
    for data in ("m:sewing", "q:all", "i:none", "x:keep"):
        await bot.click(LAN, data)
    confirm = bot.fake.click_update(LAN, bot.fake.last_message(LAN.id), data="c:confirm")
    before = len(bot.fake.messages(LAN.id))

    await bot.deliver(confirm)
    after_first = len(bot.fake.messages(LAN.id))
    await bot.deliver(confirm)
    await bot.deliver(confirm)

    assert after_first > before
    assert len(bot.fake.messages(LAN.id)) == after_first
    assert len(await checkins(sqlite_session_factory)) == 1


async def test_an_unknown_chat_only_hears_how_to_get_access(
    bot: Bot, sqlite_session_factory: SessionFactory
) -> None:
    seeded = await seed(sqlite_session_factory, "Lan")
    how_to = translator("en")(
        "Hello! This chat is not linked to a factory yet. "
        "Please ask your brand contact for an invite link and open it, "
        "or send the invite code here."
    )

    for text in ("/checkin", "PO-1001-A sewing 600", "/status"):
        answers = await bot.say(STRANGER, text)
        assert [(a.text, a.buttons) for a in answers] == [(how_to, [])]
    photo = await bot.send_photo(STRANGER)
    assert [a.text for a in photo] == [how_to]
    wrong_code = await bot.say(STRANGER, "/start AAAAAAAAAAAAAAAAAAAA")
    assert len(wrong_code) == 1 and wrong_code[0].text != how_to

    async with sqlite_session_factory() as s:
        contact = (await s.exec(select(Contact))).one()
        states = (await s.exec(select(ConversationState))).all()
    assert (contact.chat_id, contact.invite_code) == (None, seeded.invites["Lan"])
    assert states == []
    assert await checkins(sqlite_session_factory) == []


async def test_a_group_chat_is_ignored(bot: Bot, sqlite_session_factory: SessionFactory) -> None:
    seeded = await seed(sqlite_session_factory, "Lan")
    update = bot.fake.text_update(LAN, f"/start {seeded.invites['Lan']}")
    update["message"]["chat"] = {"id": -1002233445566, "title": "Line 2", "type": "supergroup"}
    before = await count_rows(sqlite_session_factory)

    await bot.deliver(update)

    assert bot.fake.calls_to("sendMessage") == []
    assert await count_rows(sqlite_session_factory) == before


@pytest.mark.parametrize(
    ("user", "quantity", "new_date"),
    [(MAI, "600 cái", "thứ sáu tuần sau"), (WEI, "６００件", "下周五")],
    ids=["vietnamese", "chinese"],
)
async def test_free_text_in_the_contacts_language(
    bot: Bot, sqlite_session_factory: SessionFactory, user: User, quantity: str, new_date: str
) -> None:
    seeded = await seed(sqlite_session_factory, user.first_name)
    _ = translator(user.language_code)
    welcome = await link(bot, user, seeded.invites[user.first_name])
    assert _("Which stage has it reached?") in welcome[-1].text

    await bot.click(user, "m:sewing")
    await bot.say(user, quantity)
    await bot.click(user, "i:none")
    await bot.click(user, "x:new")
    summary = await bot.say(user, new_date)
    assert values(summary[-1]) == ["c:confirm", "c:edit"]
    await bot.click(user, "c:confirm")

    [row] = await checkins(sqlite_session_factory)
    assert (row.qty_sewn, row.revised_exf) == (600, NEXT_WEEKS_FRIDAY)


BAD_INPUT = [
    # (buttons tapped to reach the step, bad answers typed there)
    ((), ("banana", "600")),
    (("m:sewing",), ("many", "99999", "-5", "1.5")),
    (("m:sewing", "q:all"), ("no idea", "???")),
    (("m:sewing", "q:all", "i:fabric_late", "i:done"), ("soon", "400", "-2")),
    (("m:sewing", "q:all", "i:none"), ("hmm", "maybe later")),
    (("m:sewing", "q:all", "i:none", "x:new"), ("someday", "1/1/2020", "31/02", "1/1/2030")),
    (("m:sewing", "q:all", "i:none", "x:keep"), ("ok", "yes please")),
]


@pytest.mark.parametrize(
    ("path", "bad_answers"),
    BAD_INPUT,
    ids=["milestone", "quantity", "issues", "delay", "exf", "new_exf", "summary"],
)
async def test_bad_input_at_every_step_gets_a_correction_and_the_same_question(
    bot: Bot,
    sqlite_session_factory: SessionFactory,
    path: tuple[str, ...],
    bad_answers: tuple[str, ...],
) -> None:
    seeded = await seed(sqlite_session_factory, "Lan")
    await link(bot, LAN, seeded.invites["Lan"])
    for data in path:
        await bot.click(LAN, data)
    question = bot.fake.last_message(LAN.id)

    for bad in bad_answers:
        answers = await bot.say(LAN, bad)
        assert len(answers) == 2, (bad, [a.text for a in answers])
        correction, again = answers
        assert correction.text != question.text and correction.buttons == [], bad
        assert again.buttons == question.buttons, bad
        assert question.text.endswith(again.text), bad  # without the "✓ <choice>" line

    assert await checkins(sqlite_session_factory) == []


async def test_a_stale_button_gets_the_current_question(
    bot: Bot, sqlite_session_factory: SessionFactory
) -> None:
    seeded = await seed(sqlite_session_factory, "Lan")
    await link(bot, LAN, seeded.invites["Lan"])
    await bot.click(LAN, "m:sewing")
    quantity_question = bot.fake.last_message(LAN.id)
    await bot.say(LAN, "600")  # typed, so the quantity keyboard stays clickable
    issues_question = bot.fake.last_message(LAN.id)

    answers = await bot.click(LAN, "q:all", quantity_question)

    assert len(answers) == 2 and answers[0].buttons == []
    assert (answers[1].text, answers[1].buttons) == (issues_question.text, issues_question.buttons)
    assert quantity_question.buttons == []  # not marked as chosen: removed, it was never taken


async def test_a_photo_is_kept_by_the_file_id_of_its_largest_size(
    bot: Bot, sqlite_session_factory: SessionFactory
) -> None:
    seeded = await seed(sqlite_session_factory, "Lan")
    await link(bot, LAN, seeded.invites["Lan"])
    for data in ("m:sewing", "q:all", "i:none", "x:keep"):
        await bot.click(LAN, data)
    summary = bot.fake.last_message(LAN.id)

    added = await bot.send_photo(LAN)
    assert len(added) == 1
    await bot.click(LAN, "c:confirm", summary)

    async with sqlite_session_factory() as s:
        photos = (await s.exec(select(CheckInPhoto))).all()
    [row] = await checkins(sqlite_session_factory)
    assert [(p.checkin_id, p.platform, p.file_id) for p in photos] == [
        (row.id, "telegram", LARGEST_PHOTO)
    ]


async def test_not_started_yet_with_its_delay_by_buttons(
    bot: Bot, sqlite_session_factory: SessionFactory
) -> None:
    seeded = await seed(sqlite_session_factory, "Lan")
    await link(bot, LAN, seeded.invites["Lan"])
    issues = await bot.click(LAN, "m:not_started")
    assert values(issues[-1])[0] == "i:none"  # no quantity before anything is made
    await bot.click(LAN, "i:fabric_late")
    delay = await bot.click(LAN, "i:done")
    assert values(delay[-1]) == ["d:3", "d:7", "d:14"]
    for data in ("d:7", "n:skip"):
        await bot.click(LAN, data)
    summary = await bot.click(LAN, "x:keep")
    assert "Stage: Not started yet" in summary[-1].text
    await bot.click(LAN, "c:confirm")
    [row] = await checkins(sqlite_session_factory)
    assert (row.production_order_id, row.milestone, row.source) == (
        seeded.order_ids[0],
        None,
        "telegram",
    )
