"""The console adapter and the `wipbot contact` / `wipbot shell` commands."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from tests.handlers.factory_seed import NOW, seed
from wipbot.bot.console import ConsoleChat, deliver_waiting, render_reply, run_console
from wipbot.cli.main import app
from wipbot.demo.console_act import factory_checkin_act
from wipbot.handlers.checkin import start_checkin
from wipbot.handlers.messages import Button, Reply, reply_to_payload
from wipbot.handlers.onboarding import console_contact, find_contact
from wipbot.production.clock import fixed_clock
from wipbot.store.db import SessionFactory, make_engine, make_session_factory, transaction
from wipbot.store.models import CheckIn, CheckInPhoto, Contact, OutboxMessage
from wipbot.store.outbox import enqueue


def scripted(lines: list[str]) -> Callable[[], Awaitable[str | None]]:
    remaining = list(lines)

    async def read() -> str | None:
        return remaining.pop(0) if remaining else None

    return read


async def console_chat(factory: SessionFactory) -> ConsoleChat:
    async with transaction(factory) as session:
        twin = await console_contact(session, await find_contact(session, "Lan"), now=NOW)
    assert twin.chat_id is not None
    return ConsoleChat(factory, twin.chat_id, clock=fixed_clock(NOW))


def test_render_numbers_the_buttons_and_marks_the_selected_one() -> None:
    reply = Reply(
        "Which stage?", (Button("Cutting", "m:cutting"), Button("Sewing", "m:sewing", True))
    )
    assert render_reply(reply) == "Which stage?\n  [1] Cutting\n  [2] Sewing ✓"


async def test_a_number_taps_the_button_of_the_last_message(
    sqlite_session_factory: SessionFactory,
) -> None:
    await seed(sqlite_session_factory)
    chat = await console_chat(sqlite_session_factory)
    await chat.send("/checkin")
    assert chat.to_inbound("1").choice == "m:not_started"
    assert chat.to_inbound("4").choice == "m:sewing"
    assert chat.to_inbound("8").text == "8"  # no eighth button: it is text
    assert chat.to_inbound("sewing").text == "sewing"


async def test_a_whole_check_in_in_the_terminal(sqlite_session_factory: SessionFactory) -> None:
    await seed(sqlite_session_factory)
    chat = await console_chat(sqlite_session_factory)
    printed: list[str] = []
    lines = ["/checkin", "4", "800", "1", "1", "1", "3", "many", "1", "1", "1", "1", "/quit", "x"]
    sent = await run_console(chat, scripted(lines), printed.append)
    assert sent == 12
    output = "\n".join(printed)
    assert "[1] Not started yet" in output
    assert "[4] Sewing" in output
    assert "Please send the number of pieces" in output
    assert "Production orders updated: 2" in output
    async with sqlite_session_factory() as session:
        saved = (await session.exec(select(CheckIn))).all()
    assert sorted((c.milestone, c.source) for c in saved) == [
        ("cutting", "console"),
        ("sewing", "console"),
    ]


@pytest.fixture
def cli_database(sqlite_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    monkeypatch.delenv("WIPBOT_TELEGRAM_BOT_USERNAME", raising=False)

    async def prepare() -> None:
        engine = make_engine(sqlite_url)
        await seed(make_session_factory(engine))
        await engine.dispose()

    asyncio.run(prepare())
    return sqlite_url


def test_contact_invite_prints_a_deep_link_and_list_shows_it(cli_database: str) -> None:
    runner = CliRunner()
    result = runner.invoke(
        app,
        ["contact", "invite", "--factory", "SGN1", "--name", "Hoa", "--platform", "telegram"],
    )
    assert result.exit_code == 0, result.output
    link = result.output.splitlines()[0]
    assert link.startswith("https://t.me/wipbot_bot?start=") and len(link) == 50

    custom = runner.invoke(
        app,
        ["contact", "invite", "--factory", "SGN1", "--name", "Hoa", "--bot-username", "acme_bot"],
    )
    assert custom.output.startswith("https://t.me/acme_bot?start=")

    listed = json.loads(runner.invoke(app, ["contact", "list", "--json"]).output)
    hoa = next(c for c in listed if c["name"] == "Hoa")
    assert (hoa["factory"], hoa["platform"], hoa["linked"], hoa["invite_pending"]) == (
        "SGN1",
        "telegram",
        False,
        True,
    )

    unknown = runner.invoke(app, ["contact", "invite", "--factory", "XXX", "--name", "Hoa"])
    assert unknown.exit_code == 1 and "no factory with code" in unknown.output


def test_shell_talks_as_the_contact(cli_database: str) -> None:
    result = CliRunner().invoke(app, ["shell", "--contact", "lan"], input="/status\n/quit\n")
    assert result.exit_code == 0, result.output
    assert "PO-1042-1" in result.output and "PO-2001" not in result.output

    missing = CliRunner().invoke(app, ["shell", "--contact", "nobody"], input="")
    assert missing.exit_code == 1 and "no active contact" in missing.output


async def test_the_demo_act_shows_a_full_check_in_and_a_bengali_shortcut(
    sqlite_session_factory: SessionFactory,
) -> None:
    await seed(sqlite_session_factory)
    printed: list[str] = []
    await factory_checkin_act(sqlite_session_factory, now=NOW, write=printed.append)
    output = "\n".join(printed)
    assert "Please send the number of pieces" in output  # the malformed reply, corrected
    assert "Production orders updated: 2" in output
    assert "PO-1042-1" in output and "PO-1043-1" in output
    assert "PO-2001-1 সেলাই ২৫০০ কাপড় ৫ দিন দেরি" in output
    async with sqlite_session_factory() as session:
        saved = (await session.exec(select(CheckIn))).all()
    assert len(saved) == 3 and {c.source for c in saved} == {"console"}


async def test_what_waited_in_the_outbox_is_shown_once_when_the_shell_opens(
    sqlite_session_factory: SessionFactory,
) -> None:
    await seed(sqlite_session_factory)
    chat = await console_chat(sqlite_session_factory)
    async with transaction(sqlite_session_factory) as session:
        twin = (await session.exec(select(Contact).where(Contact.chat_id == chat.chat_id))).one()
        for reply in await start_checkin(session, twin, now=NOW):
            enqueue(session, "console", chat.chat_id, reply_to_payload(reply))
        enqueue(session, "console", "someone-else", reply_to_payload(Reply("not for Lan")))

    waiting = await deliver_waiting(sqlite_session_factory, chat.chat_id, clock=fixed_clock(NOW))
    assert "Weekly check-in" in waiting[0].text
    assert any(b.value == "m:sewing" for b in waiting[-1].buttons)
    assert await deliver_waiting(sqlite_session_factory, chat.chat_id) == []  # shown once

    chat.remember(waiting)
    milestones = [b.value for b in chat.buttons]
    assert chat.to_inbound(str(milestones.index("m:sewing") + 1)).choice == "m:sewing"
    async with sqlite_session_factory() as session:
        states = {m.chat_id: m.status for m in (await session.exec(select(OutboxMessage))).all()}
    assert states == {chat.chat_id: "sent", "someone-else": "pending"}


async def test_not_started_yet_in_the_terminal(sqlite_session_factory: SessionFactory) -> None:
    await seed(sqlite_session_factory)
    chat = await console_chat(sqlite_session_factory)
    printed: list[str] = []
    # not started, fabric late, done, 7 days, skip the note, date holds, confirm
    lines = ["/checkin", "1", "3", "9", "2", "1", "1", "1", "/quit", "x"]
    await run_console(chat, scripted(lines), printed.append)
    output = "\n".join(printed)
    assert "Stage: Not started yet" in output and "Fabric late (+7 d)" in output
    async with sqlite_session_factory() as session:
        saved = (await session.exec(select(CheckIn))).all()
    assert [(c.milestone, c.source) for c in saved] == [(None, "console")]


@pytest.mark.parametrize(
    ("note", "photo", "saved_note", "photos"),
    [
        ("seam fix", "a.jpg", "seam fix", ["a.jpg"]),
        ("seam\x00fix", "a.jpg", "seam\ufffdfix", ["a.jpg"]),
        ("seam\udcfffix", "a.jpg", "seam\ufffdfix", ["a.jpg"]),
        ("seam fix", "F" * 300, "seam fix", []),
    ],
    ids=["plain", "nul", "bytes-not-utf8", "photo-name-past-its-column"],
)
async def test_what_the_terminal_types_is_kept_as_a_webhook_would_keep_it(
    session_factory: SessionFactory, note: str, photo: str, saved_note: str, photos: list[str]
) -> None:
    """A NUL in a note, and a photo's name past its column, failed the check-in on PostgreSQL
    (a traceback out of `wipbot shell`); a lone surrogate on both databases."""
    await seed(session_factory)
    chat = await console_chat(session_factory)
    printed: list[str] = []
    lines = ["/checkin", "4", "800", "8", "9", "3", note, "1", f"/photo {photo}", "1", "/quit"]
    try:
        await run_console(chat, scripted(lines), printed.append)
    finally:
        await chat.pipeline.close()
    assert "Saved: PO-1042-1. Thank you!" in "\n".join(printed)
    async with session_factory() as session:
        [saved] = (await session.exec(select(CheckIn))).all()
        kept = (await session.exec(select(CheckInPhoto.file_id))).all()
    assert (saved.qty_sewn, saved.note, list(kept)) == (800, saved_note, photos)
