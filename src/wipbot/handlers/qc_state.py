"""Where a contact is in reporting a QC inspection: the steps and the draft inspection.

Stored under `qc` in `ConversationState.data` while the flow is `qc`, so a restart
mid-inspection loses nothing; the step itself is `ConversationState.step`, one of `QcStep`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from wipbot.production.aql import InspectionVerdict, Severity, judge
from wipbot.store.importing.qc import DefectCount, found_by_severity, merge_defects


class QcStep(StrEnum):
    ORDER = "order"
    KIND = "kind"
    LOT = "lot"
    DEFECTS = "defects"
    OTHER = "other"
    SEVERITY = "severity"
    COUNT = "count"
    CHECK = "check"


@dataclass
class QcDraft:
    """What the contact has told so far about the inspection under way."""

    order_id: int | None = None
    order: str = ""
    quantity: int = 0
    kind: str = ""
    lot: int | None = None
    defects: list[tuple[str, str, int]] = field(default_factory=list)
    category: str = ""
    severity: str = ""
    photos: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "order_id": self.order_id,
            "order": self.order,
            "quantity": self.quantity,
            "kind": self.kind,
            "lot": self.lot,
            "defects": [list(d) for d in self.defects],
            "category": self.category,
            "severity": self.severity,
            "photos": list(self.photos),
        }

    @staticmethod
    def from_json(data: Mapping[str, Any] | None) -> QcDraft:
        data = data or {}
        return QcDraft(
            order_id=data.get("order_id"),
            order=str(data.get("order", "")),
            quantity=int(data.get("quantity") or 0),
            kind=str(data.get("kind", "")),
            lot=data.get("lot"),
            defects=[(str(c), str(s), int(n)) for c, s, n in data.get("defects", [])],
            category=str(data.get("category", "")),
            severity=str(data.get("severity", "")),
            photos=[str(p) for p in data.get("photos", [])],
        )

    @property
    def found(self) -> tuple[DefectCount, ...]:
        return merge_defects(DefectCount(c, Severity(s), n) for c, s, n in self.defects)

    def verdict(self) -> InspectionVerdict:
        assert self.lot is not None
        return judge(self.lot, found_by_severity(self.found))
