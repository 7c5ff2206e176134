"""/po answers: the status card, lists, help and "did you mean"."""

from __future__ import annotations

from datetime import date

from wipbot.handlers.po_query import PoAnswer, PoCard, PoHelp, PoList, PoNotFound
from wipbot.production.milestones import Milestone
from wipbot.production.risk import RiskStatus
from wipbot.store.wip import OrderStatus, PoStatus

from .blocks import (
    Block,
    SlackMessage,
    actions,
    button,
    context,
    escape,
    fields_section,
    header,
    section,
    thousands,
)

SHARE_ACTION = "po_share"
RISK_ICONS = {RiskStatus.LATE: "🔴", RiskStatus.AT_RISK: "🟠", RiskStatus.ON_TRACK: "🟢"}
RISK_WORDS = {
    RiskStatus.LATE: "Late",
    RiskStatus.AT_RISK: "At risk",
    RiskStatus.ON_TRACK: "On track",
}
ISSUE_WORDS = {
    "fabric_late": "Fabric late",
    "trims_late": "Trims late",
    "sample_reapproval": "Sample re-approval",
    "qc_rejection": "QC rejection",
    "shipping_delay": "Shipping delay",
    "capacity": "Capacity short",
    "other": "Other",
}


def po_answer(
    answer: PoAnswer, *, shareable: bool = True, shared_by: str | None = None
) -> SlackMessage:
    if isinstance(answer, PoCard):
        return po_card(answer.status, shareable=shareable, shared_by=shared_by)
    if isinstance(answer, PoList):
        return po_list(answer)
    if isinstance(answer, PoNotFound):
        return not_found(answer)
    return po_help(answer)


def po_card(
    status: PoStatus, *, shareable: bool = True, shared_by: str | None = None
) -> SlackMessage:
    risk = status.risk
    icon, word = RISK_ICONS[risk.status], RISK_WORDS[risk.status]
    blocks: list[Block] = [header(f"{status.po_number} · {status.factory.name}")]
    drivers = "".join(f"\n• {escape(d)}" for d in risk.drivers)
    blocks.append(section(f"{icon} *{word}* · slack {_signed(risk.slack_days)} d{drivers}"))
    revised = f"\n_factory revised: {_day(status.revised_exf)}_" if status.revised_exf else ""
    blocks.append(
        fields_section(
            [
                f"*Factory*\n{escape(status.factory.name)} ({status.factory.country})",
                f"*Quantity*\n{thousands(status.total_quantity)} pcs · "
                f"{escape(', '.join(status.styles)) or '-'}",
                f"*Committed ex-factory*\n{_day(status.committed_exf)}",
                f"*Projected ex-factory*\n{_day(risk.projected_exf)}{revised}",
                f"*Progress*\n{status.percent_complete:g} % · "
                f"{_milestone(status.current_milestone)}",
                f"*Last check-in*\n{_age(status.last_checkin_age_days, risk.stale_reason)}",
            ]
        )
    )
    for order in status.orders:
        blocks.append(section(_order_table(order, named=len(status.orders) > 1)))
    if status.open_issues:
        lines = [
            f"• {ISSUE_WORDS.get(i.flag.value, i.flag.value)}"
            + (f" +{i.delay_days} d" if i.delay_days else "")
            + (f" — {escape(i.note)}" if i.note else "")
            + (f" ({escape(i.production_order)})" if len(status.orders) > 1 else "")
            for i in status.open_issues
        ]
        blocks.append(section("*Open issues*\n" + "\n".join(lines)))
    footer = [f"Judged on {_day(status.judged_on)}", f"incoterm {status.incoterm}"]
    if shared_by:
        footer.append(f"shared by <@{shared_by}>")
    blocks.append(context(" · ".join(footer)))
    if shareable:
        blocks.append(
            actions(
                "po_card",
                button("Share in channel", SHARE_ACTION, status.po_number),
            )
        )
    text = f"{status.po_number}: {word}, projected ex-factory {_day(risk.projected_exf)}"
    return SlackMessage(text=text, blocks=blocks)


def _order_table(order: OrderStatus, *, named: bool) -> str:
    """Each milestone's plan, actual and progress, in a monospaced table that reads on mobile."""
    rows = [f"{'Milestone':<13}{'Planned':<8}{'Actual':<8}Progress"]
    for info in order.milestones:
        actual = _short(info.actual) if info.actual else "-"
        progress = _stage_progress(order, info.milestone)
        late = ""
        if info.days_late:
            late = f" {'+' if info.days_late > 0 else ''}{info.days_late}d"
            if info.actual is None:
                late = f" {info.days_late}d overdue"
        rows.append(
            f"{_milestone(info.milestone):<13}{_short(info.planned):<8}{actual:<8}{progress}{late}"
        )
    title = f"*{escape(order.number)}*" if named else "*Milestones*"
    gate = f" · gate {order.gate_status}"
    return f"{title} · {thousands(order.quantity)} pcs{gate}\n```" + "\n".join(rows) + "```"


def _stage_progress(order: OrderStatus, milestone: Milestone) -> str:
    field = milestone.quantity_field
    if field is None:
        return "✓" if milestone in order.actual else ""
    done = order.quantities.get(field)
    if done is None:
        return ""
    return f"{round(100 * done / order.quantity)}%" if order.quantity else ""


def po_list(answer: PoList) -> SlackMessage:
    blocks: list[Block] = [header(answer.title)]
    if not answer.statuses:
        blocks.append(section(answer.empty_text))
        return SlackMessage(text=answer.empty_text, blocks=blocks)
    blocks.extend(section(po_line(status)) for status in answer.statuses)
    if answer.total > len(answer.statuses):
        blocks.append(context(f"…and {answer.total - len(answer.statuses)} more"))
    blocks.append(context("`/po PO-NUMBER` shows the full card"))
    return SlackMessage(text=f"{answer.title}: {answer.total}", blocks=blocks)


def po_line(status: PoStatus) -> str:
    risk = status.risk
    driver = f"\n_{escape(risk.drivers[0])}_" if risk.drivers else ""
    return (
        f"{RISK_ICONS[risk.status]} *{escape(status.po_number)}* · "
        f"{escape(status.factory.name)} · slack {_signed(risk.slack_days)} d · "
        f"projected {_day(risk.projected_exf)} (committed {_day(status.committed_exf)}) · "
        f"{_milestone(status.current_milestone)} {status.percent_complete:g} %{driver}"
    )


def po_help(answer: PoHelp) -> SlackMessage:
    lines = "\n".join(f"`{cmd}` — {what}" for cmd, what in answer.commands)
    return SlackMessage(text="How to use /po", blocks=[section(f"*How to use /po*\n{lines}")])


def not_found(answer: PoNotFound) -> SlackMessage:
    text = f"No {answer.what} matching `{escape(answer.query)}` in this brand."
    if answer.suggestions:
        text += " Did you mean: " + ", ".join(f"`{escape(s)}`" for s in answer.suggestions) + "?"
    return SlackMessage(text=text, blocks=[section(text)])


def _day(d: date | None) -> str:
    return d.strftime("%a %d %b %Y") if d else "-"


def _short(d: date) -> str:
    return d.strftime("%d %b")


def _signed(n: int) -> str:
    return f"+{n}" if n > 0 else str(n).replace("-", "−")


def _milestone(m: Milestone | None) -> str:
    return m.value.replace("_", " ").capitalize() if m else "Not started"


def _age(days: int | None, stale_reason: str | None) -> str:
    """The check-in's age, with the engine's stale reason in quiet italics: missing data is not
    late risk."""
    if days is None:
        return f"_{stale_reason}_" if stale_reason else "none yet"
    text = "today" if days == 0 else f"{days} day{'s' if days != 1 else ''} ago"
    return f"{text} · _{stale_reason}_" if stale_reason else text
