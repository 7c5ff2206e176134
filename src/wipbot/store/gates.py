"""A production order's gate and its checklist rows, created on first use."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import SQLModel, select
from sqlmodel.ext.asyncio.session import AsyncSession

from .models import Gate, GateChecklistItem


async def ensure_gate(
    session: AsyncSession, production_order_id: int, items: Iterable[str]
) -> Gate:
    """The order's gate with a row for each checklist item, created where missing.

    Two people ticking the first item at once both find no gate: a plain select-then-insert lets
    one of them fail on the unique key after Slack was answered. Each row is therefore inserted
    with "on conflict do nothing" and read back, which is one atomic step on both databases
    (PostgreSQL waits for the other insert's outcome; SQLite has one writer at a time).
    """
    await _insert_missing(session, Gate, [{"production_order_id": production_order_id}])
    gate = (
        await session.exec(select(Gate).where(Gate.production_order_id == production_order_id))
    ).one()
    assert gate.id is not None
    await _insert_missing(
        session, GateChecklistItem, [{"gate_id": gate.id, "item": item} for item in items]
    )
    return gate


async def _insert_missing(
    session: AsyncSession, model: type[SQLModel], rows: list[dict[str, Any]]
) -> None:
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = model.__table__  # type: ignore[attr-defined]
    await session.exec(insert(table).values(rows).on_conflict_do_nothing())
