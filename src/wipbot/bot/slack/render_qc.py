"""/qc and /landed answers in Block Kit: inspections with verdicts, landed cost per line."""

from __future__ import annotations

from decimal import Decimal

from wipbot.bot.media_links import PhotoUrl
from wipbot.handlers.landed_cost import PoLandedCost
from wipbot.handlers.qc import Inspection, PhotoRef
from wipbot.handlers.qc_card import (
    LandedAnswer,
    LandedCard,
    NotFound,
    QcAnswer,
    QcCard,
    Refused,
    Usage,
)

from .blocks import Block, SlackMessage, actions, button, context, escape, header, section

QC_SHARE_ACTION = "qc_share"
LANDED_SHARE_ACTION = "landed_share"
CENTS = Decimal("0.01")
PHOTO_LINKS = {"telegram": "Telegram", "whatsapp": "WhatsApp", "console": "console"}


def qc_answer(
    answer: QcAnswer,
    *,
    shareable: bool = True,
    shared_by: str = "",
    photo_url: PhotoUrl | None = None,
) -> SlackMessage:
    if isinstance(answer, QcCard):
        return qc_card(answer, shareable=shareable, shared_by=shared_by, photo_url=photo_url)
    return _plain(answer)


def landed_answer(
    answer: LandedAnswer, *, shareable: bool = True, shared_by: str = ""
) -> SlackMessage:
    if isinstance(answer, LandedCard):
        return landed_card(answer.cost, shareable=shareable, shared_by=shared_by)
    return _plain(answer)


def _plain(answer: Refused | NotFound | Usage) -> SlackMessage:
    if isinstance(answer, Usage):
        text = (
            f"Usage: `{answer.example}` — one PO or production order number after "
            f"`{answer.command}`."
        )
    elif isinstance(answer, NotFound):
        text = escape(answer.text)
    else:
        text = answer.text
    return SlackMessage(text=text, blocks=[section(text)])


def qc_card(
    card: QcCard,
    *,
    shareable: bool = True,
    shared_by: str = "",
    photo_url: PhotoUrl | None = None,
) -> SlackMessage:
    title = " · ".join(card.po_numbers) or card.query.upper()
    blocks: list[Block] = [header(f"QC · {title}")]
    latest = card.latest
    if latest is None:
        text = f"No inspections of {card.query} yet."
        blocks.append(section(escape(text)))
    else:
        blocks.append(section(_verdict_line(latest, prefix="Latest: ")))
        for inspection in card.inspections:
            blocks.append(section(_inspection_text(inspection, photo_url)))
        if card.by_category:
            lines = "\n".join(f"• {escape(c)}: {n}" for c, n in card.by_category)
            blocks.append(section(f"*Defects by category*\n{lines}"))
        text = f"QC {title}: latest {latest.kind.value} {_word(latest)}"
    footer = [f"{len(card.inspections)} inspection(s)", "AQL per ISO 2859-1"]
    if shared_by:
        footer.append(f"shared by <@{shared_by}>")
    blocks.append(context(" · ".join(footer)))
    if shareable and latest is not None:
        blocks.append(actions("qc_card", button("Share in channel", QC_SHARE_ACTION, card.query)))
    return SlackMessage(text=text, blocks=blocks)


def _word(inspection: Inspection) -> str:
    return "passed" if inspection.passed else "failed"


def _verdict_line(inspection: Inspection, *, prefix: str = "") -> str:
    icon = "✅" if inspection.passed else "❌"
    return (
        f"{icon} {prefix}*{inspection.kind.value} {_word(inspection)}* · "
        f"{escape(inspection.order.number)} · {inspection.local_time:%d %b %Y %H:%M} "
        f"({escape(inspection.order.factory_name)})"
    )


def _inspection_text(inspection: Inspection, photo_url: PhotoUrl | None) -> str:
    lines = [
        _verdict_line(inspection),
        f"lot {inspection.lot_size:,} · sample {inspection.sample_size}"
        + (f" · inspector {escape(inspection.inspector)}" if inspection.inspector else ""),
    ]
    found = ", ".join(f"{s.severity.value} {s.found}/{s.plan.accept}" for s in inspection.lines)
    lines.append(f"found/accepted: {found}")
    if inspection.defects:
        lines.append(
            "defects: "
            + ", ".join(
                f"{escape(d.category)} ({d.severity.value}) ×{d.count}" for d in inspection.defects
            )
        )
    if inspection.photos:
        photos = [
            _photo(p, n, photo_url(p) if photo_url else None)
            for n, p in enumerate(inspection.photos, start=1)
        ]
        lines.append("photos: " + ", ".join(photos))
    if inspection.note:
        lines.append(f"_{escape(inspection.note)}_")
    return "\n".join(lines)


def _photo(photo: PhotoRef, number: int, url: str | None) -> str:
    """Chat photos stay with the platform that holds them: a signed link fetches one through
    wipbot; without a public URL the id finds it there."""
    if url is not None:
        return f"<{url}|📷 photo {number}>"
    where = PHOTO_LINKS.get(photo.platform, photo.platform)
    return f"📷 {where} `{escape(photo.file_id)}`"


def landed_card(cost: PoLandedCost, *, shareable: bool = True, shared_by: str = "") -> SlackMessage:
    currency = cost.currency
    blocks: list[Block] = [
        header(f"Landed cost · {cost.po_number}"),
        section(
            f"*{_money(cost.totals.landed_unit_cost)} {currency}* per unit landed · "
            f"FOB {_money(cost.totals.fob_unit_price)} + charges "
            f"{_money(cost.totals.charges_total)} over {cost.totals.units:,} units"
            + _margin(cost.totals.margin_per_unit, cost.totals.margin_pct, currency)
        ),
    ]
    rows = [f"{'Line':<22}{'FOB':>9}{'Landed':>9}{'Margin':>9}"]
    compared = cost.estimate is not None
    if compared:
        rows[0] += f"{'Est.':>9}{'Δ':>8}"
    for line in cost.lines:
        label = f"{line.style}/{line.colorway}"[:21]
        row = (
            f"{label:<22}{_money(line.fob_unit_price):>9}{_money(line.landed_unit_cost):>9}"
            f"{_pct(line.margin_pct):>9}"
        )
        if compared:
            gap = line.estimate_gap
            row += f"{_money(line.estimated_unit_cost):>9}{_signed(gap):>8}"
        rows.append(row)
    blocks.append(section("*Per unit, by line*\n```" + "\n".join(rows) + "```"))
    if cost.estimate is not None:
        gap = cost.totals.landed_unit_cost - cost.estimate.landed_unit_cost
        pending = ", ".join(k.value for k in cost.pending)
        blocks.append(
            section(
                f"*Estimate against actual*: estimated {_money(cost.estimate.landed_unit_cost)}, "
                f"now {_money(cost.totals.landed_unit_cost)} ({_signed(gap)} {currency} per unit)"
                + (f"\n_still on estimate: {pending}_" if pending else "\n_all charges actual_")
            )
        )
    if cost.charges:
        charges = "\n".join(
            f"• {c.kind.value} {_money(c.amount)} {c.currency} by {c.basis.value}"
            + (f" · {escape(c.reference)}" if c.reference else "")
            + f" · {c.stage}"
            for c in cost.charges
        )
        blocks.append(section(f"*Charges*\n{charges}"))
    else:
        blocks.append(section("No charges yet: the landed cost is the FOB price."))
    footer = [f"{cost.factory} · {cost.incoterm} · {currency}"]
    if shared_by:
        footer.append(f"shared by <@{shared_by}>")
    blocks.append(context(" · ".join(footer)))
    if shareable:
        blocks.append(
            actions("landed_card", button("Share in channel", LANDED_SHARE_ACTION, cost.po_number))
        )
    text = f"{cost.po_number}: landed {_money(cost.totals.landed_unit_cost)} {currency} per unit"
    return SlackMessage(text=text, blocks=blocks)


def _margin(per_unit: Decimal | None, pct: Decimal | None, currency: str) -> str:
    if per_unit is None:
        return " · no selling price, no margin"
    return f" · margin {_money(per_unit)} {currency} ({_pct(pct)})"


def _money(amount: Decimal | None) -> str:
    if amount is None:
        return "-"
    return f"{amount.quantize(CENTS):,.2f}"


def _signed(amount: Decimal | None) -> str:
    if amount is None:
        return "-"
    text = _money(abs(amount))
    return f"+{text}" if amount > 0 else (f"−{text}" if amount < 0 else text)


def _pct(pct: Decimal | None) -> str:
    return "-" if pct is None else f"{pct:.1f} %"
