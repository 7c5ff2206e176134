"""The console: the factory conversation in a terminal, a chat platform like the others."""

from .chat import PLATFORM, ConsoleChat, render_reply, run_console
from .inbox import deliver_waiting

__all__ = ["PLATFORM", "ConsoleChat", "deliver_waiting", "render_reply", "run_console"]
