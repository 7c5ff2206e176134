"""Charges that turn a FOB price into a landed cost."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlmodel import Field

from . import orders  # noqa: F401  (the tables our foreign keys name, defined first)
from ._base import TableModel, created_at_field, money_field


class LandedCharge(TableModel, table=True):
    __tablename__ = "landed_charge"

    id: int | None = Field(default=None, primary_key=True)
    po_id: int = Field(foreign_key="purchase_order.id", index=True)
    kind: str = Field(max_length=16)
    amount: Decimal = money_field()
    currency: str = Field(default="USD", max_length=3)
    basis: str = Field(default="value", max_length=8)
    reference: str = Field(default="", max_length=120)
    stage: str = Field(default="actual", max_length=8)
    """`estimate` while costing, `actual` once the invoice arrives."""
    created_at: datetime = created_at_field()
