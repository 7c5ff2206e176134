"""How long the risk scan's last judgement of a production order stands."""

from __future__ import annotations

from datetime import date

from sqlmodel import Field

from ._base import TableModel


class RiskJudgement(TableModel, table=True):
    """The periodic scan rejudges an order only when `inputs` (a fingerprint of everything the
    judgement and its alerts read) changed, or the day reached `stands_until` (the first day the
    engine's answer may differ). No foreign key: a row whose inputs no longer match is ignored."""

    __tablename__ = "risk_judgement"

    production_order_id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    judged_on: date
    stands_until: date
    inputs: str = Field(max_length=400)
