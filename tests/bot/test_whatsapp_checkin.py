"""The check-in over WhatsApp end to end: signed webhook in, outbox sender, fake Graph API out."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import select

from tests.bot.whatsapp_fixtures import (
    KEMAL,
    RAHIMA,
    START,
    STRANGER,
    Bot,
    Clock,
    Seed,
    linked_contact,
    outbox,
    running_bot,
    seed,
    settings_for,
)
from tests.fakes.graph_api import FakeGraphApi
from tests.rows import checkins
from wipbot.bot.whatsapp import graph_config
from wipbot.bot.whatsapp.render import MORE_PREFIX
from wipbot.bot.whatsapp.transport import GraphTransport
from wipbot.handlers.messages import Button, Reply, reply_to_payload
from wipbot.handlers.reminders import send_prompt
from wipbot.scheduler.sender import send_due
from wipbot.store.db import SessionFactory, transaction
from wipbot.store.models import (
    CheckInIssue,
    CheckInPhoto,
    Factory,
    OutboxMessage,
    ScheduledPrompt,
)
from wipbot.store.outbox import enqueue


@pytest.fixture
async def fake() -> AsyncIterator[FakeGraphApi]:
    async with FakeGraphApi() as api:
        yield api


@pytest.fixture
def db(session_factory: SessionFactory) -> SessionFactory:
    """SQLite and PostgreSQL: the transport's and the webhook's queries must hold on both."""
    return session_factory


@pytest.fixture
async def bot(fake: FakeGraphApi, db: SessionFactory) -> AsyncIterator[Bot]:
    async with running_bot(fake, db, Clock()) as running:
        yield running


async def linked(bot: Bot, session_factory: SessionFactory) -> Seed:
    seeded = await seed(session_factory, "Rahima")
    await bot.say(RAHIMA, seeded.invites["Rahima"])
    return seeded


async def test_full_checkin_with_buttons_and_lists(bot: Bot, db: SessionFactory) -> None:
    seeded = await linked(bot, db)
    milestones = bot.fake.last_interactive(RAHIMA)
    assert milestones.interactive_type == "list"
    assert [o["id"] for o in milestones.options] == [
        "m:not_started",
        "m:materials_in",
        "m:cutting",
        "m:sewing",
        "m:finishing",
        "m:inspection",
        "m:shipped",
    ]

    quantity = (await bot.tap(RAHIMA, "Sewing"))[-1]
    assert quantity.interactive_type == "button"
    assert [o["id"] for o in quantity.options] == ["q:all", "q:skip"]
    issues = (await bot.tap(RAHIMA, "q:all"))[-1]
    assert issues.interactive_type == "list"
    assert len(issues.options) > 3
    marked = (await bot.tap(RAHIMA, "Fabric late"))[-1]
    assert marked.option("i:fabric_late")["title"] == "✓ Fabric late"
    delay = (await bot.tap(RAHIMA, "i:done"))[-1]
    assert delay.interactive_type == "button"
    await bot.tap(RAHIMA, "d:7")
    exf = (await bot.say(RAHIMA, "Knitting mill shipped the fabric two weeks late"))[-1]
    assert [o["id"] for o in exf.options] == ["x:keep", "x:new"]
    summary = (await bot.tap(RAHIMA, "x:keep"))[-1]
    assert "Fabric late" in summary.text
    after_first = await bot.tap(RAHIMA, "c:confirm")
    assert any("Saved: PO-3001-A" in m.text for m in after_first)

    await bot.tap(RAHIMA, "m:materials_in")
    await bot.tap(RAHIMA, "i:none")
    await bot.tap(RAHIMA, "x:keep")
    done = await bot.tap(RAHIMA, "c:confirm")
    assert "All done" in done[-1].text

    first, second = await checkins(db)
    assert (first.production_order_id, first.milestone, first.qty_sewn, first.source) == (
        seeded.order_ids[0],
        "sewing",
        1200,
        "whatsapp",
    )
    assert first.note == "Knitting mill shipped the fabric two weeks late"
    assert (second.production_order_id, second.milestone) == (seeded.order_ids[1], "materials_in")
    async with db() as s:
        issue = (await s.exec(select(CheckInIssue))).one()
    assert (issue.checkin_id, issue.flag, issue.delay_days) == (first.id, "fabric_late", 7)
    rows = await outbox(db)
    assert {r.status for r in rows} == {"sent"}
    assert all(r.platform_message_id for r in rows)


async def test_photo_during_checkin_is_saved_with_it(bot: Bot, db: SessionFactory) -> None:
    await linked(bot, db)
    bot.clock.advance(seconds=30)
    await bot.answers(
        RAHIMA,
        bot.fake.image_notification(RAHIMA, "880177media42", at=bot.clock(), caption=None),
    )
    await bot.tap(RAHIMA, "m:materials_in")
    await bot.tap(RAHIMA, "i:none")
    await bot.tap(RAHIMA, "x:keep")
    await bot.tap(RAHIMA, "c:confirm")
    async with db() as s:
        photo = (await s.exec(select(CheckInPhoto))).one()
    assert (photo.platform, photo.file_id) == ("whatsapp", "880177media42")


async def enqueue_reply(
    session_factory: SessionFactory, to: str, reply: Reply, **extra: Any
) -> int:
    async with transaction(session_factory) as s:
        row = enqueue(s, "whatsapp", to, reply_to_payload(reply) | extra, not_before=START)
        await s.flush()
        assert row.id is not None
        return row.id


async def test_more_options_than_a_list_holds_are_paged_and_answerable(
    bot: Bot, db: SessionFactory
) -> None:
    seeded = await seed(db)
    await linked_contact(db, seeded, KEMAL, last_inbound_at=START)
    values = [f"opt:{n}" for n in range(1, 26)]
    reply = Reply("Which line?", tuple(Button(f"Line {v[4:]}", v) for v in values))
    await enqueue_reply(db, KEMAL, reply)
    await bot.flush()

    seen: list[str] = []
    page = bot.fake.last_interactive(KEMAL)
    while True:
        ids = [o["id"] for o in page.options]
        assert len(ids) <= 10
        seen += [i for i in ids if not i.startswith(MORE_PREFIX)]
        more = [i for i in ids if i.startswith(MORE_PREFIX)]
        if not more:
            break
        (page,) = await bot.tap(KEMAL, more[0], page)
    assert seen == values

    answer = await bot.tap(KEMAL, "opt:23", page)
    assert len(answer) == 1, "the choice reached the conversation, which answered it"
    assert not answer[0].text.startswith("Which line?")


async def test_more_row_of_another_chat_shows_nothing(bot: Bot, db: SessionFactory) -> None:
    seeded = await seed(db)
    await linked_contact(db, seeded, KEMAL, last_inbound_at=START)
    await linked_contact(db, seeded, RAHIMA, name="Rahima", last_inbound_at=START)
    reply = Reply("Pick", tuple(Button(f"Option {n}", f"o:{n}") for n in range(12)))
    await enqueue_reply(db, KEMAL, reply)
    await bot.flush()
    more = bot.fake.last_interactive(KEMAL).options[-1]
    forged = bot.fake.tap_notification(
        RAHIMA, bot.fake.last_interactive(KEMAL), more["id"], at=bot.clock()
    )
    assert await bot.answers(RAHIMA, forged) == []


async def prompt_round(session_factory: SessionFactory, seeded: Seed, now: datetime) -> None:
    """What the scheduler does when the weekly check-in falls due."""
    async with transaction(session_factory) as s:
        factory = await s.get(Factory, seeded.factory_id)
        assert factory is not None
        prompt = ScheduledPrompt(
            factory_id=seeded.factory_id, week_of=date(2025, 11, 24), due_at=now
        )
        s.add(prompt)
        await s.flush()
        assert await send_prompt(s, factory, prompt, now=now) == 1
        await s.flush()
        # enqueue() stamps rows with the wall clock unless told otherwise; the test clock is
        # the scheduler's clock here.
        for row in (await s.exec(select(OutboxMessage))).all():
            row.next_attempt_at = min(row.next_attempt_at, now)


async def test_weekly_prompt_outside_the_window_goes_as_one_template(
    bot: Bot, db: SessionFactory
) -> None:
    seeded = await seed(db)
    await linked_contact(
        db,
        seeded,
        KEMAL,
        language="tr",
        last_inbound_at=START - timedelta(days=6),
    )
    await prompt_round(db, seeded, START)
    await bot.flush()

    (template,) = bot.fake.messages(KEMAL)
    assert template.kind == "template"
    assert template.body["template"]["name"] == "wipbot_checkin"
    assert template.body["template"]["language"] == {"code": "tr"}
    parameters = template.body["template"]["components"][0]["parameters"]
    assert [p["text"] for p in parameters] == ["Kemal", "2"]
    rows = await outbox(db)
    assert len(rows) > 1 and {r.status for r in rows} == {"sent"}

    bot.clock.advance(minutes=20)
    answer = await bot.answers(
        KEMAL, bot.fake.template_button_notification(KEMAL, template, at=bot.clock())
    )
    assert answer[-1].kind == "interactive"
    assert "PO-3001-A" in answer[-1].text


async def test_weekly_prompt_inside_the_window_goes_free_form(bot: Bot, db: SessionFactory) -> None:
    seeded = await seed(db)
    await linked_contact(db, seeded, KEMAL, last_inbound_at=START - timedelta(hours=20))
    await prompt_round(db, seeded, START)
    await bot.flush()
    sent = bot.fake.messages(KEMAL)
    assert [m.kind for m in sent] == ["text", "interactive"]
    assert "Weekly check-in" in sent[0].text


@pytest.mark.parametrize(
    ("marker", "language", "name", "code"),
    [
        ({"template": "reminder"}, "bn", "wipbot_reminder", "bn"),
        ({"template": "checkin"}, "zh-Hans", "wipbot_checkin", "zh_CN"),
        ({}, "vi", "wipbot_checkin", "vi"),
        ({"template": "reminder"}, "de", "wipbot_reminder", "en_US"),
    ],
    ids=["reminder-bengali", "checkin-chinese", "unmarked-vietnamese", "unmapped-language"],
)
async def test_template_name_and_language_come_from_the_settings(
    bot: Bot,
    db: SessionFactory,
    marker: dict[str, str],
    language: str,
    name: str,
    code: str,
) -> None:
    seeded = await seed(db)
    await linked_contact(
        db,
        seeded,
        KEMAL,
        language=language,
        last_inbound_at=START - timedelta(hours=30),
    )
    await enqueue_reply(db, KEMAL, Reply("Reminder"), **marker)
    await bot.flush()
    (template,) = bot.fake.messages(KEMAL)
    assert (template.body["template"]["name"], template.body["template"]["language"]["code"]) == (
        name,
        code,
    )


async def test_late_answer_outside_the_window_is_a_dead_letter(
    bot: Bot, db: SessionFactory
) -> None:
    response = await bot.post(bot.fake.text_notification(STRANGER, "hello", at=bot.clock()))
    assert response.status_code == 200
    bot.clock.advance(hours=25)
    await bot.flush()
    assert bot.fake.messages(STRANGER) == []
    (row,) = await outbox(db)
    assert row.status == "dead"
    assert "24-hour window" in row.last_error


@pytest.mark.parametrize(
    ("status", "retry_after", "expected_status", "error_code"),
    [
        (429, 7, "pending", "130429"),
        (503, None, "pending", "131000"),
        (400, None, "dead", "error 100"),
    ],
    ids=["rate-limited", "server-error", "bad-request"],
)
async def test_graph_api_failures_map_to_retry_or_dead_letter(
    bot: Bot,
    db: SessionFactory,
    status: int,
    retry_after: int | None,
    expected_status: str,
    error_code: str,
) -> None:
    bot.fake.fail_next("messages", status, retry_after=retry_after)
    await bot.post(bot.fake.text_notification(STRANGER, "hello", at=bot.clock()))
    await bot.flush()
    (row,) = await outbox(db)
    assert row.status == expected_status
    assert error_code in row.last_error
    if retry_after is not None:
        assert row.next_attempt_at >= bot.clock() + timedelta(seconds=retry_after)
    if expected_status == "pending":
        bot.clock.advance(minutes=5)
        await bot.flush()
        assert [m.kind for m in bot.fake.messages(STRANGER)] == ["text"]


async def test_long_reply_is_split_and_a_retry_sends_only_what_is_missing(
    bot: Bot, db: SessionFactory
) -> None:
    seeded = await seed(db)
    await linked_contact(db, seeded, KEMAL, last_inbound_at=START)
    lines = [f"PO-{n:04d}: sewing, 1200 of 1500 pieces, ex-factory 20 Jan" for n in range(40)]
    reply = Reply(
        "\n".join([*lines, "", "Is this right?"]), (Button("Yes", "y"), Button("No", "n"))
    )
    await enqueue_reply(db, KEMAL, reply)
    bot.fake.fail_after(1, 502)  # the text part goes out, the interactive part does not
    await bot.flush()
    (row,) = await outbox(db)
    assert row.status == "pending"
    assert [m.kind for m in bot.fake.messages(KEMAL)] == ["text"]
    bot.clock.advance(minutes=10)
    await bot.flush()
    sent = bot.fake.messages(KEMAL)
    assert [m.kind for m in sent] == ["text", "interactive"]
    assert len(bot.fake.calls_to("messages")) == 3, "text, failed interactive, interactive"
    assert sent[1].text.endswith("Is this right?")
    assert "PO-0000" in sent[0].text
    shown = sent[0].text + "\n" + sent[1].text
    assert all(line in shown for line in lines)
    (row,) = await outbox(db)
    assert row.platform_message_id == sent[1].id


async def test_a_part_answered_after_the_timeout_is_not_sent_again(
    bot: Bot, db: SessionFactory
) -> None:
    """Meta sent the first part of a split reply but answered after the transport's timeout: it
    counts as sent, the second part still goes, and the row is unconfirmed, never sent again."""
    seeded = await seed(db)
    await linked_contact(db, seeded, KEMAL, last_inbound_at=START)
    lines = [f"PO-{n:04d}: sewing, 1200 of 1500 pieces, ex-factory 20 Jan" for n in range(40)]
    await enqueue_reply(db, KEMAL, Reply("\n".join(lines), (Button("Yes", "y"),)))
    bot.fake.answer_late("messages", 1.5)
    quick = GraphTransport(graph_config(settings_for(bot.fake)), db, clock=bot.clock, timeout=1.0)
    try:
        for _ in range(2):
            sent = await send_due(db, {"whatsapp": quick}, clock=bot.clock, sleep=bot.clock.sleep)
            assert sent == 0
            bot.clock.advance(hours=1)  # past any retry's wait, within the 24-hour window
    finally:
        await quick.aclose()

    assert [m.kind for m in bot.fake.messages(KEMAL)] == ["text", "interactive"]
    assert len(bot.fake.calls_to("messages")) == 2
    (row,) = await outbox(db)
    assert (row.status, row.attempts) == ("unconfirmed", 1)
    assert "ReadTimeout" in row.last_error and row.sent_at is not None


async def test_a_free_form_reply_just_before_the_window_closed_covers_no_prompt(
    bot: Bot, db: SessionFactory
) -> None:
    seeded = await seed(db)
    await linked_contact(db, seeded, KEMAL, last_inbound_at=START - timedelta(hours=23, minutes=50))
    await enqueue_reply(db, KEMAL, Reply("Thanks, noted."), template=None)
    await bot.flush()
    bot.clock.advance(minutes=10)
    await prompt_round(db, seeded, bot.clock())
    await bot.flush()
    assert [m.kind for m in bot.fake.messages(KEMAL)] == ["text", "template"]


async def test_not_started_yet_is_a_row_of_the_stage_list(bot: Bot, db: SessionFactory) -> None:
    seeded = await linked(bot, db)
    stages = bot.fake.last_interactive(RAHIMA)
    assert stages.options[0]["id"] == "m:not_started"
    issues = (await bot.tap(RAHIMA, "m:not_started"))[-1]
    assert issues.options[0]["id"] == "i:none"
    await bot.tap(RAHIMA, "i:trims_late")
    await bot.tap(RAHIMA, "i:done")
    await bot.say(RAHIMA, "10")
    await bot.tap(RAHIMA, "n:skip")
    summary = (await bot.tap(RAHIMA, "x:keep"))[-1]
    assert "Not started yet" in summary.text
    await bot.tap(RAHIMA, "c:confirm")
    [row, *_] = await checkins(db)
    assert (row.production_order_id, row.milestone) == (seeded.order_ids[0], None)
    async with db() as s:
        issue = (await s.exec(select(CheckInIssue))).one()
    assert (issue.flag, issue.delay_days) == ("trims_late", 10)
