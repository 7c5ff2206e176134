"""The sample-to-bulk gate: bulk work starts only once the approved sample is locked down.

Without a sealed golden sample, a signed-off tech pack and BOM, and written fit comments, the
factory cuts against something nobody can later hold it to; that is why bulk reported before
approval is a breach, and why only an admin, with a written reason, may approve past a gap.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from wipbot.production.milestones import Milestone
from wipbot.production.roles import Role


class GateItem(StrEnum):
    GOLDEN_SAMPLE_SEALED = "golden_sample_sealed"
    TECH_PACK_SIGNED_OFF = "tech_pack_signed_off"
    BOM_SIGNED_OFF = "bom_signed_off"
    FIT_COMMENTS_CAPTURED = "fit_comments_captured"

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS: dict[GateItem, str] = {
    GateItem.GOLDEN_SAMPLE_SEALED: "Golden sample approved and sealed",
    GateItem.TECH_PACK_SIGNED_OFF: "Production-ready tech pack signed off",
    GateItem.BOM_SIGNED_OFF: "BOM signed off",
    GateItem.FIT_COMMENTS_CAPTURED: "Fit comments captured in writing",
}


class GateStatus(StrEnum):
    OPEN = "open"
    REQUESTED = "requested"
    APPROVED = "approved"
    REJECTED = "rejected"


DECIDED: frozenset[GateStatus] = frozenset({GateStatus.APPROVED, GateStatus.REJECTED})


@dataclass(frozen=True)
class ChecklistEntry:
    item: GateItem
    done: bool
    by: str | None = None
    at: datetime | None = None

    def __post_init__(self) -> None:
        if self.at is not None and self.at.tzinfo is None:
            raise ValueError(f"checklist time for {self.item.value} must be timezone-aware")


class GateRefusal(StrEnum):
    NOT_APPROVER = "not_approver"
    ALREADY_DECIDED = "already_decided"
    CHECKLIST_INCOMPLETE = "checklist_incomplete"
    REASON_REQUIRED = "reason_required"


class GateDecisionError(ValueError):
    def __init__(self, reason: GateRefusal, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def missing_items(checklist: Sequence[ChecklistEntry]) -> tuple[GateItem, ...]:
    """Items not done, in checklist order; a later entry for an item overrides an earlier one."""
    done = {entry.item: entry.done for entry in checklist}
    return tuple(item for item in GateItem if not done.get(item, False))


def can_request(status: GateStatus) -> bool:
    """A rejected gate goes back to requested once the factory has fixed what was wrong."""
    return status in (GateStatus.OPEN, GateStatus.REJECTED)


def check_decision(
    *,
    approve: bool,
    status: GateStatus,
    checklist: Sequence[ChecklistEntry],
    role: Role,
    reason: str | None,
) -> None:
    """Raise GateDecisionError when this decision is not allowed; return None when it is."""
    role, status = Role(role), GateStatus(status)
    has_reason = bool(reason and reason.strip())
    if not role.at_least(Role.APPROVER):
        raise GateDecisionError(
            GateRefusal.NOT_APPROVER, f"only approvers decide gates; your role is {role.value}"
        )
    if status in DECIDED:
        raise GateDecisionError(GateRefusal.ALREADY_DECIDED, f"this gate is already {status.value}")
    if not approve and not has_reason:
        raise GateDecisionError(
            GateRefusal.REASON_REQUIRED, "a rejection needs a reason the factory can act on"
        )
    missing = missing_items(checklist)
    if approve and missing and not (role == Role.ADMIN and has_reason):
        labels = "; ".join(item.label for item in missing)
        raise GateDecisionError(
            GateRefusal.CHECKLIST_INCOMPLETE,
            f"checklist incomplete: {labels}. Only an admin with a reason may approve anyway",
        )


def is_gate_breach(status: GateStatus, milestone: Milestone) -> bool:
    return milestone.is_bulk and GateStatus(status) != GateStatus.APPROVED
