"""The `wipbot demo` act of quality: an inspection reported in the factory chat with its photo,
failed then passed, the alert following it in Slack, `/qc`, `/landed` with estimates against
actual charges, and the defects report for the designers.

Everything goes the real way: the chat is the console platform through `handle_inbound`, the
alerts leave through the outbox and the real SlackTransport, and only Slack's Web API at the end
is a console that prints each message as Slack would show it.
"""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING

from sqlmodel import col, select

from wipbot.bot.console.chat import PLATFORM, ConsoleChat
from wipbot.bot.slack.render_qc import landed_answer, qc_answer
from wipbot.bot.slack.text import message_to_text
from wipbot.bot.slack.transport import SlackTransport
from wipbot.cli.importing import import_file, print_summary
from wipbot.cli.report import report_view
from wipbot.demo.console_act import ScriptedChat
from wipbot.demo.slack_act import MERCHANDISER
from wipbot.demo.slack_console import ConsoleSlack
from wipbot.handlers.defect_report import defect_report
from wipbot.handlers.onboarding import create_invite
from wipbot.handlers.qc_card import answer_landed, answer_qc
from wipbot.production.clock import fixed_clock
from wipbot.scheduler.config import SenderConfig
from wipbot.scheduler.sender import send_due
from wipbot.store.brands import set_member
from wipbot.store.db import SessionFactory, transaction
from wipbot.store.models import Brand, Factory, ProductionOrder, PurchaseOrder

if TYPE_CHECKING:
    from .context import DemoContext

DEMO_PO = "PO-1036"
INSPECTOR = "Thu Nguyen (QIMA)"
PHOTO = "console-photo-open-seam.jpg"
DEMO_HOUR_UTC = time(7, 0)  # 14:00 in Ho Chi Minh City, after the morning's final
ESTIMATES = (
    ("freight", "1800.00", "units", "quote ONEY-Q-118"),
    ("duty", "6500.00", "value", "broker estimate"),
)


async def act_quality(ctx: DemoContext) -> None:
    """Inspection in chat with a photo; fail, rework, pass; /qc, /landed, the defects report."""
    ctx.heading("Quality: an inspection reported in chat, and the loop back to design")
    write = _writer(ctx)
    now = datetime.combine(ctx.today, DEMO_HOUR_UTC, UTC)
    brand_id = await ctx.brand_id()
    order = await _order(ctx.sessions, brand_id)
    if order is None:
        write(f"(no open production order of {DEMO_PO} to inspect)")
        return
    factory_code, number = order
    async with transaction(ctx.sessions) as session:
        invite = await create_invite(
            session,
            factory_code=factory_code,
            name=INSPECTOR,
            platform=PLATFORM,
            now=now,
            language="en",
            role="inspector",
        )
    write(
        f"$ wipbot contact invite --factory {factory_code} --name '{INSPECTOR}' "
        f"--platform console --role inspector\n{invite.code}\n"
        "The inspector sends the code from the factory floor and reports the final inspection:"
    )
    console_chat = ConsoleChat(ctx.sessions, f"demo-qc-{invite.contact_id}", fixed_clock(now))
    chat = ScriptedChat(console_chat, write)
    await chat.say(invite.code)
    await _tap_label(chat, number)
    await chat.tap("qc:k:final")
    await chat.tap("qc:l:")
    for category, severity, count in (("open_seam", "major", "9"), ("broken_stitch", "major", "2")):
        await chat.tap(f"qc:d:{category}")
        await chat.tap(f"qc:s:{severity}")
        await chat.say(count)
    await chat.say(f"/photo {PHOTO}", f"📷 {PHOTO}")
    await chat.tap("qc:d:done")
    await chat.tap("qc:c:save")

    slack = ConsoleSlack(write, names={MERCHANDISER[0]: MERCHANDISER[1]})
    transport = SlackTransport(slack, ctx.sessions, clock=fixed_clock(now))
    write("")
    write("The qc_failed alert reaches #alerts through the outbox:")
    await _send(ctx.sessions, transport)

    write("")
    write("After the rework the inspector taps the re-inspection button:")
    console_chat.clock = fixed_clock(now.replace(hour=DEMO_HOUR_UTC.hour + 2))
    await chat.tap("qc:r:")
    await chat.tap("qc:l:")
    await chat.tap("qc:d:stain")
    await chat.tap("qc:s:minor")
    await chat.say("3")
    await chat.tap("qc:d:done")
    await chat.tap("qc:c:save")
    write("")
    write("The alert in #alerts is resolved in place:")
    await _send(ctx.sessions, transport)

    async with transaction(ctx.sessions) as session:
        brand = await session.get(Brand, brand_id)
        assert brand is not None
        user, name, role = MERCHANDISER
        await set_member(session, brand, user, role, name=name, actor="demo")
        answer = qc_answer(await answer_qc(session, brand, MERCHANDISER[0], DEMO_PO))
    _ephemeral(write, f"/qc {DEMO_PO}", answer.as_kwargs())

    write("")
    write(f"The costing analyst's estimates for {DEMO_PO} are imported as such; the actual")
    write("invoices (already imported) replace them kind by kind:")
    await _import_estimates(ctx)
    async with ctx.sessions() as session:
        brand = await session.get(Brand, brand_id)
        assert brand is not None
        landed = landed_answer(await answer_landed(session, brand, MERCHANDISER[0], DEMO_PO))
    _ephemeral(write, f"/landed {DEMO_PO}", landed.as_kwargs())

    ctx.console.print()
    ctx.console.print("[dim]$ wipbot report defects[/dim]", highlight=False)
    async with ctx.sessions() as session:
        report = await defect_report(session, brand_id)
    ctx.console.print(report_view(report))


def _writer(ctx: DemoContext) -> Callable[[str], None]:
    def write(line: str) -> None:
        ctx.console.print(line, markup=False, highlight=False, soft_wrap=True)

    return write


async def _order(sessions: SessionFactory, brand_id: int) -> tuple[str, str] | None:
    """The factory code and the last open production order of the demo PO."""
    async with sessions() as session:
        row = (
            await session.exec(
                select(Factory.code, ProductionOrder.number)
                .join(ProductionOrder, col(ProductionOrder.factory_id) == col(Factory.id))
                .join(PurchaseOrder, col(PurchaseOrder.id) == col(ProductionOrder.po_id))
                .where(PurchaseOrder.brand_id == brand_id)
                .where(PurchaseOrder.po_number == DEMO_PO)
                .where(ProductionOrder.status == "open")
                .order_by(col(ProductionOrder.number).desc())
            )
        ).first()
    return (row[0], row[1]) if row else None


async def _tap_label(chat: ScriptedChat, label: str) -> None:
    for button in chat.chat.buttons:
        if button.label == label:
            await chat.tap(button.value)
            return
    raise LookupError(f"no button {label!r} on screen")


async def _send(sessions: SessionFactory, transport: SlackTransport) -> None:
    config = SenderConfig(concurrency=1, chat_limits={}, platform_limits={})
    await send_due(sessions, {"slack": transport}, config=config)


def _ephemeral(write: Callable[[str], None], command: str, message: dict[str, object]) -> None:
    write("")
    write(f"{MERCHANDISER[1]} types `{command}` in Slack · only visible to them:")
    write(message_to_text(message, names={MERCHANDISER[0]: MERCHANDISER[1]}))


async def _import_estimates(ctx: DemoContext) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "estimates.csv"
        with path.open("w", newline="", encoding="utf-8") as handle:
            out = csv.writer(handle)
            out.writerow(["po_number", "kind", "amount", "currency", "basis", "reference", "stage"])
            for kind, amount, basis, reference in ESTIMATES:
                out.writerow([DEMO_PO, kind, amount, "USD", basis, reference, "estimate"])
        result = await import_file(
            ctx.sessions, "charges", path, brand=ctx.brand_name, out=ctx.console
        )
    print_summary(result, ctx.console)
