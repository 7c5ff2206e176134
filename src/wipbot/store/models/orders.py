"""What the brand buys (POs and lines) and the factory work that fulfils it."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlmodel import Field, UniqueConstraint

from . import brand, factory  # noqa: F401  (the tables our foreign keys name, defined first)
from ._base import TableModel, created_at_field, money_field

PO_NUMBER_WIDTH = 40


class Style(TableModel, table=True):
    __tablename__ = "style"
    __table_args__ = (UniqueConstraint("brand_id", "code"),)

    id: int | None = Field(default=None, primary_key=True)
    brand_id: int = Field(foreign_key="brand.id", index=True)
    code: str = Field(max_length=40)
    name: str = Field(default="", max_length=160)
    category: str = Field(default="", max_length=60)
    season: str = Field(default="", max_length=16)


class PurchaseOrder(TableModel, table=True):
    __tablename__ = "purchase_order"
    __table_args__ = (UniqueConstraint("brand_id", "po_number"),)

    id: int | None = Field(default=None, primary_key=True)
    brand_id: int = Field(foreign_key="brand.id", index=True)
    po_number: str = Field(max_length=PO_NUMBER_WIDTH)
    factory_id: int = Field(foreign_key="factory.id", index=True)
    status: str = Field(default="open", max_length=16)
    incoterm: str = Field(default="FOB", max_length=8)
    currency: str = Field(default="USD", max_length=3)
    committed_exf: date
    in_dc_date: date | None = None
    created_at: datetime = created_at_field()


class PurchaseOrderLine(TableModel, table=True):
    __tablename__ = "purchase_order_line"
    __table_args__ = (UniqueConstraint("po_id", "style_id", "colorway"),)

    id: int | None = Field(default=None, primary_key=True)
    po_id: int = Field(foreign_key="purchase_order.id", index=True)
    style_id: int = Field(foreign_key="style.id", index=True)
    colorway: str = Field(max_length=60)
    quantity: int
    unit_price: Decimal = money_field()
    selling_price: Decimal | None = money_field(nullable=True)
    production_order_id: int | None = Field(
        default=None, foreign_key="production_order.id", index=True
    )
    """The production order that makes this line (None for lines imported before it was kept)."""


class ProductionOrder(TableModel, table=True):
    """Factory-side work for all or part of a PO; carries the plan, the gate and the progress."""

    __tablename__ = "production_order"
    __table_args__ = (UniqueConstraint("po_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    po_id: int = Field(foreign_key="purchase_order.id", index=True)
    factory_id: int = Field(foreign_key="factory.id", index=True)
    number: str = Field(max_length=48)
    quantity: int
    status: str = Field(default="open", max_length=16)
    created_at: datetime = created_at_field()


class TnaMilestone(TableModel, table=True):
    """One planned date of the time-and-action calendar of a production order."""

    __tablename__ = "tna_milestone"
    __table_args__ = (UniqueConstraint("production_order_id", "milestone"),)

    id: int | None = Field(default=None, primary_key=True)
    production_order_id: int = Field(foreign_key="production_order.id", index=True)
    milestone: str = Field(max_length=16)
    planned_date: date
    derived: bool = False
