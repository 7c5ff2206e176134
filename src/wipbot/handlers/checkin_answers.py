"""How an answer moves the check-in on: a tapped button (`Button.value`, "<prefix>:<arg>") or
typed text at each step changes the draft and asks the next question (`checkin_prompts`).

An answer that cannot be used returns None and leaves the draft as it was; the caller then
says so (`checkin_corrections`) and asks again.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, timedelta

from wipbot.production.dates import parse_date
from wipbot.production.freetext import says_not_started
from wipbot.production.gates import GateItem
from wipbot.production.milestones import IssueFlag, Milestone, parse_milestone

from .chat_turn import Turn
from .checkin_corrections import date_problem, shipped_on_problem
from .checkin_draft import EXF_KEEP, NOT_STARTED, IssueAnswer, milestone_value
from .checkin_input import parse_days, parse_quantity
from .checkin_prompts import SEALED, ask_current, current_view, prompt_issues
from .checkin_record import ReportedOrder, save_checkin
from .checkin_state import CheckinStep
from .gates import request_gate, tick_item
from .messages import Reply

NOTE_MAX = 1000


# Transitions --------------------------------------------------------------------------------


async def go_to(turn: Turn, step: CheckinStep, before: list[Reply] | None = None) -> list[Reply]:
    turn.go(step)
    return await ask_current(turn, before)


async def after_milestone(turn: Turn) -> list[Reply]:
    milestone = turn.checkin.answers.stage
    if milestone is None or milestone.quantity_field is None:
        turn.checkin.answers.quantity = None
        return await after_quantity(turn)
    return await go_to(turn, CheckinStep.QUANTITY)


async def after_quantity(turn: Turn) -> list[Reply]:
    answers = turn.checkin.answers
    if answers.stage is Milestone.SHIPPED and not answers.shipped_on:
        return await go_to(turn, CheckinStep.SHIPPED_ON)
    return await after_shipped_on(turn)


async def after_shipped_on(turn: Turn) -> list[Reply]:
    return await go_to(turn, CheckinStep.SUMMARY if turn.checkin.editing else CheckinStep.ISSUES)


async def after_issues(turn: Turn) -> list[Reply]:
    if turn.checkin.answers.issues:
        turn.checkin.issue_cursor = 0
        return await go_to(turn, CheckinStep.DELAY)
    turn.checkin.answers.note = ""
    return await after_note(turn)


async def nothing_new(turn: Turn) -> list[Reply]:
    """No issues and the date holds: straight to the summary (stage, quantity, this, confirm)."""
    answers = turn.checkin.answers
    answers.issues, answers.note, answers.exf = [], "", EXF_KEEP
    return await go_to(turn, CheckinStep.SUMMARY)


async def after_note(turn: Turn) -> list[Reply]:
    return await go_to(turn, CheckinStep.SUMMARY if turn.checkin.editing else CheckinStep.EXF)


async def next_order(turn: Turn, before: list[Reply]) -> list[Reply]:
    turn.checkin.next_order()
    return await go_to(turn, CheckinStep.MILESTONE, before)


# Answers ------------------------------------------------------------------------------------


async def golden_sample_sealed(turn: Turn) -> list[Reply] | None:
    """The factory's word that the golden sample is sealed asks the brand to release bulk."""
    view = await current_view(turn)
    if view is None or not view.awaits_gate_request:
        return None
    by = f"{turn.contact.name} ({turn.factory.name})"
    brand_id = turn.factory.brand_id
    await tick_item(
        turn.session, brand_id, view.number, GateItem.GOLDEN_SAMPLE_SEALED, by=by, now=turn.now
    )
    await request_gate(turn.session, brand_id, view.number, requested_by=by, now=turn.now)
    turn.orders_changed()
    _ = turn._
    thanks = _("Thank you! The brand is asked to approve bulk production for {order}.")
    return await ask_current(turn, [Reply(thanks.format(order=view.number))])


async def choose_milestone(turn: Turn, arg: str) -> list[Reply] | None:
    if arg == SEALED:
        return await golden_sample_sealed(turn)
    try:
        milestone = None if arg == NOT_STARTED else Milestone(arg)
    except ValueError:
        return None
    value = milestone_value(milestone)
    answers = turn.checkin.answers
    if answers.milestone != value:
        answers.quantity = None
        answers.shipped_on = None
    answers.milestone = value
    return await after_milestone(turn)


async def type_milestone(turn: Turn, text: str) -> list[Reply] | None:
    if says_not_started(text, turn.language):
        return await choose_milestone(turn, NOT_STARTED)
    try:
        milestone = parse_milestone(text)
    except ValueError:
        return None
    return await choose_milestone(turn, milestone.value)


async def set_shipped_on(turn: Turn, day: date) -> list[Reply]:
    turn.checkin.answers.shipped_on = day.isoformat()
    return await after_shipped_on(turn)


async def choose_shipped_on(turn: Turn, arg: str) -> list[Reply] | None:
    days_ago = {"today": 0, "yesterday": 1}.get(arg)
    if days_ago is None:
        return None
    return await set_shipped_on(turn, turn.today - timedelta(days=days_ago))


async def type_shipped_on(turn: Turn, text: str) -> list[Reply] | None:
    day = parse_date(text, turn.language, turn.today)
    if day is None or shipped_on_problem(turn, day) is not None:
        return None
    return await set_shipped_on(turn, day)


async def choose_quantity(turn: Turn, arg: str) -> list[Reply] | None:
    view = await current_view(turn)
    if view is None:
        return None
    if arg == "all":
        turn.checkin.answers.quantity = view.quantity
    elif arg == "skip":
        turn.checkin.answers.quantity = None
    else:
        return None
    return await after_quantity(turn)


async def type_quantity(turn: Turn, text: str) -> list[Reply] | None:
    view = await current_view(turn)
    if view is None:
        return None
    quantity = parse_quantity(text, view.quantity)
    if quantity is None:
        return None
    turn.checkin.answers.quantity = quantity
    return await after_quantity(turn)


async def choose_issue(turn: Turn, arg: str) -> list[Reply] | None:
    answers = turn.checkin.answers
    if arg == "none":
        answers.issues = []
        return await after_issues(turn)
    if arg == "done":
        return await after_issues(turn)
    if arg == "clear":
        return await nothing_new(turn)
    try:
        flag = IssueFlag(arg)
    except ValueError:
        return None
    if answers.has_issue(flag.value):
        answers.issues = [i for i in answers.issues if i.flag != flag.value]
    else:
        answers.issues = [*answers.issues, IssueAnswer(flag.value)]
    view = await current_view(turn)
    assert view is not None
    return [prompt_issues(turn, view, edit=True)]


async def set_delay(turn: Turn, days: int) -> list[Reply]:
    cursor = turn.checkin.cursor
    issues = turn.checkin.answers.issues
    issues[cursor].delay_days = days
    if cursor + 1 < len(issues):
        turn.checkin.issue_cursor = cursor + 1
        return await go_to(turn, CheckinStep.DELAY)
    return await go_to(turn, CheckinStep.NOTE)


async def choose_delay(turn: Turn, arg: str) -> list[Reply] | None:
    days = parse_days(arg)
    return None if days is None else await set_delay(turn, days)


async def type_delay(turn: Turn, text: str) -> list[Reply] | None:
    days = parse_days(text)
    return None if days is None else await set_delay(turn, days)


async def choose_note(turn: Turn, arg: str) -> list[Reply] | None:
    if arg != "skip":
        return None
    turn.checkin.answers.note = ""
    return await after_note(turn)


async def type_note(turn: Turn, text: str) -> list[Reply] | None:
    note = text.strip()
    if not note:
        return None
    turn.checkin.answers.note = note[:NOTE_MAX]
    return await after_note(turn)


async def choose_exf(turn: Turn, arg: str) -> list[Reply] | None:
    if arg == "keep":
        turn.checkin.answers.exf = EXF_KEEP
        return await go_to(turn, CheckinStep.SUMMARY)
    if arg == "new":
        return await go_to(turn, CheckinStep.EXF_NEW)
    return None


async def type_exf(turn: Turn, text: str) -> list[Reply] | None:
    new_date = parse_date(text, turn.language, turn.today)
    if date_problem(turn, new_date) is not None or new_date is None:
        return None
    turn.checkin.answers.exf = new_date.isoformat()
    return await go_to(turn, CheckinStep.SUMMARY)


async def choose_summary(turn: Turn, arg: str) -> list[Reply] | None:
    if arg == "edit":
        return await go_to(turn, CheckinStep.EDIT)
    if arg != "confirm":
        return None
    view = await current_view(turn)
    if view is None or view.brand_id is None:
        return await ask_current(turn)
    finished = turn.checkin.answers.finished()
    order = ReportedOrder(
        view.id,
        view.number,
        turn.contact.factory_id,
        view.brand_id,
        view.po_number,
        view.gate,
        turn.factory.name,
    )
    await save_checkin(turn.session, turn.contact, order, finished, turn.now)
    turn.orders_changed()
    turn.checkin.done = int(turn.checkin.done) + 1
    _ = turn._
    saved = Reply(_("Saved: {po}. Thank you!").format(po=view.number))
    return await next_order(turn, [saved])


EDIT_TARGETS = {
    "milestone": CheckinStep.MILESTONE,
    "quantity": CheckinStep.QUANTITY,
    "issues": CheckinStep.ISSUES,
    "exf": CheckinStep.EXF,
    "note": CheckinStep.NOTE,
}


async def choose_edit(turn: Turn, arg: str) -> list[Reply] | None:
    if arg == "back":
        turn.checkin.editing = False
        return await go_to(turn, CheckinStep.SUMMARY)
    target = EDIT_TARGETS.get(arg)
    if target is None:
        return None
    turn.checkin.editing = True
    return await go_to(turn, target)


Answer = Callable[[Turn, str], Awaitable[list[Reply] | None]]

CHOICES: dict[CheckinStep, tuple[str, Answer]] = {
    CheckinStep.MILESTONE: ("m", choose_milestone),
    CheckinStep.QUANTITY: ("q", choose_quantity),
    CheckinStep.ISSUES: ("i", choose_issue),
    CheckinStep.DELAY: ("d", choose_delay),
    CheckinStep.NOTE: ("n", choose_note),
    CheckinStep.EXF: ("x", choose_exf),
    CheckinStep.SHIPPED_ON: ("s", choose_shipped_on),
    CheckinStep.SUMMARY: ("c", choose_summary),
    CheckinStep.EDIT: ("e", choose_edit),
}
"""The button prefix each step takes, and what its answer does."""

TEXTS: dict[CheckinStep, Answer] = {
    CheckinStep.MILESTONE: type_milestone,
    CheckinStep.QUANTITY: type_quantity,
    CheckinStep.DELAY: type_delay,
    CheckinStep.NOTE: type_note,
    CheckinStep.EXF: type_exf,
    CheckinStep.EXF_NEW: type_exf,
    CheckinStep.SHIPPED_ON: type_shipped_on,
}
"""The steps that take typed text, and what it does."""
