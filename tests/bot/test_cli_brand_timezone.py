"""`wipbot brand add --timezone`: when the brand's Monday digest goes out."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from tests.bot.test_cli_qc_cost import on_database
from wipbot.cli.main import app
from wipbot.store.db import SessionFactory
from wipbot.store.models import Brand


def test_a_brand_keeps_its_timezone_and_a_wrong_one_is_refused(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    runner = CliRunner()
    made = runner.invoke(app, ["brand", "add", "Northwind", "--timezone", "Europe/Berlin"])
    assert made.exit_code == 0, made.output
    assert "timezone Europe/Berlin" in made.output
    wrong = runner.invoke(app, ["brand", "add", "Northwind", "--timezone", "Mars/Olympus"])
    assert wrong.exit_code == 1 and "unknown timezone 'Mars/Olympus'" in wrong.output

    async def timezone(sessions: SessionFactory) -> str:
        async with sessions() as session:
            return (await session.exec(select(Brand.timezone))).one()

    assert on_database(sqlite_url, timezone) == "Europe/Berlin"
