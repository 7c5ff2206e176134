"""QC inspections (inline or final) and the defects they found."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlmodel import Field

from . import orders  # noqa: F401  (the tables our foreign keys name, defined first)
from ._base import TableModel
from .widths import PHOTO_FILE_ID


class QcInspection(TableModel, table=True):
    __tablename__ = "qc_inspection"

    id: int | None = Field(default=None, primary_key=True)
    production_order_id: int = Field(foreign_key="production_order.id", index=True)
    kind: str = Field(default="final", max_length=8)
    inspected_at: datetime
    inspector: str = Field(default="", max_length=120)
    lot_size: int
    level: str = Field(default="II", max_length=4)
    aql_critical: Decimal = Field(default=Decimal("0"), max_digits=6, decimal_places=3)
    aql_major: Decimal = Field(default=Decimal("2.5"), max_digits=6, decimal_places=3)
    aql_minor: Decimal = Field(default=Decimal("4.0"), max_digits=6, decimal_places=3)
    sample_size: int
    passed: bool
    note: str = Field(default="", max_length=2000)


class QcDefect(TableModel, table=True):
    __tablename__ = "qc_defect"

    id: int | None = Field(default=None, primary_key=True)
    inspection_id: int = Field(foreign_key="qc_inspection.id", index=True)
    category: str = Field(max_length=60)
    severity: str = Field(max_length=8)
    count: int


class QcPhoto(TableModel, table=True):
    """A photo sent with an inspection: the chat platform keeps the file, we keep its id."""

    __tablename__ = "qc_photo"

    id: int | None = Field(default=None, primary_key=True)
    inspection_id: int = Field(foreign_key="qc_inspection.id", index=True)
    platform: str = Field(max_length=16)
    file_id: str = Field(max_length=PHOTO_FILE_ID)
