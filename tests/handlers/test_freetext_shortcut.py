"""The typed shortcut: one message, one tap, in every shipped language."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import col, select

from wipbot.store.db import SessionFactory, transaction
from wipbot.store.models import CheckIn, CheckInIssue, Contact, ProductionOrder

from .factory_seed import Chat, buttons, seed, text


async def saved(
    factory: SessionFactory,
) -> list[tuple[str, int | None, list[tuple[str, int | None]]]]:
    async with factory() as session:
        rows = (await session.exec(select(CheckIn).order_by(col(CheckIn.id)))).all()
        issues = (await session.exec(select(CheckInIssue).order_by(col(CheckInIssue.id)))).all()
    return [
        (
            c.milestone,
            c.qty_sewn if c.milestone == "sewing" else c.qty_cut,
            [(i.flag, i.delay_days) for i in issues if i.checkin_id == c.id],
        )
        for c in rows
    ]


@pytest.mark.parametrize(
    ("language", "message", "summary_line"),
    [
        ("en", "PO-1042 sewing 800 fabric late 5 days", "Sewn: 800 of 1,200"),
        ("vi", "PO-1042 may 800 vải trễ 5 ngày", "Đã may: 800 / 1.200"),
        ("bn", "PO-1042 সেলাই ৮০০ কাপড় ৫ দিন দেরি", "সেলাই হয়েছে: 1,200-এর মধ্যে 800"),
        ("zh-Hans", "PO-1042 车缝 800件 面料延迟5天", "已车缝: 800 / 1,200"),
        ("tr", "PO-1042 dikim 800 kumaş 5 gün gecikti", "Dikilen: 800 / 1.200"),
    ],
)
async def test_a_shortcut_is_confirmed_with_one_tap(
    sqlite_session_factory: SessionFactory, language: str, message: str, summary_line: str
) -> None:
    await seed(sqlite_session_factory, language=language)
    chat = Chat(sqlite_session_factory)
    summary = await chat.say(message)
    assert summary_line in text(summary)
    assert buttons(summary) == ["c:confirm", "c:edit"]
    await chat.tap("c:confirm")
    assert await saved(sqlite_session_factory) == [("sewing", 800, [("fabric_late", 5)])]


async def test_a_shortcut_with_a_new_date_and_a_po_number_without_suffix(
    session_factory: SessionFactory,
) -> None:
    await seed(session_factory)
    chat = Chat(session_factory)
    summary = text(await chat.say("po 1043 cutting 200 new date 30/4"))
    assert "PO-1043-1" in summary and "New ex-factory date: Apr 30" in summary
    await chat.tap("c:confirm")
    async with session_factory() as session:
        row = (await session.exec(select(CheckIn))).one()
    assert (row.milestone, row.qty_cut, row.revised_exf) == ("cutting", 200, date(2026, 4, 30))


async def test_a_shortcut_mid_conversation_comes_first_and_the_rest_follows(
    sqlite_session_factory: SessionFactory,
) -> None:
    await seed(sqlite_session_factory)
    chat = Chat(sqlite_session_factory)
    await chat.say("/checkin")  # asks about PO-1042-1 first
    summary = text(await chat.say("PO-1043-1 cutting 100"))
    assert "PO-1043-1" in summary
    after = text(await chat.tap("c:confirm"))
    assert "Saved: PO-1043-1" in after and "PO-1042-1" in after
    for value in ("m:sewing", "q:skip", "i:none", "x:keep"):
        await chat.tap(value)
    assert "Production orders updated: 2" in text(await chat.tap("c:confirm"))


async def test_without_a_stage_the_last_reported_one_is_assumed(
    sqlite_session_factory: SessionFactory,
) -> None:
    await seed(sqlite_session_factory)
    chat = Chat(sqlite_session_factory)
    first = text(await chat.say("PO-1042 trims late 3 days"))
    assert "Which stage is PO-1042-1 at?" in first
    await chat.say("PO-1042 sewing 100")
    await chat.tap("c:confirm")
    summary = text(await chat.say("PO-1042 900"))
    assert "Stage: Sewing" in summary and "Sewn: 900 of 1,200" in summary


@pytest.mark.parametrize(
    ("language", "message", "correction"),
    [
        ("en", "good morning", "Sorry, I did not understand. You can write e.g. “PO-1042 sewing"),
        ("vi", "chào buổi sáng", "Xin lỗi, tôi chưa hiểu. Bạn có thể viết ví dụ: “PO-1042 may"),
        ("bn", "শুভ সকাল", "দুঃখিত, বুঝতে পারিনি। এভাবে লিখতে পারেন: “PO-1042 সেলাই"),
        ("zh-Hans", "早上好", "抱歉，没看懂。可以这样写：“PO-1042 车缝"),
        ("tr", "günaydın", "Üzgünüm, anlayamadım. Örneğin “PO-1042 dikim"),
        ("en", "PO-1042 PO-1043 sewing", "one production order per message"),
        ("en", "PO-1042 sewing 800 new date 31/02", "That date does not exist"),
        ("en", "PO-1042 thanks", "What is the news on this order?"),
        ("en", "PO-1042 sewing 9000", "PO-1042-1 has 1,200 pieces"),
        ("en", "PO-1042 sewing 500 new date 1/1/2030", "more than a year away"),
        ("vi", "PO-9999 may 100", "Không tìm thấy PO-9999"),
    ],
)
async def test_text_that_cannot_be_used_gets_a_friendly_correction(
    sqlite_session_factory: SessionFactory, language: str, message: str, correction: str
) -> None:
    await seed(sqlite_session_factory, language=language)
    replies = await Chat(sqlite_session_factory).say(message)
    assert correction in replies[0].text
    assert "Traceback" not in text(replies)
    assert await saved(sqlite_session_factory) == []


async def test_a_po_with_several_production_orders_asks_which(
    sqlite_session_factory: SessionFactory,
) -> None:
    seeded = await seed(sqlite_session_factory)
    async with transaction(sqlite_session_factory) as session:
        first = await session.get(ProductionOrder, seeded.order_ids[0])
        contact = await session.get(Contact, seeded.contact_id)
        assert first is not None and contact is not None
        session.add(
            ProductionOrder(
                po_id=first.po_id, factory_id=contact.factory_id, number="PO-1042-2", quantity=50
            )
        )
    replies = await Chat(sqlite_session_factory).say("PO-1042 sewing 20")
    assert "PO-1042-1, PO-1042-2" in replies[0].text
    summary = text(await Chat(sqlite_session_factory).say("PO-1042-2 sewing 20"))
    assert "Sewn: 20 of 50" in summary


async def test_mid_conversation_a_report_without_number_is_about_the_current_order(
    sqlite_session_factory: SessionFactory,
) -> None:
    await seed(sqlite_session_factory, language="vi")
    chat = Chat(sqlite_session_factory)
    await chat.say("/checkin")
    summary = text(await chat.say("may 800 vải trễ 5 ngày"))
    assert "PO-1042-1" in summary and "Đã may: 800 / 1.200" in summary
    kept = text(await chat.say("ngày 30 tháng 4"))
    assert "Đã may: 800 / 1.200" in kept and "Vải trễ (+5 ngày)" in kept and "30 thg 4" in kept
    await chat.tap("c:confirm")
    async with sqlite_session_factory() as session:
        row = (await session.exec(select(CheckIn))).one()
    assert (row.qty_sewn, row.revised_exf) == (800, date(2026, 4, 30))
