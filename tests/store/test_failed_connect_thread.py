"""A SQLite connection that cannot be opened leaves no thread behind.

aiosqlite starts a thread per connection; when opening the file fails, it queues that thread's
stop without waiting for it (aiosqlite 0.22 `Connection._connect`). A command that then ended its
event loop (`asyncio.run`) left the thread to answer a closed loop: "RuntimeError: Event loop is
closed" in the thread, printed by pytest as PytestUnhandledThreadExceptionWarning after every
test of an unusable DATABASE_URL.
"""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest
from sqlalchemy import text

from wipbot.store.db import make_engine


async def _attempt(url: str) -> None:
    engine = make_engine(url)
    try:
        with pytest.raises(Exception, match="unable to open"):
            async with engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
    finally:
        await engine.dispose()


def _workers() -> set[threading.Thread]:
    return {t for t in threading.enumerate() if "_connection_worker_thread" in t.name}


def test_a_failed_connect_stops_its_thread_before_the_loop_ends(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    failures: list[BaseException | None] = []
    monkeypatch.setattr(threading, "excepthook", lambda args: failures.append(args.exc_value))
    before = _workers()
    url = f"sqlite+aiosqlite:///{tmp_path}/no/such/folder/x.db"
    for _ in range(5):
        asyncio.run(_attempt(url))
        left = _workers() - before
        assert not left, f"{len(left)} aiosqlite thread(s) still running after the loop ended"
    for thread in _workers() - before:
        thread.join(5)
    assert failures == []
