"""`wipbot gate`: request a sample-to-bulk gate and tick its checklist from the terminal."""

from __future__ import annotations

from datetime import UTC, datetime

import typer
from sqlmodel.ext.asyncio.session import AsyncSession

from wipbot.bot.slack.render_gate import gate_message
from wipbot.bot.slack.text import message_to_text
from wipbot.handlers.gates import (
    GateRequestResult,
    RequestOutcome,
    gate_for_order,
    parse_item,
    request_gate,
    tick_item,
)
from wipbot.store.db import SessionFactory, transaction
from wipbot.store.models import Gate, GateChecklistItem
from wipbot.store.wip import resolve_brand

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

app = typer.Typer(help="Sample-to-bulk gates: request, checklist.", no_args_is_help=True)

BrandOption = typer.Option(None, "--brand", help="Brand name; needed only with several brands.")


@app.command("request")
def request(
    number: str = typer.Argument(..., help="Production order or PO number."),
    by: str = typer.Option("cli", "--by", help="Who asks (a name or a Slack user id)."),
    brand: str | None = BrandOption,
) -> None:
    """Post the approval request to the brand's approvals channel (through the outbox)."""
    within_column(by, Gate.requested_by, "--by")

    async def work(factory: SessionFactory) -> GateRequestResult:
        async with transaction(factory) as session:
            found = await _brand_id(session, brand)
            return await request_gate(
                session, found, number, requested_by=by, now=datetime.now(UTC)
            )

    _print(number, run(with_database(work)))


@app.command("check")
def check(
    number: str = typer.Argument(..., help="Production order or PO number."),
    item: str = typer.Argument(..., help="golden | techpack | bom | fit (or the full name)."),
    by: str = typer.Option(..., "--by", help="Who did it, shown with the tick."),
    undo: bool = typer.Option(False, "--undo", help="Untick instead."),
    brand: str | None = BrandOption,
) -> None:
    """Tick (or untick) one checklist item; an open request's message is updated."""
    within_column(by, GateChecklistItem.done_by, "--by")
    try:
        parsed = parse_item(item)
    except ValueError as error:
        raise fail(str(error)) from error

    async def work(factory: SessionFactory) -> GateRequestResult:
        async with transaction(factory) as session:
            found = await _brand_id(session, brand)
            return await tick_item(
                session, found, number, parsed, by=by, now=datetime.now(UTC), done=not undo
            )

    _print(number, run(with_database(work)))


@app.command("show")
def show(
    number: str = typer.Argument(..., help="Production order or PO number."),
    brand: str | None = BrandOption,
    as_json: bool = JsonOption,
) -> None:
    """The gate as its approval message reads in Slack."""

    async def work(factory: SessionFactory) -> GateRequestResult:
        async with transaction(factory) as session:
            return await gate_for_order(session, await _brand_id(session, brand), number)

    result = run(with_database(work))
    if result.card is None:
        _print(number, result)
        return
    if as_json:
        print_json(
            {
                "order": result.card.order_label,
                "status": result.card.status.value,
                "missing": [item.value for item in result.card.missing],
            }
        )
        return
    message = gate_message(result.card)
    typer.echo(message_to_text({"blocks": message.blocks}))


async def _brand_id(session: AsyncSession, name: str | None) -> int:
    try:
        brand = await resolve_brand(session, name)
    except LookupError as error:
        raise fail(str(error)) from error
    assert brand.id is not None
    return brand.id


def _print(number: str, result: GateRequestResult) -> None:
    if result.outcome is RequestOutcome.NOT_FOUND:
        raise fail(f"no production order or PO {shown_value(number)}")
    if result.outcome is RequestOutcome.AMBIGUOUS:
        raise fail(f"{number} has several production orders: {', '.join(result.choices)}")
    card = result.card
    assert card is not None
    missing = ", ".join(item.value for item in card.missing) or "none"
    console.print(f"{card.order_label}: gate {card.status.value}; missing: {missing}", markup=False)
    if not result.approvals_channel and result.outcome is RequestOutcome.REQUESTED:
        console.print("[yellow]no approvals channel: set one with `wipbot brand add`[/yellow]")
