"""Many rows into one table, handed to the driver as plain tuples, and ids taken in advance.

For a large import SQLAlchemy's per-row parameter handling (a dict per row, every bind run
through its processor inside `construct_params`) costs more than the database's own insert.
Here rows arrive as tuples in the order of `columns`; on PostgreSQL they go in with COPY (asyncpg
encodes the Python values itself), elsewhere the statement is compiled once, each column that
needs converting is converted as a whole column, and the rows go in as one multi-row INSERT:
SQLite then inserts the whole batch in one step, with the interpreter's lock released, where an
executemany takes the lock back for every row (and so cannot run beside the thread reading the
next batch).

`take_ids` hands out primary keys before the rows are written, so rows that refer to them (a
check-in's issues) need no second look at what was just inserted, and `one_of` asks for the
rows already kept with a statement whose text does not change from batch to batch.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Collection, Sequence
from contextlib import asynccontextmanager
from itertools import chain
from typing import Any

from sqlalchemy import ColumnElement, Table, any_, bindparam, func, insert, select, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel.ext.asyncio.session import AsyncSession

Rows = Sequence[tuple[Any, ...]]
MAX_PARAMETERS = 32_766
"""SQLite's default limit on the parameters of one statement (since 3.32)."""
IMPORT_CACHE_KIB = 16 * 1024
"""SQLite's page cache while a large import writes (its default is 2 MiB)."""


@asynccontextmanager
async def page_cache(session: AsyncSession, kib: int = IMPORT_CACHE_KIB) -> AsyncIterator[None]:
    """A larger SQLite page cache on the session's connection while a large import writes,
    the connection's own setting restored after.

    A check-in lands at its production order's place in that index, so a long history keeps
    every leaf of the index in use; with the default 2 MiB they no longer fit after about a
    hundred thousand rows, and each batch then reads back from the write-ahead log the pages the
    last one wrote (a fifth of SQLite's time on 500,000 rows). The cache is bounded, so memory
    still does not grow with the file. PostgreSQL keeps its own buffers: nothing to do there.
    """
    connection = await session.connection()
    if connection.dialect.name != "sqlite":
        yield
        return
    before = (await connection.exec_driver_sql("PRAGMA cache_size")).scalar()
    await connection.exec_driver_sql(f"PRAGMA cache_size = {-int(kib)}")
    try:
        yield
    finally:
        await connection.exec_driver_sql(f"PRAGMA cache_size = {int(before or -2000)}")


def one_of(
    column: ColumnElement[Any], values: Collection[Any], dialect: str
) -> ColumnElement[bool]:
    """`column IN (values)`; on PostgreSQL `column = ANY(array)`. An IN list renders one bound
    parameter per value, so each batch is a new statement for SQLAlchemy to render and for
    PostgreSQL to parse and plan; the array is one parameter, and the statement is prepared once.
    """
    if dialect != "postgresql":
        return column.in_(values)
    return column == any_(bindparam(None, list(values), type_=ARRAY(column.type)))


async def insert_rows(
    session: AsyncSession, table: Table, columns: Sequence[str], rows: Rows
) -> None:
    """Insert `rows` (value tuples in the order of `columns`) in the session's transaction."""
    if not rows:
        return
    connection = await session.connection()
    if connection.dialect.name == "postgresql":
        await _copy(connection, table, columns, rows)
        return
    dialect = connection.dialect
    compiled = insert(table).compile(dialect=dialect, column_keys=list(columns))
    order = list(compiled.positiontup or ()) if compiled.positional else list(columns)
    values = list(zip(*rows, strict=True))
    converted = []
    for name in order:
        process = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
        column = values[columns.index(name)]
        converted.append(column if process is None else list(map(_converter(process), column)))
    if not compiled.positional:
        params = [dict(zip(order, row, strict=True)) for row in zip(*converted, strict=True)]
        await connection.exec_driver_sql(str(compiled), params)
        return
    head, _, one_row = str(compiled).partition(" VALUES ")
    per_statement = max(1, MAX_PARAMETERS // len(order))
    for start in range(0, len(rows), per_statement):
        chunk = [column[start : start + per_statement] for column in converted]
        flat = tuple(chain.from_iterable(zip(*chunk, strict=True)))
        statement = f"{head} VALUES {', '.join([one_row] * len(chunk[0]))}"
        await connection.exec_driver_sql(statement, flat)


async def take_ids(session: AsyncSession, table: Table, count: int) -> list[int]:
    """`count` unused values of the table's integer primary key, for rows about to be written.

    PostgreSQL hands them out from the column's sequence, safe beside other writers. SQLite
    continues after the highest id: its transactions hold the write lock from their start
    (store.db begins them IMMEDIATE), so no other writer can take them meanwhile.
    """
    if count <= 0:
        return []
    connection = await session.connection()
    key = next(iter(table.primary_key.columns))
    if connection.dialect.name == "postgresql":
        found = await connection.execute(
            text(
                "SELECT nextval(pg_get_serial_sequence(:table, :column)) "
                "FROM generate_series(1, :count)"
            ),
            {"table": table.name, "column": key.name, "count": count},
        )
        return [int(value) for value in found.scalars()]
    highest = (await connection.execute(select(func.max(key)))).scalar()
    first = int(highest or 0) + 1
    return list(range(first, first + count))


async def _copy(
    connection: AsyncConnection, table: Table, columns: Sequence[str], rows: Rows
) -> None:
    """COPY through the session's own asyncpg connection, so it is part of its transaction."""
    raw = await connection.get_raw_connection()
    driver: Any = raw.driver_connection
    await driver.copy_records_to_table(table.name, records=rows, columns=list(columns))


def _converter(process: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """A column's bind processor that reuses its last answer: columns such as `created_at`
    carry one value for the whole batch."""
    last: Any = _UNSET
    converted: Any = None

    def convert(value: Any) -> Any:
        nonlocal last, converted
        if value is None:
            return None
        if value is not last:
            last, converted = value, process(value)
        return converted

    return convert


_UNSET = object()
