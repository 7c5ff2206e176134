"""The check-in rounds of one factory: prompted, reminded, escalated, answered.

A weekly round (ScheduledPrompt) counts as answered once any contact of the factory reports a
check-in after it was sent. Until then its contacts get one reminder, and later the brand's
alerts channel gets a missed-check-in alert, which is resolved by the answer, however late it
comes. A mid-week round is the short one, about the orders near their ex-factory date: it is
sent once, or found to have nothing to ask, and that is all (no reminder, no alert).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from wipbot.store.alerts import AlertKind, raise_alert, resolve_alert
from wipbot.store.models import CheckIn, Contact, Factory, ScheduledPrompt
from wipbot.store.models.messaging import PromptKind
from wipbot.store.outbox import enqueue

from .checkin import midweek_orders, start_checkin, start_midweek_checkin
from .factory_orders import RoundOrder, open_orders
from .messages import Reply, reply_to_payload
from .onboarding import CONTACT_ROLE


class RoundStep(StrEnum):
    WAITING = "waiting"
    ANSWERED = "answered"
    REMINDED = "reminded"
    ESCALATED = "escalated"


@dataclass(frozen=True)
class FollowUpRules:
    reminder_after: timedelta
    escalate_after: timedelta


def week_label(week_of: date) -> str:
    """ISO week, e.g. 2026-W10: what planners call a week, and unique per factory."""
    year, week, _ = week_of.isocalendar()
    return f"{year}-W{week:02d}"


def missed_checkin_subject(factory: Factory, week_of: date) -> str:
    return f"{factory.code} {week_label(week_of)}"


async def linked_contacts(session: AsyncSession, factory_id: int) -> Sequence[Contact]:
    """Active contacts whose chat is linked: the only ones we can and may write to.
    Inspectors are left out: they report inspections, not the weekly check-in."""
    return (
        await session.exec(
            select(Contact)
            .where(Contact.factory_id == factory_id)
            .where(col(Contact.active))
            .where(Contact.role == CONTACT_ROLE)
            .where(col(Contact.chat_id).is_not(None))
            .where(col(Contact.linked_at).is_not(None))
            .order_by(col(Contact.id))
        )
    ).all()


def enqueue_replies(
    session: AsyncSession,
    contact: Contact,
    replies: Sequence[Reply],
    key: str,
    now: datetime,
    *,
    orders_asked: int | None = None,
) -> int:
    """`orders_asked`: how many orders a prompt asks about when it is not every open one (the
    mid-week check-in), for a template that stands in for it outside WhatsApp's window."""
    assert contact.chat_id is not None
    for index, reply in enumerate(replies):
        payload = reply_to_payload(reply)
        if orders_asked is not None:
            payload["orders_asked"] = orders_asked
        enqueue(
            session,
            contact.platform,
            contact.chat_id,
            payload,
            dedupe_key=f"{key}:{contact.id}:{index}",
            not_before=now,
        )
    return len(replies)


async def send_prompt(
    session: AsyncSession, factory: Factory, prompt: ScheduledPrompt, *, now: datetime
) -> int:
    """Start the check-in with every linked contact; returns how many were prompted.

    A factory with no open production order or no linked contact is not prompted, and the
    round stays unsent, so that a contact linked later the same day still gets it.
    """
    assert factory.id is not None and prompt.id is not None
    if prompt.sent_at is not None or not await open_orders(session, factory.id):
        return 0
    contacts = await linked_contacts(session, factory.id)
    for contact in contacts:
        replies = await start_checkin(session, contact, now=now)
        enqueue_replies(session, contact, replies, f"prompt:{prompt.id}", now)
    if contacts:
        prompt.sent_at = now
        session.add(prompt)
    return len(contacts)


async def send_midweek_prompt(
    session: AsyncSession,
    factory: Factory,
    prompt: ScheduledPrompt,
    *,
    now: datetime,
    window_days: int,
) -> int | None:
    """Start the mid-week check-in with every linked contact; returns how many were prompted,
    or None when no order is near its ex-factory date: then nobody is written to and the round
    is done. With nobody linked (0) the round stays unsent, as a weekly one does."""
    assert factory.id is not None and prompt.id is not None
    if prompt.sent_at is not None:
        return 0
    near = await midweek_orders(
        session, factory.id, now=now, timezone=factory.timezone, window_days=window_days
    )
    if not near:
        prompt.sent_at = now
        session.add(prompt)
        return None
    contacts = await linked_contacts(session, factory.id)
    await enqueue_midweek(
        session, contacts, near, f"midweek:{prompt.id}", now=now, window_days=window_days
    )
    if contacts:
        prompt.sent_at = now
        session.add(prompt)
    return len(contacts)


async def enqueue_midweek(
    session: AsyncSession,
    contacts: Sequence[Contact],
    near: Sequence[RoundOrder],
    key: str,
    *,
    now: datetime,
    window_days: int,
) -> None:
    """The mid-week check-in about `near` (`midweek_orders`), queued to each contact under
    `key`, with how many orders it asks about for a template that stands in for it."""
    for contact in contacts:
        replies = await start_midweek_checkin(
            session, contact, now=now, orders=near, window_days=window_days
        )
        enqueue_replies(session, contact, replies, key, now, orders_asked=len(near))


async def first_answer(session: AsyncSession, factory_id: int, since: datetime) -> datetime | None:
    """When a contact of the factory first reported a check-in at or after `since`."""
    return (
        await session.exec(
            select(func.min(CheckIn.reported_at))
            .join(Contact, col(Contact.id) == CheckIn.contact_id)
            .where(Contact.factory_id == factory_id)
            .where(CheckIn.reported_at >= since)
        )
    ).first()


async def follow_up(
    session: AsyncSession,
    factory: Factory,
    prompt: ScheduledPrompt,
    *,
    now: datetime,
    rules: FollowUpRules,
    latest: bool,
) -> RoundStep:
    """Move a sent round on by what the clock and the check-ins say; safe to repeat.

    Only the latest round reminds: once a newer prompt is out, an older reminder is noise. A
    mid-week round is not followed up at all.
    """
    assert factory.id is not None
    if prompt.kind != PromptKind.WEEKLY:
        return RoundStep.WAITING
    if prompt.sent_at is None or prompt.answered_at is not None:
        return RoundStep.WAITING
    answered = await first_answer(session, factory.id, prompt.sent_at)
    if answered is not None:
        await _answered(session, factory, prompt, answered)
        return RoundStep.ANSWERED
    waited = now - prompt.sent_at
    step = RoundStep.WAITING
    if latest and prompt.reminded_at is None and waited >= rules.reminder_after:
        for contact in await linked_contacts(session, factory.id):
            replies = await start_checkin(session, contact, now=now, reminder=True)
            enqueue_replies(session, contact, replies, f"reminder:{prompt.id}", now)
        prompt.reminded_at = now
        step = RoundStep.REMINDED
    if prompt.escalated_at is None and waited >= rules.escalate_after:
        await _escalate(session, factory, prompt, now)
        prompt.escalated_at = now
        step = RoundStep.ESCALATED
    session.add(prompt)
    return step


async def _answered(
    session: AsyncSession, factory: Factory, prompt: ScheduledPrompt, answered: datetime
) -> None:
    prompt.answered_at = answered
    session.add(prompt)
    if prompt.escalated_at is None:
        return
    await resolve_alert(
        session,
        brand_id=factory.brand_id,
        kind=AlertKind.MISSED_CHECKIN,
        subject=missed_checkin_subject(factory, prompt.week_of),
        reason=f"answered {_local(answered, factory)}",
    )


async def _escalate(
    session: AsyncSession, factory: Factory, prompt: ScheduledPrompt, now: datetime
) -> None:
    assert prompt.sent_at is not None
    hours = int((now - prompt.sent_at).total_seconds() // 3600)
    sent = _local(prompt.sent_at, factory)
    await raise_alert(
        session,
        brand_id=factory.brand_id,
        kind=AlertKind.MISSED_CHECKIN,
        subject=missed_checkin_subject(factory, prompt.week_of),
        summary=(
            f"{factory.name} ({factory.code}) has not answered the check-in of week "
            f"{week_label(prompt.week_of)}, sent {sent}: no answer for {hours} h"
        ),
        severity="warning",
        details={
            "factory": f"{factory.name} ({factory.code})",
            "week": week_label(prompt.week_of),
            "due_at": sent,
            "reminded": prompt.reminded_at is not None,
        },
    )


def _local(moment: datetime, factory: Factory) -> str:
    """A time as the factory's people read it, with its UTC offset."""
    local = moment.astimezone(ZoneInfo(factory.timezone))
    return local.strftime("%a %d %b %H:%M (UTC%z)")
