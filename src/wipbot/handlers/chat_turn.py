"""One turn of a factory conversation: who is talking, in which language, and where they are.

Conversation state is a ConversationState row per contact (flow, step, JSON data), loaded at the
start of every turn and written back at its end, inside the caller's transaction: nothing lives
in memory between messages, so a restart mid-conversation loses nothing. The contact, its factory
and the conversation are read and written as rows with statements built once: every delivery of
every chat takes a turn.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import bindparam, insert, update
from sqlalchemy import select as core_select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from wipbot.store.db import on_sqlite
from wipbot.store.models import Contact, ConversationState, Factory

from .chat_state import ChatState, Flow
from .checkin_state import CheckinState
from .i18n import resolve_language, translator

if TYPE_CHECKING:
    from wipbot.production.progress import Report

    from .factory_orders import OrderView


@dataclass(slots=True)
class ChatContact:
    """The contact's columns a turn reads: a row, not an ORM object, since every delivery loads
    one (and the ORM's loading and unit of work cost several times the statement)."""

    id: int
    factory_id: int
    name: str
    platform: str
    language: str | None
    role: str
    last_inbound_at: datetime | None = None

    @staticmethod
    def of(contact: Contact) -> ChatContact:
        assert contact.id is not None
        return ChatContact(
            contact.id,
            contact.factory_id,
            contact.name,
            contact.platform,
            contact.language,
            contact.role,
            contact.last_inbound_at,
        )


@dataclass(frozen=True, slots=True)
class ChatFactory:
    """The factory's columns a turn reads."""

    id: int
    brand_id: int
    name: str
    timezone: str
    language: str

    @staticmethod
    def of(factory: Factory) -> ChatFactory:
        assert factory.id is not None
        return ChatFactory(
            factory.id, factory.brand_id, factory.name, factory.timezone, factory.language
        )


@dataclass(slots=True)
class StoredState:
    """A contact's `ConversationState` row as the turn reads and writes it (Core statements):
    `stored` is False until the row exists."""

    flow: str
    step: str
    data: dict[str, Any]
    updated_at: datetime
    stored: bool


@dataclass
class Turn:
    session: AsyncSession
    contact: ChatContact
    factory: ChatFactory
    state: StoredState
    chat: ChatState
    """The typed working copy of `state.data`, written back by `end_turn`."""
    language: str
    now: datetime
    _: Callable[[str], str]
    views: dict[int, OrderView] = field(default_factory=dict)
    """Order views built during this turn, by production order id; cleared by what changes
    an order's picture (a saved check-in, a gate request)."""
    reports: dict[int, list[Report]] = field(default_factory=dict)
    """Check-ins read during this turn, by production order id (a round's start reads those
    of every order it queues); cleared with `views`."""

    def orders_changed(self) -> None:
        """A check-in was saved or a gate requested: what this turn read of orders is old."""
        self.views.clear()
        self.reports.clear()

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


_STATE_COLUMNS: list[Any] = [
    ConversationState.flow,
    ConversationState.step,
    ConversationState.data,
    ConversationState.updated_at,
]
_CONTACT_COLUMNS: list[Any] = [
    Contact.id,
    Contact.factory_id,
    Contact.name,
    Contact.platform,
    Contact.language,
    Contact.role,
    Contact.last_inbound_at,
    Contact.active,
]
_FACTORY_COLUMNS: list[Any] = [
    Factory.id,
    Factory.brand_id,
    Factory.name,
    Factory.timezone,
    Factory.language,
]
_TABLE = ConversationState.__table__  # type: ignore[attr-defined]


def _with_state(query: Any) -> Any:
    """The contact's conversation beside it (SQLite, whose transactions hold the write lock
    from their start, so what one statement reads is already what the last turn wrote)."""
    return query.outerjoin(ConversationState, col(ConversationState.contact_id) == Contact.id)


def _locking(query: Any) -> Any:
    return query.with_for_update(of=Contact.__table__)  # type: ignore[attr-defined]


_CHAT_QUERY = (
    core_select(*_CONTACT_COLUMNS, *_FACTORY_COLUMNS)
    .join(Factory, col(Factory.id) == Contact.factory_id)
    .where(col(Contact.platform) == bindparam("platform"))
    .where(col(Contact.chat_id) == bindparam("chat_id"))
)
_CHAT = _with_state(_CHAT_QUERY.add_columns(*_STATE_COLUMNS))
"""Built once: the contact of a chat, its factory and its conversation, one statement for
every delivery (SQLite)."""
_LOCK_CHAT = _locking(_CHAT_QUERY)
_LOCK_CONTACT = _locking(
    core_select(col(Contact.id)).where(col(Contact.id) == bindparam("contact_id"))
)
_STATE_OF = core_select(*_STATE_COLUMNS).where(
    col(ConversationState.contact_id) == bindparam("contact_id")
)
"""PostgreSQL: the contact's row is locked first, so two deliveries of one chat take turns even
before its conversation row exists, and the conversation is read by a statement of its own once
the lock is held. Read in the locking statement, it would be the conversation as it was when
that statement began (READ COMMITTED re-reads only the locked row after a wait): the turn that
waited would write back its predecessor's state with its own change, and one tap would be lost."""
_INSERT_STATE = insert(_TABLE)
_UPDATE_STATE = update(_TABLE).where(_TABLE.c.contact_id == bindparam("contact"))
"""Its SET clause is the parameters' keys: flow, step, data, updated_at."""


def _state(row: Sequence[Any] | None, now: datetime) -> StoredState:
    if row is None or row[0] is None:
        return StoredState(Flow.IDLE.value, "", {}, now, stored=False)
    flow, step, data, updated_at = row
    return StoredState(flow, step, dict(data or {}), updated_at, stored=True)


def _locks_rows(session: AsyncSession) -> bool:
    return not on_sqlite(session)


async def load_state(session: AsyncSession, contact_id: int, now: datetime) -> StoredState:
    """The conversation, the contact's row locked on PostgreSQL: none is lost."""
    params = {"contact_id": contact_id}
    if _locks_rows(session):
        await session.exec(_LOCK_CONTACT, params=params)  # type: ignore[call-overload]
    found = await session.exec(_STATE_OF, params=params)  # type: ignore[call-overload]
    return _state(found.first(), now)


async def open_chat(
    session: AsyncSession, platform: str, chat_id: str, now: datetime
) -> tuple[ChatContact, ChatFactory, StoredState] | None:
    """The active contact of a chat, its factory and its conversation: one statement on SQLite,
    two on PostgreSQL (see `_STATE_OF`)."""
    params = {"platform": platform, "chat_id": chat_id}
    if not _locks_rows(session):
        row = (await session.exec(_CHAT, params=params)).first()  # type: ignore[call-overload]
        if row is None or not row[7]:
            return None
        state_row = row[13:]
    else:
        row = (await session.exec(_LOCK_CHAT, params=params)).first()  # type: ignore[call-overload]
        if row is None or not row[7]:
            return None
        found = await session.exec(_STATE_OF, params={"contact_id": row[0]})  # type: ignore[call-overload]
        state_row = found.first()
    contact = ChatContact(*row[:7])
    factory = ChatFactory(*row[8:13])
    return contact, factory, _state(state_row, now)


def make_turn(
    session: AsyncSession,
    contact: ChatContact,
    factory: ChatFactory,
    state: StoredState,
    *,
    now: datetime,
    language_hint: str | None = None,
) -> Turn:
    """The language is the record's, else the platform's hint, else the factory's."""
    chat = ChatState.from_json(state.data)
    if language_hint:
        chat.hint = language_hint
    language = resolve_language(contact.language, chat.hint, factory.language)
    return Turn(session, contact, factory, state, chat, language, now, translator(language))


async def begin_turn(
    session: AsyncSession,
    contact: Contact,
    *,
    now: datetime,
    language_hint: str | None = None,
) -> Turn:
    """Load the contact's conversation and its factory (paths other than a chat's delivery,
    which reads all three in one statement: `open_chat`)."""
    assert contact.id is not None
    factory = await session.get(Factory, contact.factory_id)
    assert factory is not None
    state = await load_state(session, contact.id, now)
    return make_turn(
        session,
        ChatContact.of(contact),
        ChatFactory.of(factory),
        state,
        now=now,
        language_hint=language_hint,
    )


async def end_turn(turn: Turn) -> None:
    """Write the working copy back, one Core statement (nothing of the ORM's unit of work)."""
    state = turn.state
    state.data = turn.chat.to_json()
    state.updated_at = turn.now
    values = {"flow": state.flow, "step": state.step, "data": state.data}
    connection = await turn.session.connection()
    if state.stored:
        await connection.execute(
            _UPDATE_STATE, {**values, "updated_at": turn.now, "contact": turn.contact.id}
        )
    else:
        await connection.execute(
            _INSERT_STATE, {**values, "updated_at": turn.now, "contact_id": turn.contact.id}
        )
        state.stored = True
