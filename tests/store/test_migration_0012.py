"""Migration 0012: existing rounds become weekly ones, and each factory and week may then hold a
weekly and a mid-week round, but never two of a kind."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from tests import builders
from tests.store.test_schema import schema_drift
from wipbot.store.db import SessionFactory, make_engine, transaction
from wipbot.store.migrate import alembic_config, upgrade
from wipbot.store.models import ScheduledPrompt

SENT = datetime(2026, 3, 2, 4, 0, tzinfo=UTC)


async def downgrade(url: str, revision: str) -> None:
    engine = make_engine(url)

    def run(connection: Any) -> None:
        config = alembic_config(url)
        config.attributes["connection"] = connection
        command.downgrade(config, revision)

    try:
        async with engine.begin() as connection:
            await connection.run_sync(run)
    finally:
        await engine.dispose()


async def test_existing_rounds_become_weekly_and_a_midweek_one_fits_beside_them(
    db_url: str, session_factory: SessionFactory
) -> None:
    async with transaction(session_factory) as session:
        brand = await builders.brand(session)
        plant = await builders.factory(session, brand)
        factory_id = plant.id
    await downgrade(db_url, "0011")
    async with transaction(session_factory) as session:
        for week, sent in ((date(2026, 2, 23), SENT), (date(2026, 3, 2), None)):
            await session.exec(  # type: ignore[call-overload]
                text(
                    "INSERT INTO scheduled_prompt (factory_id, week_of, due_at, sent_at) "
                    "VALUES (:factory, :week, :due, :sent)"
                ),
                params={"factory": factory_id, "week": week, "due": SENT, "sent": sent},
            )

    await upgrade(db_url)

    async with session_factory() as session:
        found = (
            await session.exec(select(ScheduledPrompt).order_by(col(ScheduledPrompt.week_of)))
        ).all()
    assert [(r.week_of, r.kind, r.sent_at) for r in found] == [
        (date(2026, 2, 23), "weekly", SENT),
        (date(2026, 3, 2), "weekly", None),
    ]
    async with transaction(session_factory) as session:
        session.add(
            ScheduledPrompt(
                factory_id=factory_id, week_of=date(2026, 3, 2), kind="midweek", due_at=SENT
            )
        )
    with pytest.raises(IntegrityError):
        async with transaction(session_factory) as session:
            session.add(
                ScheduledPrompt(factory_id=factory_id, week_of=date(2026, 3, 2), due_at=SENT)
            )
    assert await schema_drift(db_url) == []


async def test_the_downgrade_keeps_the_weekly_rounds(
    db_url: str, session_factory: SessionFactory
) -> None:
    async with transaction(session_factory) as session:
        brand = await builders.brand(session)
        plant = await builders.factory(session, brand)
        assert plant.id is not None
        for kind in ("weekly", "midweek"):
            session.add(
                ScheduledPrompt(
                    factory_id=plant.id, week_of=date(2026, 3, 2), kind=kind, due_at=SENT
                )
            )
    await downgrade(db_url, "0011")
    async with session_factory() as session:
        rows = (await session.exec(text("SELECT week_of FROM scheduled_prompt"))).all()  # type: ignore[call-overload]
    assert len(rows) == 1
    await upgrade(db_url)
    async with session_factory() as session:
        [kept] = (await session.exec(select(ScheduledPrompt))).all()
    assert kept.kind == "weekly"
