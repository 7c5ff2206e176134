"""What the demo's acts share: settings, sessions, the console, the pinned date, the brand.

It lives apart from the demo command so that each act can import it without importing the
command that imports every act.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.rule import Rule

from wipbot.bot.config import Settings
from wipbot.store.db import SessionFactory
from wipbot.store.wip import resolve_brand

DEMO_BRAND = "Northwind Apparel"


@dataclass
class DemoContext:
    settings: Settings
    sessions: SessionFactory
    console: Console
    today: date
    examples: Path
    brand_name: str = DEMO_BRAND
    shared: dict[str, Any] = field(default_factory=dict)
    """Whatever one act leaves for a later one (ids, numbers), by name."""
    acts_shown: int = 0

    def heading(self, title: str) -> None:
        self.acts_shown += 1
        self.console.print()
        self.console.print(Rule(f"[bold]Act {self.acts_shown} · {title}[/bold]", align="left"))

    async def brand_id(self) -> int:
        async with self.sessions() as session:
            brand = await resolve_brand(session, self.brand_name)
        assert brand.id is not None
        return brand.id


Act = Callable[[DemoContext], Awaitable[None]]
