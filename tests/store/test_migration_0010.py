"""Migration 0010: a conversation stored with a NUL before the webhooks replaced it can be
confirmed after the upgrade (PostgreSQL refused the check-in at every confirmation)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import text, update
from sqlmodel import col, select

from tests.bot import telegram_fixtures as tg
from tests.rows import checkins
from wipbot.store.db import SessionFactory, transaction
from wipbot.store.migrate import upgrade
from wipbot.store.models import ConversationState


@pytest.fixture
async def telegram(session_factory: SessionFactory) -> AsyncIterator[tg.Bot]:
    async with tg.invited_bot(session_factory) as bot:
        yield bot


def with_nul(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace("seam", "se\x00am")
    if isinstance(value, list):
        return [with_nul(item) for item in value]
    if isinstance(value, dict):
        return {key: with_nul(item) for key, item in value.items()}
    return value


async def test_a_stored_nul_is_replaced_and_the_check_in_can_be_confirmed(
    telegram: tg.Bot, db_url: str
) -> None:
    for step in ("m:sewing", "q:all", "i:none"):
        await telegram.click(tg.LAN, step)
    summary = (await telegram.click(tg.LAN, "x:keep"))[-1]
    await telegram.send_photo(tg.LAN, "seam puckering on lot 3")
    async with transaction(telegram.session_factory) as session:
        state = (await session.exec(select(ConversationState))).one()
        await session.exec(
            update(ConversationState)  # type: ignore[call-overload]
            .where(col(ConversationState.id) == state.id)
            .values(data=with_nul(state.data))
        )
        await session.exec(text("UPDATE alembic_version SET version_num = '0009'"))  # type: ignore[call-overload]

    await upgrade(db_url, "0010")  # this migration alone: later ones find their work done

    async with transaction(telegram.session_factory) as session:
        stored = (await session.exec(select(ConversationState))).one()
    assert "se\ufffdam puckering" in str(stored.data)
    assert "\x00" not in str(stored.data)
    await telegram.click(tg.LAN, "c:confirm", summary)
    [saved] = await checkins(telegram.session_factory)
    assert saved.qty_sewn == 1200 and saved.note == "se\ufffdam puckering on lot 3"
