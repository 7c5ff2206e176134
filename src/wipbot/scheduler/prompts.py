"""Weekly check-in rounds: opened when a factory's slot comes, sent once when due.

One ScheduledPrompt row per factory and week (unique), so however often the cron job, the
hourly sweep or a restart looks at a week, its prompt goes out at most once. Only the factory's
latest round is ever sent: after downtime, or when a long closure pushed one week's prompt past
the next week's slot, the missed rounds are coalesced into one prompt.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from wipbot.handlers.checkin import start_checkin
from wipbot.handlers.reminders import enqueue_replies, send_prompt
from wipbot.store.models import Contact, Factory, FactoryClosure, ScheduledPrompt

from .workdays import Slot, compute_due, monday_of, work_calendar


class PromptOutcome(StrEnum):
    SENT = "sent"
    NOT_YET = "not_yet"
    POSTPONED = "postponed"
    ALREADY_SENT = "already_sent"
    NOBODY = "nobody"
    EXPIRED = "expired"


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


async def ensure_round(
    session: AsyncSession, factory: Factory, week_of: date
) -> tuple[ScheduledPrompt, str | None]:
    """The factory's round for the week, created with its due time on first sight."""
    assert factory.id is not None
    existing = await _round(session, factory.id, week_of)
    closures = (
        await session.exec(select(FactoryClosure).where(FactoryClosure.factory_id == factory.id))
    ).all()
    due = compute_due(Slot.of(factory), week_of, work_calendar(factory, closures))
    if existing is not None:
        if existing.sent_at is None and existing.due_at != due.at:
            existing.due_at = due.at  # the slot or a closure changed since the round opened
            session.add(existing)
        return existing, due.postponed_because
    prompt = ScheduledPrompt(factory_id=factory.id, week_of=week_of, due_at=due.at)
    try:
        async with session.begin_nested():
            session.add(prompt)
    except IntegrityError:
        found = await _round(session, factory.id, week_of)
        assert found is not None
        return found, due.postponed_because
    return prompt, due.postponed_because


async def latest_round(session: AsyncSession, factory_id: int) -> ScheduledPrompt | None:
    return (
        await session.exec(
            select(ScheduledPrompt)
            .where(ScheduledPrompt.factory_id == factory_id)
            .order_by(col(ScheduledPrompt.week_of).desc())
            .limit(1)
        )
    ).first()


async def prompt_factory(
    session: AsyncSession, factory: Factory, *, now: datetime, grace: timedelta
) -> PromptTick:
    """Open the round of the latest slot at or before `now`, then send the latest round if due.

    A prompt more than `grace` past its due time is not sent any more: by then the next
    week's prompt is closer than this one is useful.
    """
    assert factory.id is not None
    week = Slot.of(factory).latest_week(now)
    _, postponed_because = await ensure_round(session, factory, week)
    prompt = await latest_round(session, factory.id)
    assert prompt is not None
    if prompt.sent_at is not None:
        return PromptTick(PromptOutcome.ALREADY_SENT, prompt)
    if prompt.due_at > now:
        outcome = PromptOutcome.POSTPONED if postponed_because else PromptOutcome.NOT_YET
        return PromptTick(outcome, prompt, postponed_because=postponed_because)
    if now - prompt.due_at > grace:
        return PromptTick(PromptOutcome.EXPIRED, prompt)
    prompted = await send_prompt(session, factory, prompt, now=now)
    if not prompted:
        return PromptTick(PromptOutcome.NOBODY, prompt)
    return PromptTick(PromptOutcome.SENT, prompt, prompted)


def needs_prompt(
    slot: Slot, latest: ScheduledPrompt | None, now: datetime, grace: timedelta
) -> bool:
    """Whether `prompt_factory` could do anything: a round to open, or one due to send."""
    if latest is None or latest.week_of < slot.latest_week(now):
        return True
    return latest.sent_at is None and latest.due_at <= now <= latest.due_at + grace


async def send_prompt_now(
    session: AsyncSession, factory: Factory, *, now: datetime, contacts: Sequence[Contact]
) -> int:
    """This week's check-in, now, to these linked contacts (an operator's command, e.g. on
    onboarding day): the round of the week is opened if needed and counts as sent."""
    assert factory.id is not None
    week = monday_of(now.astimezone(Slot.of(factory).zone).date())
    prompt, _ = await ensure_round(session, factory, week)
    await session.flush()
    for contact in contacts:
        replies = await start_checkin(session, contact, now=now)
        enqueue_replies(session, contact, replies, f"prompt:{prompt.id}:now:{now.isoformat()}", now)
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


async def _round(session: AsyncSession, factory_id: int, week_of: date) -> ScheduledPrompt | None:
    return (
        await session.exec(
            select(ScheduledPrompt)
            .where(ScheduledPrompt.factory_id == factory_id)
            .where(ScheduledPrompt.week_of == week_of)
        )
    ).first()
