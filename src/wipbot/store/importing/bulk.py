"""Many rows into one table in one executemany, handed to the driver as plain tuples.

For a large import SQLAlchemy's per-row parameter handling (a dict per row, every bind run
through its processor inside `construct_params`) costs more than the database's own insert.
Here the statement is compiled once, each column's bind processor is looked up once, and the
driver gets positional tuples: the same SQL, the same stored values, a third of the work.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import Table, insert
from sqlmodel.ext.asyncio.session import AsyncSession


async def insert_many(
    session: AsyncSession, table: Table, rows: Sequence[Mapping[str, Any]]
) -> None:
    """Insert `rows` (all with the same keys) in the session's transaction."""
    if not rows:
        return
    connection = await session.connection()
    dialect = connection.dialect
    names = list(rows[0])
    compiled = insert(table).compile(dialect=dialect, column_keys=names)
    order = list(compiled.positiontup or ()) if compiled.positional else names
    processors: list[Callable[[Any], Any] | None] = [
        table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in order
    ]
    convert = [_Converter(process) for process in processors]
    if compiled.positional:
        params: list[Any] = [
            tuple(c(row[name]) for name, c in zip(order, convert, strict=True)) for row in rows
        ]
    else:
        params = [
            {name: c(row[name]) for name, c in zip(order, convert, strict=True)} for row in rows
        ]
    await connection.exec_driver_sql(str(compiled), params)


class _Converter:
    """A column's bind processor that reuses its last answer: columns such as `created_at` or
    `source` carry one value for the whole batch."""

    __slots__ = ("_converted", "_last", "_process")

    def __init__(self, process: Callable[[Any], Any] | None) -> None:
        self._process = process
        self._last: Any = _UNSET
        self._converted: Any = None

    def __call__(self, value: Any) -> Any:
        if self._process is None or value is None:
            return value
        if value is not self._last:
            self._last, self._converted = value, self._process(value)
        return self._converted


_UNSET = object()
