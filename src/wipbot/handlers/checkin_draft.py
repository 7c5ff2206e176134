"""A check-in being composed: what the contact has answered so far about one order.

`DraftAnswers` lives in `ConversationState.data["draft"]` between messages, so a contact can
answer hours later (or after a restart) and pick up where they were. `CheckinDraft` is the
finished, validated form that `record_checkin` saves.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from wipbot.production.milestones import IssueFlag, Milestone
from wipbot.production.progress import ReportedIssue

from .state_json import stored_shape

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


def milestone_of(value: str | None) -> Milestone | None:
    """The stage of a draft's milestone value; None for "not started yet" and for no answer."""
    return Milestone(value) if value and value != NOT_STARTED else None


def milestone_value(milestone: Milestone | None) -> str:
    return NOT_STARTED if milestone is None else milestone.value


@dataclass
class IssueAnswer:
    """An issue ticked in the conversation; the delay is asked for after the issues."""

    flag: str
    delay_days: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {"flag": self.flag, "delay_days": self.delay_days}

    @staticmethod
    def from_json(data: Mapping[str, Any]) -> IssueAnswer:
        return IssueAnswer(flag=data["flag"], delay_days=data.get("delay_days"))


DRAFT_DEFAULTS: dict[str, Any] = {
    "milestone": None,
    "quantity": None,
    "issues": [],
    "note": "",
    "exf": None,
    "photos": [],
    "shipped_on": None,
}
"""The draft's JSON keys in the order they are stored, with the value of a fresh draft."""


@dataclass
class DraftAnswers:
    """The answers so far about the order being asked about, as stored under `draft`.

    `milestone` is a `Milestone` value or `NOT_STARTED`; `exf` is an ISO date or `EXF_KEEP`
    (the date holds); `shipped_on` is an ISO date. Values stay as stored, so a draft written by
    any earlier version reads back unchanged.
    """

    milestone: str | None = None
    quantity: int | None = None
    issues: list[IssueAnswer] = field(default_factory=list)
    note: str = ""
    exf: str | None = None
    photos: list[str] = field(default_factory=list)
    shipped_on: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    """Keys this version does not know, kept as stored."""
    layout: list[str] = field(default_factory=lambda: list(DRAFT_DEFAULTS))

    @property
    def stage(self) -> Milestone | None:
        """The stage answered so far; None for "not started yet" and for no answer yet."""
        return milestone_of(self.milestone)

    def has_issue(self, flag: str) -> bool:
        return any(i.flag == flag for i in self.issues)

    def to_json(self) -> dict[str, Any]:
        values = {
            "milestone": self.milestone,
            "quantity": self.quantity,
            "issues": [i.to_json() for i in self.issues],
            "note": self.note,
            "exf": self.exf,
            "photos": list(self.photos),
            "shipped_on": self.shipped_on,
            **self.extra,
        }
        return stored_shape(values, DRAFT_DEFAULTS, self.layout)

    @staticmethod
    def from_json(data: Mapping[str, Any]) -> DraftAnswers:
        return DraftAnswers(
            milestone=data.get("milestone"),
            quantity=data.get("quantity"),
            issues=[IssueAnswer.from_json(i) for i in data.get("issues") or []],
            note=data.get("note", ""),
            exf=data.get("exf"),
            photos=list(data.get("photos") or []),
            shipped_on=data.get("shipped_on"),
            extra={k: v for k, v in data.items() if k not in DRAFT_DEFAULTS},
            layout=list(data),
        )

    def finished(self) -> CheckinDraft:
        """The finished draft; raises ValueError when the milestone was never answered."""
        if not self.milestone:
            raise ValueError("a check-in needs a milestone")
        exf, shipped_on = self.exf, self.shipped_on
        return CheckinDraft(
            milestone=self.stage,
            quantity=self.quantity,
            issues=tuple(
                ReportedIssue(flag=IssueFlag(i.flag), delay_days=i.delay_days) for i in self.issues
            ),
            revised_exf=date.fromisoformat(exf) if exf and exf != EXF_KEEP else None,
            note=str(self.note or ""),
            photos=tuple(str(p) for p in self.photos),
            shipped_on=date.fromisoformat(shipped_on) if shipped_on else None,
        )
