"""Each production order is shown with its own style and colour, not its PO's first line."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlmodel import select

from tests.store.import_files import BRAND, PO_HEADER, import_examples, run_import, write_csv
from wipbot.handlers.factory_orders import open_orders, order_views
from wipbot.store.db import SessionFactory
from wipbot.store.models import Factory

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


async def styles_at(sessions: SessionFactory, code: str) -> dict[str, str]:
    async with sessions() as session:
        factory = (await session.exec(select(Factory).where(Factory.code == code))).one()
        assert factory.id is not None
        orders = await open_orders(session, factory.id)
        return {view.number: view.style for view in await order_views(session, orders, NOW)}


async def test_each_production_order_shows_its_own_style_and_colour(
    session_factory: SessionFactory,
) -> None:
    await import_examples(session_factory)
    styles = await styles_at(session_factory, "NGB1")
    assert styles["PO-1042-A"] == "NW-QV-720 Black"
    assert styles["PO-1042-B"] == "NW-QV-720 Navy"
    assert styles["PO-1030-A"] == "NW-BN-760 Charcoal +1"


async def test_moving_a_line_to_another_production_order_moves_its_label(
    sqlite_session_factory: SessionFactory, tmp_path: Path
) -> None:
    folder = tmp_path
    await import_examples(sqlite_session_factory)
    line = [BRAND, "PO-1042", "NGB1", "NW-QV-720", "Vest", "", "10", "1", "USD", "2027-01-08"]
    rows = [
        [*line[:5], "Black", *line[6:], "PO-1042-B"],
        [*line[:5], "Navy", *line[6:], "PO-1042-A"],
    ]
    await run_import(sqlite_session_factory, "pos", write_csv(folder, "p.csv", PO_HEADER, rows))
    styles = await styles_at(sqlite_session_factory, "NGB1")
    assert styles["PO-1042-A"] == "NW-QV-720 Navy"
    assert styles["PO-1042-B"] == "NW-QV-720 Black"
