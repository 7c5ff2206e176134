"""What every command needs: settings, a database, a console, and clean failure."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import typer
from rich.console import Console, RenderableType
from rich.markup import escape
from rich.measure import Measurement

from wipbot.store.db import SessionFactory, make_engine, make_session_factory
from wipbot.store.migrate import upgrade_on

from .database_settings import DatabaseSettings, HasDatabaseUrl

T = TypeVar("T")

console = Console()
err_console = Console(stderr=True)

MAX_PIPED_WIDTH = 200

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


def show(renderable: RenderableType, out: Console = console) -> None:
    """In a terminal, fit it; into a pipe or a file, print it whole rather than squeezed to 80."""
    if out.is_terminal:
        out.print(renderable)
        return
    natural = Measurement.get(out, out.options.update(width=MAX_PIPED_WIDTH), renderable).maximum
    Console(file=out.file, width=max(out.width, natural)).print(renderable)
