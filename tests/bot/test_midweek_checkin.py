"""The mid-week check-in end to end: the scheduler's round through the outbox sender to the real
python-telegram-bot library against the fake Bot API (and to WhatsApp through the fake Graph
API), listing only the orders near their ex-factory date, and answered with the same buttons."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from tests.bot import telegram_fixtures as tg
from tests.bot import whatsapp_fixtures as wa
from tests.fakes.graph_api import FakeGraphApi
from tests.fakes.telegram_api import FakeTelegramApi, SentMessage
from tests.rows import checkins
from wipbot.scheduler.jobs import JobContext, prompt_job
from wipbot.scheduler.prompts import PromptOutcome
from wipbot.store.db import SessionFactory

TELEGRAM_SATURDAY = datetime(2025, 12, 6, 2, 0, tzinfo=UTC)
"""09:00 in Ho Chi Minh City, three days after Hoa Phat's Wednesday slot: PO-1001 (ex-factory
15 Jan) is within 42 days, PO-1002 (25 Jan) is not."""
WHATSAPP_SATURDAY = datetime(2025, 12, 13, 4, 0, tzinfo=UTC)
"""10:00 in Dhaka, three days after Dhaka Knitwear's Wednesday slot: PO-3001 (ex-factory 20 Jan)
is within 42 days, PO-3002 (3 Feb) is not."""


def values(message: SentMessage) -> list[str]:
    return [button["callback_data"] for button in message.buttons]


async def midweek_round(sessions: SessionFactory, factory_id: int, clock: tg.Clock) -> None:
    """What the mid-week cron job does when the factory's mid-week time comes."""
    tick = await prompt_job(JobContext(sessions, clock=clock), factory_id, "midweek")
    assert tick is not None and tick.outcome is PromptOutcome.SENT


@pytest.fixture
async def telegram(sqlite_session_factory: SessionFactory) -> AsyncIterator[tg.Bot]:
    async with (
        FakeTelegramApi() as fake,
        tg.running_bot(fake, sqlite_session_factory, tg.Clock()) as bot,
    ):
        yield bot


async def test_telegram_midweek_prompt_lists_the_near_orders_and_the_answers_are_saved(
    telegram: tg.Bot, sqlite_session_factory: SessionFactory
) -> None:
    seeded = await tg.seed(sqlite_session_factory, "Lan")
    await telegram.say(tg.LAN, f"/start {seeded.invites['Lan']}")  # last week's check-in
    telegram.clock.now = TELEGRAM_SATURDAY
    await midweek_round(sqlite_session_factory, seeded.factory_id, telegram.clock)

    before = len(telegram.fake.messages(tg.LAN.id))
    await telegram.flush()
    intro, question = telegram.fake.messages(tg.LAN.id)[before:]
    assert intro.text == (
        "Mid-week check for Hoa Phat Garment: the orders due to leave the factory by Jan 17. "
        "Production orders to update: 2."
    )
    assert question.text.startswith("📦 PO-1001-A")
    assert values(question)[:3] == ["m:not_started", "m:materials_in", "m:cutting"]

    for data in ("m:sewing", "q:all", "i:none", "x:keep"):
        await telegram.click(tg.LAN, data)
    saved = await telegram.click(tg.LAN, "c:confirm")
    assert "PO-1001-B" in saved[-1].text
    await telegram.click(tg.LAN, "m:cutting")
    await telegram.say(tg.LAN, "500")
    for data in ("i:none", "x:keep"):
        await telegram.click(tg.LAN, data)
    done = await telegram.click(tg.LAN, "c:confirm")
    assert done[-1].text == "All done, thank you! Production orders updated: 2."

    shown = "\n".join(m.text for m in telegram.fake.messages(tg.LAN.id)[before:])
    assert "PO-1002-A" not in shown
    rows = await checkins(sqlite_session_factory)
    assert [(r.production_order_id, r.milestone) for r in rows] == [
        (seeded.order_ids[0], "sewing"),
        (seeded.order_ids[1], "cutting"),
    ]
    assert all(r.reported_at >= TELEGRAM_SATURDAY for r in rows)
    assert (rows[0].qty_sewn, rows[1].qty_cut) == (1200, 500)


@pytest.fixture
async def whatsapp(session_factory: SessionFactory) -> AsyncIterator[wa.Bot]:
    async with FakeGraphApi() as fake, wa.running_bot(fake, session_factory, wa.Clock()) as bot:
        yield bot


async def test_whatsapp_midweek_prompt_lists_the_near_orders_and_the_answer_is_saved(
    whatsapp: wa.Bot, session_factory: SessionFactory
) -> None:
    seeded = await wa.seed(session_factory)
    last_wrote = WHATSAPP_SATURDAY - timedelta(hours=3)
    await wa.linked_contact(session_factory, seeded, wa.KEMAL, last_inbound_at=last_wrote)
    whatsapp.clock.now = WHATSAPP_SATURDAY
    await midweek_round(session_factory, seeded.factory_id, whatsapp.clock)
    await whatsapp.flush()

    intro, question = whatsapp.fake.messages(wa.KEMAL)
    assert intro.text == (
        "Mid-week check for Dhaka Knitwear: the orders due to leave the factory by Jan 24. "
        "Production orders to update: 1."
    )
    assert "PO-3001-A" in question.text and question.interactive_type == "list"

    for key in ("Sewing", "q:all", "i:none", "x:keep"):
        await whatsapp.tap(wa.KEMAL, key)
    done = await whatsapp.tap(wa.KEMAL, "c:confirm")
    assert "All done" in done[-1].text
    assert "PO-3002-A" not in "\n".join(m.text for m in whatsapp.fake.messages(wa.KEMAL))
    [saved] = await checkins(session_factory)
    assert (saved.production_order_id, saved.milestone, saved.source) == (
        seeded.order_ids[0],
        "sewing",
        "whatsapp",
    )


async def test_whatsapp_midweek_template_counts_only_the_orders_it_asks_about(
    whatsapp: wa.Bot, session_factory: SessionFactory
) -> None:
    """Outside the 24-hour window the check-in template stands in for the prompt: its {{2}} is
    the one order due soon, not the two open ones."""
    seeded = await wa.seed(session_factory)
    last_wrote = WHATSAPP_SATURDAY - timedelta(days=6)
    await wa.linked_contact(session_factory, seeded, wa.KEMAL, last_inbound_at=last_wrote)
    whatsapp.clock.now = WHATSAPP_SATURDAY
    await midweek_round(session_factory, seeded.factory_id, whatsapp.clock)
    await whatsapp.flush()

    (template,) = whatsapp.fake.messages(wa.KEMAL)
    assert template.kind == "template"
    parameters = template.body["template"]["components"][0]["parameters"]
    assert [p["text"] for p in parameters] == ["Kemal", "1"]
