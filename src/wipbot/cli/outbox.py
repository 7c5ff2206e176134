"""`wipbot outbox`: what is waiting to be sent, what keeps failing, what gave up, and what went
without the platform confirming it (`unconfirmed`: not sent again, see `store.outbox`);
`wipbot outbox resend` puts those last two back in the queue once their cause is fixed."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import typer
from rich.table import Table
from rich.text import Text
from sqlmodel import col, select

from wipbot.store.db import SessionFactory, transaction
from wipbot.store.models import OutboxMessage
from wipbot.store.models.widths import LARGEST_INTEGER
from wipbot.store.outbox import RESENDABLE, NotResendable, resend

from .common import JsonOption, console, fail, print_json, run, show, with_database

NOT_SURELY_SENT = ("pending", "unconfirmed", "dead")
MAX_LIMIT = LARGEST_INTEGER
"""What a database's LIMIT takes on both engines (SQLite refuses a wider integer outright)."""


def delivery_state(message: OutboxMessage) -> str:
    """`retrying` is a pending message that has failed before."""
    if message.status == "pending" and message.attempts > 0:
        return "retrying"
    return message.status


def message_row(message: OutboxMessage) -> dict[str, Any]:
    return {
        "id": message.id,
        "state": delivery_state(message),
        "platform": message.platform,
        "chat_id": message.chat_id,
        "action": message.action,
        "kind": message.payload.get("kind"),
        "attempts": message.attempts,
        "last_error": message.last_error or None,
        "next_attempt_at": (
            message.next_attempt_at.isoformat() if message.status == "pending" else None
        ),
        "created_at": message.created_at.isoformat(),
        "sent_at": message.sent_at.isoformat() if message.sent_at else None,
        "delivery_status": message.delivery_status,
        "delivery_status_at": (
            message.delivery_status_at.isoformat() if message.delivery_status_at else None
        ),
        "dedupe_key": message.dedupe_key,
    }


async def outbox_rows(
    session_factory: SessionFactory, *, include_sent: bool, limit: int
) -> list[dict[str, Any]]:
    query = select(OutboxMessage).order_by(col(OutboxMessage.id))
    if not include_sent:
        query = query.where(col(OutboxMessage.status).in_(NOT_SURELY_SENT))
    async with session_factory() as session:
        messages = (await session.exec(query.limit(limit))).all()
    return [message_row(m) for m in messages]


app = typer.Typer(add_completion=False)


@app.callback(invoke_without_command=True)
def outbox_command(
    ctx: typer.Context,
    include_sent: bool = typer.Option(False, "--all", help="Also list messages already sent."),
    limit: int = typer.Option(
        200, "--limit", min=1, max=MAX_LIMIT, help="At most this many, oldest first."
    ),
    as_json: bool = JsonOption,
) -> None:
    """Pending, retrying, unconfirmed and dead-lettered messages (with --all, sent ones too);
    `wipbot outbox resend ID...` sends dead or unconfirmed ones again."""
    if ctx.invoked_subcommand is not None:
        return

    async def work(factory: SessionFactory) -> list[dict[str, Any]]:
        return await outbox_rows(factory, include_sent=include_sent, limit=limit)

    rows = run(with_database(work))
    if as_json:
        print_json(rows)
        return
    if not rows:
        console.print("outbox empty: nothing waiting, nothing failed")
        return
    console.print(_summary(rows))
    show(_table(rows))


RESEND_HELP = (
    "Send dead or unconfirmed messages again once their cause is fixed: back to pending, due "
    "now, with a fresh retry budget counted from the resend, WIPBOT_OUTBOX_MAX_AGE_HOURS too (the "
    "last error is kept until a new attempt replaces it)."
    "\n\nAny other id (pending, sent, unknown) refuses the whole command: nothing changes. "
    "An unconfirmed message may have arrived: resend it when its contact says it did not."
    "\n\nIt goes out in its chat's order, before the chat's newer pending messages; if "
    "those were sent already, it simply goes next."
)


@app.command(
    "resend",
    help=RESEND_HELP,
    short_help="Send dead or unconfirmed messages again (all or nothing).",
    no_args_is_help=True,
)
def resend_command(
    ids: list[int] = typer.Argument(..., metavar="ID", help="Outbox ids, as listed."),
    as_json: bool = JsonOption,
) -> None:
    """Dead and unconfirmed messages back to the queue, one transaction for all the ids."""

    async def work(factory: SessionFactory) -> list[dict[str, Any]]:
        async with transaction(factory) as session:
            messages = await resend(session, ids, actor="cli", now=datetime.now(UTC))
            return [message_row(m) for m in messages]

    try:
        rows = run(with_database(work))
    except NotResendable as error:
        allowed = " or ".join(RESENDABLE)
        raise fail(
            f"cannot resend outbox {error}: only {allowed} messages can be; nothing was changed"
        ) from None
    if as_json:
        print_json(rows)
        return
    for row in rows:
        console.print(
            f"outbox {row['id']} ({row['platform']} {row['chat_id']}) queued again",
            markup=False,
            highlight=False,
        )
    console.print(f"{len(rows)} message(s) pending; `wipbot run` sends them", markup=False)


def _summary(rows: list[dict[str, Any]]) -> str:
    counts: dict[str, int] = {}
    for row in rows:
        counts[row["state"]] = counts.get(row["state"], 0) + 1
    return ", ".join(f"{state} {count}" for state, count in sorted(counts.items()))


def _table(rows: list[dict[str, Any]]) -> Table:
    table = Table(show_lines=False)
    for header in ("id", "state", "platform", "chat", "kind", "tries", "next attempt", "error"):
        table.add_column(header, overflow="fold")
    now = datetime.now(UTC)
    for row in rows:
        table.add_row(
            str(row["id"]),
            row["state"],
            row["platform"],
            Text(row["chat_id"]),
            f"{row['action']} {row['kind'] or ''}".strip(),
            str(row["attempts"]),
            _when(row["next_attempt_at"], now),
            Text((row["last_error"] or "")[:120]),
        )
    return table


def _when(moment: str | None, now: datetime) -> str:
    if moment is None:
        return "-"
    seconds = int((datetime.fromisoformat(moment) - now).total_seconds())
    if seconds <= 0:
        return "now"
    if seconds < 120:
        return f"in {seconds} s"
    if seconds < 7200:
        return f"in {seconds // 60} min"
    return f"in {seconds // 3600} h"
