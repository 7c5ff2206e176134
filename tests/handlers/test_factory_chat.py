"""The weekly check-in through handle_inbound, as every chat platform drives it."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

import pytest
from sqlmodel import func, select

from tests.rows import checkins
from wipbot.handlers.checkin import start_checkin
from wipbot.handlers.checkin_draft import CheckinDraft
from wipbot.handlers.checkin_record import NotYourOrder, record_checkin
from wipbot.production.milestones import Milestone
from wipbot.store.db import SessionFactory, make_engine, make_session_factory, transaction
from wipbot.store.models import (
    AuditLog,
    CheckInIssue,
    CheckInPhoto,
    Contact,
    ConversationState,
    ProductionOrder,
)

from .factory_seed import NOW, Chat, Seeded, buttons, seed, text


async def conversation(factory: SessionFactory, contact_id: int) -> ConversationState:
    async with factory() as session:
        state = (
            await session.exec(
                select(ConversationState).where(ConversationState.contact_id == contact_id)
            )
        ).one()
        return state


async def test_full_check_in_of_two_orders(session_factory: SessionFactory) -> None:
    seeded = await seed(session_factory)
    chat = Chat(session_factory)

    intro = await chat.say("/checkin")
    assert "Production orders to update: 2" in text(intro)
    assert "PO-1042-1" in text(intro)
    assert buttons(intro) == ["m:not_started", *(f"m:{m.value}" for m in Milestone)]
    assert "How many pieces are sewn" in text(await chat.tap("m:sewing"))
    assert buttons(await chat.say("800 pcs"))[0] == "i:none"
    toggled = await chat.tap("i:fabric_late")
    assert toggled[0].edit_previous
    assert [b.value for b in toggled[0].buttons if b.selected] == ["i:fabric_late"]
    assert buttons(await chat.tap("i:done")) == ["d:3", "d:7", "d:14"]
    assert buttons(await chat.say("5")) == ["n:skip"]
    assert buttons(await chat.say("mill shipped the fabric late")) == ["x:keep", "x:new"]
    await chat.tap("x:new")
    summary = text(await chat.say("20/4"))
    assert "Sewn: 800 of 1,200" in summary
    assert "Fabric late (+5 d)" in summary
    assert "New ex-factory date: Apr 20" in summary

    second = await chat.tap("c:confirm")
    assert "Saved: PO-1042-1" in text(second)
    assert "PO-1043-1" in text(second)
    await chat.tap("m:materials_in")  # no quantity for materials: straight to issues
    await chat.tap("i:none")
    assert "Please check" in text(await chat.tap("x:keep"))
    done = await chat.tap("c:confirm")
    assert "Production orders updated: 2" in text(done)

    first, last = await checkins(session_factory)
    assert (first.production_order_id, first.milestone, first.qty_sewn) == (
        seeded.order_ids[0],
        "sewing",
        800,
    )
    assert first.revised_exf == date(2026, 4, 20)
    assert first.note == "mill shipped the fabric late"
    assert first.source == "telegram" and first.contact_id == seeded.contact_id
    assert (last.production_order_id, last.milestone, last.revised_exf) == (
        seeded.order_ids[1],
        "materials_in",
        None,
    )
    async with session_factory() as session:
        issues = (await session.exec(select(CheckInIssue))).all()
        audits = (
            await session.exec(select(AuditLog).where(AuditLog.action == "checkin.record"))
        ).all()
    assert [(i.checkin_id, i.flag, i.delay_days) for i in issues] == [(first.id, "fabric_late", 5)]
    assert sorted(a.subject for a in audits) == ["PO-1042-1", "PO-1043-1"]
    state = await conversation(session_factory, seeded.contact_id)
    assert state.flow == "idle"


async def test_four_taps_and_one_number_per_order(sqlite_session_factory: SessionFactory) -> None:
    await seed(sqlite_session_factory)
    chat = Chat(sqlite_session_factory)
    await chat.say("/checkin")
    for answer in ("m:cutting", "300", "i:none", "x:keep", "c:confirm"):
        replies = await (chat.say(answer) if answer.isdigit() else chat.tap(answer))
    assert "PO-1043-1" in text(replies)
    [saved] = await checkins(sqlite_session_factory)
    assert (saved.milestone, saved.qty_cut) == ("cutting", 300)


async def test_restart_mid_conversation_loses_nothing(db_url: str) -> None:
    engine = make_engine(db_url)
    seeded = await seed(make_session_factory(engine))
    chat = Chat(make_session_factory(engine))
    await chat.say("/checkin")
    await chat.tap("m:finishing")
    await chat.say("1,100")
    await engine.dispose()

    later = make_engine(db_url)
    try:
        restarted = Chat(make_session_factory(later), now=NOW + timedelta(hours=5))
        resumed = await restarted.say("/checkin")
        assert "continue where you left off" in text(resumed)
        assert buttons(resumed)[0] == "i:none"
        await restarted.tap("i:none")
        await restarted.tap("x:keep")
        summary = text(await restarted.say("/checkin"))
        assert "Finished: 1,100 of 1,200" in summary
        await restarted.tap("c:confirm")
        [saved] = await checkins(make_session_factory(later))
        assert (saved.production_order_id, saved.qty_finished) == (seeded.order_ids[0], 1100)
    finally:
        await later.dispose()


async def test_a_duplicate_delivery_acts_once(sqlite_session_factory: SessionFactory) -> None:
    seeded = await seed(sqlite_session_factory)
    chat = Chat(sqlite_session_factory)
    await chat.say("/checkin")
    tap = chat.inbound(choice="m:sewing", inbound_id="update-77")
    assert await chat.deliver(tap)
    await chat.say("500")
    assert await chat.deliver(tap) == []
    state = await conversation(sqlite_session_factory, seeded.contact_id)
    assert (state.step, state.data["draft"]["quantity"]) == ("issues", 500)


@pytest.mark.parametrize("message", ["hello", "/status", "/checkin", "PO-1042-1 sewing 800"])
async def test_unknown_chat_only_learns_how_to_get_access(
    sqlite_session_factory: SessionFactory, message: str
) -> None:
    await seed(sqlite_session_factory)
    replies = await Chat(sqlite_session_factory, chat_id="555").say(message)
    assert len(replies) == 1 and not replies[0].buttons
    assert "not linked to a factory" in replies[0].text
    assert "PO-" not in replies[0].text
    async with sqlite_session_factory() as session:
        assert (await session.exec(select(func.count()).select_from(ConversationState))).one() == 0
    assert await checkins(sqlite_session_factory) == []


async def test_unknown_chat_is_answered_in_its_platform_language(
    sqlite_session_factory: SessionFactory,
) -> None:
    replies = await Chat(sqlite_session_factory, chat_id="555", language_hint="zh-CN").say("hi")
    assert "邀请" in replies[0].text


STEPS_TO = {
    "milestone": [],
    "quantity": ["m:sewing"],
    "issues": ["m:sewing", "q:skip"],
    "delay": ["m:sewing", "q:skip", "i:trims_late", "i:done"],
    "note": ["m:sewing", "q:skip", "i:trims_late", "i:done", "d:3"],
    "exf": ["m:sewing", "q:skip", "i:none"],
    "exf_new": ["m:sewing", "q:skip", "i:none", "x:new"],
    "summary": ["m:sewing", "q:skip", "i:none", "x:keep"],
    "edit": ["m:sewing", "q:skip", "i:none", "x:keep", "c:edit"],
}


async def walk_to(chat: Chat, step: str) -> None:
    await chat.say("/checkin")
    for value in STEPS_TO[step]:
        await chat.tap(value)


@pytest.mark.parametrize(
    ("step", "bad", "correction"),
    [
        ("milestone", "sideways", "Please tap one of the buttons"),
        ("quantity", "lots", "Please send the number of pieces, e.g. 600 (at most 1,320)"),
        ("quantity", "5000", "at most 1,320"),
        ("quantity", "-5", "at most 1,320"),
        ("quantity", "1.5", "at most 1,320"),
        ("milestone", "600", "Please tap one of the buttons"),
        ("issues", "fabric", "Please tap one of the buttons"),
        ("issues", "800", "Please tap one of the buttons"),
        ("delay", "soon", "number of days"),
        ("delay", "400", "number of days"),
        ("exf", "whenever", "could not read that date"),
        ("exf_new", "31/02", "could not read that date"),
        ("exf_new", "20/2/2026", "That date has passed"),
        ("exf_new", "1/2/2028", "more than a year away"),
        ("summary", "ok", "Please tap one of the buttons"),
        ("edit", "quantity", "Please tap one of the buttons"),
    ],
)
async def test_bad_input_gets_a_correction_and_changes_nothing(
    sqlite_session_factory: SessionFactory, step: str, bad: str, correction: str
) -> None:
    seeded = await seed(sqlite_session_factory)
    chat = Chat(sqlite_session_factory)
    await walk_to(chat, step)
    before = await conversation(sqlite_session_factory, seeded.contact_id)
    replies = await chat.say(bad)
    assert correction in replies[0].text
    assert "Traceback" not in text(replies) and "Error" not in text(replies)
    assert replies[-1].buttons or step in ("exf_new",)
    after = await conversation(sqlite_session_factory, seeded.contact_id)
    assert (after.step, after.data["draft"]) == (before.step, before.data["draft"])
    assert await checkins(sqlite_session_factory) == []


@pytest.mark.parametrize(
    ("step", "bad", "correction"),
    [
        ("quantity", "nhiều lắm", "Vui lòng gửi số chiếc, ví dụ 600 (tối đa 1.320)."),
        ("delay", "sớm thôi", "Vui lòng gửi số ngày, ví dụ 5."),
        ("exf_new", "tuần nào đó", "Tôi không đọc được ngày này."),
        ("summary", "ok", "Vui lòng bấm một nút bên dưới."),
    ],
)
async def test_corrections_are_in_the_contacts_language(
    sqlite_session_factory: SessionFactory, step: str, bad: str, correction: str
) -> None:
    await seed(sqlite_session_factory, language="vi")
    chat = Chat(sqlite_session_factory)
    await walk_to(chat, step)
    replies = await chat.say(bad)
    assert replies[0].text.startswith(correction)


async def test_a_button_from_an_earlier_question_is_answered_with_the_current_one(
    sqlite_session_factory: SessionFactory,
) -> None:
    seeded = await seed(sqlite_session_factory)
    chat = Chat(sqlite_session_factory)
    await walk_to(chat, "exf")
    replies = await chat.tap("m:shipped")
    assert "earlier question" in replies[0].text
    assert buttons(replies) == ["x:keep", "x:new"]
    state = await conversation(sqlite_session_factory, seeded.contact_id)
    assert state.data["draft"]["milestone"] == "sewing"


async def test_the_help_example_names_one_of_the_contacts_own_orders(
    sqlite_session_factory: SessionFactory,
) -> None:
    await seed(sqlite_session_factory)
    help_text = text(await Chat(sqlite_session_factory, language_hint="en").say("/help"))
    assert "“PO-1042-1 sewing 800 fabric late 5 days”" in help_text


@pytest.mark.parametrize("step", sorted(STEPS_TO))
async def test_help_status_and_cancel_work_at_any_step(
    sqlite_session_factory: SessionFactory, step: str
) -> None:
    seeded = await seed(sqlite_session_factory)
    chat = Chat(sqlite_session_factory)
    await walk_to(chat, step)
    assert "/checkin" in text(await chat.say("/help"))
    status = text(await chat.say("/status"))
    assert "PO-1042-1" in status and "PO-1043-1" in status and "PO-2001" not in status
    state = await conversation(sqlite_session_factory, seeded.contact_id)
    assert state.step == step
    assert "Check-in stopped" in text(await chat.say("/cancel"))
    assert (await conversation(sqlite_session_factory, seeded.contact_id)).flow == "idle"
    assert "Nothing to cancel" in text(await chat.say("/cancel"))


async def test_edit_changes_one_field_and_returns_to_the_summary(
    sqlite_session_factory: SessionFactory,
) -> None:
    await seed(sqlite_session_factory)
    chat = Chat(sqlite_session_factory)
    await walk_to(chat, "summary")
    await chat.tap("c:edit")
    await chat.tap("e:quantity")
    summary = text(await chat.say("900"))
    assert "Sewn: 900 of 1,200" in summary and "Please check" in summary
    await chat.tap("c:edit")
    await chat.tap("e:issues")
    await chat.tap("i:qc_rejection")
    await chat.tap("i:done")
    await chat.tap("d:14")
    summary = text(await chat.tap("n:skip"))
    assert "QC rejection (+14 d)" in summary
    await chat.tap("c:confirm")
    [saved] = await checkins(sqlite_session_factory)
    assert saved.qty_sewn == 900


async def test_photos_are_kept_with_the_check_in(sqlite_session_factory: SessionFactory) -> None:
    await seed(sqlite_session_factory)
    chat = Chat(sqlite_session_factory)
    await walk_to(chat, "exf")
    assert "Photo added" in text(await chat.deliver(chat.inbound(photo="file-abc")))
    await chat.tap("x:keep")
    await chat.tap("c:confirm")
    async with sqlite_session_factory() as session:
        photos = (await session.exec(select(CheckInPhoto))).all()
    assert [(p.platform, p.file_id) for p in photos] == [("telegram", "file-abc")]


async def test_a_photo_caption_joins_the_note_and_does_not_answer_the_step(
    sqlite_session_factory: SessionFactory,
) -> None:
    await seed(sqlite_session_factory)
    chat = Chat(sqlite_session_factory)
    await walk_to(chat, "exf")
    photo = chat.inbound(photo="file-stain", text="stain on the front panel")
    assert "Photo and its caption added" in text(await chat.deliver(photo))
    summary = text(await chat.tap("x:keep"))
    assert "stain on the front panel" in summary
    assert "Photos: 1" in summary
    await chat.tap("c:confirm")
    [saved] = await checkins(sqlite_session_factory)
    assert "stain on the front panel" in saved.note
    async with sqlite_session_factory() as session:
        photos = (await session.exec(select(CheckInPhoto))).all()
    assert [p.file_id for p in photos] == ["file-stain"]


async def test_an_order_closed_mid_conversation_is_skipped(
    sqlite_session_factory: SessionFactory,
) -> None:
    seeded = await seed(sqlite_session_factory)
    chat = Chat(sqlite_session_factory)
    await chat.say("/checkin")
    async with transaction(sqlite_session_factory) as session:
        order = await session.get(ProductionOrder, seeded.order_ids[0])
        assert order is not None
        order.status = "closed"
    replies = await chat.tap("m:sewing")
    assert "PO-1043-1" in text(replies) and "PO-1042-1" not in text(replies)


async def test_start_checkin_resumes_and_reminds(sqlite_session_factory: SessionFactory) -> None:
    seeded = await seed(sqlite_session_factory)
    async with transaction(sqlite_session_factory) as session:
        contact = await session.get(Contact, seeded.contact_id)
        assert contact is not None
        first = await start_checkin(session, contact, now=NOW)
    assert "Production orders to update: 2" in text(first)
    chat = Chat(sqlite_session_factory)
    await chat.tap("m:cutting")
    async with transaction(sqlite_session_factory) as session:
        contact = await session.get(Contact, seeded.contact_id)
        assert contact is not None
        reminder = await start_checkin(session, contact, now=NOW + timedelta(days=1), reminder=True)
    assert reminder[0].text.startswith("Reminder")
    assert buttons(reminder) == ["q:all", "q:skip"]
    async with transaction(sqlite_session_factory) as session:
        contact = await session.get(Contact, seeded.contact_id)
        assert contact is not None
        next_week = await start_checkin(session, contact, now=NOW + timedelta(days=7))
    assert "Production orders to update: 2" in text(next_week)
    assert buttons(next_week)[:2] == ["m:not_started", "m:materials_in"]


async def test_a_factory_without_open_orders_is_thanked(
    sqlite_session_factory: SessionFactory,
) -> None:
    seeded = await seed(sqlite_session_factory)
    async with transaction(sqlite_session_factory) as session:
        for order_id in seeded.order_ids:
            order = await session.get(ProductionOrder, order_id)
            assert order is not None
            order.status = "closed"
    replies = await Chat(sqlite_session_factory).say("/checkin")
    assert "no open production orders" in text(replies)
    assert (await conversation(sqlite_session_factory, seeded.contact_id)).flow == "idle"


async def test_contact_language_comes_from_the_record_then_the_chat(
    sqlite_session_factory: SessionFactory,
) -> None:
    await seed(sqlite_session_factory, language=None)
    from_hint = await Chat(sqlite_session_factory, language_hint="tr").say("/help")
    assert "Her hafta" in text(from_hint)
    await seed_language(sqlite_session_factory, "bn")
    from_record = await Chat(sqlite_session_factory, language_hint="tr").say("/help")
    assert "প্রতি সপ্তাহে" in text(from_record)


async def seed_language(factory: SessionFactory, language: str) -> None:
    async with transaction(factory) as session:
        contact = (await session.exec(select(Contact).where(Contact.chat_id == "100"))).one()
        contact.language = language


async def test_last_inbound_is_recorded(sqlite_session_factory: SessionFactory) -> None:
    seeded = await seed(sqlite_session_factory)
    await Chat(sqlite_session_factory).say("/help")
    async with sqlite_session_factory() as session:
        contact = await session.get(Contact, seeded.contact_id)
    assert contact is not None and contact.last_inbound_at == NOW


async def test_a_contact_never_reaches_another_factorys_order(
    session_factory: SessionFactory,
) -> None:
    seeded: Seeded = await seed(session_factory)
    chat = Chat(session_factory)
    for typed in ("PO-2001 sewing 800", "PO-2001-1 cutting 100", "po 2001 shipped"):
        replies = await chat.say(typed)
        assert "cannot find PO-2001" in text(replies)
    status = text(await chat.say("/status"))
    assert "PO-2001" not in status
    assert await checkins(session_factory) == []
    async with transaction(session_factory) as session:
        contact = await session.get(Contact, seeded.contact_id)
        other = await session.get(ProductionOrder, seeded.other_order_id)
        assert contact is not None and other is not None
        with pytest.raises(NotYourOrder):
            await record_checkin(
                session, contact, other, CheckinDraft(milestone=Milestone.SEWING), NOW
            )
    assert await checkins(session_factory) == []


async def test_simultaneous_taps_of_one_chat_are_both_kept(
    session_factory: SessionFactory,
) -> None:
    """Turns of one chat are serialized: PostgreSQL locks the conversation row, SQLite
    transactions take the write lock when they begin."""
    seeded = await seed(session_factory)
    chat = Chat(session_factory)
    await walk_to(chat, "issues")
    await asyncio.gather(chat.tap("i:fabric_late"), chat.tap("i:trims_late"))
    state = await conversation(session_factory, seeded.contact_id)
    assert sorted(i["flag"] for i in state.data["draft"]["issues"]) == ["fabric_late", "trims_late"]


@pytest.mark.parametrize(
    ("answer", "left", "correction"),
    [
        pytest.param(("s:today",), 0, None, id="today"),
        pytest.param(("s:yesterday",), 1, None, id="yesterday"),
        pytest.param(("tomorrow", "s:yesterday"), 1, "day the goods left", id="future-corrected"),
    ],
)
async def test_shipped_asks_the_day_the_goods_left_in_one_tap(
    sqlite_session_factory: SessionFactory,
    answer: tuple[str, ...],
    left: int,
    correction: str | None,
) -> None:
    await seed(sqlite_session_factory)
    chat = Chat(sqlite_session_factory)
    await chat.say("/checkin")
    await chat.tap("m:shipped")
    asked = await chat.tap("q:all")
    assert buttons(asked) == ["s:today", "s:yesterday"]
    for step in answer:
        replies = await (chat.tap(step) if step.startswith("s:") else chat.say(step))
        if correction is not None and not step.startswith("s:"):
            assert correction in text(replies)
            assert buttons(replies) == ["s:today", "s:yesterday"]
    for data in ("i:none", "x:keep", "c:confirm"):
        await chat.tap(data)
    [row] = await checkins(sqlite_session_factory)
    assert (row.milestone, row.shipped_on) == ("shipped", NOW.date() - timedelta(days=left))


async def test_the_shortcut_understands_not_started_yet(
    sqlite_session_factory: SessionFactory,
) -> None:
    await seed(sqlite_session_factory)
    chat = Chat(sqlite_session_factory)
    summary = text(await chat.say("PO-1042 not started fabric late 7 days"))
    assert "Stage: Not started yet" in summary and "Fabric late (+7 d)" in summary
    await chat.tap("c:confirm")
    [row] = await checkins(sqlite_session_factory)
    assert row.milestone is None
    async with sqlite_session_factory() as session:
        issue = (await session.exec(select(CheckInIssue))).one()
    assert (issue.flag, issue.delay_days) == ("fabric_late", 7)
