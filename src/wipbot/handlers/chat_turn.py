"""One turn of a factory conversation: who is talking, in which language, and where they are.

Conversation state is a ConversationState row per contact (flow, step, JSON data), loaded at the
start of every turn and written back at its end, inside the caller's transaction: nothing lives
in memory between messages, so a restart mid-conversation loses nothing.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.orm.attributes import flag_modified
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from wipbot.store.models import Contact, ConversationState, Factory

from .i18n import resolve_language, translator

if TYPE_CHECKING:
    from .factory_orders import OrderView

IDLE = "idle"
CHECKIN = "checkin"


@dataclass
class Turn:
    session: AsyncSession
    contact: Contact
    factory: Factory
    state: ConversationState
    data: dict[str, Any]
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
        return self.state.flow == CHECKIN

    @property
    def step(self) -> str:
        return self.state.step

    def go(self, step: str, *, flow: str = CHECKIN) -> None:
        self.state.flow = flow
        self.state.step = step

    def finish(self) -> None:
        """Back to idle; only the remembered language hint survives."""
        hint = self.data.get("hint")
        self.data = {"hint": hint} if hint else {}
        self.go("", flow=IDLE)


def local_today(now: datetime, timezone: str) -> date:
    try:
        return now.astimezone(ZoneInfo(timezone)).date()
    except (ZoneInfoNotFoundError, ValueError):
        return now.date()


async def load_state(session: AsyncSession, contact_id: int, now: datetime) -> ConversationState:
    """The row, locked on PostgreSQL: two deliveries of one chat take turns, none is lost."""
    state = (
        await session.exec(
            select(ConversationState)
            .where(ConversationState.contact_id == contact_id)
            .with_for_update()
        )
    ).first()
    if state is None:
        state = ConversationState(
            contact_id=contact_id, flow=IDLE, step="", data={}, updated_at=now
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
    data = copy.deepcopy(dict(state.data or {}))
    if language_hint:
        data["hint"] = language_hint
    language = resolve_language(contact.language, data.get("hint"), factory.language)
    return Turn(session, contact, factory, state, data, language, now, translator(language))


async def end_turn(turn: Turn) -> None:
    """Write the working copy back; reassigning (and flagging) saves nested changes too."""
    turn.state.data = copy.deepcopy(turn.data)
    flag_modified(turn.state, "data")
    turn.state.updated_at = turn.now
    turn.session.add(turn.state)
    await turn.session.flush()
