"""The typed shortcut: "PO-1042 sewing 800 fabric late 5 days" becomes a draft, one tap to confirm.

The production order is looked up only among the contact's own factory's open orders, so typing
another factory's number finds nothing. The draft goes straight to the summary step of the
conversation (slotted in before whatever order was being asked about), where Confirm saves it
and Edit changes any part of it.
"""

from __future__ import annotations

from wipbot.production.freetext import (
    EXAMPLES,
    DraftCheckin,
    TextNotUnderstood,
    parse_checkin_text,
)
from wipbot.production.milestones import Milestone

from . import checkin_steps as steps
from .chat_turn import CHECKIN, Turn
from .checkin_draft import EXF_KEEP, empty_draft
from .checkin_input import quantity_limit
from .factory_orders import OrderView, find_own_orders, order_view
from .i18n import format_number
from .messages import Reply


def free_text_example(language: str) -> str:
    return EXAMPLES.get(language, EXAMPLES["en"])


async def try_shortcut(turn: Turn, text: str) -> list[Reply] | None:
    """Replies when the text names a production order; None when it is no shortcut at all."""
    result = parse_checkin_text(text, turn.language, turn.today)
    if isinstance(result, TextNotUnderstood):
        problem = not_understood(turn, result)
        return None if problem is None else await correct(turn, problem)
    orders = await find_own_orders(turn.session, turn.contact.factory_id, result.po_ref)
    _ = turn._
    if not orders:
        return await correct(
            turn,
            _(
                "I cannot find {po} among the open orders of {factory}. Send /status to see them."
            ).format(po=result.po_ref, factory=turn.factory.name),
        )
    if len(orders) > 1:
        return await correct(
            turn,
            _(
                "{po} has several production orders: {orders}. Please write the one you mean."
            ).format(po=result.po_ref, orders=", ".join(o.number for o in orders)),
        )
    view = await order_view(turn.session, orders[0], turn.now)
    problem = draft_problem(turn, result, view)
    if problem is not None:
        return await correct(turn, problem)
    focus(turn, view.id)
    turn.data["draft"] = shortcut_draft(result, view)
    turn.go(steps.SUMMARY)
    before = []
    if result.unparsed:
        before.append(Reply(_("I could not use this part: “{text}”").format(text=result.unparsed)))
    return await steps.ask_current(turn, before)


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


def draft_problem(turn: Turn, result: DraftCheckin, view: OrderView) -> str | None:
    _ = turn._
    example = free_text_example(turn.language)
    milestone = result.milestone or view.state.milestone
    if milestone is None:
        return _("Which stage is {po} at? Write e.g. “{example}”.").format(
            po=view.number, example=example
        )
    if result.quantity is not None and result.quantity > quantity_limit(view.quantity):
        return _("{po} has {total} pieces; please check the quantity.").format(
            po=view.number, total=format_number(view.quantity, turn.language)
        )
    if result.revised_exf is not None:
        return steps.date_problem(turn, result.revised_exf)
    return None


def shortcut_draft(result: DraftCheckin, view: OrderView) -> dict[str, object]:
    """The stage defaults to the last one reported; a quantity counts for that stage."""
    milestone = result.milestone or view.state.milestone or Milestone.MATERIALS_IN
    draft = empty_draft()
    draft["milestone"] = milestone.value
    draft["quantity"] = result.quantity if milestone.quantity_field else None
    draft["issues"] = [{"flag": i.flag.value, "delay_days": i.delay_days} for i in result.issues]
    draft["exf"] = result.revised_exf.isoformat() if result.revised_exf else EXF_KEEP
    return draft


def focus(turn: Turn, production_order_id: int) -> None:
    """Ask about this order now: first in a new conversation, or next in the current queue."""
    if not turn.active:
        hint = turn.data.get("hint")
        turn.data = {"queue": [], "index": 0, "done": 0, "editing": False}
        if hint:
            turn.data["hint"] = hint
        turn.go(steps.SUMMARY, flow=CHECKIN)
    queue: list[int] = list(turn.data.get("queue", []))
    index = int(turn.data.get("index", 0))
    later = [i for i in queue[index:] if i != production_order_id]
    turn.data["queue"] = [*queue[:index], production_order_id, *later]
    turn.data["editing"] = False


async def correct(turn: Turn, message: str) -> list[Reply]:
    """A correction changes nothing; mid-conversation the current question follows it."""
    if turn.active:
        return await steps.ask_current(turn, [Reply(message)])
    return [Reply(message)]
