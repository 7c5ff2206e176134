"""Schema changes only through Alembic; applied by `wipbot db upgrade` and at start-up.

Every command makes sure the schema is current before it touches the database. When it already
is (the usual case) that check reads the migration files' revision ids and the database's
`alembic_version` without importing Alembic, which alone costs a command line a third of a second.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from .db import READ_ONLY, make_engine, on_sqlite

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
LOCK_KEY = 0x7769_7062_6F74_0002
"""The advisory lock migrations hold on PostgreSQL ("wipbot", 2; the leader lock is 1)."""
_REVISION = re.compile(r"^revision(?:\s*:[^=\n]+)?\s*=\s*['\"]([^'\"]+)['\"]", re.MULTILINE)
_DOWN_REVISION = re.compile(r"^down_revision(?:\s*:[^=\n]+)?\s*=\s*(.+)$", re.MULTILINE)
_QUOTED = re.compile(r"['\"]([^'\"]+)['\"]")


def alembic_config(url: str) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def script_heads() -> set[str]:
    """The newest revision ids of the migration files; empty when a file cannot be read so."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in sorted((MIGRATIONS_DIR / "versions").glob("*.py")):
        source = path.read_text(encoding="utf-8")
        revision = _REVISION.search(source)
        down = _DOWN_REVISION.search(source)
        if revision is None or down is None:
            return set()
        revisions.add(revision.group(1))
        parents |= set(_QUOTED.findall(down.group(1)))
    return revisions - parents


async def upgrade(url: str, revision: str = "head") -> None:
    """Run migrations on a connection of our own engine (Alembic's env stays synchronous)."""
    engine: AsyncEngine = make_engine(url)
    try:
        await upgrade_on(engine, revision)
    finally:
        await engine.dispose()


async def upgrade_on(engine: AsyncEngine, revision: str = "head") -> None:
    """`upgrade` on the caller's engine: a command checks the schema on the connection it then
    uses, instead of opening a second engine for the check."""
    if revision == "head" and await _is_current(engine):
        return
    url = engine.url.render_as_string(hide_password=False)
    async with engine.begin() as connection:
        if not on_sqlite(engine):
            # Processes started together on a new database (workers behind a load balancer,
            # imports run side by side) would each create the tables; the lock lets one migrate
            # while the others wait, then find the schema current. SQLite's transactions
            # already take the write lock at BEGIN.
            await connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
        await connection.run_sync(_upgrade_on, url, revision)


async def _is_current(engine: AsyncEngine) -> bool:
    heads = script_heads()
    if not heads:
        return False
    try:
        async with engine.connect() as connection:
            await connection.execution_options(**{READ_ONLY: True})
            rows = await connection.execute(text("SELECT version_num FROM alembic_version"))
            return {str(row[0]) for row in rows} == heads
    except DBAPIError:
        return False


def _upgrade_on(connection: Any, url: str, revision: str) -> None:
    from alembic import command

    config = alembic_config(url)
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


async def current_heads(url: str) -> set[str]:
    from alembic.runtime.migration import MigrationContext

    engine = make_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(
                lambda sync: set(MigrationContext.configure(sync).get_current_heads())
            )
    finally:
        await engine.dispose()
