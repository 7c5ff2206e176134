"""`wipbot prompt send`: this week's check-in to a factory (or one contact) now, not at the slot;
with `--midweek`, the mid-week one of the weekly round under way, about the orders near their
ex-factory date."""

from __future__ import annotations

from datetime import UTC, datetime

import typer
from sqlmodel import col, select

from wipbot.handlers.onboarding import InviteError, factory_by_code_or_name
from wipbot.handlers.reminders import linked_contacts
from wipbot.scheduler.prompts import send_prompt_now
from wipbot.store.db import SessionFactory, transaction
from wipbot.store.models import Contact
from wipbot.store.models.messaging import PromptKind

from .common import console, fail, load_settings, run, with_database

app = typer.Typer(help="Weekly and mid-week check-in prompts.", no_args_is_help=True)


class NobodyToPrompt(Exception):
    """No linked contact matches: the message says who could be."""


@app.command("send")
def send_command(
    factory: str = typer.Option(..., "--factory", help="Factory code or name, e.g. HCM1."),
    contact: str | None = typer.Option(
        None, "--contact", help="Only this contact (by name); default: every linked contact."
    ),
    brand: str | None = typer.Option(None, "--brand", help="Brand name, when codes repeat."),
    midweek: bool = typer.Option(
        False,
        "--midweek",
        help=(
            "Send the mid-week check-in of the weekly round under way instead (it then does "
            "not go out at its time): only the open orders due ex-factory within "
            "WIPBOT_MIDWEEK_CHECKIN_DAYS (or late); nothing is sent when there are none."
        ),
    ),
) -> None:
    """Send this week's check-in now (onboarding day, a test), queued for `wipbot run` to send."""
    window = load_settings().midweek_checkin_days if midweek else 0
    if midweek and window == 0:
        raise fail("mid-week check-ins are off (WIPBOT_MIDWEEK_CHECKIN_DAYS=0); nothing was sent")
    kind = PromptKind.MIDWEEK if midweek else PromptKind.WEEKLY

    async def work(sessions: SessionFactory) -> tuple[str, int]:
        now = datetime.now(UTC)
        async with transaction(sessions) as session:
            found = await factory_by_code_or_name(session, factory, brand)
            assert found.id is not None
            contacts = list(await linked_contacts(session, found.id))
            if contact is not None:
                contacts = [c for c in contacts if c.name.casefold() == contact.casefold()]
            if not contacts:
                names = (
                    await session.exec(
                        select(Contact.name)
                        .where(Contact.factory_id == found.id)
                        .order_by(col(Contact.name))
                    )
                ).all()
                known = ", ".join(names) or "none yet; invite one with `wipbot contact invite`"
                raise NobodyToPrompt(f"no linked contact to prompt at {found.code} ({known})")
            prompted = await send_prompt_now(
                session, found, now=now, contacts=contacts, kind=kind, midweek_days=window
            )
            return found.code, prompted

    try:
        code, prompted = run(with_database(work))
    except (InviteError, NobodyToPrompt) as error:
        raise fail(str(error)) from None
    if midweek and prompted == 0:
        console.print(
            f"no open order at {code} is due ex-factory within {window} days: "
            "no mid-week check-in to send",
            markup=False,
        )
        return
    what = "mid-week check-in" if midweek else "check-in"
    console.print(
        f"{what} queued for {prompted} contact(s) at {code}; `wipbot run` sends it",
        markup=False,
    )
