"""`/status` in a factory chat: the contact's own open production orders at a glance."""

from __future__ import annotations

from .chat_text import milestone_label
from .chat_turn import Turn
from .factory_orders import open_orders, order_views
from .i18n import format_date, format_number
from .messages import Reply


async def factory_status(turn: Turn) -> list[Reply]:
    _ = turn._
    orders = await open_orders(turn.session, turn.contact.factory_id)
    if not orders:
        return [
            Reply(
                _("There are no open production orders for {factory} right now.").format(
                    factory=turn.factory.name
                )
            )
        ]
    lines = [_("Open production orders of {factory}:").format(factory=turn.factory.name)]
    for view in await order_views(turn.session, orders, turn.now):
        stage = (
            milestone_label(view.state.milestone, _)
            if view.state.milestone is not None
            else _("not reported yet")
        )
        lines.append(
            "• "
            + _("{po}: {stage}, {percent}% · ex-factory {date}").format(
                po=view.number,
                stage=stage,
                percent=format_number(round(view.state.percent_complete), turn.language),
                date=format_date(view.current_exf, turn.language),
            )
        )
    return [Reply("\n".join(lines))]
