"""An inspection in the terminal chat: numbers tap buttons, `/photo FILE` stands for a photo."""

from __future__ import annotations

from sqlmodel import select

from tests.handlers.factory_seed import NOW, seed
from wipbot.bot.console.chat import ConsoleChat
from wipbot.production.clock import fixed_clock
from wipbot.store.db import SessionFactory, transaction
from wipbot.store.models import Contact, QcInspection, QcPhoto


async def test_an_inspection_with_a_photo_in_the_console(
    sqlite_session_factory: SessionFactory,
) -> None:
    await seed(sqlite_session_factory)
    async with transaction(sqlite_session_factory) as session:
        session.add(
            Contact(
                factory_id=1,
                name="Quinn",
                platform="console",
                chat_id="console-quinn",
                language="en",
                linked_at=NOW,
                role="inspector",
            )
        )
    chat = ConsoleChat(sqlite_session_factory, "console-quinn", fixed_clock(NOW))
    assert "Which production order?" in (await chat.send("/qc"))[0].text
    for line in ("1", "1", "1"):  # PO-1042-1, inline, the whole quantity as the lot
        replies = await chat.send(line)
    assert "Sample size: 80 pieces" in replies[0].text
    await chat.send("/photo seam-closeup.jpg")
    assert "Photo added" in (await chat.send("/photo seam-2.jpg"))[0].text
    assert (await chat.send("/photo"))[0].text.startswith("Unknown command")  # no file: no photo
    await chat.send("10")  # Done
    saved = await chat.send("1")  # Confirm
    assert saved[0].text.startswith("PASS: PO-1042-1, Inline inspection, sample 80.")
    async with sqlite_session_factory() as session:
        (inspection,) = (await session.exec(select(QcInspection))).all()
        photos = (await session.exec(select(QcPhoto))).all()
    assert inspection.inspector == "Quinn"
    assert [(p.platform, p.file_id) for p in photos] == [
        ("console", "seam-closeup.jpg"),
        ("console", "seam-2.jpg"),
    ]
