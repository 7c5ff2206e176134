"""Photos sent with a check-in, kept as the platform's file ids."""

from __future__ import annotations

from sqlmodel import Field

from . import checkin  # noqa: F401  (the tables our foreign keys name, defined first)
from ._base import TableModel
from .widths import PHOTO_FILE_ID


class CheckInPhoto(TableModel, table=True):
    __tablename__ = "checkin_photo"

    id: int | None = Field(default=None, primary_key=True)
    checkin_id: int = Field(foreign_key="checkin.id", index=True)
    platform: str = Field(max_length=16)
    file_id: str = Field(max_length=PHOTO_FILE_ID)
