"""What the README promises a new user works on the sample data as written."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import select

from tests.store.import_files import import_examples
from wipbot.store.db import SessionFactory, transaction
from wipbot.store.models import Contact, Factory

from .factory_seed import Chat, buttons, text

README = Path(__file__).resolve().parents[2] / "README.md"
DEMO_NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


def readme_shortcuts() -> list[str]:
    """The typed shortcuts the README's introduction shows, in backticks after "shortcut"."""
    intro = README.read_text(encoding="utf-8").split("\n## ", 1)[0]
    sentence = intro[intro.index("typed shortcut") :].split(" works too")[0]
    return re.findall(r"`([^`]+)`", sentence)


@pytest.mark.parametrize("shortcut", readme_shortcuts())
async def test_the_readmes_typed_shortcut_works_on_the_sample_data(
    sqlite_session_factory: SessionFactory, shortcut: str
) -> None:
    await import_examples(sqlite_session_factory)
    async with transaction(sqlite_session_factory) as session:
        ningbo = (await session.exec(select(Factory).where(Factory.code == "NGB1"))).one()
        assert ningbo.id is not None
        session.add(
            Contact(
                factory_id=ningbo.id,
                name="Mei",
                platform="telegram",
                chat_id="900",
                language="en",
                linked_at=DEMO_NOW,
            )
        )
    summary = await Chat(sqlite_session_factory, chat_id="900", now=DEMO_NOW).say(shortcut)
    assert buttons(summary) == ["c:confirm", "c:edit"], text(summary)
