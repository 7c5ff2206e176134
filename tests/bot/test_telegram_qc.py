"""An inspection over Telegram, end to end: an inspector invited for the factory links the chat,
reports a failing final with a photo through the real bot and the fake Bot API, and the
re-inspection passes."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlmodel import select

from tests.bot.telegram_fixtures import START, WEI, Bot, Clock, running_bot, seed
from tests.fakes.telegram_api import FakeTelegramApi, SentMessage
from wipbot.handlers.i18n import translator
from wipbot.handlers.onboarding import create_invite
from wipbot.store.db import SessionFactory, transaction
from wipbot.store.models import Alert, QcInspection, QcPhoto

LARGEST_PHOTO = "AgACAgUAAxkBAAIBE2dHc1-x"


@pytest.fixture
async def bot(sqlite_session_factory: SessionFactory) -> AsyncIterator[Bot]:
    async with (
        FakeTelegramApi() as fake,
        running_bot(fake, sqlite_session_factory, Clock()) as running,
    ):
        yield running


def values(message: SentMessage) -> list[str]:
    return [button["callback_data"] for button in message.buttons]


async def test_an_inspector_reports_a_fail_with_a_photo_then_the_passing_re_inspection(
    bot: Bot, sqlite_session_factory: SessionFactory
) -> None:
    seeded = await seed(sqlite_session_factory)
    async with transaction(sqlite_session_factory) as session:
        invite = await create_invite(
            session,
            factory_code="HP",
            name="Wei QC",
            platform="telegram",
            now=START,
            role="inspector",
            language="zh-Hans",
        )
    _ = translator("zh-Hans")
    order = seeded.order_ids[0]
    linked = await bot.say(WEI, f"/start {invite.code}")
    assert values(linked[-1])[0] == f"qc:o:{order}"
    await bot.click(WEI, f"qc:o:{order}")
    await bot.click(WEI, "qc:k:final")
    plan = await bot.click(WEI, "qc:l:1200")
    assert plan[0].text.startswith("✓ 1,200\n抽样数：80 件。")
    assert len(values(plan[-1])) == 10 and values(plan[-1])[-1] == "qc:d:done"
    await bot.click(WEI, "qc:d:broken_stitch")
    await bot.click(WEI, "qc:s:major")
    defects = (await bot.say(WEI, "7"))[-1]
    added = await bot.send_photo(WEI)
    assert added[0].text == _("Photo added to this inspection.")
    check = await bot.click(WEI, "qc:d:done", defects)
    assert "断线" in check[-1].text and "×7" in check[-1].text
    failed = await bot.click(WEI, "qc:c:save")
    assert failed[0].text.startswith("✓ 确认\n不合格：PO-1001-A")
    assert values(failed[-1]) == [f"qc:r:{order}:final"]

    await bot.click(WEI, f"qc:r:{order}:final")
    await bot.click(WEI, "qc:l:1200")
    await bot.click(WEI, "qc:d:done")
    passed = await bot.click(WEI, "qc:c:save")
    assert passed[0].text.startswith("✓ 确认\n合格：PO-1001-A")

    async with sqlite_session_factory() as session:
        stored = (await session.exec(select(QcInspection).order_by(QcInspection.id))).all()
        photos = (await session.exec(select(QcPhoto))).all()
        alert = (await session.exec(select(Alert).where(Alert.kind == "qc_failed"))).one()
    assert [(i.passed, i.inspector) for i in stored] == [(False, "Wei QC"), (True, "Wei QC")]
    assert [(p.inspection_id, p.platform, p.file_id) for p in photos] == [
        (stored[0].id, "telegram", LARGEST_PHOTO)
    ]
    assert alert.resolved_at is not None
