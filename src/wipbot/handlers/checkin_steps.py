"""The check-in conversation, one small function per step.

For each production order in the queue: milestone -> quantity -> (shipped: the day it
left) -> issues -> delay (per issue) -> note -> ex-factory date -> summary (Confirm / Edit).
"Not started yet" (materials not in) is answered like a milestone and skips the quantity.
Each step has a `prompt_*` that asks and an answer function for a button (`Button.value`,
"<prefix>:<arg>") or typed text. Answers that cannot be used get a correction and leave the
draft as it was.

Button values: m:<milestone>, m:not_started, s:today, s:yesterday, q:all, q:skip,
i:<issue flag>, i:none, i:clear (no issues, same date), i:done, d:<days>, n:skip, x:keep,
x:new, c:confirm, c:edit, e:<field> (milestone, quantity, issues, exf, note, back), and
m:sealed (the golden sample is sealed: asks the brand's approvers for the gate).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from typing import Any

from wipbot.production.dates import parse_date
from wipbot.production.freetext import says_not_started
from wipbot.production.gates import GateItem
from wipbot.production.milestones import IssueFlag, Milestone, parse_milestone

from .chat_text import (
    ISSUE_BUTTONS,
    NOT_STARTED_LABEL,
    QUANTITY_NAMES,
    QUANTITY_QUESTIONS,
    issue_label,
    milestone_label,
)
from .chat_turn import Turn
from .checkin_draft import (
    EXF_KEEP,
    NOT_STARTED,
    draft_from_data,
    empty_draft,
    milestone_of,
    milestone_value,
)
from .checkin_input import parse_days, parse_quantity, quantity_limit
from .checkin_record import record_checkin
from .factory_orders import OrderView, order_view, own_order
from .gates import request_gate, tick_item
from .i18n import format_date, format_number
from .messages import Button, Reply

MILESTONE = "milestone"
QUANTITY = "quantity"
ISSUES = "issues"
DELAY = "delay"
NOTE = "note"
EXF = "exf"
EXF_NEW = "exf_new"
SHIPPED_ON = "shipped_on"
SUMMARY = "summary"
EDIT = "edit"
SEALED = "sealed"

BUTTON_STEPS = frozenset({MILESTONE, ISSUES, EXF, SUMMARY, EDIT})
SHIPPED_ON_MAX_DAYS_AGO = 60

DELAY_CHOICES = (3, 7, 14)
MAX_EXF_DAYS_AHEAD = 365
NOTE_MAX = 1000


def draft(turn: Turn) -> dict[str, Any]:
    if "draft" not in turn.data:
        turn.data["draft"] = empty_draft()
    value: dict[str, Any] = turn.data["draft"]
    return value


async def current_view(turn: Turn) -> OrderView | None:
    """The order being asked about; orders closed or moved since the queue was built are skipped.
    Built once per turn (`turn.views`): a step asks about it several times."""
    queue: list[int] = turn.data.get("queue", [])
    while turn.data.get("index", 0) < len(queue):
        order_id = queue[turn.data["index"]]
        if order_id in turn.views:
            return turn.views[order_id]
        order = await own_order(turn.session, turn.contact.factory_id, order_id)
        if order is not None:
            view = turn.views[order_id] = await order_view(turn.session, order, turn.now)
            return view
        turn.data["index"] += 1
        turn.data["draft"] = empty_draft()
        turn.data["editing"] = False
        turn.go(MILESTONE)
    return None


async def order_moved_on(turn: Turn) -> bool:
    """True when the order being answered about was closed or moved away since it was asked."""
    index = turn.data.get("index", 0)
    await current_view(turn)
    return turn.data.get("index", 0) != index


async def ask_current(turn: Turn, before: list[Reply] | None = None) -> list[Reply]:
    """Ask the current step again, or finish when no order is left."""
    replies = list(before or [])
    view = await current_view(turn)
    if view is None:
        return replies + finish_checkin(turn)
    if turn.step not in PROMPTS:
        turn.go(MILESTONE)
    return [*replies, PROMPTS[turn.step](turn, view)]


def finish_checkin(turn: Turn) -> list[Reply]:
    _ = turn._
    done = int(turn.data.get("done", 0))
    turn.finish()
    if done == 0:
        return [Reply(_("Nothing was saved this time. Send /checkin when you are ready."))]
    return [
        Reply(
            _("All done, thank you! Production orders updated: {count}.").format(
                count=format_number(done, turn.language)
            )
        )
    ]


def order_header(turn: Turn, view: OrderView) -> str:
    _ = turn._
    queue_length = len(turn.data.get("queue", []))
    position = f" ({turn.data.get('index', 0) + 1}/{queue_length})" if queue_length > 1 else ""
    style = f" · {view.style}" if view.style else ""
    return f"📦 {view.number}{style}{position}\n" + _("{quantity} pcs · ex-factory {date}").format(
        quantity=format_number(view.quantity, turn.language),
        date=format_date(view.current_exf, turn.language),
    )


# Prompts ------------------------------------------------------------------------------------


def prompt_milestone(turn: Turn, view: OrderView) -> Reply:
    _ = turn._
    current = view.state.milestone
    reported = view.state.last_report_at is not None
    status = ""
    if current is not None:
        status = "\n" + _("Last reported: {milestone}, {percent}% done").format(
            milestone=milestone_label(current, _),
            percent=format_number(round(view.state.percent_complete), turn.language),
        )
    buttons = []
    if current is None:
        not_started = Button(_(NOT_STARTED_LABEL), f"m:{NOT_STARTED}", selected=reported)
        buttons.append(not_started)
    buttons += [
        Button(milestone_label(m, _), f"m:{m.value}", selected=m == current) for m in Milestone
    ]
    if view.awaits_gate_request:
        buttons.append(Button(_("Golden sample sealed"), f"m:{SEALED}"))
    return Reply(
        f"{order_header(turn, view)}{status}\n\n" + _("Which stage has it reached?"),
        tuple(buttons),
    )


def prompt_quantity(turn: Turn, view: OrderView) -> Reply:
    _ = turn._
    milestone = milestone_of(draft(turn))
    field_name = (milestone.quantity_field if milestone else None) or "cut"
    total = format_number(view.quantity, turn.language)
    return Reply(
        _(QUANTITY_QUESTIONS[field_name]).format(total=total),
        (Button(_("All {total}").format(total=total), "q:all"), Button(_("Skip"), "q:skip")),
    )


def prompt_issues(turn: Turn, view: OrderView, *, edit: bool = False) -> Reply:
    _ = turn._
    chosen = {i["flag"] for i in draft(turn)["issues"]}
    buttons = [Button(_("No issues"), "i:none")]
    if not turn.data.get("editing"):
        buttons.append(Button(_("No issues, same date"), "i:clear"))
    buttons += [
        Button(issue_label(flag, _), f"i:{flag.value}", selected=flag.value in chosen)
        for flag in ISSUE_BUTTONS
    ]
    buttons.append(Button(_("Done"), "i:done"))
    return Reply(
        _("Any issues? Tap all that apply, then Done."), tuple(buttons), edit_previous=edit
    )


def prompt_delay(turn: Turn, view: OrderView) -> Reply:
    _ = turn._
    issue = draft(turn)["issues"][turn.data.get("issue_cursor", 0)]
    return Reply(
        _("{issue}: how many days of delay do you expect? Tap or type a number.").format(
            issue=issue_label(IssueFlag(issue["flag"]), _)
        ),
        tuple(
            Button(_("{days} days").format(days=format_number(d, turn.language)), f"d:{d}")
            for d in DELAY_CHOICES
        ),
    )


def prompt_note(turn: Turn, view: OrderView) -> Reply:
    _ = turn._
    return Reply(
        _("Anything to add about the issue? Type a short note, or tap Skip."),
        (Button(_("Skip"), "n:skip"),),
    )


def prompt_exf(turn: Turn, view: OrderView) -> Reply:
    _ = turn._
    shown = format_date(view.current_exf, turn.language)
    return Reply(
        _("Ex-factory date is {date}. Does it still hold?").format(date=shown),
        (
            Button(_("Still {date}").format(date=shown), "x:keep"),
            Button(_("New date"), "x:new"),
        ),
    )


def date_example(turn: Turn, days_ahead: int = 14) -> str:
    example = turn.today + timedelta(days=days_ahead)
    return f"{example.day}/{example.month}"


def prompt_shipped_on(turn: Turn, view: OrderView) -> Reply:
    _ = turn._
    return Reply(
        _("Which day did the goods leave the factory? Tap, or type a date like {example}.").format(
            example=date_example(turn, -2)
        ),
        (Button(_("Today"), "s:today"), Button(_("Yesterday"), "s:yesterday")),
    )


def prompt_exf_new(turn: Turn, view: OrderView) -> Reply:
    _ = turn._
    return Reply(
        _("Send the new ex-factory date, e.g. {example} or next Friday.").format(
            example=date_example(turn)
        )
    )


def summary_lines(turn: Turn, view: OrderView) -> list[str]:
    _ = turn._
    data = draft(turn)
    milestone = milestone_of(data)
    stage = milestone_label(milestone, _) if milestone else _(NOT_STARTED_LABEL)
    lines = [f"📦 {view.number}", _("Stage: {milestone}").format(milestone=stage)]
    if milestone and milestone.quantity_field and data.get("quantity") is not None:
        lines.append(
            f"{_(QUANTITY_NAMES[milestone.quantity_field])}: "
            + _("{done} of {total}").format(
                done=format_number(data["quantity"], turn.language),
                total=format_number(view.quantity, turn.language),
            )
        )
    if milestone is Milestone.SHIPPED and data.get("shipped_on"):
        left = format_date(date.fromisoformat(data["shipped_on"]), turn.language)
        lines.append(_("Left the factory: {date}").format(date=left))
    issues = data.get("issues") or []
    if issues:
        described = [
            issue_label(IssueFlag(i["flag"]), _)
            + (
                " " + _("(+{days} d)").format(days=format_number(i["delay_days"], turn.language))
                if i.get("delay_days") is not None
                else ""
            )
            for i in issues
        ]
        lines.append(_("Issues: {issues}").format(issues=", ".join(described)))
    else:
        lines.append(_("Issues: none"))
    exf = data.get("exf")
    if exf and exf != EXF_KEEP:
        lines.append(
            _("New ex-factory date: {date}").format(
                date=format_date(date.fromisoformat(exf), turn.language)
            )
        )
    else:
        lines.append(
            _("Ex-factory date holds: {date}").format(
                date=format_date(view.current_exf, turn.language)
            )
        )
    if data.get("note"):
        lines.append(_("Note: {note}").format(note=data["note"]))
    if data.get("photos"):
        lines.append(
            _("Photos: {count}").format(count=format_number(len(data["photos"]), turn.language))
        )
    return lines


def prompt_summary(turn: Turn, view: OrderView) -> Reply:
    _ = turn._
    text = _("Please check:") + "\n" + "\n".join(summary_lines(turn, view))
    return Reply(text, (Button(_("Confirm"), "c:confirm"), Button(_("Edit"), "c:edit")))


def prompt_edit(turn: Turn, view: OrderView) -> Reply:
    _ = turn._
    buttons = [Button(_("Stage"), "e:milestone")]
    milestone = milestone_of(draft(turn))
    if milestone and milestone.quantity_field:
        buttons.append(Button(_("Quantity"), "e:quantity"))
    buttons += [
        Button(_("Issues"), "e:issues"),
        Button(_("Ex-factory date"), "e:exf"),
        Button(_("Note"), "e:note"),
        Button(_("Back"), "e:back"),
    ]
    return Reply(_("What do you want to change?"), tuple(buttons))


PROMPTS: dict[str, Callable[[Turn, OrderView], Reply]] = {
    MILESTONE: prompt_milestone,
    QUANTITY: prompt_quantity,
    ISSUES: prompt_issues,
    DELAY: prompt_delay,
    NOTE: prompt_note,
    EXF: prompt_exf,
    EXF_NEW: prompt_exf_new,
    SHIPPED_ON: prompt_shipped_on,
    SUMMARY: prompt_summary,
    EDIT: prompt_edit,
}


# Transitions --------------------------------------------------------------------------------


async def go_to(turn: Turn, step: str, before: list[Reply] | None = None) -> list[Reply]:
    turn.go(step)
    return await ask_current(turn, before)


async def after_milestone(turn: Turn) -> list[Reply]:
    milestone = milestone_of(draft(turn))
    if milestone is None or milestone.quantity_field is None:
        draft(turn)["quantity"] = None
        return await after_quantity(turn)
    return await go_to(turn, QUANTITY)


async def after_quantity(turn: Turn) -> list[Reply]:
    if milestone_of(draft(turn)) is Milestone.SHIPPED and not draft(turn).get("shipped_on"):
        return await go_to(turn, SHIPPED_ON)
    return await after_shipped_on(turn)


async def after_shipped_on(turn: Turn) -> list[Reply]:
    return await go_to(turn, SUMMARY if turn.data.get("editing") else ISSUES)


async def after_issues(turn: Turn) -> list[Reply]:
    if draft(turn)["issues"]:
        turn.data["issue_cursor"] = 0
        return await go_to(turn, DELAY)
    draft(turn)["note"] = ""
    return await after_note(turn)


async def nothing_new(turn: Turn) -> list[Reply]:
    """No issues and the date holds: straight to the summary (stage, quantity, this, confirm)."""
    draft(turn).update(issues=[], note="", exf=EXF_KEEP)
    return await go_to(turn, SUMMARY)


async def after_note(turn: Turn) -> list[Reply]:
    return await go_to(turn, SUMMARY if turn.data.get("editing") else EXF)


async def next_order(turn: Turn, before: list[Reply]) -> list[Reply]:
    turn.data["index"] = turn.data.get("index", 0) + 1
    turn.data["draft"] = empty_draft()
    turn.data["editing"] = False
    return await go_to(turn, MILESTONE, before)


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
    turn.views.clear()
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
    if draft(turn)["milestone"] != value:
        draft(turn)["quantity"] = None
        draft(turn)["shipped_on"] = None
    draft(turn)["milestone"] = value
    return await after_milestone(turn)


async def type_milestone(turn: Turn, text: str) -> list[Reply] | None:
    if says_not_started(text, turn.language):
        return await choose_milestone(turn, NOT_STARTED)
    try:
        milestone = parse_milestone(text)
    except ValueError:
        return None
    return await choose_milestone(turn, milestone.value)


def shipped_on_problem(turn: Turn, day: date | None) -> str | None:
    """A correction for a ship day we cannot take: unreadable, in the future, or long ago."""
    _ = turn._
    earliest = turn.today - timedelta(days=SHIPPED_ON_MAX_DAYS_AGO)
    if day is None or day > turn.today or day < earliest:
        return _("Please send the day the goods left the factory, e.g. {example}.").format(
            example=date_example(turn, -2)
        )
    return None


async def set_shipped_on(turn: Turn, day: date) -> list[Reply]:
    draft(turn)["shipped_on"] = day.isoformat()
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
        draft(turn)["quantity"] = view.quantity
    elif arg == "skip":
        draft(turn)["quantity"] = None
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
    draft(turn)["quantity"] = quantity
    return await after_quantity(turn)


def quantity_correction(turn: Turn, view: OrderView) -> str:
    _ = turn._
    return _("Please send the number of pieces, e.g. {example} (at most {limit}).").format(
        example=format_number(view.quantity // 2, turn.language),
        limit=format_number(quantity_limit(view.quantity), turn.language),
    )


async def choose_issue(turn: Turn, arg: str) -> list[Reply] | None:
    issues: list[dict[str, Any]] = draft(turn)["issues"]
    if arg == "none":
        draft(turn)["issues"] = []
        return await after_issues(turn)
    if arg == "done":
        return await after_issues(turn)
    if arg == "clear":
        return await nothing_new(turn)
    try:
        flag = IssueFlag(arg)
    except ValueError:
        return None
    if any(i["flag"] == flag.value for i in issues):
        draft(turn)["issues"] = [i for i in issues if i["flag"] != flag.value]
    else:
        draft(turn)["issues"] = [*issues, {"flag": flag.value, "delay_days": None}]
    view = await current_view(turn)
    assert view is not None
    return [prompt_issues(turn, view, edit=True)]


async def set_delay(turn: Turn, days: int) -> list[Reply]:
    cursor = turn.data.get("issue_cursor", 0)
    issues = draft(turn)["issues"]
    issues[cursor]["delay_days"] = days
    if cursor + 1 < len(issues):
        turn.data["issue_cursor"] = cursor + 1
        return await go_to(turn, DELAY)
    return await go_to(turn, NOTE)


async def choose_delay(turn: Turn, arg: str) -> list[Reply] | None:
    days = parse_days(arg)
    return None if days is None else await set_delay(turn, days)


async def type_delay(turn: Turn, text: str) -> list[Reply] | None:
    days = parse_days(text)
    return None if days is None else await set_delay(turn, days)


async def choose_note(turn: Turn, arg: str) -> list[Reply] | None:
    if arg != "skip":
        return None
    draft(turn)["note"] = ""
    return await after_note(turn)


async def type_note(turn: Turn, text: str) -> list[Reply] | None:
    note = text.strip()
    if not note:
        return None
    draft(turn)["note"] = note[:NOTE_MAX]
    return await after_note(turn)


async def choose_exf(turn: Turn, arg: str) -> list[Reply] | None:
    if arg == "keep":
        draft(turn)["exf"] = EXF_KEEP
        return await go_to(turn, SUMMARY)
    if arg == "new":
        return await go_to(turn, EXF_NEW)
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


async def type_exf(turn: Turn, text: str) -> list[Reply] | None:
    new_date = parse_date(text, turn.language, turn.today)
    if date_problem(turn, new_date) is not None or new_date is None:
        return None
    draft(turn)["exf"] = new_date.isoformat()
    return await go_to(turn, SUMMARY)


async def choose_summary(turn: Turn, arg: str) -> list[Reply] | None:
    if arg == "edit":
        return await go_to(turn, EDIT)
    if arg != "confirm":
        return None
    view = await current_view(turn)
    order = await own_order(turn.session, turn.contact.factory_id, view.id) if view else None
    if view is None or order is None:
        return await ask_current(turn)
    await record_checkin(turn.session, turn.contact, order, draft_from_data(draft(turn)), turn.now)
    turn.views.clear()
    turn.data["done"] = int(turn.data.get("done", 0)) + 1
    _ = turn._
    saved = Reply(_("Saved: {po}. Thank you!").format(po=view.number))
    return await next_order(turn, [saved])


EDIT_TARGETS = {
    "milestone": MILESTONE,
    "quantity": QUANTITY,
    "issues": ISSUES,
    "exf": EXF,
    "note": NOTE,
}


async def choose_edit(turn: Turn, arg: str) -> list[Reply] | None:
    if arg == "back":
        turn.data["editing"] = False
        return await go_to(turn, SUMMARY)
    target = EDIT_TARGETS.get(arg)
    if target is None:
        return None
    turn.data["editing"] = True
    return await go_to(turn, target)


ChoiceAnswer = Callable[[Turn, str], Awaitable[list[Reply] | None]]
TextAnswer = Callable[[Turn, str], Awaitable[list[Reply] | None]]

CHOICES: dict[str, tuple[str, ChoiceAnswer]] = {
    MILESTONE: ("m", choose_milestone),
    QUANTITY: ("q", choose_quantity),
    ISSUES: ("i", choose_issue),
    DELAY: ("d", choose_delay),
    NOTE: ("n", choose_note),
    EXF: ("x", choose_exf),
    SHIPPED_ON: ("s", choose_shipped_on),
    SUMMARY: ("c", choose_summary),
    EDIT: ("e", choose_edit),
}

TEXTS: dict[str, TextAnswer] = {
    MILESTONE: type_milestone,
    QUANTITY: type_quantity,
    DELAY: type_delay,
    NOTE: type_note,
    EXF: type_exf,
    EXF_NEW: type_exf,
    SHIPPED_ON: type_shipped_on,
}


async def correction(turn: Turn, text: str) -> str:
    """What to say when typed text does not answer the current step."""
    _ = turn._
    view = await current_view(turn)
    if turn.step == QUANTITY and view is not None:
        return quantity_correction(turn, view)
    if turn.step == DELAY:
        return _("Please send the number of days, e.g. 5.")
    if turn.step in (EXF, EXF_NEW):
        return date_problem(turn, parse_date(text, turn.language, turn.today)) or ""
    if turn.step == SHIPPED_ON:
        day = parse_date(text, turn.language, turn.today)
        return shipped_on_problem(turn, day) or ""
    return _("Please tap one of the buttons below.")
