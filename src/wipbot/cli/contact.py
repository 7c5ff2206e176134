"""`wipbot contact`: one-time invites for factory contacts, and who is linked where."""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import typer
from rich.markup import escape
from sqlmodel import col, select

from wipbot.handlers.onboarding import PLATFORMS, Invite, InviteError, create_invite, invite_link
from wipbot.store.db import SessionFactory, transaction
from wipbot.store.models import Contact, Factory

from .common import (
    JsonOption,
    console,
    fail,
    print_json,
    run,
    shown_value,
    with_database,
    within_column,
)

app = typer.Typer(help="Factory contacts: invites and links.", no_args_is_help=True)

DEFAULT_BOT_USERNAME = "wipbot_bot"


def default_bot_username() -> str:
    """No network here: the Telegram bot's username comes from the environment, not getMe."""
    return os.environ.get("WIPBOT_TELEGRAM_BOT_USERNAME") or DEFAULT_BOT_USERNAME


@app.command("invite")
def invite(
    factory: str = typer.Option(
        ..., "--factory", help='Factory code or name, e.g. SGN1 or "Saigon Stitch".'
    ),
    name: str = typer.Option(..., "--name", help="The contact's name."),
    platform: str = typer.Option("telegram", "--platform", help=" | ".join(PLATFORMS)),
    role: str = typer.Option(
        "contact", "--role", help="contact (weekly check-in) | inspector (QC inspections only)"
    ),
    brand: str | None = typer.Option(None, "--brand", help="Brand name, when codes clash."),
    language: str | None = typer.Option(
        None, "--language", help="Chat language (en, zh-Hans, vi, bn, tr); default: from chat."
    ),
    days: int = typer.Option(7, "--days", min=1, max=90, help="Days the invite stays valid."),
    bot_username: str | None = typer.Option(
        None, "--bot-username", help="Telegram bot username (env WIPBOT_TELEGRAM_BOT_USERNAME)."
    ),
    whatsapp_number: str | None = typer.Option(
        None, "--whatsapp-number", help="WhatsApp business number (env WIPBOT_WHATSAPP_NUMBER)."
    ),
    as_json: bool = JsonOption,
) -> None:
    """Print a one-time invite: a deep link for Telegram, a wa.me link for WhatsApp."""
    if platform not in PLATFORMS:
        raise fail(f"--platform: expected one of {', '.join(PLATFORMS)}")
    within_column(name, Contact.name, "--name")
    if language is not None:
        language = _language(language)
    handle = _handle(platform, bot_username, whatsapp_number)

    async def work(session_factory: SessionFactory) -> Invite:
        async with transaction(session_factory) as session:
            return await create_invite(
                session,
                factory_code=factory,
                name=name,
                platform=platform,
                now=datetime.now(UTC),
                ttl=timedelta(days=days),
                brand=brand,
                language=language,
                role=role,
            )

    try:
        created = run(with_database(work))
    except InviteError as error:
        raise fail(str(error)) from None
    link = invite_link(platform, created.code, handle) if handle or platform == "console" else ""
    if as_json:
        print_json(
            {
                "contact_id": created.contact_id,
                "factory": created.factory_code,
                "name": created.name,
                "platform": platform,
                "role": created.role,
                "code": created.code,
                "link": link or None,
                "expires_at": created.expires_at.isoformat(),
            }
        )
        return
    typer.echo(link or created.code)
    console.print(
        f"[dim]one-time invite for {escape(created.name)} ({escape(created.factory_code)}, "
        f"{platform}" + (f", {created.role}" if created.role != "contact" else "") + "), "
        f"valid until {created.expires_at:%Y-%m-%d %H:%M} UTC[/dim]",
        highlight=False,
    )
    if platform == "whatsapp" and not link:
        console.print("[dim]no --whatsapp-number: ask the contact to send the code above[/dim]")


TELEGRAM_USERNAME = re.compile(r"@?[A-Za-z][A-Za-z0-9_]{4,31}")
"""Telegram's rule for usernames: 5 to 32 of a-z, 0-9 and _, starting with a letter."""
WHATSAPP_DIGITS = range(7, 16)
"""An international number without its +: E.164 allows at most 15 digits."""


def _language(value: str) -> str:
    from wipbot.store.importing.cells import parse_language  # the importers' rule, when asked

    try:
        tag = parse_language(value)
    except ValueError as error:
        raise fail(f"--language: {error}") from None
    return within_column(tag, Contact.language, "--language")


def _handle(platform: str, bot_username: str | None, whatsapp_number: str | None) -> str:
    """The bot's username or the business number the link is made of, checked before the
    invite is written: a link that leads nowhere is worse than none."""
    if platform == "whatsapp":
        number = whatsapp_number or os.environ.get("WIPBOT_WHATSAPP_NUMBER", "")
        digits = sum(ch.isdigit() for ch in number)
        if number and digits not in WHATSAPP_DIGITS:
            option = "--whatsapp-number" if whatsapp_number else "WIPBOT_WHATSAPP_NUMBER"
            raise fail(
                f"{option}: {shown_value(number)} is not an international number "
                "such as +84 90 123 4567"
            )
        return number
    username = bot_username or default_bot_username()
    if platform == "telegram" and not TELEGRAM_USERNAME.fullmatch(username):
        option = "--bot-username" if bot_username else "WIPBOT_TELEGRAM_BOT_USERNAME"
        raise fail(
            f"{option}: {shown_value(username)} is not a Telegram username "
            "(5 to 32 of a-z, 0-9 and _, starting with a letter)"
        )
    return username


@app.command("list")
def list_contacts(as_json: bool = JsonOption) -> None:
    """Contacts with their factory, platform, link and pending invite."""

    async def work(session_factory: SessionFactory) -> list[dict[str, Any]]:
        async with session_factory() as session:
            rows = (
                await session.exec(
                    select(Contact, Factory)
                    .join(Factory, col(Factory.id) == Contact.factory_id)
                    .order_by(col(Factory.code), col(Contact.name), col(Contact.platform))
                )
            ).all()
        return [
            {
                "id": contact.id,
                "name": contact.name,
                "factory": factory.code,
                "platform": contact.platform,
                "linked": contact.chat_id is not None,
                "chat_id": contact.chat_id,
                "language": contact.language,
                "invite_pending": contact.invite_code is not None,
                "invite_expires_at": contact.invite_expires_at,
                "last_inbound_at": contact.last_inbound_at,
                "active": contact.active,
            }
            for contact, factory in rows
        ]

    data = run(with_database(work))
    if as_json:
        print_json(data)
        return
    if not data:
        console.print("no contacts yet; invite one with `wipbot contact invite`")
        return
    for row in data:
        link = f"linked ({row['chat_id']})" if row["linked"] else "not linked"
        pending = " invite pending" if row["invite_pending"] else ""
        console.print(
            f"{row['factory']:<8} {row['name']:<20} {row['platform']:<9} {link}{pending}",
            highlight=False,
            markup=False,
        )
