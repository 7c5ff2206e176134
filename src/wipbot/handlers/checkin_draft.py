"""A check-in being composed: what the contact has answered so far, as JSON-safe data.

The draft lives in `ConversationState.data["draft"]` between messages, so a contact can answer
hours later (or after a restart) and pick up where they were. `CheckinDraft` is the finished,
validated form that `record_checkin` saves.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from wipbot.production.milestones import IssueFlag, Milestone
from wipbot.production.progress import ReportedIssue

EXF_KEEP = "keep"
NOT_STARTED = "not_started"
"""The draft's milestone when the contact answered "not started yet" (materials not in)."""


@dataclass(frozen=True)
class CheckinDraft:
    """A complete answer about one production order.

    `milestone` is None for "not started yet". `quantity` counts pieces of the milestone's own
    stage (cut for cutting, sewn for sewing, ...). `revised_exf` is None when the contact said
    the current ex-factory date still holds. `shipped_on` is the day the goods left, when the
    contact said it.
    """

    milestone: Milestone | None
    quantity: int | None = None
    issues: tuple[ReportedIssue, ...] = ()
    revised_exf: date | None = None
    note: str = ""
    photos: tuple[str, ...] = ()
    shipped_on: date | None = None

    def __post_init__(self) -> None:
        if self.quantity is not None and self.quantity < 0:
            raise ValueError(f"quantity must not be negative, got {self.quantity}")


def empty_draft() -> dict[str, Any]:
    return {
        "milestone": None,
        "quantity": None,
        "issues": [],
        "note": "",
        "exf": None,
        "photos": [],
        "shipped_on": None,
    }


def milestone_of(data: dict[str, Any]) -> Milestone | None:
    """The stage answered so far; None for "not started yet" and for no answer yet."""
    value = data.get("milestone")
    return Milestone(value) if value and value != NOT_STARTED else None


def milestone_value(milestone: Milestone | None) -> str:
    return NOT_STARTED if milestone is None else milestone.value


def draft_issues(data: dict[str, Any]) -> list[dict[str, Any]]:
    return list(data.get("issues") or [])


def issue_flags(data: dict[str, Any]) -> list[str]:
    return [str(issue["flag"]) for issue in draft_issues(data)]


def draft_to_data(draft: CheckinDraft) -> dict[str, Any]:
    return {
        "milestone": milestone_value(draft.milestone),
        "quantity": draft.quantity,
        "issues": [{"flag": i.flag.value, "delay_days": i.delay_days} for i in draft.issues],
        "note": draft.note,
        "exf": draft.revised_exf.isoformat() if draft.revised_exf else None,
        "photos": list(draft.photos),
        "shipped_on": draft.shipped_on.isoformat() if draft.shipped_on else None,
    }


def draft_from_data(data: dict[str, Any]) -> CheckinDraft:
    """The finished draft; raises ValueError when the milestone was never answered."""
    milestone = data.get("milestone")
    if not milestone:
        raise ValueError("a check-in needs a milestone")
    exf = data.get("exf")
    shipped_on = data.get("shipped_on")
    return CheckinDraft(
        milestone=milestone_of(data),
        quantity=data.get("quantity"),
        issues=tuple(
            ReportedIssue(flag=IssueFlag(i["flag"]), delay_days=i.get("delay_days"))
            for i in draft_issues(data)
        ),
        revised_exf=date.fromisoformat(exf) if exf and exf != EXF_KEEP else None,
        note=str(data.get("note") or ""),
        photos=tuple(str(p) for p in data.get("photos") or ()),
        shipped_on=date.fromisoformat(shipped_on) if shipped_on else None,
    )
