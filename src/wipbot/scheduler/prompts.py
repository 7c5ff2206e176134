"""Check-in rounds: opened when a factory's slot comes, sent once when due.

One ScheduledPrompt row per factory, week and kind (unique), so however often the cron job, the
hourly sweep or a restart looks at a week, its prompt goes out at most once. Only the factory's
latest round of a kind is ever sent: after downtime, or when a long closure pushed one week's
prompt past the next week's slot, the missed rounds are coalesced into one prompt.

The weekly round asks about every open order. The mid-week round comes a few days after the
weekly slot (production/checkin_cadence.py) and asks only about the orders near their ex-factory
date; it expires sooner, never goes out after the next weekly slot, and stands down when the
week's weekly prompt went out (or is still to go out) too recently for a second one to help.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from wipbot.handlers.checkin import midweek_orders, start_checkin
from wipbot.handlers.reminders import (
    enqueue_midweek,
    enqueue_replies,
    send_midweek_prompt,
    send_prompt,
)
from wipbot.production.checkin_cadence import MIDWEEK_OFFSET_DAYS, MIDWEEK_WINDOW_DAYS
from wipbot.store.models import Contact, Factory, FactoryClosure, ScheduledPrompt
from wipbot.store.models.messaging import PromptKind

from .workdays import Due, Slot, compute_due, compute_midweek_due, monday_of, work_calendar

MIDWEEK_GAP = timedelta(days=MIDWEEK_OFFSET_DAYS - 1)
"""A mid-week prompt within this time of the week's weekly prompt (a holiday or closure pushed
that one late) would ask again what was just answered: the round is done without asking."""


class PromptOutcome(StrEnum):
    SENT = "sent"
    NOT_YET = "not_yet"
    POSTPONED = "postponed"
    ALREADY_SENT = "already_sent"
    NOBODY = "nobody"
    EXPIRED = "expired"
    NOTHING_TO_ASK = "nothing_to_ask"
    """A mid-week round with no order near its ex-factory date, or one that came too soon
    after the week's weekly prompt: done, and nobody written to."""


@dataclass(frozen=True)
class PromptTick:
    outcome: PromptOutcome
    prompt: ScheduledPrompt | None = None
    prompted: int = 0
    postponed_because: str | None = None

    @property
    def wait_until(self) -> datetime | None:
        """When to look again: the postponed due time."""
        if self.outcome is PromptOutcome.POSTPONED and self.prompt is not None:
            return self.prompt.due_at
        return None


def round_week(slot: Slot, now: datetime, kind: PromptKind) -> date:
    """The week of the round of this kind whose nominal time came last at or before `now`."""
    if kind is PromptKind.MIDWEEK:
        return slot.latest_midweek_week(now)
    return slot.latest_week(now)


def command_week(slot: Slot, now: datetime, kind: PromptKind) -> date:
    """The round an operator's prompt sent `now` stands in for. A weekly one: the calendar
    week's, before or after its slot. A mid-week one: the weekly round the scheduler has under
    way (`round_week`), whose mid-week prompt has just gone out or is still to come. The
    calendar week would not do: from a Friday slot on, the mid-week day falls in the next
    calendar week, whose round's mid-week prompt would then stand down unsent."""
    if kind is PromptKind.MIDWEEK:
        return round_week(slot, now, PromptKind.WEEKLY)
    return monday_of(now.astimezone(slot.zone).date())


def too_late(slot: Slot, prompt: ScheduledPrompt, grace: timedelta, now: datetime) -> bool:
    """Whether the round may no longer go out: more than `grace` after its due time, and for a
    mid-week round also once the next week's weekly slot has come (it would only repeat it)."""
    if now - prompt.due_at > grace:
        return True
    next_weekly = slot.nominal(prompt.week_of + timedelta(days=7))
    return prompt.kind == PromptKind.MIDWEEK and now >= next_weekly


async def ensure_round(
    session: AsyncSession, factory: Factory, week_of: date, kind: PromptKind = PromptKind.WEEKLY
) -> tuple[ScheduledPrompt, str | None]:
    """The factory's round of the week, created with its due time on first sight."""
    assert factory.id is not None
    existing = await _round(session, factory.id, week_of, kind)
    closures = (
        await session.exec(select(FactoryClosure).where(FactoryClosure.factory_id == factory.id))
    ).all()
    due = _due(Slot.of(factory), week_of, kind, factory, closures)
    if existing is not None:
        if existing.sent_at is None and existing.due_at != due.at:
            existing.due_at = due.at  # the slot or a closure changed since the round opened
            session.add(existing)
        return existing, due.postponed_because
    prompt = ScheduledPrompt(factory_id=factory.id, week_of=week_of, kind=kind, due_at=due.at)
    try:
        async with session.begin_nested():
            session.add(prompt)
    except IntegrityError:
        found = await _round(session, factory.id, week_of, kind)
        assert found is not None
        return found, due.postponed_because
    return prompt, due.postponed_because


def _due(
    slot: Slot,
    week_of: date,
    kind: PromptKind,
    factory: Factory,
    closures: Sequence[FactoryClosure],
) -> Due:
    calendar = work_calendar(factory, closures)
    if kind is PromptKind.MIDWEEK:
        return compute_midweek_due(slot, week_of, calendar)
    return compute_due(slot, week_of, calendar)


async def latest_round(
    session: AsyncSession, factory_id: int, kind: PromptKind = PromptKind.WEEKLY
) -> ScheduledPrompt | None:
    return (
        await session.exec(
            select(ScheduledPrompt)
            .where(ScheduledPrompt.factory_id == factory_id)
            .where(ScheduledPrompt.kind == kind.value)
            .order_by(col(ScheduledPrompt.week_of).desc())
            .limit(1)
        )
    ).first()


async def prompt_factory(
    session: AsyncSession,
    factory: Factory,
    *,
    now: datetime,
    grace: timedelta,
    kind: PromptKind = PromptKind.WEEKLY,
    midweek_days: int = MIDWEEK_WINDOW_DAYS,
) -> PromptTick:
    """Open the round of the latest slot at or before `now`, then send the latest round if due.

    A prompt more than `grace` past its due time is not sent any more: by then the next
    week's prompt is closer than this one is useful. `grace` is the kind's own (the mid-week
    round's is shorter); `midweek_days` is the mid-week round's window.
    """
    assert factory.id is not None
    slot = Slot.of(factory)
    _, postponed_because = await ensure_round(session, factory, round_week(slot, now, kind), kind)
    prompt = await latest_round(session, factory.id, kind)
    assert prompt is not None
    if prompt.sent_at is not None:
        return PromptTick(PromptOutcome.ALREADY_SENT, prompt)
    if prompt.due_at > now:
        outcome = PromptOutcome.POSTPONED if postponed_because else PromptOutcome.NOT_YET
        return PromptTick(outcome, prompt, postponed_because=postponed_because)
    if too_late(slot, prompt, grace, now):
        return PromptTick(PromptOutcome.EXPIRED, prompt)
    if kind is PromptKind.MIDWEEK:
        return await _send_midweek(session, factory, prompt, now=now, midweek_days=midweek_days)
    prompted = await send_prompt(session, factory, prompt, now=now)
    if not prompted:
        return PromptTick(PromptOutcome.NOBODY, prompt)
    return PromptTick(PromptOutcome.SENT, prompt, prompted)


async def _send_midweek(
    session: AsyncSession,
    factory: Factory,
    prompt: ScheduledPrompt,
    *,
    now: datetime,
    midweek_days: int,
) -> PromptTick:
    assert factory.id is not None
    weekly = await _round(session, factory.id, prompt.week_of, PromptKind.WEEKLY)
    if weekly is not None and _weekly_too_recent(weekly, now):
        prompt.sent_at = now
        session.add(prompt)
        return PromptTick(PromptOutcome.NOTHING_TO_ASK, prompt)
    prompted = await send_midweek_prompt(
        session, factory, prompt, now=now, window_days=midweek_days
    )
    if prompted is None:
        return PromptTick(PromptOutcome.NOTHING_TO_ASK, prompt)
    if not prompted:
        return PromptTick(PromptOutcome.NOBODY, prompt)
    return PromptTick(PromptOutcome.SENT, prompt, prompted)


def _weekly_too_recent(weekly: ScheduledPrompt, now: datetime) -> bool:
    """The week's weekly prompt went out within `MIDWEEK_GAP`, or has yet to go out (its own
    due time, pushed by a closure, is at most `MIDWEEK_GAP` ago or still to come)."""
    moment = weekly.sent_at or weekly.due_at
    return now - moment < MIDWEEK_GAP


def needs_prompt(
    slot: Slot,
    latest: ScheduledPrompt | None,
    now: datetime,
    grace: timedelta,
    kind: PromptKind = PromptKind.WEEKLY,
) -> bool:
    """Whether `prompt_factory` could do anything: a round to open, or one due to send."""
    if latest is None or latest.week_of < round_week(slot, now, kind):
        return True
    due = latest.sent_at is None and latest.due_at <= now
    return due and not too_late(slot, latest, grace, now)


async def send_prompt_now(
    session: AsyncSession,
    factory: Factory,
    *,
    now: datetime,
    contacts: Sequence[Contact],
    kind: PromptKind = PromptKind.WEEKLY,
    midweek_days: int = MIDWEEK_WINDOW_DAYS,
) -> int:
    """This week's check-in of this kind, now, to these linked contacts (an operator's
    command, e.g. on onboarding day): the round is opened if needed and counts as sent, so
    the scheduler does not send it again. A mid-week one with no order near its ex-factory
    date prompts nobody (0)."""
    assert factory.id is not None
    near = None
    if kind is PromptKind.MIDWEEK:
        near = await midweek_orders(
            session, factory.id, now=now, timezone=factory.timezone, window_days=midweek_days
        )
        if not near:
            return 0
    prompt, _ = await ensure_round(
        session, factory, command_week(Slot.of(factory), now, kind), kind
    )
    await session.flush()
    if near is not None:
        key = f"midweek:{prompt.id}:now:{now.isoformat()}"
        await enqueue_midweek(session, contacts, near, key, now=now, window_days=midweek_days)
    else:
        for contact in contacts:
            replies = await start_checkin(session, contact, now=now)
            key = f"prompt:{prompt.id}:now:{now.isoformat()}"
            enqueue_replies(session, contact, replies, key, now)
    if contacts and prompt.sent_at is None:
        prompt.sent_at = now
        session.add(prompt)
    return len(contacts)


async def unsent_future_rounds(session: AsyncSession, now: datetime) -> list[ScheduledPrompt]:
    """Postponed rounds still to come: their one-off jobs are rebuilt at start-up."""
    return list(
        (
            await session.exec(
                select(ScheduledPrompt)
                .where(ScheduledPrompt.sent_at == None)  # noqa: E711
                .where(ScheduledPrompt.due_at > now)
            )
        ).all()
    )


async def _round(
    session: AsyncSession, factory_id: int, week_of: date, kind: PromptKind
) -> ScheduledPrompt | None:
    return (
        await session.exec(
            select(ScheduledPrompt)
            .where(ScheduledPrompt.factory_id == factory_id)
            .where(ScheduledPrompt.week_of == week_of)
            .where(ScheduledPrompt.kind == kind.value)
        )
    ).first()
