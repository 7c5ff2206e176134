"""A terminal chat: lines in, numbered buttons out.

Typing the number of a button shown in the last message taps it; anything else is sent as text.
Each line is one delivery through the shared inbound pipeline, exactly as a Telegram update is;
the replies are shown here rather than sent through the outbox.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from wipbot.handlers.inbound_pipeline import InboundPipeline
from wipbot.handlers.messages import Button, Inbound, Reply
from wipbot.production.clock import Clock, system_clock
from wipbot.store.db import SessionFactory
from wipbot.store.fitting import kept_id, storable
from wipbot.store.models.widths import PHOTO_FILE_ID

PLATFORM = "console"
QUIT = frozenset({"/quit", "/exit", "/q"})
PHOTO_COMMAND = "/photo "


@dataclass
class ConsoleChat:
    session_factory: SessionFactory
    chat_id: str
    clock: Clock = system_clock
    language_hint: str | None = None
    buttons: tuple[Button, ...] = field(default=())
    pipeline: InboundPipeline = field(init=False)

    def __post_init__(self) -> None:
        # the chat's clock as it is at each line: a scripted demo moves it between lines
        self.pipeline = InboundPipeline(self.session_factory, clock=lambda: self.clock())

    def to_inbound(self, line: str) -> Inbound:
        """A number that names a shown button is that button's choice; `/photo FILE` sends a
        photo (the terminal has no camera: the file name stands for it); the rest is text.

        As the webhooks do, NUL and lone surrogates (bytes a terminal passed that are not UTF-8)
        are replaced, and a file name no column keeps is no photo: PostgreSQL refused both."""
        line = storable(line)
        stripped = line.strip()
        choice = None
        if stripped.isdigit() and 1 <= int(stripped) <= len(self.buttons):
            choice = self.buttons[int(stripped) - 1].value
        photo = None
        if stripped.startswith(PHOTO_COMMAND):
            photo = kept_id(stripped[len(PHOTO_COMMAND) :].strip() or None, PHOTO_FILE_ID)
        return Inbound(
            platform=PLATFORM,
            chat_id=self.chat_id,
            inbound_id=f"console-{uuid.uuid4().hex}",
            received_at=self.clock(),
            text=None if choice or photo else line,
            choice=choice,
            photo_file_id=photo,
            language_hint=self.language_hint,
        )

    async def send(self, line: str) -> list[Reply]:
        inbound = self.to_inbound(line)
        replies = await self.pipeline.handle(inbound, to_payload=None)
        self.remember(replies)
        return replies

    def remember(self, replies: list[Reply]) -> None:
        """The buttons of the newest message with buttons are the ones numbers refer to."""
        for reply in reversed(replies):
            if reply.buttons:
                self.buttons = reply.buttons
                return


def render_reply(reply: Reply) -> str:
    lines = [reply.text]
    for number, button in enumerate(reply.buttons, start=1):
        mark = " ✓" if button.selected else ""
        lines.append(f"  [{number}] {button.label}{mark}")
    return "\n".join(lines)


async def run_console(
    chat: ConsoleChat,
    read_line: Callable[[], Awaitable[str | None]],
    write: Callable[[str], None],
) -> int:
    """Talk until end of input or /quit; returns how many lines were sent."""
    sent = 0
    while True:
        line = await read_line()
        if line is None or line.strip().lower() in QUIT:
            return sent
        if not line.strip():
            continue
        sent += 1
        for reply in await chat.send(line):
            write(render_reply(reply))
