"""`/po`: a PO's status, the late list, a factory's WIP, always within one brand."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from datetime import date

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from wipbot.production.language import prepare_text
from wipbot.production.milestones import Milestone
from wipbot.production.risk import RiskStatus
from wipbot.store.models import Factory
from wipbot.store.wip import PoStatus, close_matches, matching_factories, po_status, wip_board

LIST_LIMIT = 20
FINISHED_PO_STATUSES = frozenset({"cancelled", "closed", "shipped"})


@dataclass(frozen=True)
class PoHelp:
    """What /po can do; shown for a bare /po or anything it does not understand."""

    commands: tuple[tuple[str, str], ...] = (
        ("/po PO-1042", "status card of one PO (or one production order)"),
        ("/po late", "late and at-risk POs, most urgent first"),
        ("/po factory NAME", "work in progress at one factory"),
        ("/qc PO-1042", "QC inspections of a PO: verdicts, defects, photos"),
        ("/landed PO-1042", "landed cost and margin per line of a PO"),
        ("/gate PO-1042", "request a sample-to-bulk gate approval"),
        ("/digest on", "the Monday digest in this channel"),
    )


@dataclass(frozen=True)
class PoCard:
    status: PoStatus


@dataclass(frozen=True)
class PoList:
    title: str
    statuses: tuple[PoStatus, ...]
    total: int
    empty_text: str


@dataclass(frozen=True)
class PoNotFound:
    query: str
    suggestions: tuple[str, ...]
    what: str = "PO"


PoAnswer = PoHelp | PoCard | PoList | PoNotFound


async def answer_po(session: AsyncSession, brand_id: int, text: str, *, today: date) -> PoAnswer:
    # Cleaned as chat text is: a phone keyboard's full-width "ＰＯ－１０４２" is PO-1042.
    words = prepare_text(text).split()
    if not words or words[0].lower() in {"help", "?"}:
        return PoHelp()
    head = words[0].lower()
    if head == "late" and len(words) == 1:
        return await late_list(session, brand_id, today=today)
    if head == "factory":
        if len(words) == 1:
            return PoHelp()
        return await factory_list(session, brand_id, " ".join(words[1:]), today=today)
    number = " ".join(words)
    status = await po_status(session, brand_id, number, today=today)
    if status is None:
        return PoNotFound(number, tuple(await close_matches(session, brand_id, number)))
    return PoCard(status)


async def late_list(session: AsyncSession, brand_id: int, *, today: date) -> PoList:
    board = await wip_board(session, brand_id, today=today)
    urgent = [
        s
        for s in board
        if in_progress(s) and s.risk.status in (RiskStatus.LATE, RiskStatus.AT_RISK)
    ]
    return PoList(
        title="Late and at-risk POs",
        statuses=tuple(urgent[:LIST_LIMIT]),
        total=len(urgent),
        empty_text="Nothing late or at risk. 🎉",
    )


async def factory_list(
    session: AsyncSession, brand_id: int, query: str, *, today: date
) -> PoList | PoNotFound:
    factories = await matching_factories(session, brand_id, query)
    if not factories:
        names = (await session.exec(select(Factory.name).where(Factory.brand_id == brand_id))).all()
        suggestions = difflib.get_close_matches(query, list(names), n=5, cutoff=0.3)
        return PoNotFound(query, tuple(suggestions), what="factory")
    board = [s for s in await wip_board(session, brand_id, today=today, factory=query)]
    wip = [s for s in board if in_progress(s)]
    names = ", ".join(f.name for f in factories)
    return PoList(
        title=f"Work in progress at {names}",
        statuses=tuple(wip[:LIST_LIMIT]),
        total=len(wip),
        empty_text=f"No open POs at {names}.",
    )


def in_progress(status: PoStatus) -> bool:
    """Open and not yet shipped: what a production manager still has to watch."""
    if status.status.lower() in FINISHED_PO_STATUSES:
        return False
    return status.current_milestone is not Milestone.SHIPPED
