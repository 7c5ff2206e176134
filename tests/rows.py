"""Reading rows back for assertions: what a test checks after the code under test wrote."""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy import func, inspect
from sqlmodel import SQLModel, select

from wipbot.store.db import SessionFactory
from wipbot.store.models import CheckIn

M = TypeVar("M", bound=SQLModel)


async def all_of(sessions: SessionFactory, model: type[M]) -> list[M]:
    """Every row of the table, in the order written (by primary key)."""
    async with sessions() as session:
        by_key = select(model).order_by(*inspect(model).primary_key)
        return list((await session.exec(by_key)).all())


async def count(sessions: SessionFactory, model: type[SQLModel]) -> int:
    async with sessions() as session:
        return int((await session.exec(select(func.count()).select_from(model))).one())


async def counts(sessions: SessionFactory, *models: type[SQLModel]) -> dict[str, int]:
    """Table name -> rows: what a rejected request must leave unchanged."""
    return {str(model.__tablename__): await count(sessions, model) for model in models}


async def checkins(sessions: SessionFactory) -> list[CheckIn]:
    return await all_of(sessions, CheckIn)
