"""Databases for tests: SQLite always, PostgreSQL whenever it is reachable (never skipped in CI).

Each test gets a fresh, fully migrated database copied from a template migrated once per run,
so every test sees exactly what `wipbot db upgrade` produces.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest
from hypothesis import HealthCheck, settings

from wipbot.store.db import SessionFactory, make_engine, make_session_factory
from wipbot.store.migrate import upgrade

# Fuzz tests (marked `fuzz`) run a few examples in `make test` and many in `make fuzz`.
settings.register_profile(
    "default", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "nightly", max_examples=2000, deadline=None, suppress_health_check=list(HealthCheck)
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

PG_ADMIN_DSN = os.environ.get("WIPBOT_TEST_PG_DSN", "postgresql://postgres@127.0.0.1:5432/test")
PG_TEMPLATE = f"wipbot_tmpl_{os.getpid()}"


def _pg_url(dbname: str) -> str:
    base = PG_ADMIN_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1)
    return f"{base}/{dbname}"


async def _pg_execute(sql: str) -> None:
    conn = await asyncpg.connect(PG_ADMIN_DSN, timeout=3)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def _pg_reachable() -> bool:
    try:
        asyncio.run(_pg_execute("SELECT 1"))
    except (OSError, asyncpg.PostgresError, TimeoutError):
        return False
    return True


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("tmpl") / "template.db"
    asyncio.run(upgrade(f"sqlite+aiosqlite:///{path}"))
    return path


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    if not _pg_reachable():
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL must be reachable in CI at {PG_ADMIN_DSN}")
        pytest.skip("PostgreSQL not reachable on this machine")
    asyncio.run(_pg_execute(f'DROP DATABASE IF EXISTS "{PG_TEMPLATE}"'))
    asyncio.run(_pg_execute(f'CREATE DATABASE "{PG_TEMPLATE}"'))
    asyncio.run(upgrade(_pg_url(PG_TEMPLATE)))
    yield PG_TEMPLATE
    asyncio.run(_pg_execute(f'DROP DATABASE IF EXISTS "{PG_TEMPLATE}" WITH (FORCE)'))


def fresh_sqlite_url(template: Path, tmp_path: Path) -> str:
    target = tmp_path / f"wipbot-{uuid.uuid4().hex[:8]}.db"
    shutil.copyfile(template, target)
    return f"sqlite+aiosqlite:///{target}"


@pytest.fixture
def sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    return fresh_sqlite_url(sqlite_template, tmp_path)


@pytest.fixture
async def pg_url(pg_template: str) -> AsyncIterator[str]:
    name = f"wipbot_t_{uuid.uuid4().hex[:12]}"
    await _pg_execute(f'CREATE DATABASE "{name}" TEMPLATE "{pg_template}"')
    yield _pg_url(name)
    await _pg_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest) -> str:
    """Run the test on both databases: the store suite must hold on each."""
    fixture = "sqlite_url" if request.param == "sqlite" else "pg_url"
    return str(request.getfixturevalue(fixture))


async def _factory_for(url: str) -> AsyncIterator[SessionFactory]:
    engine = make_engine(url)
    try:
        yield make_session_factory(engine)
    finally:
        await engine.dispose()


@pytest.fixture
async def session_factory(db_url: str) -> AsyncIterator[SessionFactory]:
    """Sessions on SQLite and on PostgreSQL."""
    async for factory in _factory_for(db_url):
        yield factory


@pytest.fixture
async def sqlite_session_factory(sqlite_url: str) -> AsyncIterator[SessionFactory]:
    """Sessions on SQLite only, for tests whose subject is not the database."""
    async for factory in _factory_for(sqlite_url):
        yield factory
