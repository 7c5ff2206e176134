"""Bad rows, reported the way a compiler reports bad lines: `file:line: field: reason`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class RowError:
    """One problem in one cell; `line` is the spreadsheet line, the header being line 1."""

    file: str
    line: int
    field: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.field}: {self.reason}"


class ImportFailed(Exception):
    """The file was rejected as a whole; nothing it describes was written."""

    def __init__(self, errors: Sequence[RowError]) -> None:
        self.errors: tuple[RowError, ...] = tuple(sorted(errors, key=lambda e: (e.line, e.field)))
        super().__init__("\n".join(str(e) for e in self.errors))
