"""`/qc PO` and `/landed PO`: the answers a brand member asks for in Slack, platform-free.

Both are for the brand's own people only: a workspace member who is not one of the brand's
members is refused, however the workspace is connected.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlmodel.ext.asyncio.session import AsyncSession

from wipbot.store.brands import member_role
from wipbot.store.models import Brand

from .landed_cost import LandedCostError, PoLandedCost, landed_cost
from .qc import Inspection, QcError, inspection_history


@dataclass(frozen=True)
class Refused:
    """The asker is not a member of the brand; the text says whom to ask."""

    text: str


@dataclass(frozen=True)
class Usage:
    command: str
    example: str


@dataclass(frozen=True)
class NotFound:
    text: str


@dataclass(frozen=True)
class QcCard:
    query: str
    inspections: tuple[Inspection, ...]

    @property
    def po_numbers(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(i.order.po_number for i in self.inspections))

    @property
    def by_category(self) -> tuple[tuple[str, int], ...]:
        """Defects found over every inspection, commonest category first."""
        counts: Counter[str] = Counter()
        for inspection in self.inspections:
            for defect in inspection.defects:
                counts[defect.category] += defect.count
        return tuple(sorted(counts.items(), key=lambda item: (-item[1], item[0])))

    @property
    def latest(self) -> Inspection | None:
        return self.inspections[-1] if self.inspections else None


@dataclass(frozen=True)
class LandedCard:
    cost: PoLandedCost


QcAnswer = Refused | Usage | NotFound | QcCard
LandedAnswer = Refused | Usage | NotFound | LandedCard


async def refusal(session: AsyncSession, brand: Brand, slack_user_id: str) -> Refused | None:
    """None when the user is one of the brand's members."""
    assert brand.id is not None
    if await member_role(session, brand.id, slack_user_id) is not None:
        return None
    return Refused(
        f"Only members of {brand.name} can see its QC and costs. An admin can add you with "
        f"`wipbot brand member '{brand.name}' {slack_user_id} --role viewer`."
    )


async def answer_qc(session: AsyncSession, brand: Brand, user: str, text: str) -> QcAnswer:
    refused = await refusal(session, brand, user)
    if refused is not None:
        return refused
    number = text.strip()
    if not number or len(number.split()) > 1:
        return Usage("/qc", "/qc PO-1042")
    assert brand.id is not None
    try:
        history = await inspection_history(session, brand.id, number)
    except QcError as error:
        return NotFound(_sentence(str(error)))
    return QcCard(number, tuple(history))


async def answer_landed(session: AsyncSession, brand: Brand, user: str, text: str) -> LandedAnswer:
    refused = await refusal(session, brand, user)
    if refused is not None:
        return refused
    number = text.strip()
    if not number or len(number.split()) > 1:
        return Usage("/landed", "/landed PO-1042")
    assert brand.id is not None
    try:
        return LandedCard(await landed_cost(session, brand.id, number))
    except LandedCostError as error:
        return NotFound(_sentence(str(error)))


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


__all__ = [
    "LandedAnswer",
    "LandedCard",
    "NotFound",
    "QcAnswer",
    "QcCard",
    "Refused",
    "Usage",
    "answer_landed",
    "answer_qc",
]
