"""`wipbot shell --contact NAME`: the factory conversation in the terminal.

An operator tool: it links a console chat to the contact without an invite (for a Telegram or
WhatsApp contact, to a console twin of the same factory and name), so whoever runs it answers
as that contact. Its check-ins are saved like any other.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import typer
from rich.markup import escape

from wipbot.bot.console import ConsoleChat, deliver_waiting, render_reply, run_console
from wipbot.handlers.onboarding import ContactNotFound, console_contact, find_contact
from wipbot.store.db import SessionFactory, transaction

from .common import console, fail, run, with_database


async def read_stdin() -> str | None:
    try:
        return await asyncio.to_thread(input, "> ")
    except EOFError:
        return None


async def open_shell(session_factory: SessionFactory, name: str, factory_code: str | None) -> str:
    async with transaction(session_factory) as session:
        contact = await find_contact(session, name, factory_code=factory_code)
        twin = await console_contact(session, contact, now=datetime.now(UTC))
        assert twin.chat_id is not None
        return twin.chat_id


def shell_command(
    contact: str = typer.Option(..., "--contact", help="The contact's name."),
    factory: str | None = typer.Option(None, "--factory", help="Factory code, when names clash."),
) -> None:
    """Talk to the bot as a factory contact: type answers, or a button's number."""

    async def work(session_factory: SessionFactory) -> int:
        try:
            chat_id = await open_shell(session_factory, contact, factory)
        except ContactNotFound as error:
            raise fail(str(error)) from None
        console.print(
            f"[dim]console chat as {escape(contact)}: /checkin to start, /help, /quit to "
            "leave[/dim]",
            highlight=False,
        )
        chat = ConsoleChat(session_factory, chat_id)
        waiting = await deliver_waiting(session_factory, chat_id)
        for reply in waiting:
            typer.echo(render_reply(reply))
        chat.remember(waiting)
        return await run_console(chat, read_stdin, typer.echo)

    run(with_database(work))
