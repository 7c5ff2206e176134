"""A scripted stand-in for a chat platform: records deliveries, fails when told to."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from wipbot.store.outbox import Delivered, Outbound


@dataclass(frozen=True)
class Delivery:
    text: str
    chat_id: str
    at: datetime


class ScriptedTransport:
    def __init__(self, platform: str, clock: Callable[[], datetime]) -> None:
        self.platform = platform
        self.clock = clock
        self.delivered: list[Delivery] = []
        self.failures: dict[str, list[Exception]] = defaultdict(list)

    def fail(self, text: str, *errors: Exception) -> None:
        """The next deliveries of the message with this text raise these errors, in order."""
        self.failures[text].extend(errors)

    async def deliver(self, message: Outbound) -> Delivered:
        text = str(message.payload.get("text"))
        if self.failures[text]:
            raise self.failures[text].pop(0)
        self.delivered.append(Delivery(text, message.chat_id, self.clock()))
        return Delivered(f"{self.platform}-{message.id}")

    @property
    def texts(self) -> list[str]:
        return [d.text for d in self.delivered]
