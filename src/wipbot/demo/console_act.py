"""The `wipbot demo` act of the factory side: a check-in as the contact sees it in their chat.

A contact is invited and links the console chat with the code, answers the weekly check-in for
two production orders (with one malformed answer and its correction on the way), and a second
contact reports in Bengali or Vietnamese with a one-line shortcut confirmed by one tap. Answers
are chosen from the buttons actually shown, so the act fits whatever orders the demo imported.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, time
from typing import TYPE_CHECKING

from sqlmodel import col, func, select

from wipbot.bot.console.chat import PLATFORM, ConsoleChat, render_reply
from wipbot.handlers.factory_orders import OPEN
from wipbot.handlers.messages import Reply
from wipbot.handlers.onboarding import console_contact, create_invite
from wipbot.production.clock import fixed_clock
from wipbot.production.milestones import Milestone
from wipbot.store.db import SessionFactory, transaction
from wipbot.store.models import Contact, Factory, ProductionOrder

if TYPE_CHECKING:
    from .context import DemoContext

SHORTCUTS: dict[str, str] = {
    "bn": "{po} সেলাই {quantity} কাপড় ৫ দিন দেরি",
    "vi": "{po} may {quantity} vải trễ 5 ngày",
}
BENGALI_DIGITS = str.maketrans("0123456789", "০১২৩৪৫৬৭৮৯")
DEMO_HOUR_UTC = time(3, 0)  # mid-morning in Dhaka, Ho Chi Minh City and Ningbo


@dataclass
class ScriptedChat:
    """Sends the contact's lines and prints both sides, the way the chat would show them."""

    chat: ConsoleChat
    write: Callable[[str], None]
    transcript: list[Reply] = field(default_factory=list)

    async def say(self, line: str, shown: str | None = None) -> list[Reply]:
        self.write(f"  👤 {shown or line}")
        replies = await self.chat.send(line)
        for reply in replies:
            self.write(indent(render_reply(reply)))
        self.transcript += replies
        return replies

    async def tap(self, value: str) -> list[Reply]:
        """Tap the shown button with this value (or the first starting with it)."""
        for number, button in enumerate(self.chat.buttons, start=1):
            if button.value == value or button.value.startswith(value):
                return await self.say(str(number), f"{number}  ({button.label})")
        raise LookupError(f"no button {value!r} on screen")


def indent(text: str) -> str:
    return "\n".join(
        f"  🤖 {line}" if i == 0 else f"     {line}" for i, line in enumerate(text.splitlines())
    )


NAMES: dict[str, str] = {"zh-Hans": "Wei", "vi": "Minh", "bn": "Rahim", "tr": "Elif"}


async def factories_by_open_orders(session_factory: SessionFactory) -> list[tuple[Factory, int]]:
    """Factories with open production orders, the fewest first (the shortest check-in)."""
    async with session_factory() as session:
        rows = await session.exec(
            select(Factory, func.count(col(ProductionOrder.id)))
            .join(ProductionOrder, col(ProductionOrder.factory_id) == Factory.id)
            .where(ProductionOrder.status == OPEN)
            .group_by(col(Factory.id))
            .order_by(func.count(col(ProductionOrder.id)), col(Factory.code))
        )
        return [(factory, count) for factory, count in rows.all()]


async def demo_contact(
    session_factory: SessionFactory, factory: Factory, *, language: str, now: datetime
) -> Contact:
    """A console contact at the factory, linked straight away as `wipbot shell` does."""
    async with transaction(session_factory) as session:
        invite = await create_invite(
            session,
            factory_code=factory.code,
            name=NAMES.get(factory.language, "Sam"),
            platform=PLATFORM,
            now=now,
            language=language,
        )
        contact = await session.get(Contact, invite.contact_id)
        assert contact is not None
        return await console_contact(session, contact, now=now)


def stage_to_report(chat: ScriptedChat) -> str:
    """The stage after the one last reported (cutting for a fresh order), never past shipped."""
    marked = [b.value for b in chat.chat.buttons if b.selected]
    if not marked:
        return "m:cutting"
    following = Milestone(marked[0].split(":", 1)[1]).next()
    return f"m:{(following or Milestone.SHIPPED).value}"


async def weekly_checkin(
    session_factory: SessionFactory,
    factory: Factory,
    *,
    now: datetime,
    write: Callable[[str], None],
) -> None:
    """Two production orders answered in full; the malformed quantity is corrected on the way."""
    async with transaction(session_factory) as session:
        invite = await create_invite(
            session,
            factory_code=factory.code,
            name=NAMES.get(factory.language, "Sam"),
            platform=PLATFORM,
            now=now,
            language="en",
        )
    write(
        f"$ wipbot contact invite --factory {factory.code} --name {invite.name} "
        f"--platform console\n{invite.code}\n"
        f"{invite.name} (who reads English) sends the code as the first message:"
    )
    console_chat = ConsoleChat(session_factory, f"demo-{invite.contact_id}", fixed_clock(now))
    chat = ScriptedChat(console_chat, write)
    await chat.say(invite.code)  # links the chat and starts the check-in at the first order

    await chat.tap(stage_to_report(chat))
    if any(b.value == "q:all" for b in chat.chat.buttons):
        await chat.say("about half")  # malformed: a correction, and nothing changes
        all_label = next(b.label for b in chat.chat.buttons if b.value == "q:all")
        total = int("".join(ch for ch in all_label if ch.isdigit()))
        await chat.say(f"{total * 3 // 5} pcs")
    await chat.tap("i:trims_late")
    await chat.tap("i:done")
    await chat.tap("d:7")
    await chat.say("Hangtags come a week late")
    await chat.tap("x:keep")
    await chat.tap("c:confirm")

    await chat.tap(stage_to_report(chat))
    if any(b.value == "q:all" for b in chat.chat.buttons):
        await chat.tap("q:all")
    await chat.tap("i:none")
    await chat.tap("x:new")
    await chat.say("in 3 weeks")
    await chat.tap("c:confirm")
    if chat.transcript[-1].buttons:
        await chat.say("/cancel")  # the other orders wait for later; confirmed ones are saved


async def shortcut(
    session_factory: SessionFactory,
    factory: Factory,
    *,
    now: datetime,
    write: Callable[[str], None],
) -> None:
    """One line in the contact's own language, confirmed with one tap."""
    language = factory.language if factory.language in SHORTCUTS else "vi"
    contact = await demo_contact(session_factory, factory, language=language, now=now)
    async with session_factory() as session:
        order = (
            await session.exec(
                select(ProductionOrder)
                .where(ProductionOrder.factory_id == factory.id)
                .where(ProductionOrder.status == OPEN)
                .order_by(col(ProductionOrder.number))
            )
        ).first()
    if order is None or contact.chat_id is None:
        return
    quantity = str(order.quantity // 2)
    if language == "bn":
        quantity = quantity.translate(BENGALI_DIGITS)
    write(f"{contact.name} at {factory.name} reports in one line instead of tapping:")
    chat = ScriptedChat(ConsoleChat(session_factory, contact.chat_id, fixed_clock(now)), write)
    await chat.say(SHORTCUTS[language].format(po=order.number, quantity=quantity))
    await chat.tap("c:confirm")


async def factory_checkin_act(
    session_factory: SessionFactory, *, now: datetime, write: Callable[[str], None]
) -> None:
    """The whole act; only a note when the demo data has no open orders."""
    factories = await factories_by_open_orders(session_factory)
    main = next((f for f, count in factories if count >= 2), None)
    if main is None:
        write("no factory with open production orders: nothing to check in")
        return
    write(f"The weekly check-in at {main.name}:")
    await weekly_checkin(session_factory, main, now=now, write=write)
    others = [f for f, _count in factories if f.id != main.id and f.language in SHORTCUTS]
    others.sort(key=lambda f: f.language != "bn")
    if others:
        write("")
        await shortcut(session_factory, others[0], now=now, write=write)


async def act_factory_checkin(ctx: DemoContext) -> None:
    """`wipbot demo`: the factory side, as the contacts see it in their chat."""
    ctx.heading("A factory check-in, as the contact sees it")
    now = datetime.combine(ctx.today, DEMO_HOUR_UTC, tzinfo=UTC)

    def write(line: str) -> None:
        ctx.console.print(line, markup=False, highlight=False, soft_wrap=True)

    await factory_checkin_act(ctx.sessions, now=now, write=write)
