"""CSV and XLSX imports: all or nothing per file; bad rows reported as `file:line: field: reason`.

Each importer checks the whole file before it writes anything, and writes inside the caller's
transaction, so a file with any bad row changes nothing.
"""

from __future__ import annotations

from collections.abc import Awaitable
from pathlib import Path
from typing import Protocol

from sqlmodel.ext.asyncio.session import AsyncSession

from .charges import import_charges
from .checkins import import_checkins
from .errors import ImportFailed, RowError
from .factories import import_factories
from .pos import import_pos
from .qc import import_qc
from .summary import ImportResult, ProgressHook, Tally, no_progress


class Importer(Protocol):
    def __call__(
        self,
        session: AsyncSession,
        path: Path,
        *,
        brand: str | None = None,
        progress: ProgressHook = no_progress,
        file: str | None = None,
    ) -> Awaitable[ImportResult]: ...


IMPORTERS: dict[str, Importer] = {
    "factories": import_factories,
    "pos": import_pos,
    "checkins": import_checkins,
    "charges": import_charges,
    "qc": import_qc,
}
"""File kinds in the order a new brand imports them."""

__all__ = [
    "IMPORTERS",
    "ImportFailed",
    "ImportResult",
    "Importer",
    "ProgressHook",
    "RowError",
    "Tally",
    "import_charges",
    "import_checkins",
    "import_factories",
    "import_pos",
    "import_qc",
    "no_progress",
]
