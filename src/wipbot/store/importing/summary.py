"""What an import did, entity by entity, for the summary line and for scripts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

ProgressHook = Callable[[str, int, int], None]
"""Called as (phase, rows done, rows in total) while a file is checked and then written."""


def no_progress(_phase: str, _done: int, _total: int) -> None:
    return None


@dataclass
class Tally:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0

    def count(self, *, created: bool, changed: bool) -> None:
        if created:
            self.created += 1
        elif changed:
            self.updated += 1
        else:
            self.unchanged += 1

    def describe(self) -> str:
        parts = [f"{self.created} created", f"{self.updated} updated"]
        if self.unchanged:
            parts.append(f"{self.unchanged} unchanged")
        if self.removed:
            parts.append(f"{self.removed} removed")
        return ", ".join(parts)


@dataclass(frozen=True)
class ImportResult:
    kind: str
    file: str
    brand: str
    rows: int
    tallies: dict[str, Tally] = field(default_factory=dict)
    ignored: tuple[str, ...] = ()
    """Columns of the file that mean nothing to its kind: named so nobody thinks them read."""

    @property
    def created(self) -> int:
        return sum(t.created for t in self.tallies.values())

    @property
    def updated(self) -> int:
        return sum(t.updated for t in self.tallies.values())

    def describe(self) -> str:
        kinds = "; ".join(f"{name}: {tally.describe()}" for name, tally in self.tallies.items())
        ignored = f". Ignored columns: {', '.join(self.ignored)}" if self.ignored else ""
        return f"{self.file}: {self.rows} rows for {self.brand}. {kinds}{ignored}"


def tallies(*names: str) -> dict[str, Tally]:
    return {name: Tally() for name in names}
