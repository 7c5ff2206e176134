"""A DATABASE_URL that is malformed, names a driver wipbot cannot use, or a database that cannot
be reached: every command says so in one line, without the password, and exits 1."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import PG_ADMIN_DSN

from .conftest import EXAMPLES, refused, use_database, wipbot

COMMANDS = [
    ["po", "list"],
    ["po", "status", "PO-1031"],
    ["db", "upgrade"],
    ["import", "factories", str(EXAMPLES / "factories.csv")],
    ["outbox"],
    ["shell", "--contact", "Lan"],
    ["run"],
]

PG_BASE = PG_ADMIN_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1)


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c[:2]))
@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("nonsense", "DATABASE_URL: 'nonsense' is not a database URL"),
        ("sqlite:///./x.db", "DATABASE_URL: cannot use sqlite:///./x.db"),
        ("mysql://me:secret@db/x", "DATABASE_URL: cannot use mysql://me:***@db/x"),
        ("foo://x", "DATABASE_URL: cannot use foo://x"),
        (
            "postgresql+asyncpg://me:secret@127.0.0.1:1/x",
            "cannot open the database postgresql+asyncpg://me:***@127.0.0.1:1/x",
        ),
        (
            "sqlite+aiosqlite:////nonexistent/folder/x.db",
            "cannot open the database sqlite+aiosqlite:////nonexistent/folder/x.db",
        ),
    ],
)
def test_an_unusable_database_url_is_one_line(
    url: str, expected: str, command: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_database(url, tmp_path, monkeypatch)
    line = refused(*command)
    assert expected in line
    assert "secret" not in line


def test_the_demo_refuses_a_database_it_cannot_copy_before_writing(
    database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its by-the-clock act copies the SQLite file; on PostgreSQL it wrote five acts of sample
    data into the database, left an empty file named after the database in the working folder
    and ended in a traceback."""
    if database.startswith("sqlite"):
        use_database("sqlite+aiosqlite:////nonexistent/folder/x.db", tmp_path, monkeypatch)
        assert "cannot open the database" in refused("demo")
        return
    assert "the demo runs on a SQLite file" in refused("demo")
    assert wipbot("brand", "list", "--json").stdout.strip() == "[]"
    assert list(tmp_path.iterdir()) == []


def test_a_postgresql_database_that_does_not_exist_is_named(
    pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_database(f"{PG_BASE}/wipbot_no_such_database", tmp_path, monkeypatch)
    line = refused("po", "list")
    assert "wipbot_no_such_database" in line and "does not exist" in line


def test_an_empty_database_is_migrated_and_answers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The README: migrations are applied at every start; an empty file is a usable database."""
    path = tmp_path / "empty.db"
    use_database(f"sqlite+aiosqlite:///{path}", tmp_path, monkeypatch)
    assert refused("po", "list") == "error: no brand yet; import a factories file first"
    assert wipbot("db", "upgrade").code == 0
    assert os.path.getsize(path) > 0


def test_a_database_at_a_revision_this_version_does_not_know(
    database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A newer wipbot's schema (or a restored backup of one): named, not a traceback."""
    import asyncio

    from sqlalchemy import text

    from wipbot.store.db import make_engine

    async def stamp() -> None:
        engine = make_engine(database)
        async with engine.begin() as connection:
            await connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
        await engine.dispose()

    asyncio.run(stamp())
    for command in (["po", "list"], ["db", "upgrade"], ["run"]):
        assert "Can't locate revision identified by '9999'" in refused(*command)


def test_a_database_another_process_keeps_locked(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite's busy timeout runs out while another program holds the write lock: one line
    saying so (it was OperationalError's traceback), and nothing written."""
    import sqlite3

    use_database(sqlite_url, tmp_path, monkeypatch)
    holder = sqlite3.connect(sqlite_url.removeprefix("sqlite+aiosqlite:///"), isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        line = refused("brand", "add", "Acme")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert line == (
        "error: the database did not answer (database is locked); nothing was changed, try again"
    )
    assert wipbot("brand", "list", "--json").stdout.strip() == "[]"
