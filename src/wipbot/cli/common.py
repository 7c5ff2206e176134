"""What every command needs: settings, a database, a console, and clean failure."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from contextlib import asynccontextmanager
from datetime import date
from typing import TYPE_CHECKING, Any, TypeVar

import typer
from rich.console import Console, RenderableType
from rich.markup import escape
from rich.measure import Measurement
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DataError, DBAPIError, IntegrityError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from wipbot.production.day_range import out_of_range
from wipbot.store.db import SessionFactory, make_engine, make_session_factory
from wipbot.store.migrate import upgrade_on

from .database_settings import DatabaseSettings, EnvFileUnreadable, HasDatabaseUrl

if TYPE_CHECKING:
    from wipbot.bot.config import Settings

T = TypeVar("T")

console = Console()
err_console = Console(stderr=True, soft_wrap=True)
"""Soft wrap: an error is one line however long, for the terminal to wrap and scripts to read."""

MAX_PIPED_WIDTH = 200

JsonOption = typer.Option(False, "--json", help="Print JSON for scripts instead of a table.")


SHOWN_CHARACTERS = 40
"""How much of a bad value an error message repeats: enough to recognise it, never a screenful."""


def run(coro: Coroutine[Any, Any, T]) -> T:
    """Run a command's work; a value the database itself refuses is an error line, not a
    traceback (the commands check what they can before, this is the net under them)."""
    try:
        return asyncio.run(coro)
    except IntegrityError as error:
        raise fail(f"the database refused the change: {_first_line(error.orig)}") from None
    except DataError as error:
        raise fail(f"the database refused a value: {_first_line(error.orig)}") from None
    except (DBAPIError, OSError) as error:
        from wipbot.bot.unavailable import is_unavailable  # only on this path: it is not small

        if not is_unavailable(error):
            raise
        reason = _first_line(error.orig if isinstance(error, DBAPIError) else error)
        raise fail(
            f"the database did not answer ({reason}); nothing was changed, try again"
        ) from None


@asynccontextmanager
async def database(settings: HasDatabaseUrl | None = None) -> AsyncIterator[SessionFactory]:
    """A migrated database: commands never run against an old schema. A URL that names no
    usable database, or one that cannot be reached, is one line naming it (without password)."""
    try:
        settings = settings or DatabaseSettings()
    except EnvFileUnreadable as error:
        raise fail(str(error)) from None
    engine = open_engine(settings.database_url)
    try:
        try:
            await upgrade_on(engine)
        except Exception as error:
            if not _cannot_open(error):
                raise
            shown = engine.url.render_as_string(hide_password=True)
            raise fail(f"cannot open the database {shown}: {_first_line(error)}") from None
        yield make_session_factory(engine)
    finally:
        await engine.dispose()


def _cannot_open(error: Exception) -> bool:
    """Unreachable, refused, not a database, or at a revision this version does not know (a
    newer wipbot's schema: Alembic cannot find it)."""
    from alembic.util import CommandError  # loaded by the migration that raised it, if any

    return isinstance(error, SQLAlchemyError | OSError | CommandError)


def load_settings() -> Settings:
    """Every setting from the environment and .env; a malformed one is one line naming it."""
    from pydantic import ValidationError
    from pydantic_settings import SettingsError

    from wipbot.bot.config import Settings

    try:
        return Settings()
    except SettingsError as error:
        raise fail(str(error)) from None
    except UnicodeDecodeError as error:
        raise fail(str(EnvFileUnreadable(error))) from None
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in e['loc'])}: {e['msg']}, got {_input(e)}"
            for e in error.errors()
        )
        raise fail(problems) from None


def _input(error: Any) -> str:
    """The value that failed, unless its setting is a token or a secret: those are never shown."""
    if any(word in str(error["loc"]).lower() for word in ("token", "secret")):
        return "a value that is not shown"
    return shown_value(str(error.get("input")))


def open_engine(url: str) -> AsyncEngine:
    """The engine for DATABASE_URL, or a clear error when it is not an async SQLAlchemy URL."""
    try:
        make_url(url)
    except ArgumentError:
        raise fail(
            f"DATABASE_URL: {shown_value(_without_password(url))} is not a database URL; "
            "write e.g. sqlite+aiosqlite:///./wipbot.db or postgresql+asyncpg://user@host/db"
        ) from None
    try:
        return make_engine(url)
    except (SQLAlchemyError, ImportError) as error:
        shown = make_url(url).render_as_string(hide_password=True)
        raise fail(
            f"DATABASE_URL: cannot use {shown}: {_first_line(error)}; "
            "wipbot needs sqlite+aiosqlite:// or postgresql+asyncpg://"
        ) from None


def _without_password(url: str) -> str:
    return re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", url)


def _first_line(error: BaseException | None) -> str:
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__


def shown_value(value: str) -> str:
    """A value as an error message repeats it: quoted, and cut short when long."""
    if len(value) <= SHOWN_CHARACTERS:
        return repr(value)
    return f"{value[:SHOWN_CHARACTERS]!r}… ({len(value):,} characters)"


def within_width(value: str, width: int, option: str) -> str:
    """The value, if it fits the column it is kept in (PostgreSQL refuses a longer one)."""
    if len(value) > width:
        raise fail(f"{option}: {shown_value(value)} is longer than {width} characters")
    return value


def within_column(value: str, column: Any, option: str) -> str:
    """`within_width` for a model's text column (e.g. `Brand.name`), its width from the model."""
    width = column.property.columns[0].type.length
    assert isinstance(width, int), f"{column} has no width"
    return within_width(value, width, option)


def not_blank(value: str, option: str) -> str:
    if not value.strip():
        raise fail(f"{option}: must not be empty")
    return value


def within_calendar(day: date, option: str, value: str) -> date:
    """The day, if it lies in the years a command accepts (production/day_range.py)."""
    reason = out_of_range(day)
    if reason is not None:
        raise fail(f"{option}: {shown_value(value)} is {reason}")
    return day


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
