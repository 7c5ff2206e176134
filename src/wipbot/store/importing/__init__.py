"""CSV and XLSX imports: all or nothing per file; bad rows reported as `file:line: field: reason`.

Each importer checks the whole file before it writes anything, and writes inside the caller's
transaction, so a file with any bad row changes nothing.

Each importer is loaded when it is first asked for: a command that imports one kind of file,
or only parses a cell, does not pay for loading the other four.
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from .errors import ImportFailed, RowError
from .summary import ImportResult, ProgressHook, Tally, no_progress

if TYPE_CHECKING:
    from sqlmodel.ext.asyncio.session import AsyncSession

    from .charges import import_charges
    from .checkins import import_checkins
    from .factories import import_factories
    from .pos import import_pos
    from .qc import import_qc


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


MODULES: dict[str, str] = {
    "factories": "factories",
    "pos": "pos",
    "checkins": "checkins",
    "charges": "charges",
    "qc": "qc",
}
"""File kinds in the order a new brand imports them, and the module of each importer."""


def _importer(kind: str) -> Importer:
    module = importlib.import_module(f"{__name__}.{MODULES[kind]}")
    found: Importer = getattr(module, f"import_{kind}")
    return found


class _Importers(Mapping[str, Importer]):
    """The importers by file kind, each loaded on first use."""

    def __getitem__(self, kind: str) -> Importer:
        if kind not in MODULES:
            raise KeyError(kind)
        return _importer(kind)

    def __iter__(self) -> Iterator[str]:
        return iter(MODULES)

    def __len__(self) -> int:
        return len(MODULES)


IMPORTERS: Mapping[str, Importer] = _Importers()


def __getattr__(name: str) -> Any:
    kind = name.removeprefix("import_")
    if name.startswith("import_") and kind in MODULES:
        return _importer(kind)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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
