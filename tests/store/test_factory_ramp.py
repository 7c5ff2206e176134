"""A factory's output curve is read from its finished orders' check-ins, as of the judged day."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

from sqlmodel import select

from wipbot.seasons import SeasonAssumptions, generate_season, write_season
from wipbot.store.db import SessionFactory, transaction
from wipbot.store.factory_history import FactoryHistory
from wipbot.store.importing import IMPORTERS
from wipbot.store.models import Factory

SEASON = SeasonAssumptions(production_orders=240)


async def imported(session_factory: SessionFactory, folder: Path, ramp_up: float) -> None:
    write_season(generate_season(3, replace(SEASON, ramp_up=ramp_up)), folder)
    for kind in ("factories", "pos", "checkins"):
        async with transaction(session_factory) as session:
            await IMPORTERS[kind](session, folder / f"{kind}.csv", file=kind)


async def ramps(session_factory: SessionFactory, as_of: date | None) -> dict[str, float]:
    async with session_factory() as session:
        factories = list((await session.exec(select(Factory))).all())
        history = FactoryHistory(3, as_of)
        await history.slips(session, factories)
    return {f.code: history.ramp(f.id or 0) for f in factories}


async def test_a_learning_curve_is_read_from_the_check_ins(
    session_factory: SessionFactory, tmp_path: Path
) -> None:
    await imported(session_factory, tmp_path, 1.5)
    learned = await ramps(session_factory, None)
    assert len(learned) == 8 and all(1.2 < ramp < 1.6 for ramp in learned.values()), learned
    # Before any order had shipped there is no record: output is taken as even.
    assert set((await ramps(session_factory, date(2026, 8, 10))).values()) == {1.0}


async def test_even_output_is_read_as_even(
    sqlite_session_factory: SessionFactory, tmp_path: Path
) -> None:
    await imported(sqlite_session_factory, tmp_path, 1.0)
    learned = await ramps(sqlite_session_factory, None)
    assert all(0.9 < ramp < 1.2 for ramp in learned.values()), learned
