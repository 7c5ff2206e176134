"""What the check-in says when typed text does not answer the question asked.

A correction changes nothing: the question follows it again (see `checkin.on_text`).
"""

from __future__ import annotations

from datetime import date, timedelta

from wipbot.production.dates import parse_date

from .chat_turn import Turn
from .checkin_input import quantity_limit
from .checkin_prompts import current_view, date_example
from .checkin_state import CheckinStep
from .factory_orders import OrderView
from .i18n import format_number

SHIPPED_ON_MAX_DAYS_AGO = 60
MAX_EXF_DAYS_AHEAD = 365


def shipped_on_problem(turn: Turn, day: date | None) -> str | None:
    """A correction for a ship day we cannot take: unreadable, in the future, or long ago."""
    _ = turn._
    earliest = turn.today - timedelta(days=SHIPPED_ON_MAX_DAYS_AGO)
    if day is None or day > turn.today or day < earliest:
        return _("Please send the day the goods left the factory, e.g. {example}.").format(
            example=date_example(turn, -2)
        )
    return None


def date_problem(turn: Turn, new_date: date | None) -> str | None:
    """A correction for a date we cannot take, or None when it is usable."""
    _ = turn._
    example = date_example(turn)
    if new_date is None:
        return _("I could not read that date. Please write it like {example}.").format(
            example=example
        )
    if new_date < turn.today:
        return _("That date has passed. Please send a date from today on, e.g. {example}.").format(
            example=example
        )
    if new_date > turn.today + timedelta(days=MAX_EXF_DAYS_AHEAD):
        return _("That date is more than a year away. Please check it, e.g. {example}.").format(
            example=example
        )
    return None


def quantity_correction(turn: Turn, view: OrderView) -> str:
    _ = turn._
    return _("Please send the number of pieces, e.g. {example} (at most {limit}).").format(
        example=format_number(view.quantity // 2, turn.language),
        limit=format_number(quantity_limit(view.quantity), turn.language),
    )


async def correction(turn: Turn, text: str) -> str:
    """What to say when typed text does not answer the current step."""
    _ = turn._
    view = await current_view(turn)
    if turn.step == CheckinStep.QUANTITY and view is not None:
        return quantity_correction(turn, view)
    if turn.step == CheckinStep.DELAY:
        return _("Please send the number of days, e.g. 5.")
    if turn.step in (CheckinStep.EXF, CheckinStep.EXF_NEW):
        return date_problem(turn, parse_date(text, turn.language, turn.today)) or ""
    if turn.step == CheckinStep.SHIPPED_ON:
        day = parse_date(text, turn.language, turn.today)
        return shipped_on_problem(turn, day) or ""
    return _("Please tap one of the buttons below.")
