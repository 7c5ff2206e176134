"""An inspection over WhatsApp end to end: signed webhook in, outbox, fake Graph API out; the
ten defect choices arrive as a list, kinds and severities as reply buttons."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlmodel import select

from tests.bot.whatsapp_fixtures import RAHIMA, Bot, Clock, running_bot, seed
from tests.fakes.graph_api import FakeGraphApi
from wipbot.store.db import SessionFactory
from wipbot.store.models import Alert, QcDefect, QcInspection, QcPhoto


@pytest.fixture
async def bot(sqlite_session_factory: SessionFactory) -> AsyncIterator[Bot]:
    async with FakeGraphApi() as fake, running_bot(fake, sqlite_session_factory, Clock()) as b:
        yield b


async def test_a_contact_reports_a_failing_inline_inspection_with_a_photo(
    bot: Bot, sqlite_session_factory: SessionFactory
) -> None:
    seeded = await seed(sqlite_session_factory, "Rahima")
    await bot.say(RAHIMA, seeded.invites["Rahima"])
    orders = (await bot.say(RAHIMA, "/qc"))[-1]
    assert [o["id"] for o in orders.options] == [f"qc:o:{i}" for i in seeded.order_ids]
    kinds = (await bot.tap(RAHIMA, f"qc:o:{seeded.order_ids[0]}"))[-1]
    assert kinds.interactive_type == "button"
    await bot.tap(RAHIMA, "qc:k:inline")
    answers = await bot.say(RAHIMA, "500")
    assert any("Sample size: 50 pieces" in m.text for m in answers)
    defects = answers[-1]
    assert defects.interactive_type == "list" and len(defects.options) == 10
    await bot.tap(RAHIMA, "Stain")
    await bot.tap(RAHIMA, "qc:s:critical")
    await bot.tap(RAHIMA, "qc:n:1")
    bot.clock.advance(seconds=30)
    await bot.answers(RAHIMA, bot.fake.image_notification(RAHIMA, "wamid-media-1", at=bot.clock()))
    await bot.tap(RAHIMA, "qc:d:done")
    failed = await bot.tap(RAHIMA, "qc:c:save")
    assert any("FAIL:" in m.text and "Critical 1 > 0" in m.text for m in failed)

    async with sqlite_session_factory() as session:
        (inspection,) = (await session.exec(select(QcInspection))).all()
        (defect,) = (await session.exec(select(QcDefect))).all()
        (photo,) = (await session.exec(select(QcPhoto))).all()
        (alert,) = (await session.exec(select(Alert).where(Alert.kind == "qc_failed"))).all()
    assert (inspection.kind, inspection.sample_size, inspection.passed) == ("inline", 50, False)
    assert (defect.category, defect.severity, defect.count) == ("stain", "critical", 1)
    assert (photo.platform, photo.file_id) == ("whatsapp", "wamid-media-1")
    assert alert.resolved_at is None
