"""The SQL a block of code runs, for tests that bound what a request costs the database."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from wipbot.store.db import SessionFactory

CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


@contextmanager
def statements_run(factory: SessionFactory) -> Iterator[list[str]]:
    """The statements run on the factory's engine inside the block, transaction control left
    out; the list fills as they run (clear it to count a step)."""
    engine = factory.kw["bind"]
    assert isinstance(engine, AsyncEngine)
    executed: list[str] = []

    def record(_c: Any, _cur: Any, statement: str, *_: Any) -> None:
        if not statement.lstrip().upper().startswith(CONTROL):
            executed.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        yield executed
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)
