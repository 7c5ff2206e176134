"""Where a contact is in the weekly check-in: the steps, the queue of orders and the draft.

Stored flat in `ConversationState.data` (beside the language hint) while the flow is `checkin`;
the step itself is `ConversationState.step`, one of `CheckinStep`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from .checkin_draft import DraftAnswers


class CheckinStep(StrEnum):
    MILESTONE = "milestone"
    QUANTITY = "quantity"
    SHIPPED_ON = "shipped_on"
    ISSUES = "issues"
    DELAY = "delay"
    NOTE = "note"
    EXF = "exf"
    EXF_NEW = "exf_new"
    SUMMARY = "summary"
    EDIT = "edit"


BUTTON_STEPS = frozenset(
    {
        CheckinStep.MILESTONE,
        CheckinStep.ISSUES,
        CheckinStep.EXF,
        CheckinStep.SUMMARY,
        CheckinStep.EDIT,
    }
)
"""Steps answered with buttons, where typed text is read as a report on the current order."""

CHECKIN_DEFAULTS: dict[str, Any] = {
    "queue": [],
    "index": 0,
    "done": 0,
    "draft": None,
    "editing": False,
    "started_at": None,
    "issue_cursor": None,
}
"""The check-in's JSON keys in the order they are stored, with the value when absent."""
ALWAYS_STORED = ("queue", "index", "done", "editing")
"""Keys a check-in stores from its start, even at their default."""


@dataclass
class CheckinState:
    """The orders to ask about (`queue`, answered up to `index`), how many were saved
    (`done`), the answers so far about the current one, and whether the contact came from the
    summary's Edit (`editing`: the next answer goes back to the summary)."""

    queue: list[int] = field(default_factory=list)
    index: int = 0
    done: int = 0
    draft: DraftAnswers | None = None
    editing: bool = False
    started_at: str | None = None
    issue_cursor: int | None = None
    """Which issue's delay is being asked for; absent until the first delay question."""

    @property
    def answers(self) -> DraftAnswers:
        """The draft about the current order, begun empty when there is none yet."""
        if self.draft is None:
            self.draft = DraftAnswers()
        return self.draft

    @property
    def cursor(self) -> int:
        return self.issue_cursor or 0

    def next_order(self) -> None:
        """On to the next order in the queue, with a fresh draft."""
        self.index += 1
        self.draft = DraftAnswers()
        self.editing = False

    def to_json(self) -> dict[str, Any]:
        """Every key, in stored order; `ChatState` leaves out the ones never stored."""
        return {
            "queue": list(self.queue),
            "index": self.index,
            "done": self.done,
            "draft": None if self.draft is None else self.draft.to_json(),
            "editing": self.editing,
            "started_at": self.started_at,
            "issue_cursor": self.issue_cursor,
        }

    def fresh_keys(self) -> list[str]:
        """The keys a check-in started now stores, in order."""
        return [
            key
            for key, value in self.to_json().items()
            if key in ALWAYS_STORED or value != CHECKIN_DEFAULTS[key]
        ]

    @staticmethod
    def from_json(data: Mapping[str, Any]) -> CheckinState | None:
        """The check-in in a conversation's data; None when it holds none."""
        if not any(key in data for key in CHECKIN_DEFAULTS):
            return None
        draft = data.get("draft")
        return CheckinState(
            queue=list(data.get("queue") or []),
            index=data.get("index", 0),
            done=data.get("done", 0),
            draft=DraftAnswers.from_json(draft) if isinstance(draft, Mapping) else None,
            editing=data.get("editing", False),
            started_at=data.get("started_at"),
            issue_cursor=data.get("issue_cursor"),
        )


def checkin_step(value: str) -> CheckinStep | None:
    """The stored step, when it is one of the check-in's."""
    try:
        return CheckinStep(value)
    except ValueError:
        return None
