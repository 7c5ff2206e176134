"""A QC inspection reported in the factory chat: order, inline or final, lot size, then the
defects found by category and severity, with photos.

The contact never types a plan or a verdict: the sample size and the accept numbers (ISO 2859-1,
general level II) are shown as soon as the lot size is known, before counting, and the verdict
is worked out from the defects when the inspection is saved. A fail raises the `qc_failed`
alert and asks for the re-inspection once the rework is done; a pass resolves it.

The draft is a typed `QcDraft` (see `qc_state`), kept in the contact's conversation state while
the flow is `qc`, so a restart mid-inspection loses nothing.
"""

from __future__ import annotations

import copy

from wipbot.production.aql import Severity

from .chat_state import Flow
from .chat_text import N_
from .chat_turn import Turn
from .factory_orders import open_orders
from .i18n import format_number
from .messages import Button, Inbound, Reply
from .qc import PhotoRef, QcError, record_inspection
from .qc_state import QcDraft, QcStep

PREFIX = "qc:"
MAX_LOT = 500_000
MAX_COUNT = 10_000
CATEGORY_MAX = 60
COUNT_BUTTONS = (1, 2, 3, 5)


COMMON_DEFECTS: dict[str, tuple[str, str]] = {
    "open_seam": ("open seam", N_("Open seam")),
    "broken_stitch": ("broken stitch", N_("Broken stitch")),
    "skipped_stitch": ("skipped stitch", N_("Skipped stitch")),
    "stain": ("stain", N_("Stain")),
    "shade": ("shade variation", N_("Shade variation")),
    "measurement": ("measurement out of tolerance", N_("Measurement out of tolerance")),
    "wrong_label": ("wrong label", N_("Wrong label")),
    "hole": ("hole", N_("Hole")),
}
"""Button code -> (the category as stored, in English for every language; its label)."""
SEVERITY_WORDS = {
    Severity.CRITICAL: N_("Critical"),
    Severity.MAJOR: N_("Major"),
    Severity.MINOR: N_("Minor"),
}
KIND_WORDS = {"inline": N_("Inline"), "final": N_("Final")}


def in_flow(turn: Turn) -> bool:
    return turn.state.flow == Flow.QC


def owns(choice: str | None) -> bool:
    return bool(choice and choice.startswith(PREFIX))


def _draft(turn: Turn) -> QcDraft:
    """A working copy: the stored draft changes only when a step is kept."""
    return copy.deepcopy(turn.chat.qc) if turn.chat.qc is not None else QcDraft()


def _keep(turn: Turn, draft: QcDraft, step: QcStep | str) -> None:
    turn.chat.keep_qc(draft)
    turn.go(step, flow=Flow.QC)


async def begin(turn: Turn, *, order_id: int | None = None, kind: str = "") -> list[Reply]:
    """`/qc`: a new inspection; with an order (and kind) already known for a re-inspection."""
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
    turn.chat.restart()
    chosen = next((o for o in orders if o.id == order_id), None)
    if chosen is not None and chosen.id is not None:
        draft = QcDraft(order_id=chosen.id, order=chosen.number, quantity=chosen.quantity)
        if kind in KIND_WORDS:
            draft.kind = kind
            _keep(turn, draft, QcStep.LOT)
            return [_ask_lot(turn, draft)]
        _keep(turn, draft, QcStep.KIND)
        return [_ask_kind(turn, draft)]
    _keep(turn, QcDraft(), QcStep.ORDER)
    return [
        Reply(
            _("QC inspection for {factory}. Which production order?").format(
                factory=turn.factory.name
            ),
            tuple(Button(o.number, f"{PREFIX}o:{o.id}") for o in orders),
        )
    ]


async def route(turn: Turn, inbound: Inbound) -> list[Reply]:
    """A button, a photo or typed text while the inspection is under way (or a re-inspection
    button tapped after it ended)."""
    if inbound.choice:
        return await on_choice(turn, inbound.choice)
    if inbound.photo_file_id:
        return on_photo(turn, inbound.photo_file_id)
    if inbound.text and inbound.text.strip():
        return await on_text(turn, inbound.text.strip())
    return []


def cancel(turn: Turn) -> list[Reply]:
    _ = turn._
    turn.finish()
    return [Reply(_("Inspection stopped; nothing was saved. Send /qc to start again."))]


async def on_choice(turn: Turn, value: str) -> list[Reply]:
    _ = turn._
    step, _sep, arg = value.removeprefix(PREFIX).partition(":")
    if step == "r":
        order_id, _sep, kind = arg.partition(":")
        return await begin(turn, order_id=_int(order_id), kind=kind)
    if not in_flow(turn):
        return [Reply(_("This inspection has ended. Send /qc to report a new one."))]
    draft = _draft(turn)
    expected = {
        "o": QcStep.ORDER,
        "k": QcStep.KIND,
        "l": QcStep.LOT,
        "d": QcStep.DEFECTS,
        "s": QcStep.SEVERITY,
        "n": QcStep.COUNT,
    }
    if step == "c" and turn.step == QcStep.CHECK:
        if arg == "save":
            return await _save(turn, draft)
        _keep(turn, draft, QcStep.DEFECTS)
        return [_ask_defects(turn, draft)]
    if expected.get(step) != turn.step:
        stale = Reply(_("That button belongs to an earlier question. Here is the current one:"))
        return [stale, *await ask_current(turn)]
    if step == "o":
        orders = {o.id: o for o in await open_orders(turn.session, turn.contact.factory_id)}
        order = orders.get(_int(arg))
        if order is None or order.id is None:
            return await ask_current(turn)
        draft.order_id, draft.order, draft.quantity = order.id, order.number, order.quantity
        _keep(turn, draft, QcStep.KIND)
        return [_ask_kind(turn, draft)]
    if step == "k" and arg in KIND_WORDS:
        draft.kind = arg
        _keep(turn, draft, QcStep.LOT)
        return [_ask_lot(turn, draft)]
    if step == "l":
        return _set_lot(turn, draft, _int(arg))
    if step == "d":
        if arg == "done":
            _keep(turn, draft, QcStep.CHECK)
            return [_check(turn, draft)]
        if arg == "other":
            _keep(turn, draft, QcStep.OTHER)
            return [Reply(_("Name the defect, e.g. loose thread."))]
        if arg in COMMON_DEFECTS:
            draft.category = COMMON_DEFECTS[arg][0]
            _keep(turn, draft, QcStep.SEVERITY)
            return [_ask_severity(turn, draft)]
    if step == "s" and arg in {s.value for s in Severity}:
        draft.severity = arg
        _keep(turn, draft, QcStep.COUNT)
        return [_ask_count(turn, draft)]
    if step == "n":
        return _add_defect(turn, draft, _int(arg))
    return await ask_current(turn)


async def on_text(turn: Turn, text: str) -> list[Reply]:
    _ = turn._
    if not in_flow(turn):
        return await begin(turn)
    draft = _draft(turn)
    if turn.step == QcStep.LOT:
        return _set_lot(turn, draft, _int(text.replace(",", "").replace(" ", "")))
    if turn.step == QcStep.COUNT:
        return _add_defect(turn, draft, _int(text))
    if turn.step == QcStep.OTHER:
        draft.category = " ".join(text.lower().split())[:CATEGORY_MAX]
        _keep(turn, draft, QcStep.SEVERITY)
        return [_ask_severity(turn, draft)]
    return [Reply(_("Please tap one of the buttons below.")), *await ask_current(turn)]


def on_photo(turn: Turn, file_id: str) -> list[Reply]:
    _ = turn._
    if not in_flow(turn):
        return [Reply(_("This inspection has ended. Send /qc to report a new one."))]
    draft = _draft(turn)
    draft.photos.append(file_id)
    _keep(turn, draft, turn.step)
    return [Reply(_("Photo added to this inspection."))]


async def ask_current(turn: Turn) -> list[Reply]:
    draft = _draft(turn)
    if turn.step == QcStep.ORDER or draft.order_id is None:
        return await begin(turn)
    asks = {
        QcStep.KIND: _ask_kind,
        QcStep.LOT: _ask_lot,
        QcStep.DEFECTS: _ask_defects,
        QcStep.SEVERITY: _ask_severity,
        QcStep.COUNT: _ask_count,
        QcStep.CHECK: _check,
    }
    ask = asks.get(QcStep(turn.step)) if turn.step in asks else None
    if ask is None:
        return [Reply(turn._("Name the defect, e.g. loose thread."))]
    return [ask(turn, draft)]


def _ask_kind(turn: Turn, draft: QcDraft) -> Reply:
    _ = turn._
    return Reply(
        _("{order}: inline or final inspection?").format(order=draft.order),
        tuple(Button(_(word), f"{PREFIX}k:{kind}") for kind, word in KIND_WORDS.items()),
    )


def _ask_lot(turn: Turn, draft: QcDraft) -> Reply:
    _ = turn._
    return Reply(
        _("Lot size: how many pieces are offered for inspection? Tap or type a number."),
        (Button(format_number(draft.quantity, turn.language), f"{PREFIX}l:{draft.quantity}"),),
    )


def _set_lot(turn: Turn, draft: QcDraft, lot: int | None) -> list[Reply]:
    _ = turn._
    if lot is None or not 2 <= lot <= MAX_LOT:
        example = format_number(draft.quantity or 1200, turn.language)
        limit = format_number(MAX_LOT, turn.language)
        return [
            Reply(
                _("Please send the number of pieces, e.g. {example} (at most {limit}).").format(
                    example=example, limit=limit
                )
            ),
            _ask_lot(turn, draft),
        ]
    draft.lot = lot
    verdict = draft.verdict()
    accept = {s: verdict.plans[s].accept for s in Severity}
    _keep(turn, draft, QcStep.DEFECTS)
    plan = Reply(
        _(
            "Sample size: {sample} pieces. Accepted at most: critical {critical}, "
            "major {major}, minor {minor}."
        ).format(
            sample=format_number(verdict.sample_size, turn.language),
            critical=accept[Severity.CRITICAL],
            major=accept[Severity.MAJOR],
            minor=accept[Severity.MINOR],
        )
    )
    return [plan, _ask_defects(turn, draft)]


def _ask_defects(turn: Turn, draft: QcDraft) -> Reply:
    _ = turn._
    text = _("Check the sample, then tap each defect found. Tap Done when finished.")
    if draft.defects:
        text += "\n" + _defects_line(turn, draft)
    buttons = [
        Button(_(label), f"{PREFIX}d:{code}") for code, (_c, label) in COMMON_DEFECTS.items()
    ]
    buttons += [Button(_("Other"), f"{PREFIX}d:other"), Button(_("Done"), f"{PREFIX}d:done")]
    return Reply(text, tuple(buttons))


def _ask_severity(turn: Turn, draft: QcDraft) -> Reply:
    _ = turn._
    return Reply(
        _("{defect}: critical, major or minor?").format(defect=_category(turn, draft.category)),
        tuple(Button(_(word), f"{PREFIX}s:{s.value}") for s, word in SEVERITY_WORDS.items()),
    )


def _ask_count(turn: Turn, draft: QcDraft) -> Reply:
    _ = turn._
    return Reply(
        _("{defect}: how many pieces? Tap or type a number.").format(
            defect=_category(turn, draft.category)
        ),
        tuple(Button(str(n), f"{PREFIX}n:{n}") for n in COUNT_BUTTONS),
    )


def _add_defect(turn: Turn, draft: QcDraft, count: int | None) -> list[Reply]:
    _ = turn._
    limit = min(MAX_COUNT, (draft.verdict().sample_size if draft.lot else MAX_COUNT))
    if count is None or not 1 <= count <= limit:
        return [
            Reply(
                _("Please send the number of pieces, e.g. {example} (at most {limit}).").format(
                    example=2, limit=format_number(limit, turn.language)
                )
            ),
            _ask_count(turn, draft),
        ]
    draft.defects.append((draft.category, draft.severity, count))
    draft.category = draft.severity = ""
    _keep(turn, draft, QcStep.DEFECTS)
    return [_ask_defects(turn, draft)]


def _check(turn: Turn, draft: QcDraft) -> Reply:
    _ = turn._
    lot = format_number(draft.lot or 0, turn.language)
    lines = [
        _("Please check:"),
        f"{draft.order} · {_(KIND_WORDS[draft.kind])} · {lot}",
        _defects_line(turn, draft),
    ]
    if draft.photos:
        lines.append(
            _("Photos: {count}").format(count=format_number(len(draft.photos), turn.language))
        )
    return Reply(
        "\n".join(lines),
        (Button(_("Confirm"), f"{PREFIX}c:save"), Button(_("Back"), f"{PREFIX}c:back")),
    )


async def _save(turn: Turn, draft: QcDraft) -> list[Reply]:
    _ = turn._
    assert draft.lot is not None
    try:
        result = await record_inspection(
            turn.session,
            brand_id=turn.factory.brand_id,
            production_order_number=draft.order,
            kind=draft.kind,
            lot_size=draft.lot,
            defects=list(draft.found),
            inspector=turn.contact.name,
            inspected_at=turn.now,
            photos=[PhotoRef(turn.contact.platform, p) for p in draft.photos],
        )
    except QcError:
        return [Reply(_("This inspection has ended. Send /qc to report a new one."))]
    turn.finish()
    verdict = result.inspection.verdict
    kind = _(KIND_WORDS[draft.kind])
    sample = format_number(verdict.sample_size, turn.language)
    if result.passed:
        return [
            Reply(
                _("PASS: {order}, {kind} inspection, sample {sample}. Thank you!").format(
                    order=draft.order, kind=kind, sample=sample
                )
            )
        ]
    over = ", ".join(
        f"{_(SEVERITY_WORDS[s])} {verdict.found[s]} > {verdict.plans[s].accept}"
        for s in Severity
        if verdict.found[s] > verdict.plans[s].accept
    )
    return [
        Reply(
            _("FAIL: {order}, {kind} inspection, sample {sample}. Over the limit: {over}.").format(
                order=draft.order, kind=kind, sample=sample, over=over
            )
        ),
        Reply(
            _("The order goes into rework. When the rework is done, report the re-inspection:"),
            (Button(_("Report re-inspection"), f"{PREFIX}r:{draft.order_id}:{draft.kind}"),),
        ),
    ]


def _defects_line(turn: Turn, draft: QcDraft) -> str:
    _ = turn._
    if not draft.found:
        return _("Defects: none")
    listed = ", ".join(
        f"{_category(turn, d.category)} ({_(SEVERITY_WORDS[d.severity])}) ×{d.count}"
        for d in draft.found
    )
    return _("Defects: {defects}").format(defects=listed)


def _category(turn: Turn, category: str) -> str:
    """The common categories in the contact's language; others as typed."""
    for stored, label in COMMON_DEFECTS.values():
        if stored == category:
            return turn._(label)
    return category


def _int(text: str) -> int | None:
    """ASCII digits only: str.isdigit() also admits "²" and "①", which int() then refuses."""
    text = text.strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 7 else None
