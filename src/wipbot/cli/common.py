"""What every command needs: settings, a database, a console, and clean failure."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from wipbot.store.db import SessionFactory, make_engine, make_session_factory
from wipbot.store.migrate import upgrade_on

from .database_settings import DatabaseSettings, HasDatabaseUrl

T = TypeVar("T")

console = Console()
err_console = Console(stderr=True)

JsonOption = typer.Option(False, "--json", help="Print JSON for scripts instead of a table.")


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


@asynccontextmanager
async def database(settings: HasDatabaseUrl | None = None) -> AsyncIterator[SessionFactory]:
    """A migrated database: commands never run against an old schema."""
    settings = settings or DatabaseSettings()
    engine = make_engine(settings.database_url)
    try:
        await upgrade_on(engine)
        yield make_session_factory(engine)
    finally:
        await engine.dispose()


async def with_database(work: Callable[[SessionFactory], Awaitable[T]]) -> T:
    async with database() as factory:
        return await work(factory)


def fail(message: str, code: int = 1) -> typer.Exit:
    err_console.print(f"[red]error:[/red] {escape(message)}")
    return typer.Exit(code)


def print_json(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, default=str, ensure_ascii=False))
