"""What a factory conversation remembers between messages, typed: `ConversationState.data`.

One JSON object per contact holds the language the chat reported (`hint`, kept across flows),
the check-in's keys (flat, see `CheckinState`) and the QC inspection's draft (`qc`). The flow
itself is `ConversationState.flow`, one of `Flow`; a flow that is not known counts as idle.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from .checkin_state import CHECKIN_DEFAULTS, CheckinState
from .qc_state import QcDraft
from .state_json import stored_shape


class Flow(StrEnum):
    IDLE = "idle"
    CHECKIN = "checkin"
    QC = "qc"


DEFAULTS: dict[str, Any] = {**CHECKIN_DEFAULTS, "qc": None, "hint": None}


@dataclass
class ChatState:
    hint: str | None = None
    checkin: CheckinState | None = None
    qc: QcDraft | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    """Keys this version does not know (or could not read), kept as stored."""
    layout: list[str] = field(default_factory=list)
    """The stored keys in their stored order (see `state_json`)."""

    @staticmethod
    def from_json(data: Mapping[str, Any] | None) -> ChatState:
        data = dict(data or {})
        qc = data.get("qc")
        readable = {"hint", *CHECKIN_DEFAULTS} | ({"qc"} if isinstance(qc, Mapping) else set())
        return ChatState(
            hint=data.get("hint"),
            checkin=CheckinState.from_json(data),
            qc=QcDraft.from_json(qc) if isinstance(qc, Mapping) else None,
            extra={k: v for k, v in data.items() if k not in readable},
            layout=list(data),
        )

    def to_json(self) -> dict[str, Any]:
        values = {
            **(self.checkin.to_json() if self.checkin is not None else {}),
            **({"qc": self.qc.to_json()} if self.qc is not None else {}),
            "hint": self.hint,
            **self.extra,
        }
        return stored_shape(values, DEFAULTS, self.layout)

    def restart(self, checkin: CheckinState | None = None) -> None:
        """Forget every flow's answers, begin `checkin` if given; only the hint survives."""
        self.hint = self.hint or None
        self.checkin, self.qc, self.extra = checkin, None, {}
        self.layout = [*(checkin.fresh_keys() if checkin else []), *(["hint"] if self.hint else [])]

    def keep_qc(self, draft: QcDraft) -> None:
        self.qc = draft
        self.extra.pop("qc", None)
