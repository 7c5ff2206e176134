"""The typed shortcut: "PO-1042 sewing 800 fabric late 5 days" becomes a draft, one tap to confirm.

The production order is looked up only among the contact's own factory's open orders, so typing
another factory's number finds nothing. The draft goes straight to the summary step of the
conversation (slotted in before whatever order was being asked about), where Confirm saves it
and Edit changes any part of it.
"""

from __future__ import annotations

from datetime import date
from typing import TypeGuard

from wipbot.production.freetext import (
    EXAMPLES,
    DraftCheckin,
    TextNotUnderstood,
    parse_checkin_text,
)

from .chat_state import Flow
from .chat_turn import Turn
from .checkin_corrections import date_problem
from .checkin_draft import (
    EXF_KEEP,
    NOT_STARTED,
    DraftAnswers,
    IssueAnswer,
    milestone_of,
    milestone_value,
)
from .checkin_input import quantity_limit
from .checkin_prompts import ask_current, current_view
from .checkin_state import BUTTON_STEPS, CheckinState, CheckinStep
from .factory_orders import OrderView, find_own_orders, order_view
from .i18n import format_number
from .messages import Reply, one_full_stop


def free_text_example(language: str, order: str | None = None) -> str:
    """The shortcut example in the contact's language, about one of their own orders if given
    (an example naming another factory's PO would not work for them)."""
    example = EXAMPLES.get(language, EXAMPLES["en"])
    return example.replace(EXAMPLE_PO, order, 1) if order else example


EXAMPLE_PO = "PO-1042"


async def try_shortcut(turn: Turn, text: str) -> list[Reply] | None:
    """Replies when the text reports on an order; None when it is no shortcut at all.

    Mid-conversation, at a question answered with buttons, a report without an order number
    ("sewing 800 fabric late 5 days") is about the order being asked about, and fills in only
    what it says; where a number or date is asked for, the step's own correction is clearer.
    """
    result = parse_checkin_text(text, turn.language, turn.today)
    no_po = isinstance(result, TextNotUnderstood) and result.reason == "no_po"
    if no_po and turn.active and turn.step in BUTTON_STEPS:
        current = await current_view(turn)
        if current is not None:
            about_current = parse_checkin_text(
                f"{current.number} {text}", turn.language, turn.today
            )
            if not says_more_than_a_number(about_current):
                return None
            result = about_current
    if isinstance(result, TextNotUnderstood):
        problem = not_understood(turn, result)
        return None if problem is None else await correct(turn, problem)
    orders = await find_own_orders(turn.session, turn.contact.factory_id, result.po_ref)
    _ = turn._
    if not orders:
        return await correct(
            turn,
            one_full_stop(
                _(
                    "I cannot find {po} among the open orders of {factory}. "
                    "Send /status to see them."
                ).format(po=result.po_ref, factory=turn.factory.name),
                turn.factory.name,
            ),
        )
    if len(orders) > 1:
        return await correct(
            turn,
            _(
                "{po} has several production orders: {orders}. Please write the one you mean."
            ).format(po=result.po_ref, orders=", ".join(o.number for o in orders)),
        )
    view = await order_view(turn.session, orders[0], turn.now)
    draft = shortcut_draft(result, view, await draft_so_far(turn, view.id))
    problem = draft_problem(turn, draft, view)
    if problem is not None:
        return await correct(turn, problem)
    focus(turn, view.id)
    turn.checkin.draft = draft
    turn.go(CheckinStep.SUMMARY)
    before = []
    if result.unparsed:
        before.append(Reply(_("I could not use this part: “{text}”").format(text=result.unparsed)))
    return await ask_current(turn, before)


def says_more_than_a_number(result: DraftCheckin | TextNotUnderstood) -> TypeGuard[DraftCheckin]:
    """A bare number typed at a button question is no report: the question is asked again."""
    return isinstance(result, DraftCheckin) and bool(
        result.milestone or result.issues or result.revised_exf or result.not_started
    )


async def draft_so_far(turn: Turn, production_order_id: int) -> DraftAnswers:
    """A copy of the answers already given about this order in the conversation, else none."""
    if not turn.active:
        return DraftAnswers()
    current = await current_view(turn)
    if current is None or current.id != production_order_id:
        return DraftAnswers()
    return DraftAnswers.from_json(turn.checkin.answers.to_json())


def not_understood(turn: Turn, result: TextNotUnderstood) -> str | None:
    _ = turn._
    example = free_text_example(turn.language)
    if result.reason == "many_po":
        return _("Please write about one production order per message, e.g. “{example}”.").format(
            example=example
        )
    if result.reason == "bad_date":
        return _("That date does not exist. Please check it, e.g. “{example}”.").format(
            example=example
        )
    if result.reason == "no_content":
        return _("What is the news on this order? Write e.g. “{example}”.").format(example=example)
    return None


def draft_problem(turn: Turn, draft: DraftAnswers, view: OrderView) -> str | None:
    _ = turn._
    if draft.milestone is None:
        return _("Which stage is {po} at? Write e.g. “{example}”.").format(
            po=view.number, example=free_text_example(turn.language)
        )
    if draft.quantity is not None and draft.quantity > quantity_limit(view.quantity):
        return _("{po} has {total} pieces; please check the quantity.").format(
            po=view.number, total=format_number(view.quantity, turn.language)
        )
    if draft.exf is not None and draft.exf != EXF_KEEP:
        return date_problem(turn, date.fromisoformat(draft.exf))
    return None


def shortcut_draft(result: DraftCheckin, view: OrderView, so_far: DraftAnswers) -> DraftAnswers:
    """What the text says, over what was answered before; the stage defaults to the last one.

    A quantity counts for the stage it was given with, so a new stage drops an earlier one.
    """
    earlier = so_far.milestone
    if result.not_started:
        chosen: str | None = NOT_STARTED
    elif result.milestone is not None:
        chosen = result.milestone.value
    elif earlier:
        chosen = earlier
    else:
        chosen = milestone_value(view.state.milestone) if view.state.last_report_at else None
    milestone = milestone_of(chosen)
    draft = DraftAnswers.from_json({**DraftAnswers().to_json(), **so_far.to_json()})
    draft.milestone = chosen
    if chosen != earlier:
        draft.quantity = None
        draft.shipped_on = None
    if result.quantity is not None:
        draft.quantity = result.quantity
    if milestone is None or milestone.quantity_field is None:
        draft.quantity = None
    if result.issues:
        draft.issues = [IssueAnswer(i.flag.value, i.delay_days) for i in result.issues]
    if result.revised_exf is not None:
        draft.exf = result.revised_exf.isoformat()
    elif draft.exf is None:
        draft.exf = EXF_KEEP
    return draft


def focus(turn: Turn, production_order_id: int) -> None:
    """Ask about this order now: first in a new conversation, or next in the current queue."""
    if not turn.active:
        turn.chat.restart(CheckinState())
        turn.go(CheckinStep.SUMMARY, flow=Flow.CHECKIN)
    checkin = turn.checkin
    queue, index = list(checkin.queue), int(checkin.index)
    later = [i for i in queue[index:] if i != production_order_id]
    checkin.queue = [*queue[:index], production_order_id, *later]
    checkin.editing = False


async def correct(turn: Turn, message: str) -> list[Reply]:
    """A correction changes nothing; mid-conversation the current question follows it."""
    if turn.active:
        return await ask_current(turn, [Reply(message)])
    return [Reply(message)]
