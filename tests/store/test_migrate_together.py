"""Processes started together on a new PostgreSQL database each bring the schema up to date:
one migrates, the others wait for it and find the schema current."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest

from tests.conftest import _pg_execute, _pg_url
from wipbot.store.migrate import current_heads, script_heads, upgrade


@pytest.fixture
async def empty_pg_url(pg_template: str) -> AsyncIterator[str]:
    name = f"wipbot_empty_{uuid.uuid4().hex[:12]}"
    await _pg_execute(f'CREATE DATABASE "{name}"')
    yield _pg_url(name)
    await _pg_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def test_four_upgrades_at_once_on_an_empty_database_all_succeed(empty_pg_url: str) -> None:
    """Before the advisory lock three of four failed on `pg_type_typname_nsp_index`."""
    results = await asyncio.gather(
        *(upgrade(empty_pg_url) for _ in range(4)), return_exceptions=True
    )
    assert [r for r in results if isinstance(r, BaseException)] == []
    assert await current_heads(empty_pg_url) == script_heads()
