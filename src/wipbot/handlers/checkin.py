"""Starting, resuming and steering the check-in of one factory contact.

`start_checkin` is what the weekly scheduler calls (it enqueues the replies to the contact), and
`start_midweek_checkin` what the mid-week one calls; `factory_chat.handle_inbound` routes each
button and message here. The step functions live in `checkin_prompts` (what to ask) and
`checkin_answers` (how an answer moves it on). Both rounds ask the same steps; the mid-week one
asks only about the orders near their ex-factory date, with an intro of its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from wipbot.store.models import Contact

from .chat_state import Flow
from .chat_turn import Turn, begin_turn, end_turn, local_today
from .checkin_answers import CHOICES, NOTE_MAX, TEXTS
from .checkin_corrections import correction
from .checkin_draft import DraftAnswers
from .checkin_prompts import ask_current, order_moved_on
from .checkin_quick import SAME_AS_LAST_WEEK, all_as_last_week, quick_offer
from .checkin_state import CheckinState, CheckinStep, checkin_step
from .factory_orders import RoundOrder, orders_to_check_in
from .freetext_shortcut import free_text_example, try_shortcut
from .i18n import format_date, format_number
from .messages import Reply, one_full_stop

# A conversation untouched this long is last week's: a new prompt or /checkin starts afresh, with
# the orders open now. A reminder always resumes, since it is about the conversation under way.
STALE_AFTER = timedelta(days=3)


async def start_checkin(
    session: AsyncSession, contact: Contact, *, now: datetime, reminder: bool = False
) -> list[Reply]:
    """Start the check-in at the first open production order, or resume one under way."""
    turn = await begin_turn(session, contact, now=now)
    replies = await begin_or_resume(turn, reminder=reminder)
    await end_turn(turn)
    return replies


async def begin_or_resume(turn: Turn, *, reminder: bool = False) -> list[Reply]:
    _ = turn._
    prefix = [Reply(_("Reminder: your weekly check-in is waiting."))] if reminder else []
    if resumable(turn, reminder=reminder):
        return await resume(turn, prefix)
    return await begin(turn, prefix)


def resumable(turn: Turn, *, reminder: bool = False) -> bool:
    """A check-in under way and recent (a reminder resumes any): a new prompt continues it."""
    return turn.active and (reminder or turn.now - turn.state.updated_at < STALE_AFTER)


async def resume(turn: Turn, prefix: list[Reply]) -> list[Reply]:
    resumed = [*prefix, Reply(turn._("Let's continue where you left off."))]
    return await ask_current(turn, resumed)


async def begin(turn: Turn, prefix: list[Reply]) -> list[Reply]:
    _ = turn._
    orders = await orders_to_check_in(turn.session, turn.contact.factory_id, turn.now)
    if not orders:
        turn.finish()
        return [
            *prefix,
            Reply(
                _("There are no open production orders for {factory} right now. Thank you!").format(
                    factory=turn.factory.name
                )
            ),
        ]
    intro = _("Weekly check-in for {factory}. Production orders to update: {count}.").format(
        factory=turn.factory.name, count=format_number(len(orders), turn.language)
    )
    return await begin_round(turn, prefix, orders, intro)


async def begin_round(
    turn: Turn, prefix: list[Reply], orders: Sequence[RoundOrder], intro: str
) -> list[Reply]:
    """A fresh check-in about `orders` (not empty), opened by `intro`; the quick answer is
    offered when every order has a check-in to repeat."""
    queue = [o.id for o in orders]
    turn.reports.update((o.id, o.reports) for o in orders)
    turn.chat.restart(
        CheckinState(queue=queue, draft=DraftAnswers(), started_at=turn.now.isoformat())
    )
    turn.go(CheckinStep.MILESTONE, flow=Flow.CHECKIN)
    quick = quick_offer(turn) if all(o.reported for o in orders) else None
    opening = Reply(one_full_stop(intro, turn.factory.name), (quick,) if quick else ())
    return await ask_current(turn, [*prefix, opening])


async def midweek_orders(
    session: AsyncSession, factory_id: int, *, now: datetime, timezone: str, window_days: int
) -> list[RoundOrder]:
    """The orders the factory's mid-week check-in asks about now: open, not fully shipped,
    committed within `window_days` of the factory's own day (or late), the most urgent first."""
    today = local_today(now, timezone)
    return await orders_to_check_in(session, factory_id, now, midweek=(today, window_days))


async def start_midweek_checkin(
    session: AsyncSession,
    contact: Contact,
    *,
    now: datetime,
    orders: Sequence[RoundOrder],
    window_days: int,
) -> list[Reply]:
    """The mid-week check-in about `orders` (`midweek_orders`, read once for the factory): a
    check-in under way is resumed, not replaced. Nothing at all when no order is near: the
    contact is not written to about nothing."""
    if not orders:
        return []
    turn = await begin_turn(session, contact, now=now)
    if resumable(turn):
        replies = await resume(turn, [])
    else:
        _ = turn._
        by = format_date(turn.today + timedelta(days=window_days), turn.language)
        intro = _(
            "Mid-week check for {factory}: the orders due to leave the factory by {date}. "
            "Production orders to update: {count}."
        ).format(
            factory=turn.factory.name, date=by, count=format_number(len(orders), turn.language)
        )
        replies = await begin_round(turn, [], orders, intro)
    await end_turn(turn)
    return replies


async def on_choice(turn: Turn, value: str) -> list[Reply]:
    """A tapped button; one from an earlier question is answered with the current question."""
    _ = turn._
    if not turn.active:
        return [Reply(_("This check-in has ended. Send /checkin to start a new one."))]
    if value == SAME_AS_LAST_WEEK:
        quick = await all_as_last_week(turn)
        if quick is not None:
            return quick
    if await order_moved_on(turn):
        return await ask_current(turn)
    prefix, _sep, arg = value.partition(":")
    step = checkin_step(turn.step)
    expected = CHOICES.get(step) if step else None
    if expected is not None and expected[0] == prefix:
        replies = await expected[1](turn, arg)
        if replies is not None:
            return replies
    stale = Reply(_("That button belongs to an earlier question. Here is the current one:"))
    return await ask_current(turn, [stale])


async def on_text(turn: Turn, text: str) -> list[Reply]:
    """Typed text: the answer to the current step, else a free-text report, else a correction."""
    _ = turn._
    if turn.active and await order_moved_on(turn):
        return await ask_current(turn)
    step = checkin_step(turn.step)
    if turn.active and step is not None:
        answer = TEXTS.get(step)
        if answer is not None:
            replies = await answer(turn, text)
            if replies is not None:
                return replies
    shortcut = await try_shortcut(turn, text)
    if shortcut is not None:
        return shortcut
    if not turn.active:
        return [
            Reply(
                _(
                    "Sorry, I did not understand. You can write e.g. “{example}”, or send /checkin."
                ).format(example=free_text_example(turn.language))
            )
        ]
    return await ask_current(turn, [Reply(await correction(turn, text))])


async def on_photo(turn: Turn, file_id: str, caption: str | None = None) -> list[Reply]:
    """A photo joins the check-in; its caption describes the photo, so it joins the note,
    except at the note step, where it is the note."""
    _ = turn._
    if not turn.active:
        return [Reply(_("Send /checkin first; photos are added to the check-in."))]
    answers = turn.checkin.answers
    answers.photos = [*answers.photos, file_id]
    caption = (caption or "").strip()
    if caption and turn.step == CheckinStep.NOTE:
        return [Reply(_("Photo added to this check-in.")), *await on_text(turn, caption)]
    if caption:
        note = "; ".join(part for part in (answers.note or "", caption) if part)
        answers.note = note[:NOTE_MAX]
        return [Reply(_("Photo and its caption added to this check-in."))]
    return [Reply(_("Photo added to this check-in."))]


def cancel(turn: Turn) -> list[Reply]:
    _ = turn._
    if not turn.active:
        return [Reply(_("Nothing to cancel. Send /checkin to start a check-in."))]
    turn.finish()
    return [
        Reply(
            _("Check-in stopped. Answers you confirmed are saved. Send /checkin to continue later.")
        )
    ]
