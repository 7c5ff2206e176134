"""The common case takes few taps: an order without issues in at most four, and a week where
nothing changed in one tap for all of a contact's orders. Taps are counted per order."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from tests.rows import checkins
from wipbot.handlers.messages import Reply
from wipbot.store.db import SessionFactory
from wipbot.store.models import AuditLog, CheckInIssue

from .factory_seed import Chat, buttons, seed, text


class CountingChat(Chat):
    """A chat that counts the buttons tapped; typing is not a tap."""

    taps = 0

    async def tap(self, value: str) -> list[Reply]:
        self.taps += 1
        return await super().tap(value)


async def test_an_order_without_issues_takes_at_most_four_taps(
    session_factory: SessionFactory,
) -> None:
    await seed(session_factory)
    chat = CountingChat(session_factory)
    await chat.say("/checkin")
    for value in ("m:sewing", "q:all", "i:clear"):
        replies = await chat.tap(value)
    assert "Ex-factory date holds" in text(replies)
    saved = await chat.tap("c:confirm")
    assert "Saved: PO-1042-1" in text(saved) and chat.taps == 4
    for value in ("m:materials_in", "i:clear", "c:confirm"):
        done = await chat.tap(value)
    assert "Production orders updated: 2" in text(done)
    assert chat.taps / 2 <= 4
    first, second = await checkins(session_factory)
    assert (first.milestone, first.qty_sewn, first.revised_exf) == ("sewing", 1200, None)
    assert (second.milestone, second.revised_exf) == ("materials_in", None)


async def test_a_week_where_nothing_changed_is_one_tap_for_all_orders(
    sqlite_session_factory: SessionFactory,
) -> None:
    seeded = await seed(sqlite_session_factory)
    first_week = CountingChat(sqlite_session_factory)
    intro = await first_week.say("/checkin")
    assert "a:same" not in [b.value for r in intro for b in r.buttons]
    for value in ("m:sewing", "q:all", "i:fabric_late", "i:done", "d:7", "n:skip", "x:keep"):
        await first_week.tap(value)
    await first_week.tap("c:confirm")
    for value in ("m:cutting", "q:all", "i:clear", "c:confirm"):
        await first_week.tap(value)

    next_week = CountingChat(sqlite_session_factory, now=first_week.now + timedelta(days=7))
    intro = await next_week.say("/checkin")
    assert intro[0].buttons[0].label == "All as last week, no new issues"
    done = await next_week.tap("a:same")
    assert "Production orders updated: 2" in text(done)
    assert next_week.taps == 1

    history = await checkins(sqlite_session_factory)
    assert len(history) == 4
    repeated = history[2:]
    assert [(c.production_order_id, c.milestone) for c in repeated] == [
        (seeded.order_ids[0], "sewing"),
        (seeded.order_ids[1], "cutting"),
    ]
    assert repeated[0].qty_sewn == 1200 and repeated[1].qty_cut == 800
    assert {c.reported_at for c in repeated} == {next_week.now}
    async with sqlite_session_factory() as session:
        issues = (
            await session.exec(
                select(CheckInIssue).where(CheckInIssue.checkin_id == repeated[0].id)
            )
        ).all()
        audits = (
            await session.exec(
                select(AuditLog).where(AuditLog.action == "checkin.same_as_last_week")
            )
        ).all()
    assert [(i.flag, i.delay_days) for i in issues] == [("fabric_late", 7)]
    assert sorted(a.subject for a in audits) == ["PO-1042-1", "PO-1043-1"]
    assert "has ended" in text(await next_week.tap("a:same"))
    assert len(await checkins(sqlite_session_factory)) == 4


async def test_the_quick_answer_is_not_offered_without_a_last_week(
    sqlite_session_factory: SessionFactory,
) -> None:
    await seed(sqlite_session_factory)
    chat = Chat(sqlite_session_factory)
    await chat.say("/checkin")
    for value in ("m:sewing", "q:all", "i:clear", "c:confirm"):
        await chat.tap(value)
    later = Chat(sqlite_session_factory, now=chat.now + timedelta(days=7))
    intro = await later.say("/checkin")
    assert "a:same" not in buttons(intro[:1]) and intro[0].buttons == ()
