"""One turn of a factory conversation: who is talking, in which language, and where they are.

Conversation state is a ConversationState row per contact (flow, step, JSON data), loaded at the
start of every turn and written back at its end, inside the caller's transaction: nothing lives
in memory between messages, so a restart mid-conversation loses nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import bindparam
from sqlalchemy.orm.attributes import flag_modified
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from wipbot.store.models import Contact, ConversationState, Factory

from .chat_state import ChatState, Flow
from .checkin_state import CheckinState
from .i18n import resolve_language, translator

if TYPE_CHECKING:
    from .factory_orders import OrderView


@dataclass
class Turn:
    session: AsyncSession
    contact: Contact
    factory: Factory
    state: ConversationState
    chat: ChatState
    """The typed working copy of `state.data`, written back by `end_turn`."""
    language: str
    now: datetime
    _: Callable[[str], str]
    views: dict[int, OrderView] = field(default_factory=dict)
    """Order views built during this turn, by production order id; cleared by what changes
    an order's picture (a saved check-in, a gate request)."""

    @property
    def today(self) -> date:
        """The factory's own calendar day: "next Friday" means theirs, not UTC's."""
        return local_today(self.now, self.factory.timezone)

    @property
    def active(self) -> bool:
        return self.state.flow == Flow.CHECKIN

    @property
    def step(self) -> str:
        """The stored step; compare it with a `CheckinStep` or `QcStep` (an unknown one
        matches none, and each flow asks its first question again)."""
        return self.state.step

    @property
    def checkin(self) -> CheckinState:
        """The check-in's part of the conversation, empty when none was begun."""
        if self.chat.checkin is None:
            self.chat.checkin = CheckinState()
        return self.chat.checkin

    def go(self, step: StrEnum | str, *, flow: Flow = Flow.CHECKIN) -> None:
        self.state.flow = flow.value
        self.state.step = str(step)

    def finish(self) -> None:
        """Back to idle; only the remembered language hint survives."""
        self.chat.restart()
        self.go("", flow=Flow.IDLE)


def local_today(now: datetime, timezone: str) -> date:
    try:
        return now.astimezone(ZoneInfo(timezone)).date()
    except (ZoneInfoNotFoundError, ValueError):
        return now.date()


_STATE = (
    select(ConversationState)
    .where(col(ConversationState.contact_id) == bindparam("contact_id"))
    .with_for_update()
)
"""Built once: every turn reads it."""


async def load_state(session: AsyncSession, contact_id: int, now: datetime) -> ConversationState:
    """The row, locked on PostgreSQL: two deliveries of one chat take turns, none is lost."""
    state = (await session.exec(_STATE, params={"contact_id": contact_id})).first()
    if state is None:
        state = ConversationState(
            contact_id=contact_id, flow=Flow.IDLE.value, step="", data={}, updated_at=now
        )
        session.add(state)
    return state


async def begin_turn(
    session: AsyncSession,
    contact: Contact,
    *,
    now: datetime,
    language_hint: str | None = None,
    factory: Factory | None = None,
) -> Turn:
    """Load the contact's conversation (and its factory, unless the caller read it already);
    the language is the record's, else the platform's hint."""
    assert contact.id is not None
    if factory is None or factory.id != contact.factory_id:
        factory = await session.get(Factory, contact.factory_id)
    assert factory is not None
    state = await load_state(session, contact.id, now)
    chat = ChatState.from_json(state.data)
    if language_hint:
        chat.hint = language_hint
    language = resolve_language(contact.language, chat.hint, factory.language)
    return Turn(session, contact, factory, state, chat, language, now, translator(language))


async def end_turn(turn: Turn) -> None:
    """Write the working copy back; reassigning (and flagging) saves nested changes too."""
    turn.state.data = turn.chat.to_json()
    flag_modified(turn.state, "data")
    turn.state.updated_at = turn.now
    turn.session.add(turn.state)
    await turn.session.flush()
