from __future__ import annotations

from datetime import UTC, datetime

import pytest

from wipbot.production.gates import (
    ChecklistEntry,
    GateDecisionError,
    GateItem,
    GateRefusal,
    GateStatus,
    can_request,
    check_decision,
    is_gate_breach,
    missing_items,
)
from wipbot.production.milestones import Milestone
from wipbot.production.roles import Role, parse_role

AT = datetime(2025, 3, 4, 9, 30, tzinfo=UTC)
COMPLETE = tuple(ChecklistEntry(item, True, "ana", AT) for item in GateItem)
NO_BOM = tuple(e for e in COMPLETE if e.item != GateItem.BOM_SIGNED_OFF)


@pytest.mark.parametrize(
    ("role", "other", "expected"),
    [
        (Role.VIEWER, Role.VIEWER, True),
        (Role.VIEWER, Role.MERCHANDISER, False),
        (Role.MERCHANDISER, Role.APPROVER, False),
        (Role.APPROVER, Role.APPROVER, True),
        (Role.APPROVER, Role.ADMIN, False),
        (Role.ADMIN, Role.APPROVER, True),
        (Role.ADMIN, Role.VIEWER, True),
        (Role.MERCHANDISER, Role.VIEWER, True),
    ],
)
def test_role_at_least(role: Role, other: Role, expected: bool) -> None:
    assert role.at_least(other) is expected


@pytest.mark.parametrize(("text", "role"), [(" Admin ", Role.ADMIN), ("viewer", Role.VIEWER)])
def test_parse_role(text: str, role: Role) -> None:
    assert parse_role(text) is role


def test_parse_role_refuses_unknown() -> None:
    with pytest.raises(ValueError, match="unknown role 'boss'"):
        parse_role("boss")


@pytest.mark.parametrize(
    ("item", "label"),
    [
        (GateItem.GOLDEN_SAMPLE_SEALED, "Golden sample approved and sealed"),
        (GateItem.TECH_PACK_SIGNED_OFF, "Production-ready tech pack signed off"),
        (GateItem.BOM_SIGNED_OFF, "BOM signed off"),
        (GateItem.FIT_COMMENTS_CAPTURED, "Fit comments captured in writing"),
    ],
)
def test_item_labels(item: GateItem, label: str) -> None:
    assert item.label == label


@pytest.mark.parametrize(
    ("checklist", "missing"),
    [
        ((), tuple(GateItem)),
        (COMPLETE, ()),
        (NO_BOM, (GateItem.BOM_SIGNED_OFF,)),
        (
            (ChecklistEntry(GateItem.FIT_COMMENTS_CAPTURED, True, "ana", AT),),
            (
                GateItem.GOLDEN_SAMPLE_SEALED,
                GateItem.TECH_PACK_SIGNED_OFF,
                GateItem.BOM_SIGNED_OFF,
            ),
        ),
        (
            (*COMPLETE, ChecklistEntry(GateItem.GOLDEN_SAMPLE_SEALED, False, "bo", AT)),
            (GateItem.GOLDEN_SAMPLE_SEALED,),
        ),
        ((*NO_BOM, ChecklistEntry(GateItem.BOM_SIGNED_OFF, True, "bo", AT)), ()),
    ],
)
def test_missing_items(
    checklist: tuple[ChecklistEntry, ...], missing: tuple[GateItem, ...]
) -> None:
    assert missing_items(checklist) == missing


def test_checklist_times_must_be_aware() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        ChecklistEntry(GateItem.BOM_SIGNED_OFF, True, "ana", datetime(2025, 3, 4, 9, 30))


@pytest.mark.parametrize(
    ("status", "allowed"),
    [
        (GateStatus.OPEN, True),
        (GateStatus.REQUESTED, False),
        (GateStatus.APPROVED, False),
        (GateStatus.REJECTED, True),
    ],
)
def test_can_request(status: GateStatus, allowed: bool) -> None:
    assert can_request(status) is allowed


@pytest.mark.parametrize(
    ("approve", "status", "checklist", "role", "reason", "refusal"),
    [
        (True, GateStatus.REQUESTED, COMPLETE, Role.APPROVER, None, None),
        (True, GateStatus.OPEN, COMPLETE, Role.APPROVER, None, None),
        (True, GateStatus.REQUESTED, COMPLETE, Role.ADMIN, None, None),
        (False, GateStatus.REQUESTED, COMPLETE, Role.APPROVER, "shade off", None),
        (False, GateStatus.REQUESTED, NO_BOM, Role.APPROVER, "BOM missing", None),
        (True, GateStatus.REQUESTED, NO_BOM, Role.ADMIN, "BOM agreed by phone", None),
        (True, GateStatus.REQUESTED, COMPLETE, Role.MERCHANDISER, None, GateRefusal.NOT_APPROVER),
        (False, GateStatus.REQUESTED, COMPLETE, Role.VIEWER, "no", GateRefusal.NOT_APPROVER),
        (True, GateStatus.APPROVED, COMPLETE, Role.APPROVER, None, GateRefusal.ALREADY_DECIDED),
        (False, GateStatus.APPROVED, COMPLETE, Role.ADMIN, "x", GateRefusal.ALREADY_DECIDED),
        (True, GateStatus.REJECTED, COMPLETE, Role.APPROVER, None, GateRefusal.ALREADY_DECIDED),
        (True, GateStatus.REQUESTED, NO_BOM, Role.APPROVER, None, GateRefusal.CHECKLIST_INCOMPLETE),
        (True, GateStatus.REQUESTED, NO_BOM, Role.APPROVER, "ok", GateRefusal.CHECKLIST_INCOMPLETE),
        (True, GateStatus.REQUESTED, NO_BOM, Role.ADMIN, None, GateRefusal.CHECKLIST_INCOMPLETE),
        (True, GateStatus.REQUESTED, NO_BOM, Role.ADMIN, "   ", GateRefusal.CHECKLIST_INCOMPLETE),
        (True, GateStatus.REQUESTED, (), Role.APPROVER, None, GateRefusal.CHECKLIST_INCOMPLETE),
        (False, GateStatus.REQUESTED, COMPLETE, Role.APPROVER, None, GateRefusal.REASON_REQUIRED),
        (False, GateStatus.REQUESTED, COMPLETE, Role.ADMIN, " ", GateRefusal.REASON_REQUIRED),
    ],
)
def test_check_decision(
    approve: bool,
    status: GateStatus,
    checklist: tuple[ChecklistEntry, ...],
    role: Role,
    reason: str | None,
    refusal: GateRefusal | None,
) -> None:
    def decide() -> None:
        check_decision(
            approve=approve, status=status, checklist=checklist, role=role, reason=reason
        )

    if refusal is None:
        decide()
    else:
        with pytest.raises(GateDecisionError) as caught:
            decide()
        assert caught.value.reason == refusal


def test_incomplete_checklist_message_names_the_missing_items() -> None:
    with pytest.raises(GateDecisionError, match="BOM signed off") as caught:
        check_decision(
            approve=True,
            status=GateStatus.REQUESTED,
            checklist=NO_BOM,
            role=Role.APPROVER,
            reason=None,
        )
    assert caught.value.reason == "checklist_incomplete"
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize(
    ("status", "milestone", "breach"),
    [
        (GateStatus.OPEN, Milestone.MATERIALS_IN, False),
        (GateStatus.REQUESTED, Milestone.MATERIALS_IN, False),
        (GateStatus.OPEN, Milestone.CUTTING, True),
        (GateStatus.REQUESTED, Milestone.CUTTING, True),
        (GateStatus.REJECTED, Milestone.SEWING, True),
        (GateStatus.REQUESTED, Milestone.SHIPPED, True),
        (GateStatus.APPROVED, Milestone.MATERIALS_IN, False),
        (GateStatus.APPROVED, Milestone.CUTTING, False),
        (GateStatus.APPROVED, Milestone.FINISHING, False),
        (GateStatus.APPROVED, Milestone.SHIPPED, False),
    ],
)
def test_is_gate_breach(status: GateStatus, milestone: Milestone, breach: bool) -> None:
    assert is_gate_breach(status, milestone) is breach
