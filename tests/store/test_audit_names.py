"""An audit record never fails the decision it records: a file imported from a deep folder has
a path longer than the audit log's subject column."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import select

from wipbot.store.audit import fitted
from wipbot.store.db import SessionFactory, transaction
from wipbot.store.importing import IMPORTERS
from wipbot.store.models import AuditLog, Factory
from wipbot.store.models.audit import NAME_CHARS

from .import_files import FACTORIES, FACTORY_HEADER, write_csv


async def test_a_file_from_a_deep_folder_is_imported_and_its_path_kept_by_its_end(
    session_factory: SessionFactory, tmp_path: Path
) -> None:
    folder = tmp_path / ("season-2027-spring-" * 4) / ("factory-sheets-from-erp-export-" * 3)
    folder.mkdir(parents=True)
    path = write_csv(folder, "factories.csv", FACTORY_HEADER, FACTORIES)
    assert len(str(path)) > NAME_CHARS
    async with transaction(session_factory) as session:
        await IMPORTERS["factories"](session, path, file=str(path))
    async with session_factory() as session:
        subjects = (await session.exec(select(AuditLog.subject))).all()
        factories = (await session.exec(select(Factory.code))).all()
    assert sorted(factories) == sorted(row[1] for row in FACTORIES)
    assert len(subjects) == 1
    assert len(subjects[0]) == NAME_CHARS
    assert subjects[0].startswith("…") and subjects[0].endswith("export-/factories.csv")


def test_a_name_that_fits_is_kept_whole() -> None:
    assert fitted("PO-1042") == "PO-1042"
    assert fitted("x" * NAME_CHARS) == "x" * NAME_CHARS
    assert fitted("y" + "x" * NAME_CHARS) == "…" + "x" * (NAME_CHARS - 1)
