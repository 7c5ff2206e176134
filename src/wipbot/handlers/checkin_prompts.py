"""What the check-in asks: the question of each step, about the order at the head of the queue.

For each production order in the queue: milestone -> quantity -> (shipped: the day it left) ->
issues -> delay (per issue) -> note -> ex-factory date -> summary (Confirm / Edit). "Not started
yet" (materials not in) is offered like a milestone. How each answer moves the conversation on is
in `checkin_answers`.

Button values: m:<milestone>, m:not_started, s:today, s:yesterday, q:all, q:skip,
i:<issue flag>, i:none, i:clear (no issues, same date), i:done, d:<days>, n:skip, x:keep,
x:new, c:confirm, c:edit, e:<field> (milestone, quantity, issues, exf, note, back), and
m:sealed (the golden sample is sealed: asks the brand's approvers for the gate).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from wipbot.production.milestones import IssueFlag, Milestone

from .chat_text import (
    ISSUE_BUTTONS,
    NOT_STARTED_LABEL,
    QUANTITY_NAMES,
    QUANTITY_QUESTIONS,
    issue_label,
    milestone_label,
)
from .chat_turn import Turn
from .checkin_draft import EXF_KEEP, NOT_STARTED
from .checkin_state import CheckinStep
from .factory_orders import OrderView, own_order_view
from .i18n import format_date, format_number
from .messages import Button, Reply

SEALED = "sealed"
"""The milestone button's argument for "golden sample sealed"."""
DELAY_CHOICES = (3, 7, 14)


async def current_view(turn: Turn) -> OrderView | None:
    """The order being asked about; orders closed or moved since the queue was built are skipped.
    Built once per turn (`turn.views`): a step asks about it several times."""
    checkin = turn.checkin
    while checkin.index < len(checkin.queue):
        order_id = checkin.queue[checkin.index]
        if order_id in turn.views:
            return turn.views[order_id]
        known = turn.reports if order_id in turn.reports else None
        view = await own_order_view(
            turn.session, turn.contact.factory_id, order_id, turn.now, known
        )
        if view is not None:
            turn.views[order_id] = view
            return view
        checkin.next_order()
        turn.go(CheckinStep.MILESTONE)
    return None


async def order_moved_on(turn: Turn) -> bool:
    """True when the order being answered about was closed or moved away since it was asked."""
    index = turn.checkin.index
    await current_view(turn)
    return turn.checkin.index != index


async def ask_current(turn: Turn, before: list[Reply] | None = None) -> list[Reply]:
    """Ask the current step again, or finish when no order is left."""
    replies = list(before or [])
    view = await current_view(turn)
    if view is None:
        return replies + finish_checkin(turn)
    if turn.step not in PROMPTS:
        turn.go(CheckinStep.MILESTONE)
    return [*replies, PROMPTS[CheckinStep(turn.step)](turn, view)]


def finish_checkin(turn: Turn) -> list[Reply]:
    _ = turn._
    done = int(turn.checkin.done)
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
    queue_length = len(turn.checkin.queue)
    position = f" ({turn.checkin.index + 1}/{queue_length})" if queue_length > 1 else ""
    style = f" · {view.style}" if view.style else ""
    return f"📦 {view.number}{style}{position}\n" + _("{quantity} pcs · ex-factory {date}").format(
        quantity=format_number(view.quantity, turn.language),
        date=format_date(view.current_exf, turn.language),
    )


def date_example(turn: Turn, days_ahead: int = 14) -> str:
    example = turn.today + timedelta(days=days_ahead)
    return f"{example.day}/{example.month}"


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
    milestone = turn.checkin.answers.stage
    field_name = (milestone.quantity_field if milestone else None) or "cut"
    total = format_number(view.quantity, turn.language)
    return Reply(
        _(QUANTITY_QUESTIONS[field_name]).format(total=total),
        (Button(_("All {total}").format(total=total), "q:all"), Button(_("Skip"), "q:skip")),
    )


def prompt_issues(turn: Turn, view: OrderView, *, edit: bool = False) -> Reply:
    _ = turn._
    answers = turn.checkin.answers
    buttons = [Button(_("No issues"), "i:none")]
    if not turn.checkin.editing:
        buttons.append(Button(_("No issues, same date"), "i:clear"))
    buttons += [
        Button(issue_label(flag, _), f"i:{flag.value}", selected=answers.has_issue(flag.value))
        for flag in ISSUE_BUTTONS
    ]
    buttons.append(Button(_("Done"), "i:done"))
    return Reply(
        _("Any issues? Tap all that apply, then Done."), tuple(buttons), edit_previous=edit
    )


def prompt_delay(turn: Turn, view: OrderView) -> Reply:
    _ = turn._
    issue = turn.checkin.answers.issues[turn.checkin.cursor]
    return Reply(
        _("{issue}: how many days of delay do you expect? Tap or type a number.").format(
            issue=issue_label(IssueFlag(issue.flag), _)
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
    answers = turn.checkin.answers
    milestone = answers.stage
    stage = milestone_label(milestone, _) if milestone else _(NOT_STARTED_LABEL)
    lines = [f"📦 {view.number}", _("Stage: {milestone}").format(milestone=stage)]
    if milestone and milestone.quantity_field and answers.quantity is not None:
        lines.append(
            f"{_(QUANTITY_NAMES[milestone.quantity_field])}: "
            + _("{done} of {total}").format(
                done=format_number(answers.quantity, turn.language),
                total=format_number(view.quantity, turn.language),
            )
        )
    if milestone is Milestone.SHIPPED and answers.shipped_on:
        left = format_date(date.fromisoformat(answers.shipped_on), turn.language)
        lines.append(_("Left the factory: {date}").format(date=left))
    if answers.issues:
        described = [
            issue_label(IssueFlag(i.flag), _)
            + (
                " " + _("(+{days} d)").format(days=format_number(i.delay_days, turn.language))
                if i.delay_days is not None
                else ""
            )
            for i in answers.issues
        ]
        lines.append(_("Issues: {issues}").format(issues=", ".join(described)))
    else:
        lines.append(_("Issues: none"))
    exf = answers.exf
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
    if answers.note:
        lines.append(_("Note: {note}").format(note=answers.note))
    if answers.photos:
        lines.append(
            _("Photos: {count}").format(count=format_number(len(answers.photos), turn.language))
        )
    return lines


def prompt_summary(turn: Turn, view: OrderView) -> Reply:
    _ = turn._
    text = _("Please check:") + "\n" + "\n".join(summary_lines(turn, view))
    return Reply(text, (Button(_("Confirm"), "c:confirm"), Button(_("Edit"), "c:edit")))


def prompt_edit(turn: Turn, view: OrderView) -> Reply:
    _ = turn._
    buttons = [Button(_("Stage"), "e:milestone")]
    milestone = turn.checkin.answers.stage
    if milestone and milestone.quantity_field:
        buttons.append(Button(_("Quantity"), "e:quantity"))
    buttons += [
        Button(_("Issues"), "e:issues"),
        Button(_("Ex-factory date"), "e:exf"),
        Button(_("Note"), "e:note"),
        Button(_("Back"), "e:back"),
    ]
    return Reply(_("What do you want to change?"), tuple(buttons))


PROMPTS: dict[CheckinStep, Callable[[Turn, OrderView], Reply]] = {
    CheckinStep.MILESTONE: prompt_milestone,
    CheckinStep.QUANTITY: prompt_quantity,
    CheckinStep.ISSUES: prompt_issues,
    CheckinStep.DELAY: prompt_delay,
    CheckinStep.NOTE: prompt_note,
    CheckinStep.EXF: prompt_exf,
    CheckinStep.EXF_NEW: prompt_exf_new,
    CheckinStep.SHIPPED_ON: prompt_shipped_on,
    CheckinStep.SUMMARY: prompt_summary,
    CheckinStep.EDIT: prompt_edit,
}
