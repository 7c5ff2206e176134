"""The console: the factory conversation in a terminal, a chat platform like the others."""

from .chat import PLATFORM, ConsoleChat, render_reply, run_console

__all__ = ["PLATFORM", "ConsoleChat", "render_reply", "run_console"]
